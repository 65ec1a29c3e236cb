"""Audit of the verifiable logs: every checkpoint's signature, consistency between successive
checkpoints, the match with the roots anchored on chain, and a full recomputation of the tree
from the stored entries. A rewritten history - a changed, removed or reordered entry, or a
different root published for an already anchored size - is detected and located."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from archive.checkpoint import open_note
from archive.log import MerkleLog, _fold
from archive.logs import Logs
from ledger import merkle
from ledger.errors import ChainError, LedgerError, VerificationError
from ledger.models import LogCheckpoint, LogEntry

NODE = merkle.NODE_PREFIX


@dataclass
class Finding:
    kind: str  # signature, anchor, consistency, entry, gap, history
    detail: str
    index: int | None = None  # the entry, where one is known
    size: int | None = None  # the checkpoint size concerned

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "index": self.index, "size": self.size}


@dataclass
class LogAudit:
    log: str
    size: int = 0
    checkpoints: int = 0
    anchored: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {
            "log": self.log,
            "ok": self.ok,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "anchored_checkpoints": self.anchored,
            "findings": [f.to_json() for f in self.findings],
        }


def audit_log(logs: Logs, name: str, *, since: int | None = None) -> LogAudit:
    """With `since` (the size of a checkpoint audited before), consistency is checked from
    that checkpoint on; signatures, anchors and the recomputation always cover everything."""
    log = logs.log(name)
    result = LogAudit(name, size=log.head().size)
    with Session(logs.engine) as session:
        checkpoints = list(
            session.execute(
                select(LogCheckpoint).where(LogCheckpoint.log == name).order_by(LogCheckpoint.size)
            ).scalars()
        )
    result.checkpoints = len(checkpoints)
    signer = logs.signer(name)
    trusted: dict[int, bytes] = {}  # size -> root, from signed (and, where anchored, on-chain) checkpoints
    for cp in checkpoints:
        try:
            signed = open_note(cp.note, signer.name, signer.public_key)
        except VerificationError as exc:
            result.findings.append(Finding("signature", f"checkpoint at size {cp.size}: {exc}", size=cp.size))
            continue
        if (signed.size, signed.root) != (cp.size, bytes(cp.root)):
            result.findings.append(
                Finding("signature", "the stored size/root differ from the signed note", size=cp.size)
            )
        trusted[signed.size] = signed.root
    _check_chain(logs, name, trusted, result)
    points = sorted(trusted.items())
    if since is not None:
        if since not in trusted:
            result.findings.append(
                Finding("consistency", f"no trusted checkpoint of size {since} to start from", size=since)
            )
        points = [p for p in points if p[0] >= since]
    _check_consistency(log, points, result)
    _recompute(logs, name, trusted, result)
    return result


def _check_chain(logs: Logs, name: str, trusted: dict[int, bytes], result: LogAudit) -> None:
    if logs.anchor is None:
        return
    try:
        on_chain = logs.anchor.history(logs.log_id(name))
    except ChainError as exc:
        result.findings.append(Finding("anchor", f"the chain could not be read: {exc}"))
        return
    result.anchored = len(on_chain)
    for anchored in on_chain:
        local = trusted.get(anchored.size)
        if local is not None and local != anchored.root_hash:
            result.findings.append(
                Finding(
                    "anchor",
                    f"a different root was published for size {anchored.size} than the one anchored "
                    f"in block {anchored.block_number}",
                    size=anchored.size,
                )
            )
        # the chain's roots are the strongest evidence: audit the entries against them too
        trusted.setdefault(anchored.size, anchored.root_hash)
        if local is not None and local != anchored.root_hash:
            trusted[anchored.size] = anchored.root_hash


def _check_consistency(log: MerkleLog, points: list[tuple[int, bytes]], result: LogAudit) -> None:
    """Each checkpoint extends the previous one (proofs built from the stored subtrees)."""
    for (size1, root1), (size2, root2) in zip(points, points[1:], strict=False):
        if size2 > log.head().size:
            result.findings.append(
                Finding("consistency", f"checkpoint size {size2} exceeds the log", size=size2)
            )
            continue
        try:
            merkle.verify_consistency(size1, size2, root1, root2, log.consistency_proof(size1, size2))
        except LedgerError as exc:
            result.findings.append(
                Finding(
                    "consistency",
                    f"size {size1} -> {size2} is not an append-only extension: {exc}",
                    size=size2,
                )
            )


def _recompute(logs: Logs, name: str, trusted: dict[int, bytes], result: LogAudit) -> None:
    """Rebuild the tree from the stored entries and compare with every trusted root; locate a
    mismatch to the entries between the last matching checkpoint and the first failing one."""
    edge: list[tuple[int, bytes]] = []
    expected_index, last_good = 0, 0
    checks = sorted(trusted)
    next_check = 0
    with Session(logs.engine) as session:
        rows = session.execute(
            select(LogEntry.index, LogEntry.entry, LogEntry.leaf_hash)
            .where(LogEntry.log == name)
            .order_by(LogEntry.index)
        )
        for index, entry, stored_leaf in rows:
            if index != expected_index:
                result.findings.append(
                    Finding("gap", f"entries {expected_index}..{index - 1} are missing", index=expected_index)
                )
                expected_index = index
            leaf = merkle.leaf_hash(bytes(entry))
            if leaf != bytes(stored_leaf):
                result.findings.append(
                    Finding("entry", f"entry {index} does not hash to its stored leaf", index=index)
                )
            node, level = leaf, 0
            while edge and edge[-1][0] == level:
                node = hashlib.sha256(NODE + edge.pop()[1] + node).digest()
                level += 1
            edge.append((level, node))
            expected_index += 1
            while next_check < len(checks) and checks[next_check] == expected_index:
                size = checks[next_check]
                if _fold(edge) != trusted[size]:
                    result.findings.append(
                        Finding(
                            "history",
                            f"the entries no longer give the root of checkpoint {size}: "
                            f"an entry in {last_good}..{size - 1} was changed, removed or reordered",
                            index=last_good,
                            size=size,
                        )
                    )
                else:
                    last_good = size
                next_check += 1
    for size in checks[next_check:]:
        result.findings.append(
            Finding("gap", f"checkpoint size {size} but only {expected_index} entries", size=size)
        )
