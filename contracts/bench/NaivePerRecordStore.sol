// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title NaivePerRecordStore
/// @author Aiqyn contributors
/// @notice Benchmark only, never deployed: what anchoring would cost without a Merkle tree, with every record's
/// leaf hash in its own storage slot. `npm run bench` compares its gas per record with TransparencyRegistry's
/// anchor(), which stores one root per batch whatever the batch's size.
contract NaivePerRecordStore {
    /// @notice The leaf stored for each seq (1, 2, 3 ...).
    mapping(uint256 seq => bytes32 leaf) public leafOf;
    /// @notice The last seq stored.
    uint256 public count;

    /// @notice Stores `leaves` under the next seqs, one slot each.
    /// @param leaves The records' leaf hashes, in seq order.
    function store(bytes32[] calldata leaves) external {
        uint256 seq = count;
        for (uint256 i = 0; i < leaves.length; ++i) {
            ++seq;
            leafOf[seq] = leaves[i];
        }
        count = seq;
    }
}
