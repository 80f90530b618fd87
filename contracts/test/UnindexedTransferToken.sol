// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title UnindexedTransferToken
 * @author Aiqyn contributors
 * @notice TEST ONLY: an ERC-20 whose Transfer event has no indexed fields. Its topic 0 is the standard
 * keccak256("Transfer(address,address,uint256)"), but the parties sit in the data, so a log filter on the
 * parties' topics never finds its transfers. The reconciler must still see the balance move (TOKEN_UNEXPLAINED)
 * and flag the log it cannot decode (TRANSFER_UNDECODABLE).
 */
contract UnindexedTransferToken {
    /**
     * @notice Same topic 0 as ERC-20's Transfer; nothing indexed.
     * @param from The sender.
     * @param to The receiver.
     * @param value The amount moved.
     */
    event Transfer(address from, address to, uint256 value);

    /// @notice Insufficient balance or allowance.
    error UnindexedTransferTokenInsufficient();

    /// @notice Each account's balance.
    mapping(address account => uint256) public balanceOf;
    /// @notice What each spender may move of each owner's tokens.
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /**
     * @notice Mints `supply` to `holder`.
     * @param holder The account that receives the whole supply.
     * @param supply The supply, in units of 10^-6 tokens.
     */
    constructor(address holder, uint256 supply) {
        balanceOf[holder] = supply;
        emit Transfer(address(0), holder, supply);
    }

    /// @notice 6, like a stablecoin.
    function decimals() external pure returns (uint8) {
        return 6;
    }

    /**
     * @notice Lets `spender` move up to `value` of the caller's tokens.
     * @param spender Who may move them.
     * @param value How much.
     * @return Always true.
     */
    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        return true;
    }

    /**
     * @notice Moves `value` from the caller to `to`.
     * @param to The receiver.
     * @param value The amount.
     * @return Always true.
     */
    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    /**
     * @notice Moves `value` from `from` to `to` within the caller's allowance.
     * @param from The owner.
     * @param to The receiver.
     * @param value The amount.
     * @return Always true.
     */
    function transferFrom(address from, address to, uint256 value) external returns (bool) {
        if (allowance[from][msg.sender] < value) revert UnindexedTransferTokenInsufficient();
        allowance[from][msg.sender] -= value;
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        if (balanceOf[from] < value) revert UnindexedTransferTokenInsufficient();
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
