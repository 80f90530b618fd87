// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title LookAlikeRegistry
 * @author Aiqyn contributors
 * @notice TEST ONLY: answers the registry's reads and emits the same BatchAnchored event, but its owner can
 * rewrite any root. The auditor's code check (REGISTRY_CODE_MISMATCH) must tell it from the real registry.
 */
contract LookAlikeRegistry {
    struct Batch {
        bytes32 root;
        uint64 firstSeq;
        uint32 leafCount;
        uint64 anchoredAt;
        bytes32 head;
    }

    /// @notice Same shape as the registry's event.
    event BatchAnchored(uint64 indexed batchId, bytes32 root, uint64 firstSeq, uint32 leafCount, bytes32 head);

    uint64 public batchCount;
    uint64 public nextSeq = 1;
    bytes32 public head;
    uint64 public maxAnchorDelay = 3600;
    uint64 public deploymentBlock = uint64(block.number);
    mapping(uint64 batchId => Batch) private _batches;

    /// @notice Records a batch exactly as the registry would (no access control: it is a forgery).
    function anchor(uint64 batchId, bytes32 root, uint64 firstSeq, uint32 leafCount) external {
        head = keccak256(abi.encode(head, batchId, root, firstSeq, leafCount));
        _batches[batchId] = Batch(root, firstSeq, leafCount, uint64(block.timestamp), head);
        batchCount = batchId;
        nextSeq = firstSeq + leafCount;
        emit BatchAnchored(batchId, root, firstSeq, leafCount, head);
    }

    /// @notice What the real registry can never do: change an anchored root.
    function rewrite(uint64 batchId, bytes32 root) external {
        _batches[batchId].root = root;
    }

    /// @notice The registry's batch read.
    function batch(uint64 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @notice Everybody holds every role.
    function hasRole(bytes32, address) external pure returns (bool) {
        return true;
    }
}
