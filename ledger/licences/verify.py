"""Licence verification: FORMAT, INTEGRITY, ANCHOR, STATUS, VALIDITY, BODY.

Each check is VALID, INVALID, SKIPPED or ERROR with a readable detail. A licence is valid only
if every check is VALID or SKIPPED. A chain that cannot be reached is ERROR - never INVALID,
never valid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from ledger import identifiers, merkle
from ledger.chain.contracts import Batch as ChainBatch
from ledger.chain.contracts import LeafStatus, LicenceRegistry, StatusRecord, code_hash
from ledger.errors import ChainError, LedgerError, NotFound, ProofError, StorageError, VerificationError
from ledger.licences.bodies import Erased
from ledger.licences.commitments import leaf_entry
from ledger.licences.package import LicencePackage
from ledger.licences.record import parse_date
from ledger.licences.status import REASONS

# Opens a package's body: its plaintext, Erased, or NotFound when this system lacks it.
BodyOpener = Callable[[LicencePackage], "bytes | Erased"]

CHECKS = ("FORMAT", "INTEGRITY", "ANCHOR", "STATUS", "VALIDITY", "BODY")


class Outcome(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


@dataclass(frozen=True)
class Check:
    name: str
    status: Outcome
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    identifier: str | None
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return all(c.status in (Outcome.VALID, Outcome.SKIPPED) for c in self.checks)

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "valid": self.valid,
            "checks": [{"name": c.name, "status": c.status.value, "detail": c.detail} for c in self.checks],
        }


class _Stop(Exception):
    def __init__(self, check: Check) -> None:
        self.check = check


def verify_package(
    data: object,
    *,
    registry: LicenceRegistry | None,
    chain_problem: str | None = None,
    bodies: BodyOpener | None = None,
    at_block: int | None = None,
    today: date | None = None,
) -> VerificationResult:
    """Verify a portable package (parsed JSON). `registry` None means the chain is unreachable
    (`chain_problem` says why)."""
    try:
        package = LicencePackage.from_json(data)
    except VerificationError as exc:
        return _unreadable(str(exc))
    return verify_licence(
        package, registry=registry, chain_problem=chain_problem, bodies=bodies, at_block=at_block, today=today
    )


def verify_licence(
    package: LicencePackage,
    *,
    registry: LicenceRegistry | None,
    chain_problem: str | None = None,
    bodies: BodyOpener | None = None,
    at_block: int | None = None,
    today: date | None = None,
) -> VerificationResult:
    """Verify a package already parsed (the bulk verifier builds them from the database)."""
    checks: list[Check] = []
    fields = package.disclosed()
    try:
        _check_identifier(fields)
    except VerificationError as exc:
        return _unreadable(str(exc))
    checks.append(Check("FORMAT", Outcome.VALID, f"{len(fields)} of {len(package.fields)} fields disclosed"))
    checks.append(_integrity(package))
    intact = checks[-1].status is Outcome.VALID
    if not intact:
        checks += [
            Check(n, Outcome.SKIPPED, "integrity failed: the leaf is not this record's")
            for n in ("ANCHOR", "STATUS")
        ]
    elif registry is None:
        checks += [
            Check(n, Outcome.ERROR, f"chain unreachable: {chain_problem or 'no connection'}")
            for n in ("ANCHOR", "STATUS")
        ]
    else:
        try:
            batch, authority, status = registry.verification(package.root, package.proof.leaf_hash, at_block)
            anchor = _anchor(package, registry, batch, authority, at_block)
            checks += [
                anchor,
                _status(status, at_block) if batch else Check("STATUS", Outcome.SKIPPED, "not anchored"),
            ]
        except ChainError as exc:
            checks += [Check(n, Outcome.ERROR, f"chain query failed: {exc}") for n in ("ANCHOR", "STATUS")]
    checks.append(_validity(fields, registry, at_block, today))
    checks.append(_body(package, bodies))
    return VerificationResult(fields["ZZBS"], tuple(checks))


def _unreadable(problem: str) -> VerificationResult:
    checks = [Check("FORMAT", Outcome.INVALID, problem)]
    checks += [Check(n, Outcome.SKIPPED, "the package could not be read") for n in CHECKS[1:]]
    return VerificationResult(None, tuple(checks))


def _check_identifier(fields: dict[str, str]) -> None:
    result = identifiers.check_licence_identifier(fields["ZZBS"])
    if not result.valid:
        raise VerificationError(f"ZZBS: {'; '.join(result.errors)}")
    if result.parts.get("type_code") != fields["ZZLXDM"]:
        raise VerificationError("ZZLXDM: does not match the type code inside the identifier ZZBS")
    if result.parts.get("issuer_code") != fields["ZZBFJGDM"]:
        raise VerificationError("ZZBFJGDM: does not match the issuer code inside the identifier ZZBS")


def _integrity(package: LicencePackage) -> Check:
    leaf = merkle.leaf_hash(leaf_entry(package.digests()))
    if leaf != package.proof.leaf_hash:
        return Check("INTEGRITY", Outcome.INVALID, "the fields do not hash to the leaf of the proof")
    try:
        package.proof.verify(package.root)
    except ProofError as exc:
        return Check("INTEGRITY", Outcome.INVALID, f"the proof does not lead to the anchored root: {exc}")
    return Check(
        "INTEGRITY",
        Outcome.VALID,
        f"fields -> leaf {leaf.hex()[:16]}… -> root {package.root.hex()[:16]}… "
        f"(leaf {package.proof.index} of {package.proof.size})",
    )


def _anchor(
    package: LicencePackage,
    registry: LicenceRegistry,
    batch: ChainBatch | None,
    authority: bytes,
    at_block: int | None,
) -> Check:
    chain_id = registry.client.chain_id
    if chain_id != package.chain_id or registry.address.lower() != package.registry.lower():
        return Check(
            "ANCHOR",
            Outcome.ERROR,
            f"this node serves chain {chain_id} registry {registry.address}; the package names chain "
            f"{package.chain_id} registry {package.registry}",
        )
    if batch is None:
        return Check(
            "ANCHOR", Outcome.INVALID, f"root {package.root.hex()[:16]}… is not anchored on chain {chain_id}"
        )
    if at_block is not None and batch.block_number > at_block:
        return Check(
            "ANCHOR", Outcome.INVALID, f"anchored in block {batch.block_number}, after block {at_block}"
        )
    fields = package.disclosed()
    if batch.size != package.proof.size:
        return Check(
            "ANCHOR",
            Outcome.INVALID,
            f"the batch has {batch.size} licences, the proof says {package.proof.size}",
        )
    if batch.type_hash != code_hash(fields["ZZLXDM"]):
        return Check(
            "ANCHOR", Outcome.INVALID, f"the batch is for another licence type than {fields['ZZLXDM']}"
        )
    if authority != code_hash(fields["ZZBFJGDM"]):
        return Check(
            "ANCHOR",
            Outcome.INVALID,
            f"the anchoring account {batch.issuer} is not bound to issuer {fields['ZZBFJGDM']}",
        )
    # The contract refuses a batch from an issuer not authorised for its type at that block,
    # so the batch record itself proves the authorisation.
    return Check(
        "ANCHOR",
        Outcome.VALID,
        f"anchored in block {batch.block_number} by {batch.issuer}, authorised for {fields['ZZLXDM']} "
        f"on behalf of {fields['ZZBFJGDM']}",
    )


def _status(record: StatusRecord, at_block: int | None) -> Check:
    when = f" at block {at_block}" if at_block is not None else ""
    if record.status is LeafStatus.ACTIVE:
        detail = "in force" + (f" (reinstated in block {record.block_number})" if record.block_number else "")
        return Check("STATUS", Outcome.VALID, detail + when)
    reason = REASONS.get(record.reason, f"reason {record.reason}")
    detail = f"{record.status.name.lower()} in block {record.block_number}, {reason}"
    if record.successor:
        detail += f"; superseded by leaf {record.successor.hex()[:16]}…"
    return Check("STATUS", Outcome.INVALID, detail + when)


def _validity(
    fields: dict[str, str], registry: LicenceRegistry | None, at_block: int | None, today: date | None
) -> Check:
    start, end = fields.get("ZZYXQQSRQ"), fields.get("ZZYXQJZRQ")
    if start is None and end is None:
        return Check("VALIDITY", Outcome.SKIPPED, "validity dates not disclosed")
    if at_block is not None:
        if registry is None:
            return Check("VALIDITY", Outcome.ERROR, f"chain unreachable: cannot date block {at_block}")
        stamp = registry.client.w3.eth.get_block(at_block)["timestamp"]
        today = datetime.fromtimestamp(stamp, UTC).date()
    today = today or datetime.now(UTC).date()
    try:
        if start and today < parse_date(start):
            return Check("VALIDITY", Outcome.INVALID, f"not valid before {start} (checked {today:%Y%m%d})")
        if end and today > parse_date(end):
            return Check("VALIDITY", Outcome.INVALID, f"expired on {end} (checked {today:%Y%m%d})")
    except ValueError as exc:
        return Check("VALIDITY", Outcome.INVALID, str(exc))
    return Check("VALIDITY", Outcome.VALID, f"valid {start or '…'} to {end or 'long-term'} on {today:%Y%m%d}")


def _body(package: LicencePackage, bodies: BodyOpener | None) -> Check:
    expected = package.disclosed().get("BODY_SHA256")
    if expected is None:
        return Check("BODY", Outcome.SKIPPED, "no body commitment disclosed")
    if bodies is None:
        return Check(
            "BODY", Outcome.SKIPPED, "the body is not available here (the issuer's store and keyring open it)"
        )
    try:
        body = bodies(package)
    except NotFound:
        return Check("BODY", Outcome.SKIPPED, "the body is not available here")
    except StorageError as exc:  # a damaged block, a failed decryption, a KEK that does not fit
        return Check("BODY", Outcome.INVALID, f"the stored body cannot be read back intact: {exc}")
    except LedgerError as exc:
        return Check("BODY", Outcome.ERROR, f"the body could not be read: {exc}")
    if isinstance(body, Erased):
        when = f" on {body.at:%Y-%m-%d}" if body.at else ""
        return Check(
            "BODY", Outcome.SKIPPED, f"erased{when} ({body.reason or 'no reason given'}): the hash stays"
        )
    actual = hashlib.sha256(body).hexdigest()
    if actual != expected:
        return Check("BODY", Outcome.INVALID, "the stored body does not match its commitment")
    return Check(
        "BODY", Outcome.VALID, f"body decrypts and matches its SHA-256 commitment ({expected[:16]}…)"
    )
