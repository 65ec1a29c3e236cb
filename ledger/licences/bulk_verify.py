"""Verify every anchored licence of the database at once, with the same checks as one
verification (`verify_licence`), but with chain reads done once: every batch and issuer read
once, every status change taken from the registry's events in one pass. The snapshot is plain
data, so the licences are verified in several processes, each over its own range of ids."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from ledger.chain.contracts import Batch as ChainBatch
from ledger.chain.contracts import LeafStatus, LicenceRegistry, StatusRecord
from ledger.licences.bodies import LicenceBodies, licence_bodies
from ledger.licences.package import build_package
from ledger.licences.verify import verify_licence
from ledger.models import Batch, Licence, LicenceState
from ledger.settings import Settings

EVENT_STATUS = {
    "LicenceSuspended": LeafStatus.SUSPENDED,
    "LicenceReinstated": LeafStatus.ACTIVE,
    "LicenceRevoked": LeafStatus.REVOKED,
    "LicenceSuperseded": LeafStatus.SUPERSEDED,
}
NO_CHANGE = StatusRecord(LeafStatus.ACTIVE, 0, 0, None)


@dataclass(frozen=True)
class _Chain:
    chain_id: int


@dataclass
class RegistrySnapshot:
    """The registry's answers at the current head, as plain data; serves `verification()`."""

    client: _Chain
    address: str
    batches: dict[bytes, ChainBatch | None] = field(default_factory=dict)
    authorities: dict[str, bytes] = field(default_factory=dict)
    statuses: dict[bytes, StatusRecord] = field(default_factory=dict)

    @classmethod
    def read(cls, registry: LicenceRegistry, roots: list[bytes]) -> RegistrySnapshot:
        snapshot = cls(_Chain(registry.client.chain_id), registry.address)
        logs = []
        for name in EVENT_STATUS:
            event = getattr(registry.contract.events, name)()
            logs += [
                (log["blockNumber"], log["logIndex"], name, log) for log in registry.client.events(event, 0)
            ]
        for block, _, name, log in sorted(logs, key=lambda x: (x[0], x[1])):
            args = log["args"]
            successor = bytes(args["successor"]) if name == "LicenceSuperseded" else None
            snapshot.statuses[bytes(args["leaf"])] = StatusRecord(
                EVENT_STATUS[name], args["reason"], block, successor
            )
        for root in roots:
            batch = snapshot.batches[root] = registry.batch(root)
            if batch is not None and batch.issuer not in snapshot.authorities:
                snapshot.authorities[batch.issuer] = registry.issuer(batch.issuer)[0]
        return snapshot

    def verification(
        self, root: bytes, leaf_hash: bytes, at_block: int | None = None
    ) -> tuple[ChainBatch | None, bytes, StatusRecord]:
        if at_block is not None:
            raise ValueError("a snapshot answers at the head only")
        batch = self.batches.get(root)
        authority = self.authorities.get(batch.issuer, b"") if batch else b""
        return batch, authority, self.statuses.get(leaf_hash, NO_CHANGE)


def verify_all(
    engine: Engine,
    registry: LicenceRegistry,
    bodies: LicenceBodies | None,
    *,
    settings: Settings | None = None,
    workers: int = 0,
) -> dict[str, Any]:
    """Verify every anchored licence; `workers` > 1 splits the ids over that many processes."""
    with Session(engine) as session:
        roots = [bytes(r) for r in session.execute(select(Batch.root)).scalars()]
        low, high = session.execute(
            select(func.min(Licence.id), func.max(Licence.id)).where(Licence.state == LicenceState.ANCHORED)
        ).one()
    snapshot = RegistrySnapshot.read(registry, roots)
    if low is None:
        return _merge([])
    if workers <= 1 or settings is None:
        return _merge([_verify_range(engine, snapshot, bodies, low, high)])
    url = engine.url.render_as_string(hide_password=False)
    step = (high - low) // workers + 1
    ranges = [(low + i * step, min(high, low + (i + 1) * step - 1)) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(
            pool.map(
                _verify_range_in_worker,
                [(url, settings if bodies else None, snapshot, a, b) for a, b in ranges],
            )
        )
    return _merge(parts)


def _verify_range_in_worker(args: tuple[str, Settings | None, RegistrySnapshot, int, int]) -> dict[str, Any]:
    from ledger.db import make_engine

    url, settings, snapshot, low, high = args
    engine = make_engine(url)
    bodies = licence_bodies(settings) if settings else None
    try:
        return _verify_range(engine, snapshot, bodies, low, high)
    finally:
        engine.dispose()
        if bodies:
            bodies.store.close()


def _verify_range(
    engine: Engine,
    snapshot: RegistrySnapshot,
    bodies: LicenceBodies | None,
    low: int,
    high: int,
    chunk: int = 5_000,
) -> dict[str, Any]:
    checked, valid, invalid = 0, 0, []
    failures: Counter[str] = Counter()
    with Session(engine) as session:
        batches = {b.id: b for b in session.execute(select(Batch)).scalars()}
        last = low - 1
        while last < high:
            licences = (
                session.execute(
                    select(Licence)
                    .where(Licence.state == LicenceState.ANCHORED, Licence.id > last, Licence.id <= high)
                    .order_by(Licence.id)
                    .limit(chunk)
                )
                .scalars()
                .all()
            )
            if not licences:
                break
            for licence in licences:
                package = build_package(licence, batches[licence.batch_id], snapshot.address)
                opener = (lambda _, lic=licence: bodies.open_licence(lic)) if bodies else None
                result = verify_licence(package, registry=snapshot, bodies=opener)  # type: ignore[arg-type]
                checked += 1
                if result.valid:
                    valid += 1
                else:
                    failures.update(c.name for c in result.checks if c.status.value in ("INVALID", "ERROR"))
                    invalid.append(licence.identifier)
            last = licences[-1].id
            session.expunge_all()  # keep memory flat
    return {"checked": checked, "valid": valid, "invalid": invalid[:100], "failed_checks": dict(failures)}


def _merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    failures: Counter[str] = Counter()
    for p in parts:
        failures.update(p["failed_checks"])
    return {
        "checked": sum(p["checked"] for p in parts),
        "valid": sum(p["valid"] for p in parts),
        "invalid": [i for p in parts for i in p["invalid"]][:100],
        "failed_checks": dict(failures),
        "workers": max(1, len(parts)),
    }


__all__ = ["RegistrySnapshot", "verify_all"]
