// SPDX-License-Identifier: Apache-2.0
// certledger (contracts/src/LogAnchor.sol)
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ILogAnchor} from "./ILogAnchor.sol";

/// @dev See {ILogAnchor}. DEFAULT_ADMIN_ROLE registers logs and names their operators.
contract LogAnchor is AccessControl, ILogAnchor {
    mapping(bytes32 logId => address) private _operators;
    mapping(bytes32 logId => Checkpoint[]) private _checkpoints;
    // position + 1 of the checkpoint with that size, 0 when none
    mapping(bytes32 logId => mapping(uint64 size => uint256)) private _positionBySize;

    constructor(address admin) {
        if (admin == address(0)) revert LogAnchorZeroValue();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function registerLog(bytes32 logId, address operator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (logId == bytes32(0) || operator == address(0)) revert LogAnchorZeroValue();
        if (_operators[logId] != address(0)) revert LogAnchorLogExists(logId);
        _operators[logId] = operator;
        emit LogRegistered(logId, operator);
    }

    function setLogOperator(bytes32 logId, address operator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (operator == address(0)) revert LogAnchorZeroValue();
        address previous = _operators[logId];
        if (previous == address(0)) revert LogAnchorUnknownLog(logId);
        _operators[logId] = operator;
        emit LogOperatorChanged(logId, previous, operator);
    }

    function anchorCheckpoint(bytes32 logId, uint64 size, bytes32 rootHash) external {
        address operator = _operators[logId];
        if (operator == address(0)) revert LogAnchorUnknownLog(logId);
        if (msg.sender != operator) revert LogAnchorUnauthorisedOperator(logId, msg.sender);
        if (rootHash == bytes32(0)) revert LogAnchorZeroValue();
        Checkpoint[] storage history = _checkpoints[logId];
        uint64 latestSize = history.length == 0 ? 0 : history[history.length - 1].size;
        if (size <= latestSize) revert LogAnchorSizeNotIncreasing(logId, latestSize, size);
        history.push(Checkpoint(size, uint48(block.number), uint48(block.timestamp), rootHash));
        _positionBySize[logId][size] = history.length;
        emit CheckpointAnchored(logId, size, rootHash, history.length - 1);
    }

    function logOperator(bytes32 logId) external view returns (address) {
        return _operators[logId];
    }

    function checkpointCount(bytes32 logId) external view returns (uint256) {
        return _checkpoints[logId].length;
    }

    function checkpointAt(bytes32 logId, uint256 position) external view returns (Checkpoint memory) {
        return _checkpoints[logId][position];
    }

    function latestCheckpoint(bytes32 logId) external view returns (Checkpoint memory) {
        Checkpoint[] storage history = _checkpoints[logId];
        if (history.length == 0) return Checkpoint(0, 0, 0, bytes32(0));
        return history[history.length - 1];
    }

    function checkpointForSize(bytes32 logId, uint64 size) external view returns (bool found, Checkpoint memory) {
        uint256 position = _positionBySize[logId][size];
        if (position == 0) return (false, Checkpoint(0, 0, 0, bytes32(0)));
        return (true, _checkpoints[logId][position - 1]);
    }
}
