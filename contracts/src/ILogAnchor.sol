// SPDX-License-Identifier: Apache-2.0
// certledger (contracts/src/ILogAnchor.sol)
pragma solidity 0.8.30;

/**
 * @dev Anchors checkpoints (tree size, RFC 9162 root hash) of the project's verifiable logs.
 * Sizes only grow, and each log has one registered operator that may write. The full
 * history stays readable, so an auditor can compare any published checkpoint with the one
 * anchored for the same size and detect a rewritten history (a split view).
 */
interface ILogAnchor {
    struct Checkpoint {
        uint64 size;
        uint48 blockNumber;
        uint48 timestamp;
        bytes32 rootHash;
    }

    /// @param logId A log that is not registered.
    error LogAnchorUnknownLog(bytes32 logId);
    /// @param logId A log that is already registered.
    error LogAnchorLogExists(bytes32 logId);
    /// @dev `account` is not the operator of `logId`.
    error LogAnchorUnauthorisedOperator(bytes32 logId, address account);
    /// @dev A checkpoint must be larger than the latest one anchored for the log.
    error LogAnchorSizeNotIncreasing(bytes32 logId, uint64 latestSize, uint64 size);
    /// @dev A zero address or a zero hash where a real one is required.
    error LogAnchorZeroValue();

    event LogRegistered(bytes32 indexed logId, address indexed operator);
    event LogOperatorChanged(bytes32 indexed logId, address indexed previousOperator, address indexed operator);
    event CheckpointAnchored(bytes32 indexed logId, uint64 indexed size, bytes32 rootHash, uint256 position);

    /// @dev Admin only.
    function registerLog(bytes32 logId, address operator) external;

    /// @dev Admin only.
    function setLogOperator(bytes32 logId, address operator) external;

    /// @dev Operator of `logId` only; `size` must exceed the latest anchored size.
    function anchorCheckpoint(bytes32 logId, uint64 size, bytes32 rootHash) external;

    function logOperator(bytes32 logId) external view returns (address);

    function checkpointCount(bytes32 logId) external view returns (uint256);

    function checkpointAt(bytes32 logId, uint256 position) external view returns (Checkpoint memory);

    /// @dev The latest checkpoint; a zero checkpoint when none was anchored yet.
    function latestCheckpoint(bytes32 logId) external view returns (Checkpoint memory);

    /// @dev The checkpoint anchored for exactly `size`, if any.
    function checkpointForSize(bytes32 logId, uint64 size) external view returns (bool found, Checkpoint memory);
}
