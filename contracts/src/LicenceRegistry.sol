// SPDX-License-Identifier: Apache-2.0
// certledger (contracts/src/LicenceRegistry.sol)
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {ILicenceRegistry} from "./ILicenceRegistry.sol";
import {RFC9162} from "./RFC9162.sol";

/**
 * @dev See {ILicenceRegistry}. Roles: DEFAULT_ADMIN_ROLE grants and revokes roles;
 * REGISTRAR_ROLE registers issuers, grants and revokes their licence types, suspends,
 * reinstates and removes them. Issuers are not a role: an issuer
 * is an account with a registration, and its rights are per licence type, with history.
 */
contract LicenceRegistry is AccessControl, ILicenceRegistry {
    using Checkpoints for Checkpoints.Trace208;

    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    struct IssuerInfo {
        bytes32 authorityHash;
        IssuerState state;
    }

    struct StatusChange {
        LeafStatus status;
        uint16 reason;
        uint48 blockNumber;
    }

    mapping(address account => IssuerInfo) private _issuers;
    // 1 while active (registered and not suspended or removed), 0 otherwise; keyed by block.
    mapping(address account => Checkpoints.Trace208) private _issuerActive;
    // 1 while authorised for the type, 0 otherwise; keyed by block.
    mapping(address account => mapping(bytes32 typeHash => Checkpoints.Trace208)) private _typeAuth;
    mapping(bytes32 root => Batch) private _batches;
    mapping(bytes32 leaf => StatusChange[]) private _statusHistory;
    mapping(bytes32 leaf => bytes32) private _successors;

    constructor(address admin) {
        if (admin == address(0)) revert LicenceRegistryZeroValue();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ----- issuers -----

    function registerIssuer(
        address account,
        bytes32 authorityHash,
        bytes32[] calldata typeHashes
    ) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0) || authorityHash == bytes32(0)) revert LicenceRegistryZeroValue();
        if (_issuers[account].state != IssuerState.Unregistered) {
            revert LicenceRegistryIssuerAlreadyRegistered(account);
        }
        _issuers[account] = IssuerInfo(authorityHash, IssuerState.Active);
        _issuerActive[account].push(_now(), 1);
        emit IssuerRegistered(account, authorityHash);
        _setTypes(account, typeHashes, true);
    }

    function grantTypes(address account, bytes32[] calldata typeHashes) external onlyRole(REGISTRAR_ROLE) {
        _requireNotRemoved(account);
        _setTypes(account, typeHashes, true);
    }

    function revokeTypes(address account, bytes32[] calldata typeHashes) external onlyRole(REGISTRAR_ROLE) {
        _requireNotRemoved(account);
        _setTypes(account, typeHashes, false);
    }

    function suspendIssuer(address account) external onlyRole(REGISTRAR_ROLE) {
        _requireState(account, IssuerState.Active);
        _setIssuerState(account, IssuerState.Suspended);
        emit IssuerSuspended(account);
    }

    function reinstateIssuer(address account) external onlyRole(REGISTRAR_ROLE) {
        _requireState(account, IssuerState.Suspended);
        _setIssuerState(account, IssuerState.Active);
        emit IssuerReinstated(account);
    }

    function removeIssuer(address account) external onlyRole(REGISTRAR_ROLE) {
        _requireNotRemoved(account);
        _setIssuerState(account, IssuerState.Removed);
        emit IssuerRemoved(account);
    }

    // ----- batches -----

    function anchorBatch(bytes32 typeHash, bytes32 root, uint64 size) external {
        if (root == bytes32(0) || typeHash == bytes32(0)) revert LicenceRegistryZeroValue();
        if (size == 0) revert LicenceRegistryEmptyBatch();
        _requireAuthorised(msg.sender, typeHash);
        if (_batches[root].blockNumber != 0) revert LicenceRegistryBatchExists(root);
        _batches[root] = Batch(msg.sender, typeHash, size, _now());
        emit BatchAnchored(root, msg.sender, typeHash, size);
    }

    // ----- licence status -----

    function suspend(LeafProof calldata licence, uint16 reason) external {
        _requireMayManage(licence);
        _changeStatus(licence.leaf, LeafStatus.Suspended, reason);
        emit LicenceSuspended(licence.leaf, licence.root, reason);
    }

    function reinstate(LeafProof calldata licence, uint16 reason) external {
        _requireMayManage(licence);
        _changeStatus(licence.leaf, LeafStatus.Active, reason);
        emit LicenceReinstated(licence.leaf, licence.root, reason);
    }

    function revoke(LeafProof calldata licence, uint16 reason) external {
        _requireMayManage(licence);
        _changeStatus(licence.leaf, LeafStatus.Revoked, reason);
        emit LicenceRevoked(licence.leaf, licence.root, reason);
    }

    function supersede(LeafProof calldata old, LeafProof calldata successor, uint16 reason) external {
        bytes32 oldType = _requireMayManage(old);
        bytes32 newType = _requireIncluded(successor);
        if (oldType != newType) revert LicenceRegistryTypeMismatch(oldType, newType);
        LeafStatus successorStatus = _currentStatus(successor.leaf);
        if (old.leaf == successor.leaf || successorStatus != LeafStatus.Active) {
            revert LicenceRegistryInvalidSuccessor(successor.leaf, successorStatus);
        }
        _changeStatus(old.leaf, LeafStatus.Superseded, reason);
        _successors[old.leaf] = successor.leaf;
        emit LicenceSuperseded(old.leaf, successor.leaf, reason);
    }

    // ----- views -----

    function issuer(address account) external view returns (bytes32 authorityHash, IssuerState state) {
        IssuerInfo storage info = _issuers[account];
        return (info.authorityHash, info.state);
    }

    function isAuthorised(address account, bytes32 typeHash) public view returns (bool) {
        return _issuerActive[account].latest() == 1 && _typeAuth[account][typeHash].latest() == 1;
    }

    function isAuthorisedAt(address account, bytes32 typeHash, uint48 blockNumber) external view returns (bool) {
        return
            _issuerActive[account].upperLookupRecent(blockNumber) == 1 &&
            _typeAuth[account][typeHash].upperLookupRecent(blockNumber) == 1;
    }

    function batch(bytes32 root) external view returns (Batch memory) {
        return _batches[root];
    }

    function statusOf(bytes32 leaf) external view returns (StatusRecord memory) {
        uint256 n = _statusHistory[leaf].length;
        return n == 0 ? _noChange() : _record(leaf, n - 1);
    }

    function verification(
        bytes32 root,
        bytes32 leaf,
        uint48 blockNumber
    ) external view returns (Batch memory batchRecord, bytes32 issuerAuthority, StatusRecord memory status) {
        batchRecord = _batches[root];
        issuerAuthority = _issuers[batchRecord.issuer].authorityHash;
        status = statusAt(leaf, blockNumber);
    }

    function statusAt(bytes32 leaf, uint48 blockNumber) public view returns (StatusRecord memory) {
        StatusChange[] storage history = _statusHistory[leaf];
        // Binary search for the number of changes made at or before `blockNumber`.
        uint256 low = 0;
        uint256 high = history.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (history[mid].blockNumber > blockNumber) high = mid;
            else low = mid + 1;
        }
        return low == 0 ? _noChange() : _record(leaf, low - 1);
    }

    function statusHistoryLength(bytes32 leaf) external view returns (uint256) {
        return _statusHistory[leaf].length;
    }

    function statusHistoryAt(bytes32 leaf, uint256 position) external view returns (StatusRecord memory) {
        return _record(leaf, position);
    }

    function verifyLeaf(LeafProof calldata licence) external view returns (bool) {
        Batch storage b = _batches[licence.root];
        return
            b.blockNumber != 0 &&
            RFC9162.verifyInclusion(licence.root, licence.index, b.size, licence.leaf, licence.path);
    }

    function verifyInclusion(
        bytes32 root,
        uint256 index,
        uint256 size,
        bytes32 leaf,
        bytes32[] calldata path
    ) external pure returns (bool) {
        return RFC9162.verifyInclusion(root, index, size, leaf, path);
    }

    // ----- internals -----

    function _now() private view returns (uint48) {
        return uint48(block.number);
    }

    function _setTypes(address account, bytes32[] calldata typeHashes, bool granted) private {
        for (uint256 i = 0; i < typeHashes.length; ++i) {
            bytes32 typeHash = typeHashes[i];
            if (typeHash == bytes32(0)) revert LicenceRegistryZeroValue();
            Checkpoints.Trace208 storage auth = _typeAuth[account][typeHash];
            if ((auth.latest() == 1) == granted) continue; // no change, no event
            auth.push(_now(), granted ? 1 : 0);
            if (granted) emit IssuerTypeGranted(account, typeHash);
            else emit IssuerTypeRevoked(account, typeHash);
        }
    }

    function _setIssuerState(address account, IssuerState state) private {
        _issuers[account].state = state;
        _issuerActive[account].push(_now(), state == IssuerState.Active ? 1 : 0);
    }

    function _requireState(address account, IssuerState expected) private view {
        IssuerState state = _issuers[account].state;
        if (state == IssuerState.Unregistered) revert LicenceRegistryUnknownIssuer(account);
        if (state != expected) revert LicenceRegistryIssuerNotActive(account, state);
    }

    function _requireNotRemoved(address account) private view {
        IssuerState state = _issuers[account].state;
        if (state == IssuerState.Unregistered) revert LicenceRegistryUnknownIssuer(account);
        if (state == IssuerState.Removed) revert LicenceRegistryIssuerNotActive(account, state);
    }

    function _requireAuthorised(address account, bytes32 typeHash) private view {
        IssuerState state = _issuers[account].state;
        if (state == IssuerState.Unregistered) revert LicenceRegistryUnknownIssuer(account);
        if (state != IssuerState.Active) revert LicenceRegistryIssuerNotActive(account, state);
        if (_typeAuth[account][typeHash].latest() != 1) {
            revert LicenceRegistryNotAuthorisedForType(account, typeHash);
        }
    }

    /// @dev The leaf must be in an anchored batch; returns the batch's licence type.
    function _requireIncluded(LeafProof calldata licence) private view returns (bytes32) {
        Batch storage b = _batches[licence.root];
        if (b.blockNumber == 0) revert LicenceRegistryUnknownBatch(licence.root);
        if (!RFC9162.verifyInclusion(licence.root, licence.index, b.size, licence.leaf, licence.path)) {
            revert LicenceRegistryInvalidProof(licence.root, licence.leaf, licence.index);
        }
        return b.typeHash;
    }

    /**
     * @dev Status changes are made by any issuer currently authorised for the licence's type
     * (normally the one that anchored it; after a hand-over, its successor department).
     */
    function _requireMayManage(LeafProof calldata licence) private view returns (bytes32 typeHash) {
        typeHash = _requireIncluded(licence);
        _requireAuthorised(msg.sender, typeHash);
    }

    function _currentStatus(bytes32 leaf) private view returns (LeafStatus) {
        uint256 n = _statusHistory[leaf].length;
        return n == 0 ? LeafStatus.Active : _statusHistory[leaf][n - 1].status;
    }

    function _changeStatus(bytes32 leaf, LeafStatus to, uint16 reason) private {
        LeafStatus from = _currentStatus(leaf);
        bool allowed = (to == LeafStatus.Suspended && from == LeafStatus.Active) ||
            (to == LeafStatus.Active && from == LeafStatus.Suspended) ||
            ((to == LeafStatus.Revoked || to == LeafStatus.Superseded) &&
                (from == LeafStatus.Active || from == LeafStatus.Suspended));
        if (!allowed) revert LicenceRegistryInvalidTransition(leaf, from, to);
        _statusHistory[leaf].push(StatusChange(to, reason, _now()));
    }

    function _record(bytes32 leaf, uint256 position) private view returns (StatusRecord memory) {
        StatusChange storage c = _statusHistory[leaf][position];
        bytes32 successor = c.status == LeafStatus.Superseded ? _successors[leaf] : bytes32(0);
        return StatusRecord(c.status, c.reason, c.blockNumber, successor);
    }

    function _noChange() private pure returns (StatusRecord memory) {
        return StatusRecord(LeafStatus.Active, 0, 0, bytes32(0));
    }
}
