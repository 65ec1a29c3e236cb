"""The consent service's shared state (see service.py)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from archive.checkpoint import NoteSigner
from ledger.consent.passkeys import RelyingParty
from ledger.consent.receipts import (
    HolderRefs,
    key_id,
)
from ledger.models import (
    Licence,
    LicenceState,
    LicenceStatus,
    as_utc,
    utcnow,
)

log = logging.getLogger("certledger.consent")

PULL_SLOTS = 2


@dataclass(frozen=True)
class Staff:
    """Who acts at a window: from their bearer token."""

    subject: str
    window: str
    department: str


class ConsentBase:
    """State shared by the parts of the consent service: settings, keys, database, locks."""

    def __init__(self, services: Any) -> None:  # ledger.services.Services
        self.s = services
        self.settings = services.settings
        self.engine = services.engine
        self.rp = RelyingParty(self.settings)
        keys = self.settings.data_dir / "keys"
        self.refs = HolderRefs(keys / "holder-ref.key")
        self._key = NoteSigner.from_file("certledger-consent", keys / "consent-signing.pem").private_key
        self.key_id = key_id(self._key)
        # A remembered lower bound of the latest `access` checkpoint (size, time), so that most
        # approvals and pulls need no query to know none is due. (`Logs.checkpoint` itself
        # publishes one at a time.)
        self._checkpointed: tuple[int, datetime] | None = None
        # Pulls write one at a time per process. Every append updates the access log's one head
        # row, so writers serialise anyway; waiting here instead of in SQLite's busy handler
        # (which sleeps up to 100 ms between retries) keeps the latency tail short.
        self._pull_writes = threading.Lock()
        # At most PULL_SLOTS pulls run at once per process: a pull is mostly CPU under the GIL,
        # so more threads at once only add switching (measured: ~1.5 ms of CPU per pull at 12
        # concurrent requests); two keep one busy while the other waits on the database.
        self._pull_slots = threading.BoundedSemaphore(PULL_SLOTS)

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @property
    def public_key(self):  # type: ignore[no-untyped-def]
        return self._key.public_key()

    def _checkpoint_access(self, size: int) -> None:
        """Publish a checkpoint of `access` when one is due, now that an entry making it `size`
        long is committed. Best effort: the entry is already recorded (a pull's grant is used),
        so a failure here (chain unreachable, ...) must not turn the answer into an error; the
        service's checkpoint timer publishes it later.

        The remembered checkpoint is never newer than the real latest one (checkpoints only
        grow), so when it says nothing is due, nothing is."""
        known = self._checkpointed
        if (
            known is not None
            and size - known[0] < self.settings.checkpoint_every
            and (utcnow() - known[1]).total_seconds() < self.settings.checkpoint_seconds
        ):
            return
        try:
            self.s.logs.checkpoint("access", force=False)
            latest = self.s.logs.latest_checkpoint("access")
        except Exception:  # logged; the timer retries
            log.exception("checkpoint of the access log failed; the service timer retries it")
            return
        if latest is not None:
            self._checkpointed = (latest.size, as_utc(latest.created_at))

    def _available(
        self, session: Session, holder_key: str, type_codes: list[str]
    ) -> dict[str, list[Licence]]:
        """The holder's anchored, active, latest-version licences of the given types."""
        rows = session.execute(
            select(Licence)
            .where(
                Licence.holder_key == holder_key,
                Licence.type_code.in_(type_codes),
                Licence.state == LicenceState.ANCHORED,
                Licence.status == LicenceStatus.ACTIVE,
            )
            .order_by(Licence.lineage, Licence.version.desc())
        ).scalars()
        latest: dict[str, Licence] = {}
        for licence in rows:
            latest.setdefault(licence.lineage, licence)
        out: dict[str, list[Licence]] = {}
        for licence in latest.values():
            out.setdefault(licence.type_code, []).append(licence)
        return out
