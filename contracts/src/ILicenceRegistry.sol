// SPDX-License-Identifier: Apache-2.0
// certledger (contracts/src/ILicenceRegistry.sol)
pragma solidity 0.8.30;

/**
 * @dev Registry of licence issuers, anchored licence batches and per-licence status.
 *
 * Nothing personal is stored: issuing authorities and licence types are keccak-256 hashes
 * of their codes, a batch is an RFC 9162 Merkle root over licence leaf hashes, and a licence
 * is known on chain only by its leaf hash (which commits to salted field digests).
 *
 * Every batch is for one licence type, and `anchorBatch` refuses an issuer not authorised
 * for that type at that block. So a batch record (issuer, type, block) proves the
 * authorisation from chain data alone; `isAuthorisedAt` answers the same question for any
 * block, because authorisations are kept as block-numbered history.
 */
interface ILicenceRegistry {
    enum IssuerState {
        Unregistered,
        Active,
        Suspended,
        Removed
    }

    /// @dev `Active`: in force (no change recorded, or reinstated after a suspension).
    enum LeafStatus {
        Active,
        Suspended,
        Revoked,
        Superseded
    }

    struct Batch {
        address issuer;
        bytes32 typeHash;
        uint64 size;
        uint48 blockNumber;
    }

    struct StatusRecord {
        LeafStatus status;
        uint16 reason;
        /// @dev Block of the change; 0 when no change was ever recorded.
        uint48 blockNumber;
        /// @dev Leaf hash of the newer version; set only when superseded.
        bytes32 successor;
    }

    /// @dev A licence inside an anchored batch, with its RFC 9162 inclusion proof.
    struct LeafProof {
        bytes32 root;
        uint64 index;
        bytes32 leaf;
        bytes32[] path;
    }

    /// @param issuer The account that is already registered.
    error LicenceRegistryIssuerAlreadyRegistered(address issuer);
    /// @param issuer An account that was never registered.
    error LicenceRegistryUnknownIssuer(address issuer);
    /// @param issuer The issuer and its current state, which forbids the operation.
    error LicenceRegistryIssuerNotActive(address issuer, IssuerState state);
    /// @param issuer The caller; `typeHash` the licence type it is not authorised for.
    error LicenceRegistryNotAuthorisedForType(address issuer, bytes32 typeHash);
    /// @dev A zero address or a zero hash where a real one is required.
    error LicenceRegistryZeroValue();
    /// @param root A batch root that is already anchored.
    error LicenceRegistryBatchExists(bytes32 root);
    error LicenceRegistryEmptyBatch();
    /// @param root A root that was never anchored.
    error LicenceRegistryUnknownBatch(bytes32 root);
    /// @dev The proof does not place `leaf` at `index` in the batch `root`.
    error LicenceRegistryInvalidProof(bytes32 root, bytes32 leaf, uint64 index);
    /// @dev The status change `from` -> `to` is not allowed for `leaf`.
    error LicenceRegistryInvalidTransition(bytes32 leaf, LeafStatus from, LeafStatus to);
    /// @dev `successor` cannot replace a licence: it is the same leaf, or it is not `Active`.
    error LicenceRegistryInvalidSuccessor(bytes32 successor, LeafStatus status);
    /// @dev A licence can only be superseded by a newer licence of the same type.
    error LicenceRegistryTypeMismatch(bytes32 oldTypeHash, bytes32 newTypeHash);

    event IssuerRegistered(address indexed issuer, bytes32 indexed authorityHash);
    event IssuerTypeGranted(address indexed issuer, bytes32 indexed typeHash);
    event IssuerTypeRevoked(address indexed issuer, bytes32 indexed typeHash);
    event IssuerSuspended(address indexed issuer);
    event IssuerReinstated(address indexed issuer);
    event IssuerRemoved(address indexed issuer);
    event BatchAnchored(bytes32 indexed root, address indexed issuer, bytes32 indexed typeHash, uint64 size);
    event LicenceSuspended(bytes32 indexed leaf, bytes32 indexed root, uint16 reason);
    event LicenceReinstated(bytes32 indexed leaf, bytes32 indexed root, uint16 reason);
    event LicenceRevoked(bytes32 indexed leaf, bytes32 indexed root, uint16 reason);
    event LicenceSuperseded(bytes32 indexed leaf, bytes32 indexed successor, uint16 reason);

    /// @dev Registrar only. Binds `issuer` to an authority and the types it may issue.
    function registerIssuer(address issuer, bytes32 authorityHash, bytes32[] calldata typeHashes) external;

    function grantTypes(address issuer, bytes32[] calldata typeHashes) external;

    function revokeTypes(address issuer, bytes32[] calldata typeHashes) external;

    function suspendIssuer(address issuer) external;

    function reinstateIssuer(address issuer) external;

    /// @dev Final: a removed issuer can never anchor again; what it anchored stays valid.
    function removeIssuer(address issuer) external;

    /// @dev Issuer only. Anchors one Merkle root over `size` licences of one type.
    function anchorBatch(bytes32 typeHash, bytes32 root, uint64 size) external;

    function suspend(LeafProof calldata licence, uint16 reason) external;

    function reinstate(LeafProof calldata licence, uint16 reason) external;

    function revoke(LeafProof calldata licence, uint16 reason) external;

    /// @dev Marks `old` as replaced by `successor` (a change or renewal, version + 1).
    function supersede(LeafProof calldata old, LeafProof calldata successor, uint16 reason) external;

    function issuer(address account) external view returns (bytes32 authorityHash, IssuerState state);

    function isAuthorised(address account, bytes32 typeHash) external view returns (bool);

    /// @dev Whether `account` was active and authorised for `typeHash` at the end of `blockNumber`.
    function isAuthorisedAt(address account, bytes32 typeHash, uint48 blockNumber) external view returns (bool);

    function batch(bytes32 root) external view returns (Batch memory);

    function statusOf(bytes32 leaf) external view returns (StatusRecord memory);

    /// @dev Status as it stood at the end of `blockNumber`.
    function statusAt(bytes32 leaf, uint48 blockNumber) external view returns (StatusRecord memory);

    function statusHistoryLength(bytes32 leaf) external view returns (uint256);

    function statusHistoryAt(bytes32 leaf, uint256 position) external view returns (StatusRecord memory);

    /// @dev True when `licence` is included in an anchored batch (RFC 9162 inclusion proof).
    function verifyLeaf(LeafProof calldata licence) external view returns (bool);

    /**
     * @dev Everything a verifier needs about one licence, in one call: the batch record of
     * `root`, the authority hash bound to the batch's issuer, and the status of `leaf` at the
     * end of `blockNumber` (`type(uint48).max` for the current status).
     */
    function verification(
        bytes32 root,
        bytes32 leaf,
        uint48 blockNumber
    ) external view returns (Batch memory batchRecord, bytes32 issuerAuthority, StatusRecord memory status);

    /// @dev RFC 9162 inclusion proof check, for any tree: the same construction as the batches.
    function verifyInclusion(
        bytes32 root,
        uint256 index,
        uint256 size,
        bytes32 leaf,
        bytes32[] calldata path
    ) external pure returns (bool);
}
