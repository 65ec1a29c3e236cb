"""Verify every anchored licence of the database at once, with the same checks as one
verification (`verify_package`), but with chain reads done once: each batch and issuer read
once, and every status change taken from the registry's events in one pass."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.chain.contracts import Batch as ChainBatch
from ledger.chain.contracts import LeafStatus, LicenceRegistry, StatusRecord
from ledger.licences.package import build_package
from ledger.licences.verify import verify_licence
from ledger.models import Batch, Licence, LicenceState
from ledger.storage import BodyStore

EVENT_STATUS = {
    "LicenceSuspended": LeafStatus.SUSPENDED,
    "LicenceReinstated": LeafStatus.ACTIVE,
    "LicenceRevoked": LeafStatus.REVOKED,
    "LicenceSuperseded": LeafStatus.SUPERSEDED,
}
NO_CHANGE = StatusRecord(LeafStatus.ACTIVE, 0, 0, None)


class SnapshotRegistry:
    """The registry's answers at the current head, read in bulk; same methods as `LicenceRegistry`."""

    def __init__(self, registry: LicenceRegistry, from_block: int = 0) -> None:
        self.client = registry.client
        self.address = registry.address
        self._registry = registry
        self._statuses: dict[bytes, StatusRecord] = {}
        logs = []
        for name in EVENT_STATUS:
            event = getattr(registry.contract.events, name)()
            logs += [
                (log["blockNumber"], log["logIndex"], name, log)
                for log in self.client.events(event, from_block)
            ]
        for block, _, name, log in sorted(logs, key=lambda x: (x[0], x[1])):
            args = log["args"]
            successor = bytes(args["successor"]) if name == "LicenceSuperseded" else None
            self._statuses[bytes(args["leaf"])] = StatusRecord(
                EVENT_STATUS[name], args["reason"], block, successor
            )
        self.batch = cache(registry.batch)
        self.issuer = cache(registry.issuer)

    def verification(
        self, root: bytes, leaf_hash: bytes, at_block: int | None = None
    ) -> tuple[ChainBatch | None, bytes, StatusRecord]:
        if at_block is not None:
            return self._registry.verification(root, leaf_hash, at_block)
        batch = self.batch(root)
        authority = self.issuer(batch.issuer)[0] if batch else b""
        return batch, authority, self._statuses.get(leaf_hash, NO_CHANGE)


def verify_all(
    engine: Engine, registry: LicenceRegistry, store: BodyStore | None, *, chunk: int = 5_000
) -> dict[str, Any]:
    snapshot = SnapshotRegistry(registry)
    checked, valid, invalid = 0, 0, []
    failures: Counter[str] = Counter()
    with Session(engine) as session:
        batches = {b.id: b for b in session.execute(select(Batch)).scalars()}
        last_id = 0
        while True:
            licences = (
                session.execute(
                    select(Licence)
                    .where(Licence.state == LicenceState.ANCHORED, Licence.id > last_id)
                    .order_by(Licence.id)
                    .limit(chunk)
                )
                .scalars()
                .all()
            )
            if not licences:
                break
            for licence in licences:
                package = build_package(licence, batches[licence.batch_id], registry.address)
                result = verify_licence(package, registry=snapshot, store=store)  # type: ignore[arg-type]
                checked += 1
                if result.valid:
                    valid += 1
                else:
                    failures.update(c.name for c in result.checks if c.status.value in ("INVALID", "ERROR"))
                    if len(invalid) < 100:
                        invalid.append(licence.identifier)
            last_id = licences[-1].id
            session.expunge_all()  # keep memory flat
    return {"checked": checked, "valid": valid, "invalid": invalid, "failed_checks": dict(failures)}


__all__ = ["ChainBatch", "SnapshotRegistry", "verify_all"]
