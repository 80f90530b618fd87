// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @title ITransparencyRegistry
 * @author Aiqyn contributors
 * @notice Append-only registry of Merkle roots over Aiqyn's disclosure records. Each batch commits to the records
 * with seqs `[firstSeq, firstSeq + leafCount)` and extends a hash chain (`head`) over every batch anchored so far.
 * A batch is written once and never changed by anyone.
 * @dev This interface is fixed: independent verifiers are written against it. Leaf encoding (Record v1):
 * `keccak256(bytes.concat(keccak256(abi.encode(uint8(1), seq, kind, occurredAt, publishedAt, publisher, asset,
 * amount, valueUsd, counterparty, reference, documentHash, memo, corrects))))`, the fields encoded one by one.
 * Inner nodes hash their two children sorted ascending (OpenZeppelin `MerkleProof`).
 */
interface ITransparencyRegistry {
    /**
     * @notice One anchored batch, as returned by {batch}.
     * @param root Merkle root over the batch's record leaves, in seq order.
     * @param firstSeq Seq of the batch's first record.
     * @param leafCount Number of records in the batch (at least 1).
     * @param anchoredAt `block.timestamp` of the anchoring transaction.
     * @param head Hash chain value after this batch:
     * `keccak256(abi.encode(prevHead, batchId, root, firstSeq, leafCount))`, prevHead = 0 for batch 1.
     */
    struct Batch {
        bytes32 root;
        uint64 firstSeq;
        uint32 leafCount;
        uint64 anchoredAt;
        bytes32 head;
    }

    /**
     * @notice A disclosure record (Record v1) with its fields in encoding order.
     * @dev `reference` is a reserved word in Solidity, so the field is named `reference_`; the ABI encoding and the
     * leaf do not depend on field names.
     * @param seq Server-assigned sequence number (1, 2, 3 … with no gaps).
     * @param kind Record kind code (1 INFLOW_SEIZURE … 10 RETRACTION).
     * @param occurredAt Unix seconds when the transaction happened.
     * @param publishedAt Unix seconds when the server accepted the record.
     * @param publisher Id of the publisher account.
     * @param asset Asset ticker.
     * @param amount Quantity × 10^18.
     * @param valueUsd USD value in cents.
     * @param counterparty Exchange, broker, court or grantee.
     * @param reference_ Court order, chain tx hash, contract number.
     * @param documentHash keccak256 of the supporting document, zero if none.
     * @param memo Free text.
     * @param corrects Seq of the record this one supersedes or retracts, 0 if none.
     */
    struct Record {
        uint64 seq;
        uint8 kind;
        uint64 occurredAt;
        uint64 publishedAt;
        string publisher;
        string asset;
        uint256 amount;
        uint256 valueUsd;
        string counterparty;
        string reference_;
        bytes32 documentHash;
        string memo;
        uint64 corrects;
    }

    /**
     * @notice Emitted when a batch is anchored.
     * @param batchId Id of the new batch (batchCount after the call).
     * @param root Merkle root of the batch.
     * @param firstSeq Seq of the batch's first record.
     * @param leafCount Number of records in the batch.
     * @param head Hash chain value after this batch.
     */
    event BatchAnchored(uint64 indexed batchId, bytes32 root, uint64 firstSeq, uint32 leafCount, bytes32 head);

    /// @notice The constructor was given the zero address as admin.
    error RegistryZeroAdmin();

    /// @notice The constructor was given a maximum anchoring delay of zero seconds.
    error RegistryZeroDelay();

    /**
     * @notice The batch was anchored already (for an anchorer: its retry landed earlier).
     * @param batchId The batch id that was sent.
     * @param anchoredRoot The root stored for that batch; an anchorer treats an equal root as done.
     */
    error RegistryBatchAlreadyAnchored(uint64 batchId, bytes32 anchoredRoot);

    /**
     * @notice The batch id is not the next one.
     * @param batchId The batch id that was sent.
     * @param expectedBatchId `batchCount() + 1`.
     */
    error RegistryBatchOutOfOrder(uint64 batchId, uint64 expectedBatchId);

    /// @notice The root is zero.
    error RegistryZeroRoot();

    /// @notice The batch has no leaves.
    error RegistryEmptyBatch();

    /**
     * @notice The batch does not start at the next unanchored seq.
     * @param firstSeq The first seq that was sent.
     * @param expectedFirstSeq `nextSeq()`.
     */
    error RegistrySeqGap(uint64 firstSeq, uint64 expectedFirstSeq);

    /**
     * @notice `firstSeq + leafCount` does not fit in a uint64.
     * @param firstSeq The first seq that was sent.
     * @param leafCount The leaf count that was sent.
     */
    error RegistrySeqOverflow(uint64 firstSeq, uint32 leafCount);

    /**
     * @notice No batch has this id.
     * @param batchId The batch id that was asked for (0 or greater than batchCount()).
     */
    error RegistryUnknownBatch(uint64 batchId);

    /**
     * @notice No anchored batch contains this seq.
     * @param seq The seq that was asked for (0 or at least nextSeq()).
     */
    error RegistrySeqNotAnchored(uint64 seq);

    /**
     * @notice Role that may call {anchor}: `keccak256("ANCHORER_ROLE")`.
     * @return The role id.
     */
    function ANCHORER_ROLE() external view returns (bytes32); // solhint-disable-line func-name-mixedcase

    /**
     * @notice Role that may call {pause} and {unpause}: `keccak256("PAUSER_ROLE")`.
     * @return The role id.
     */
    function PAUSER_ROLE() external view returns (bytes32); // solhint-disable-line func-name-mixedcase

    /**
     * @notice Version byte that starts every leaf encoding (Record v1).
     * @return The record version, 1.
     */
    function RECORD_VERSION() external view returns (uint8); // solhint-disable-line func-name-mixedcase

    /**
     * @notice Block in which the registry was deployed; off-chain tools start scanning logs here.
     * @return The deployment block number.
     */
    function deploymentBlock() external view returns (uint64);

    /**
     * @notice The registry's public promise: a receipt's record is anchored within this many seconds of its
     * `publishedAt`. Immutable, set by the constructor; verifiers judge receipts by this value, never by what a
     * server says.
     * @return The maximum anchoring delay in seconds.
     */
    function maxAnchorDelay() external view returns (uint64);

    /**
     * @notice Stops {anchor}. Reads and verification keep working. Only PAUSER_ROLE.
     */
    function pause() external;

    /**
     * @notice Resumes {anchor}. Only PAUSER_ROLE.
     */
    function unpause() external;

    /**
     * @notice Anchors the next batch. Only ANCHORER_ROLE, while not paused.
     * @dev Reverts, in this order of checks: {RegistryBatchAlreadyAnchored} if `1 <= batchId <= batchCount()`,
     * {RegistryBatchOutOfOrder} if `batchId != batchCount() + 1`, {RegistryZeroRoot}, {RegistryEmptyBatch},
     * {RegistrySeqGap} if `firstSeq != nextSeq()`, {RegistrySeqOverflow}. Emits {BatchAnchored}.
     * @param batchId Must be `batchCount() + 1`.
     * @param root Merkle root over the batch's leaves, not zero.
     * @param firstSeq Must be `nextSeq()`.
     * @param leafCount Number of records, at least 1.
     */
    function anchor(uint64 batchId, bytes32 root, uint64 firstSeq, uint32 leafCount) external;

    /**
     * @notice Number of anchored batches; batch ids run from 1 to this value.
     * @return The batch count.
     */
    function batchCount() external view returns (uint64);

    /**
     * @notice First seq the next batch must start at: 1 before the first batch, then the last batch's
     * `firstSeq + leafCount`.
     * @return The next seq.
     */
    function nextSeq() external view returns (uint64);

    /**
     * @notice Hash chain value after the last batch, zero before the first batch.
     * @return The current head.
     */
    function head() external view returns (bytes32);

    /**
     * @notice An anchored batch. Reverts {RegistryUnknownBatch} for 0 or an id above batchCount().
     * @param batchId The batch id.
     * @return The stored batch.
     */
    function batch(uint64 batchId) external view returns (Batch memory);

    /**
     * @notice The batch that contains a seq (binary search over the batches' firstSeq).
     * Reverts {RegistrySeqNotAnchored} when seq is 0 or at least nextSeq().
     * @param seq The record seq.
     * @return batchId The id of the batch that contains seq.
     */
    function batchOfSeq(uint64 seq) external view returns (uint64 batchId);

    /**
     * @notice Checks a Merkle proof of a caller-supplied leaf against a batch's root.
     * Reverts {RegistryUnknownBatch} for an unknown batch.
     * @dev WARNING: a `true` answer proves nothing about a record on its own. An inner node of the tree, given
     * with the proof shortened by the levels below it, passes too (second-preimage trap), and nothing ties the
     * leaf to a seq of this batch. A contract that must know a record is anchored calls {verifyRecord}, which
     * computes the leaf from the record's fields itself.
     * @param batchId The batch id.
     * @param leaf The leaf (or any node) to check.
     * @param proof Sibling hashes from the leaf up to the root.
     * @return True when the proof leads from leaf to the batch's root.
     */
    function verify(uint64 batchId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);

    /**
     * @notice Checks that a record is part of a batch: its seq lies in the batch's range and the leaf computed
     * from its fields, with the proof, leads to the batch's root. Reverts {RegistryUnknownBatch} for an unknown
     * batch.
     * @param batchId The batch id.
     * @param record The record, every field as published.
     * @param proof Sibling hashes from the record's leaf up to the root (empty for a one-leaf batch).
     * @return False when the seq is outside `[firstSeq, firstSeq + leafCount)` or the proof fails; true otherwise.
     */
    function verifyRecord(
        uint64 batchId,
        Record calldata record,
        bytes32[] calldata proof
    ) external view returns (bool);

    /**
     * @notice The Record v1 leaf of a record, exactly as core computes it.
     * @param record The record.
     * @return The leaf hash.
     */
    function recordLeaf(Record calldata record) external pure returns (bytes32);
}
