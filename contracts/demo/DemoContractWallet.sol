// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title DemoContractWallet
 * @author Aiqyn contributors
 * @notice A minimal contract account for tests of reconciliation: it accepts, through ERC-1271, exactly the
 * signatures its owner's key made over the given hash (a one-owner stand-in for a Safe). It holds nothing else.
 */
contract DemoContractWallet is IERC1271 {
    /// @notice The key whose signatures this account accepts.
    address public immutable OWNER;

    /**
     * @notice Sets the owner.
     * @param owner_ The key whose signatures this account accepts.
     */
    constructor(address owner_) {
        OWNER = owner_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && signer == OWNER ? this.isValidSignature.selector : bytes4(0xffffffff);
    }
}
