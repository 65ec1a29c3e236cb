"""Licence bodies: encrypted before storage, opened for verification, erased by shredding.

Each body gets a random data key; the body is sealed with AES-256-GCM (docs/encryption.md)
with the licence identifier (which includes its version) as associated data, and the data key
is wrapped under the keyring's active KEK. Only ciphertext reaches the store; the leaf commits
to the plaintext's SHA-256. Destroying the wrapped key makes the body unrecoverable wherever
copies of the ciphertext are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from ledger.crypto.envelope import decrypt, encrypt, new_data_key
from ledger.crypto.keyring import Keyring, WrappedKey
from ledger.errors import LedgerError, NotFound, StorageError
from ledger.models import Licence, utcnow
from ledger.settings import Settings
from ledger.storage import BodyStore


def associated_data(identifier: str, kind: str = "licence-body") -> bytes:
    """Binds a ciphertext to its document: a licence identifier (with its version) or an
    archive number, and the kind of document."""
    return f"certledger/{kind}/v1|{identifier}".encode()


@dataclass(frozen=True)
class SealedBody:
    cid: str
    wrapped_key: str


@dataclass(frozen=True)
class Erased:
    at: datetime | None
    reason: str | None


def open_keyring(path: Path, passphrase: str | None) -> Keyring:
    """The keyring, created on first use (a new installation has no bodies to lose)."""
    if path.is_file():
        return Keyring.load(path, passphrase=passphrase)
    path.parent.mkdir(parents=True, exist_ok=True)
    return Keyring.create(path, passphrase=passphrase)


class LicenceBodies:
    def __init__(self, store: BodyStore, keyring: Keyring) -> None:
        self.store = store
        self.keyring = keyring

    def seal_many(self, items: Sequence[tuple[str, bytes]], kind: str = "licence-body") -> list[SealedBody]:
        """Encrypt and store (identifier, plaintext) bodies with one store write."""
        keys = [new_data_key() for _ in items]
        sealed = [
            encrypt(body, key, associated_data(identifier, kind))
            for (identifier, body), key in zip(items, keys, strict=True)
        ]
        stored = self.store.put_many(sealed)
        return [SealedBody(s.cid, self.keyring.wrap(k).to_str()) for s, k in zip(stored, keys, strict=True)]

    def open_licence(self, licence: Licence) -> bytes | Erased:
        """A licence's body: its plaintext, or Erased once its key was destroyed."""
        if licence.body_ref is None:
            raise NotFound(f"no stored body for {licence.identifier}")
        if licence.body_key is None:
            return Erased(licence.erased_at, licence.erase_reason)
        return self.open(licence.identifier, licence.body_ref, licence.body_key)

    def open(self, identifier: str, cid: str, wrapped_key: str, kind: str = "licence-body") -> bytes:
        """The plaintext body; raises NotFound, StorageError or DecryptionError."""
        key = self.keyring.unwrap(WrappedKey.from_str(wrapped_key))
        return decrypt(self.store.read(cid), key, associated_data(identifier, kind))


def licence_bodies(settings: Settings) -> LicenceBodies:
    """The configured store and keyring."""
    from ledger.storage import open_store

    passphrase = settings.keyring_passphrase.get_secret_value() if settings.keyring_passphrase else None
    return LicenceBodies(open_store(settings), open_keyring(settings.keyring_path, passphrase))


def erase(session: Session, store: BodyStore, identifier: str, reason: str) -> Licence:
    """Crypto-shred a licence body: destroy its wrapped data key and unpin the ciphertext.

    Copies of the ciphertext elsewhere (other IPFS nodes) become unreadable; the plaintext
    digest stays committed in the anchored leaf, so verification reports BODY as erased."""
    from ledger.licences.status import find_licence

    if not reason.strip():
        raise LedgerError("erase: a reason is required")
    licence = find_licence(session, identifier)
    if licence.body_ref is None:
        raise LedgerError(f"{identifier} has no body to erase")
    if licence.body_key is None:
        raise LedgerError(f"{identifier}: its body was already erased on {licence.erased_at:%Y-%m-%d}")
    licence.body_key, licence.erased_at, licence.erase_reason = None, utcnow(), reason.strip()
    session.add(licence)
    session.commit()
    with suppress(LedgerError):  # the key is gone: the body is unreadable, pinned or not
        store.unpin(licence.body_ref)
    return licence


@dataclass
class AuditReport:
    checked: int = 0
    ok: int = 0
    erased: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.missing and not self.corrupt

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.clean,
            "checked": self.checked,
            "intact": self.ok,
            "erased": self.erased,
            "missing": {"count": len(self.missing), "items": self.missing[:100]},
            "corrupt": {"count": len(self.corrupt), "items": self.corrupt[:100]},
        }


def audit(
    engine: Engine, bodies: LicenceBodies, progress: Callable[[int], None] | None = None
) -> AuditReport:
    """Every stored body: retrievable, decrypts, and matches the digest its leaf commits to."""
    report = AuditReport()
    last = 0
    with Session(engine) as session:
        while True:
            rows = session.execute(
                select(
                    Licence.id, Licence.identifier, Licence.body_ref, Licence.body_key, Licence.body_sha256
                )
                .where(Licence.body_ref.is_not(None), Licence.id > last)
                .order_by(Licence.id)
                .limit(1000)
            ).all()
            if not rows:
                return report
            for _, identifier, cid, key, digest in rows:
                report.checked += 1
                if key is None:
                    report.erased += 1
                    continue
                try:
                    plaintext = bodies.open(identifier, cid, key)
                except NotFound:
                    report.missing.append(f"{identifier} ({cid})")
                    continue
                except StorageError:
                    report.corrupt.append(f"{identifier} ({cid})")
                    continue
                if hashlib.sha256(plaintext).hexdigest() == digest:
                    report.ok += 1
                else:
                    report.corrupt.append(f"{identifier} ({cid})")
            last = rows[-1][0]
            if progress:
                progress(report.checked)
