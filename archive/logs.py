"""The deployment's named logs (`archive`, `access`) with signed, anchored checkpoints."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, select
from sqlmodel import Session

from archive.checkpoint import Checkpoint, NoteSigner
from archive.log import MerkleLog
from ledger.chain.contracts import LogAnchor, code_hash
from ledger.models import LogCheckpoint, as_utc, utcnow
from ledger.settings import Settings

LOGS = ("archive", "access")


@dataclass(frozen=True)
class Published:
    log: str
    size: int
    note: str
    anchored_block: int | None


class Logs:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        anchor: LogAnchor | None = None,
        operator: LocalAccount | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.anchor = anchor
        self.operator = operator
        self._signers: dict[str, NoteSigner] = {}
        self._publishing = threading.Lock()  # one checkpoint at a time: a second would not grow

    def log(self, name: str) -> MerkleLog:
        if name not in LOGS:
            raise ValueError(f"unknown log {name!r}; logs are {LOGS}")
        return MerkleLog(self.engine, name)

    def origin(self, name: str) -> str:
        return f"{self.settings.log_origin}/{name}"

    def log_id(self, name: str) -> bytes:
        """On-chain id of a log: keccak-256 of its origin line."""
        return code_hash(self.origin(name))

    def signer(self, name: str) -> NoteSigner:
        if name not in self._signers:
            path = self.settings.data_dir / "keys" / "log-signing.pem"
            self._signers[name] = NoteSigner.from_file(self.origin(name), path)
        return self._signers[name]

    def latest_checkpoint(self, name: str) -> LogCheckpoint | None:
        with Session(self.engine) as session:
            return session.execute(
                select(LogCheckpoint)
                .where(LogCheckpoint.log == name)
                .order_by(LogCheckpoint.size.desc())
                .limit(1)
            ).scalar_one_or_none()

    def checkpoint(self, name: str, *, force: bool = True) -> Published | None:
        """Sign a checkpoint of the current head, record it, and anchor it on chain.

        Without `force`, only when `checkpoint_every` entries were added since the last one
        or it is older than `checkpoint_seconds`. Nothing when the log did not grow."""
        with self._publishing:
            return self._checkpoint(name, force=force)

    def _checkpoint(self, name: str, *, force: bool) -> Published | None:
        head = self.log(name).head()
        last = self.latest_checkpoint(name)
        if head.size == 0 or (last is not None and head.size <= last.size):
            return None
        if not force and last is not None:
            grown = head.size - last.size
            age = (utcnow() - as_utc(last.created_at)).total_seconds()
            if grown < self.settings.checkpoint_every and age < self.settings.checkpoint_seconds:
                return None
        note = self.signer(name).sign(Checkpoint(self.origin(name), head.size, head.root))
        with Session(self.engine) as session:
            row = LogCheckpoint(log=name, size=head.size, root=head.root, note=note)
            session.add(row)
            session.commit()
            session.refresh(row)
            if self.anchor is not None and self.operator is not None:
                self._ensure_registered(name)
                receipt = self.anchor.anchor_checkpoint(
                    self.operator, self.log_id(name), head.size, head.root
                )
                row.anchored_block = receipt["blockNumber"]
                row.anchored_tx = "0x" + bytes(receipt["transactionHash"]).hex()
                session.add(row)
                session.commit()
            return Published(name, head.size, note, row.anchored_block)

    def _ensure_registered(self, name: str) -> None:
        assert self.anchor is not None and self.operator is not None
        if self.anchor.log_operator(self.log_id(name)) is None:
            self.anchor.register_log(self.operator, self.log_id(name), self.operator.address)
