// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ITransparencyRegistry} from "./ITransparencyRegistry.sol";

/**
 * @title TransparencyRegistry
 * @author Aiqyn contributors
 * @notice Append-only registry of Merkle roots over Aiqyn's disclosure records. See {ITransparencyRegistry}.
 * @dev Storage per batch: three slots (root; firstSeq + leafCount + anchoredAt; head). `batchCount` and `nextSeq`
 * share one slot with Pausable's `_paused` (one SLOAD covers the pause check and both counters); the slot is
 * non-zero from deployment (nextSeq = 1), so no anchor pays for a fresh counter slot. The current head is the
 * last batch's head (batch 0 reads as all zeros), so no separate head slot is written. No function writes an
 * existing batch.
 */
contract TransparencyRegistry is ITransparencyRegistry, AccessControl, Pausable {
    /// @inheritdoc ITransparencyRegistry
    bytes32 public constant override ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @inheritdoc ITransparencyRegistry
    bytes32 public constant override PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @inheritdoc ITransparencyRegistry
    uint8 public constant override RECORD_VERSION = 1;

    // solhint-disable-next-line immutable-vars-naming
    uint64 private immutable _deploymentBlock;
    // solhint-disable-next-line immutable-vars-naming
    uint64 private immutable _maxAnchorDelay;

    uint64 private _batchCount;
    uint64 private _nextSeq;
    mapping(uint64 batchId => Batch) private _batches;

    /**
     * @notice Deploys the registry and assigns its roles.
     * @dev Reverts {RegistryZeroAdmin} on a zero admin and {RegistryZeroDelay} on a zero delay. A zero anchorer or
     * pauser leaves that role unassigned; the admin can grant it later.
     * @param admin Receives DEFAULT_ADMIN_ROLE (a multisig on a real network).
     * @param anchorer Receives ANCHORER_ROLE (the server's key).
     * @param pauser Receives PAUSER_ROLE.
     * @param maxAnchorDelay_ The promised maximum anchoring delay in seconds (see {maxAnchorDelay}).
     */
    constructor(address admin, address anchorer, address pauser, uint64 maxAnchorDelay_) {
        if (admin == address(0)) revert RegistryZeroAdmin();
        if (maxAnchorDelay_ == 0) revert RegistryZeroDelay();
        _deploymentBlock = uint64(block.number);
        _maxAnchorDelay = maxAnchorDelay_;
        _nextSeq = 1;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (anchorer != address(0)) _grantRole(ANCHORER_ROLE, anchorer);
        if (pauser != address(0)) _grantRole(PAUSER_ROLE, pauser);
    }

    /// @inheritdoc ITransparencyRegistry
    function pause() external override onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ITransparencyRegistry
    function unpause() external override onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc ITransparencyRegistry
    function anchor(
        uint64 batchId,
        bytes32 root,
        uint64 firstSeq,
        uint32 leafCount
    ) external override onlyRole(ANCHORER_ROLE) whenNotPaused {
        uint64 count = _batchCount;
        if (batchId != 0 && batchId <= count) revert RegistryBatchAlreadyAnchored(batchId, _batches[batchId].root);
        // Overflows (a panic) only after 2^64 - 1 batches, which never happens.
        uint64 expectedBatchId = count + 1;
        if (batchId != expectedBatchId) revert RegistryBatchOutOfOrder(batchId, expectedBatchId);
        if (root == bytes32(0)) revert RegistryZeroRoot();
        if (leafCount == 0) revert RegistryEmptyBatch();
        uint64 expectedFirstSeq = _nextSeq;
        if (firstSeq != expectedFirstSeq) revert RegistrySeqGap(firstSeq, expectedFirstSeq);
        uint256 end = uint256(firstSeq) + leafCount;
        if (end > type(uint64).max) revert RegistrySeqOverflow(firstSeq, leafCount);

        bytes32 newHead = keccak256(abi.encode(_batches[count].head, batchId, root, firstSeq, leafCount));
        _batches[batchId] = Batch({
            root: root,
            firstSeq: firstSeq,
            leafCount: leafCount,
            anchoredAt: uint64(block.timestamp),
            head: newHead
        });
        _batchCount = batchId;
        _nextSeq = uint64(end);
        emit BatchAnchored(batchId, root, firstSeq, leafCount, newHead);
    }

    /// @inheritdoc ITransparencyRegistry
    function deploymentBlock() external view override returns (uint64) {
        return _deploymentBlock;
    }

    /// @inheritdoc ITransparencyRegistry
    function maxAnchorDelay() external view override returns (uint64) {
        return _maxAnchorDelay;
    }

    /// @inheritdoc ITransparencyRegistry
    function batchCount() external view override returns (uint64) {
        return _batchCount;
    }

    /// @inheritdoc ITransparencyRegistry
    function nextSeq() external view override returns (uint64) {
        return _nextSeq;
    }

    /// @inheritdoc ITransparencyRegistry
    function head() external view override returns (bytes32) {
        return _batches[_batchCount].head;
    }

    /// @inheritdoc ITransparencyRegistry
    function batch(uint64 batchId) external view override returns (Batch memory) {
        return _knownBatch(batchId);
    }

    /// @inheritdoc ITransparencyRegistry
    function batchOfSeq(uint64 seq) external view override returns (uint64 batchId) {
        if (seq == 0 || seq >= _nextSeq) revert RegistrySeqNotAnchored(seq);
        // Largest id in [1, batchCount] whose firstSeq <= seq; batch 1 starts at seq 1, so one exists.
        uint64 lo = 1;
        uint64 hi = _batchCount;
        while (lo < hi) {
            uint64 mid = hi - (hi - lo) / 2; // upper middle, > lo
            if (_batches[mid].firstSeq <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /// @inheritdoc ITransparencyRegistry
    function verify(uint64 batchId, bytes32 leaf, bytes32[] calldata proof) external view override returns (bool) {
        return MerkleProof.verifyCalldata(proof, _knownBatch(batchId).root, leaf);
    }

    /// @inheritdoc ITransparencyRegistry
    function verifyRecord(
        uint64 batchId,
        Record calldata record,
        bytes32[] calldata proof
    ) external view override returns (bool) {
        Batch storage b = _knownBatch(batchId);
        uint64 firstSeq = b.firstSeq;
        if (record.seq < firstSeq || record.seq - firstSeq >= b.leafCount) return false;
        return MerkleProof.verifyCalldata(proof, b.root, _recordLeaf(record));
    }

    /// @inheritdoc ITransparencyRegistry
    function recordLeaf(Record calldata record) external pure override returns (bytes32) {
        return _recordLeaf(record);
    }

    /**
     * @notice The stored batch, or a revert {RegistryUnknownBatch} for 0 or an id above batchCount.
     * @param batchId The batch id.
     * @return b The stored batch.
     */
    function _knownBatch(uint64 batchId) private view returns (Batch storage b) {
        if (batchId == 0 || batchId > _batchCount) revert RegistryUnknownBatch(batchId);
        return _batches[batchId];
    }

    /**
     * @notice Record v1 leaf.
     * @dev The fields abi-encoded one by one (not the struct whole, which would add a tuple
     * offset), hashed twice as in OpenZeppelin's StandardMerkleTree.
     * @param r The record.
     * @return The leaf hash.
     */
    function _recordLeaf(Record calldata r) private pure returns (bytes32) {
        bytes memory encoded = abi.encode(
            RECORD_VERSION,
            r.seq,
            r.kind,
            r.occurredAt,
            r.publishedAt,
            r.publisher,
            r.asset,
            r.amount,
            r.valueUsd,
            r.counterparty,
            r.reference_,
            r.documentHash,
            r.memo,
            r.corrects
        );
        return keccak256(bytes.concat(keccak256(encoded)));
    }
}
