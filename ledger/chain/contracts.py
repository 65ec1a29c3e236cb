"""Typed access to the deployed contracts: LicenceRegistry and LogAnchor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3.types import TxReceipt

from ledger.chain.client import ChainClient
from ledger.merkle import InclusionProof

REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
LATEST_BLOCK = 2**48 - 1  # `statusAt(leaf, LATEST_BLOCK)` is the current status
DEFAULT_ADMIN_ROLE = b"\x00" * 32


def code_hash(code: str) -> bytes:
    """On-chain reference to a public code (licence type code, authority USCC, log name):
    keccak-256 of its UTF-8 bytes. See docs/chain.md."""
    return keccak(text=code)


class IssuerState(IntEnum):
    UNREGISTERED = 0
    ACTIVE = 1
    SUSPENDED = 2
    REMOVED = 3


class LeafStatus(IntEnum):
    ACTIVE = 0
    SUSPENDED = 1
    REVOKED = 2
    SUPERSEDED = 3


@dataclass(frozen=True)
class Batch:
    root: bytes
    issuer: str
    type_hash: bytes
    size: int
    block_number: int


@dataclass(frozen=True)
class StatusRecord:
    status: LeafStatus
    reason: int
    block_number: int  # 0: no change ever recorded
    successor: bytes | None


@dataclass(frozen=True)
class Checkpoint:
    size: int
    block_number: int
    timestamp: int
    root_hash: bytes


@dataclass(frozen=True)
class AnchoredLeaf:
    """A licence leaf in an anchored batch: the inclusion proof plus the batch root."""

    root: bytes
    proof: InclusionProof

    def as_struct(self) -> tuple[bytes, int, bytes, list[bytes]]:
        return (self.root, self.proof.index, self.proof.leaf_hash, list(self.proof.path))


class LicenceRegistry:
    def __init__(self, client: ChainClient, address: str) -> None:
        self.client = client
        self.contract = client.contract("LicenceRegistry", address)
        self.address = self.contract.address

    def _send(self, signer: LocalAccount, function: str, *args: Any) -> TxReceipt:
        return self.client.transact(signer, self.contract, function, *args)

    # roles and issuers
    def grant_role(self, signer: LocalAccount, role: bytes, account: str) -> TxReceipt:
        return self._send(signer, "grantRole", role, account)

    def register_issuer(
        self, signer: LocalAccount, issuer: str, authority_hash: bytes, type_hashes: list[bytes]
    ) -> TxReceipt:
        return self._send(signer, "registerIssuer", issuer, authority_hash, type_hashes)

    def grant_types(self, signer: LocalAccount, issuer: str, type_hashes: list[bytes]) -> TxReceipt:
        return self._send(signer, "grantTypes", issuer, type_hashes)

    def revoke_types(self, signer: LocalAccount, issuer: str, type_hashes: list[bytes]) -> TxReceipt:
        return self._send(signer, "revokeTypes", issuer, type_hashes)

    def suspend_issuer(self, signer: LocalAccount, issuer: str) -> TxReceipt:
        return self._send(signer, "suspendIssuer", issuer)

    def reinstate_issuer(self, signer: LocalAccount, issuer: str) -> TxReceipt:
        return self._send(signer, "reinstateIssuer", issuer)

    def remove_issuer(self, signer: LocalAccount, issuer: str) -> TxReceipt:
        return self._send(signer, "removeIssuer", issuer)

    # batches and licence status
    def anchor_batch(self, signer: LocalAccount, type_hash: bytes, root: bytes, size: int) -> TxReceipt:
        return self._send(signer, "anchorBatch", type_hash, root, size)

    def anchor_call(self, type_hash: bytes, root: bytes, size: int) -> dict[str, Any]:
        """The unsigned transaction of `anchor_batch`, for pipelined sending."""
        data = self.contract.encode_abi("anchorBatch", args=[type_hash, root, size])
        return {"to": self.address, "data": data}

    def suspend(self, signer: LocalAccount, leaf: AnchoredLeaf, reason: int) -> TxReceipt:
        return self._send(signer, "suspend", leaf.as_struct(), reason)

    def reinstate(self, signer: LocalAccount, leaf: AnchoredLeaf, reason: int) -> TxReceipt:
        return self._send(signer, "reinstate", leaf.as_struct(), reason)

    def revoke(self, signer: LocalAccount, leaf: AnchoredLeaf, reason: int) -> TxReceipt:
        return self._send(signer, "revoke", leaf.as_struct(), reason)

    def supersede(
        self, signer: LocalAccount, old: AnchoredLeaf, successor: AnchoredLeaf, reason: int
    ) -> TxReceipt:
        return self._send(signer, "supersede", old.as_struct(), successor.as_struct(), reason)

    # views
    def has_role(self, role: bytes, account: str) -> bool:
        return bool(self.client.call(self.contract, "hasRole", role, account))

    def issuer(self, account: str) -> tuple[bytes, IssuerState]:
        authority, state = self.client.call(self.contract, "issuer", account)
        return bytes(authority), IssuerState(state)

    def is_authorised(self, account: str, type_hash: bytes, at_block: int | None = None) -> bool:
        if at_block is None:
            return bool(self.client.call(self.contract, "isAuthorised", account, type_hash))
        return bool(self.client.call(self.contract, "isAuthorisedAt", account, type_hash, at_block))

    def batch(self, root: bytes) -> Batch | None:
        issuer, type_hash, size, block = self.client.call(self.contract, "batch", root)
        if block == 0:
            return None
        return Batch(root, issuer, bytes(type_hash), size, block)

    def status(self, leaf_hash: bytes, at_block: int | None = None) -> StatusRecord:
        if at_block is None:
            raw = self.client.call(self.contract, "statusOf", leaf_hash)
        else:
            raw = self.client.call(self.contract, "statusAt", leaf_hash, at_block)
        return _status(raw)

    def verification(
        self, root: bytes, leaf_hash: bytes, at_block: int | None = None
    ) -> tuple[Batch | None, bytes, StatusRecord]:
        """Batch record, its issuer's authority hash and the leaf's status, in one call."""
        block = LATEST_BLOCK if at_block is None else at_block
        raw_batch, authority, raw_status = self.client.call(
            self.contract, "verification", root, leaf_hash, block
        )
        issuer, type_hash, size, anchored = raw_batch
        batch = Batch(root, issuer, bytes(type_hash), size, anchored) if anchored else None
        return batch, bytes(authority), _status(raw_status)

    def status_history(self, leaf_hash: bytes) -> list[StatusRecord]:
        n = self.client.call(self.contract, "statusHistoryLength", leaf_hash)
        return [_status(self.client.call(self.contract, "statusHistoryAt", leaf_hash, i)) for i in range(n)]

    def verify_leaf(self, leaf: AnchoredLeaf) -> bool:
        return bool(self.client.call(self.contract, "verifyLeaf", leaf.as_struct()))


class LogAnchor:
    def __init__(self, client: ChainClient, address: str) -> None:
        self.client = client
        self.contract = client.contract("LogAnchor", address)
        self.address = self.contract.address

    def register_log(self, signer: LocalAccount, log_id: bytes, operator: str) -> TxReceipt:
        return self.client.transact(signer, self.contract, "registerLog", log_id, operator)

    def set_log_operator(self, signer: LocalAccount, log_id: bytes, operator: str) -> TxReceipt:
        return self.client.transact(signer, self.contract, "setLogOperator", log_id, operator)

    def anchor_checkpoint(self, signer: LocalAccount, log_id: bytes, size: int, root: bytes) -> TxReceipt:
        return self.client.transact(signer, self.contract, "anchorCheckpoint", log_id, size, root)

    def log_operator(self, log_id: bytes) -> str | None:
        operator = self.client.call(self.contract, "logOperator", log_id)
        return None if int(operator, 16) == 0 else operator

    def latest(self, log_id: bytes) -> Checkpoint | None:
        checkpoint = _checkpoint(self.client.call(self.contract, "latestCheckpoint", log_id))
        return checkpoint if checkpoint.size else None

    def for_size(self, log_id: bytes, size: int) -> Checkpoint | None:
        found, raw = self.client.call(self.contract, "checkpointForSize", log_id, size)
        return _checkpoint(raw) if found else None

    def history(self, log_id: bytes) -> list[Checkpoint]:
        n = self.client.call(self.contract, "checkpointCount", log_id)
        return [_checkpoint(self.client.call(self.contract, "checkpointAt", log_id, i)) for i in range(n)]


def _status(raw: Any) -> StatusRecord:
    status, reason, block, successor = raw
    successor = bytes(successor)
    return StatusRecord(LeafStatus(status), reason, block, successor if any(successor) else None)


def _checkpoint(raw: Any) -> Checkpoint:
    size, block, timestamp, root = raw
    return Checkpoint(size, block, timestamp, bytes(root))
