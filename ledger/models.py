"""Database tables (SQLModel). SQLite by default, PostgreSQL by URL; schema by Alembic.

Catalog tables are loaded from seed files (`certledger catalog load`); licence tables are
written by the issuance pipeline. Personal data stays here, never on chain.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ----- catalog -----


class Authority(SQLModel, table=True):
    """A defining or issuing authority, by its unified social credit code (USCC)."""

    uscc: str = Field(primary_key=True, max_length=18)
    name: str
    level: str  # national / provincial / city / district
    synthetic: bool = True


class LicenceType(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=21)  # defining authority USCC + 3 digits
    name: str
    authority_uscc: str = Field(foreign_key="authority.uscc", index=True)
    department: str  # typical issuing department, e.g. 公安
    level: str
    holder_category: str  # person / organisation
    sensitive: bool = False  # PIPL sensitive personal information: separate consent
    validity_rule: str  # "long-term" or "years:N"
    face_schema: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    synthetic: bool = True


class IssuerGrant(SQLModel, table=True):
    """Which issuing authority may issue which licence type (mirrored on chain on registration)."""

    issuer_uscc: str = Field(foreign_key="authority.uscc", primary_key=True)
    type_code: str = Field(foreign_key="licencetype.code", primary_key=True)


class Matter(SQLModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    department: str
    online: bool = False  # 全程网办
    cross_district: bool = False  # 跨区通办
    self_service: bool = False  # 政务晓屋
    synthetic: bool = True


class MatterLicence(SQLModel, table=True):
    """The matter's licence list (用证清单): which types, required or not, which face fields."""

    matter_code: str = Field(foreign_key="matter.code", primary_key=True)
    type_code: str = Field(foreign_key="licencetype.code", primary_key=True)
    required: bool = True
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# ----- licences -----


class LicenceState(StrEnum):
    PENDING = "PENDING"  # stored, waiting in the outbox for a batch
    SEALED = "SEALED"  # in a batch whose anchor is not yet confirmed
    ANCHORED = "ANCHORED"


class LicenceStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    REVOKED = "REVOKED"
    SUPERSEDED = "SUPERSEDED"


class Licence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(unique=True)  # full GB/T 36904 identifier, version and check included
    lineage: str = Field(index=True)  # type.issuer.serial: the same licence across versions
    version: int
    type_code: str = Field(foreign_key="licencetype.code", index=True)
    issuer_uscc: str = Field(foreign_key="authority.uscc")
    holder_key: str = Field(index=True)  # sha256 of holder code type + code, for lookups
    record: str  # RFC 8785 canonical JSON of the fields
    salts: str  # JSON {field: salt hex}
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    body_ref: str | None = None  # CID of the encrypted body
    body_key: str | None = None  # its data key, wrapped under a keyring KEK; None once erased
    erased_at: datetime | None = None
    erase_reason: str | None = None
    body_sha256: str | None = None  # of the plaintext, as committed in the leaf
    body_size: int | None = None
    body_type: str | None = None
    state: LicenceState = LicenceState.PENDING
    status: LicenceStatus = LicenceStatus.ACTIVE
    batch_id: int | None = Field(default=None, foreign_key="batch.id", index=True)
    leaf_index: int | None = None
    proof: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """Licences stored but not yet sealed into a batch: the batcher's durable queue."""

    licence_id: int = Field(foreign_key="licence.id", primary_key=True)
    type_code: str = Field(index=True)
    created_at: datetime = Field(default_factory=utcnow)


class BatchState(StrEnum):
    SEALED = "SEALED"  # root fixed and recorded; anchor transaction may or may not be mined
    ANCHORED = "ANCHORED"
    FAILED = "FAILED"  # the contract refused the anchor (see `error`)


class Batch(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    type_code: str = Field(foreign_key="licencetype.code")
    issuer_uscc: str = Field(foreign_key="authority.uscc")
    root: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    size: int
    state: BatchState = BatchState.SEALED
    chain_id: int | None = None
    tx_hash: str | None = None
    block: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    anchored_at: datetime | None = None
    error: str | None = None


class ActionKind(StrEnum):
    SUSPEND = "SUSPEND"
    REINSTATE = "REINSTATE"
    REVOKE = "REVOKE"
    SUPERSEDE = "SUPERSEDE"


class ActionState(StrEnum):
    PENDING = "PENDING"
    DONE = "DONE"
    FAILED = "FAILED"


class StatusAction(SQLModel, table=True):
    """A status change, recorded before it is sent, so that a crash cannot lose it."""

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(foreign_key="licence.id", index=True)
    kind: ActionKind
    reason: int = 0
    successor_id: int | None = Field(default=None, foreign_key="licence.id")
    state: ActionState = ActionState.PENDING
    tx_hash: str | None = None
    block: int | None = None
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


# ----- verifiable logs -----


class LogEntry(SQLModel, table=True):
    """One entry of an append-only RFC 9162 log; index 0.. without gaps per log."""

    log: str = Field(primary_key=True)
    index: int = Field(primary_key=True)
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    entry: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class LogNode(SQLModel, table=True):
    """The hash of a complete (perfect) subtree: leaves [index * 2**level, (index + 1) * 2**level)."""

    log: str = Field(primary_key=True)
    level: int = Field(primary_key=True)
    index: int = Field(primary_key=True)
    hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))


class LogHead(SQLModel, table=True):
    """The current tree head, kept incrementally: size, root, and the right edge's subtree roots."""

    log: str = Field(primary_key=True)
    size: int = 0
    root: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    edge: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # 32-byte roots, largest first


class LogCheckpoint(SQLModel, table=True):
    """A signed checkpoint (C2SP signed note) and, once anchored, its block and transaction."""

    id: int | None = Field(default=None, primary_key=True)
    log: str = Field(index=True)
    size: int
    root: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    note: str
    created_at: datetime = Field(default_factory=utcnow)
    anchored_block: int | None = None
    anchored_tx: str | None = None


# ----- electronic archive -----


class ArchiveRecord(SQLModel, table=True):
    """An archival package (a BagIt bag, tarred, encrypted, stored) and its archive-log entry."""

    __table_args__ = (UniqueConstraint("fonds", "year", "sequence"),)

    archive_no: str = Field(primary_key=True)  # 档号: {fonds}-{year}-{retention}-{sequence:06d}
    fonds: str
    year: int
    sequence: int
    retention: str  # Y10, Y30, YJ (permanent)
    matter_code: str
    case_number: str
    package_digest: str
    tar_sha256: str
    size: int
    cid: str
    body_key: str | None = None  # wrapped data key; None once disposed (shredded)
    log_index: int
    created_at: datetime = Field(default_factory=utcnow)
    dispose_after: datetime | None = None  # None: permanent
    legal_hold: bool = False
    disposed_at: datetime | None = None
    dispose_reason: str | None = None


class FixityRecord(SQLModel, table=True):
    """A PREMIS-style fixity event from an audit: one per payload file and algorithm."""

    id: int | None = Field(default=None, primary_key=True)
    archive_no: str = Field(foreign_key="archiverecord.archive_no", index=True)
    object: str
    algorithm: str
    digest: str
    time: datetime
    outcome: str
    agent: str


# ----- consent-gated distribution -----


class Passkey(SQLModel, table=True):
    """A holder's WebAuthn credential, bound to the holder after an identity check."""

    credential_id: str = Field(primary_key=True)  # base64url
    holder_key: str = Field(index=True)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # COSE
    sign_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class HolderPin(SQLModel, table=True):
    """The non-biometric alternative: a PIN set after enrolment (scrypt hash, lockout)."""

    holder_key: str = Field(primary_key=True)
    pin_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    salt: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    failures: int = 0


class ServiceCase(SQLModel, table=True):
    """A case (办件) opened at a window for one matter and one holder."""

    id: str = Field(primary_key=True)  # random, public
    case_number: str = Field(unique=True)
    matter_code: str = Field(foreign_key="matter.code")
    holder_key: str = Field(index=True)
    holder_ref: str  # salted reference: what logs and archives carry instead of the holder code
    window: str
    department: str
    staff: str
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    archive_no: str | None = None


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ConsentRequest(SQLModel, table=True):
    """One QR authorisation request and, once answered, its consent receipt."""

    id: str = Field(primary_key=True)  # random, public
    case_id: str = Field(foreign_key="servicecase.id", index=True)
    token_hash: bytes = Field(sa_column=Column(LargeBinary(32), unique=True, nullable=False))
    confirmation_code: str
    purpose: str
    items: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    consent_version: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    state: RequestState = RequestState.PENDING
    challenge: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    statement: str | None = None  # canonical JSON the challenge commits to
    decided_at: datetime | None = None
    receipt: str | None = None  # canonical JSON, stored as logged
    receipt_log_index: int | None = None
    failures: int = 0


class LicenceGrant(SQLModel, table=True):
    """One licence a holder consented to: single use, until it expires."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="consentrequest.id", index=True)
    licence_id: int = Field(foreign_key="licence.id", index=True)
    type_code: str
    window: str = Field(index=True)
    expires_at: datetime
    used_at: datetime | None = None
    access_log_index: int | None = None
    use_copy: str | None = None  # the use copy's signed envelope without its body (kept for the archive)


class PasskeyChallenge(SQLModel, table=True):
    """An outstanding WebAuthn challenge for enrolment or a holder session: used once."""

    challenge: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    purpose: str  # "enrol" or "session"
    holder_key: str
    expires_at: datetime
