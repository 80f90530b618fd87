// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title WideDecimalsToken
 * @author Aiqyn contributors
 * @notice A plain OpenZeppelin ERC-20 with 24 decimals, more than a record's 18, for tests that a balance is
 * compared in the token's own units (a drained wallet must never read as matching). Test use only.
 */
contract WideDecimalsToken is ERC20 {
    /**
     * @notice Mints `supply` (in the token's smallest unit) to `holder`.
     * @param holder The account that receives the whole supply.
     * @param supply The supply, in units of 10^-24 tokens.
     */
    constructor(address holder, uint256 supply) ERC20("Wide Decimals Token", "WIDE") {
        _mint(holder, supply);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 24;
    }
}
