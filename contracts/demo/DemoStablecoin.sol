// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/**
 * @title DemoStablecoin
 * @author Aiqyn contributors
 * @notice A plain OpenZeppelin ERC-20 with 6 decimals, standing in for a stablecoin on the local demo chain and in
 * tests of reconciliation. It has no value and no owner: the whole supply goes to `holder` at deployment.
 */
contract DemoStablecoin is ERC20 {
    /**
     * @notice Mints `supply` (in the token's smallest unit) to `holder`.
     * @param holder The account that receives the whole supply.
     * @param supply The supply, in units of 10^-6 tokens.
     */
    constructor(address holder, uint256 supply) ERC20("Demo USD Stablecoin", "dUSDT") {
        _mint(holder, supply);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }
}
