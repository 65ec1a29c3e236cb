"""The issuance pipeline: validate -> canonicalise -> commit -> store body -> outbox.

Each chunk of licences is stored in one database transaction together with its outbox rows;
bodies are written to the content-addressed store first (an orphaned body after a crash is
harmless, a licence without its body is impossible). Anchoring is the batcher's job
(`ledger.licences.batcher`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from ledger import identifiers
from ledger.licences import commitments
from ledger.licences.body import DEFAULT_MAX_BODY, BodyError, check_body
from ledger.licences.record import (
    LicenceInput,
    RecordError,
    build_fields,
    check_face,
    check_holders,
    parse_date,
    parse_input,
)
from ledger.models import Authority, IssuerGrant, Licence, LicenceState, LicenceStatus, LicenceType, Outbox
from ledger.storage import BodyStore

CHUNK = 2_000


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class IssueReport:
    accepted: list[str] = field(default_factory=list)  # identifiers
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    line: int
    row: dict[str, Any]
    body: bytes | None


class Catalog:
    """What validation needs from the catalog, read once per run."""

    def __init__(self, session: Session) -> None:
        self.types = {t.code: t for t in session.execute(select(LicenceType)).scalars()}
        self.authorities = {a.uscc: a.name for a in session.execute(select(Authority)).scalars()}
        self.grants = {(g.issuer_uscc, g.type_code) for g in session.execute(select(IssuerGrant)).scalars()}


def holder_key(code_type: str, code: str) -> str:
    return hashlib.sha256(f"certledger.holder.v1|{code_type}|{code}".encode()).hexdigest()


class Issuance:
    def __init__(self, engine: Engine, store: BodyStore, *, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.engine = engine
        self.store = store
        self.max_body = max_body
        with Session(engine) as session:
            self.catalog = Catalog(session)

    def issue(self, entries: Iterable[tuple[int, dict[str, Any] | Exception]], base_dir: Path) -> IssueReport:
        """Issue every good entry; bad ones are reported with their line number and reason."""
        report = IssueReport()
        for _ in self.issue_iter(entries, base_dir, report):
            pass
        return report

    def issue_iter(
        self, entries: Iterable[tuple[int, dict[str, Any] | Exception]], base_dir: Path, report: IssueReport
    ) -> Iterator[int]:
        """Like `issue`, yielding the number of entries done after each stored chunk."""
        chunk: list[Prepared] = []
        seen: set[str] = set()
        done = 0
        for line, data in entries:
            done += 1
            try:
                if isinstance(data, Exception):
                    raise RecordError([f"line is not a record: {data}"])
                chunk.append(self.prepare(line, data, base_dir, seen, report))
            except (RecordError, BodyError) as exc:
                report.rejected.append(Rejected(line, str(exc)))
            if len(chunk) >= CHUNK:
                self._store(chunk, report)
                chunk = []
                yield done
        if chunk:
            self._store(chunk, report)
        yield done

    def prepare(
        self, line: int, data: dict[str, Any], base_dir: Path, seen: set[str], report: IssueReport
    ) -> Prepared:
        entry = parse_input(data)
        licence_type = self.catalog.types.get(entry.type_code)
        if licence_type is None:
            raise RecordError([f"type_code: unknown licence type {entry.type_code}"])
        issuer_name = self.catalog.authorities.get(entry.issuer_uscc)
        if issuer_name is None:
            raise RecordError([f"issuer_uscc: {entry.issuer_uscc} is not an authority in the catalog"])
        if (entry.issuer_uscc, entry.type_code) not in self.catalog.grants:
            raise RecordError(
                [
                    f"issuer_uscc: {entry.issuer_uscc} is not authorised to issue {entry.type_code} ({licence_type.name})"
                ]
            )
        problems, warnings = check_holders(entry.holders)
        problems += check_face(entry.face, licence_type.face_schema)
        if entry.valid_until and parse_date(entry.valid_until) < parse_date(entry.valid_from):
            problems.append("valid_until: before valid_from")
        if problems:
            raise RecordError(problems)
        report.warnings += [f"line {line}: {w}" for w in warnings]

        body, body_sha, body_type = None, None, None
        if entry.body:
            path = (base_dir / entry.body).resolve()
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise RecordError([f"body: cannot read {entry.body} ({exc.strerror})"]) from None
            body_type = check_body(body, self.max_body)
            body_sha = hashlib.sha256(body).hexdigest()

        identifier, lineage, version = self._identify(entry)
        if identifier in seen:
            raise RecordError([f"identifier: {identifier} appears twice in this run"])
        seen.add(identifier)
        fields = build_fields(
            entry,
            identifier=identifier,
            type_name=licence_type.name,
            issuer_name=issuer_name,
            body_sha256=body_sha,
            body_type=body_type,
        )
        salts = commitments.new_salts(list(fields))
        holder = entry.holders[0]
        row = {
            "identifier": identifier,
            "lineage": lineage,
            "version": version,
            "type_code": entry.type_code,
            "issuer_uscc": entry.issuer_uscc,
            "holder_key": holder_key(holder.code_type, holder.code),
            "record": commitments.canonical_record(fields),
            "salts": json.dumps(salts, separators=(",", ":")),
            "leaf_hash": commitments.leaf_hash(fields, salts),
            "body_sha256": body_sha,
            "body_size": len(body) if body is not None else None,
            "body_type": body_type,
            "state": LicenceState.PENDING,
            "status": LicenceStatus.ACTIVE,
            "supersedes": entry.supersedes,
        }
        return Prepared(line, row, body)

    def _identify(self, entry: LicenceInput) -> tuple[str, str, int]:
        if entry.supersedes:
            with Session(self.engine) as session:
                old = session.execute(
                    select(Licence).where(Licence.identifier == entry.supersedes)
                ).scalar_one_or_none()
                if old is None:
                    raise RecordError([f"supersedes: no licence {entry.supersedes}"])
                newest = session.execute(
                    select(Licence.version)
                    .where(Licence.lineage == old.lineage)
                    .order_by(Licence.version.desc())
                ).first()
            if (old.type_code, old.issuer_uscc) != (entry.type_code, entry.issuer_uscc):
                raise RecordError(["supersedes: a new version keeps the type and issuer of the old one"])
            if old.status is not LicenceStatus.ACTIVE or newest[0] != old.version:
                raise RecordError([f"supersedes: {entry.supersedes} is not the current, valid version"])
            type_code, issuer, serial = old.lineage.split(".")
            version = old.version + 1
        else:
            serial = entry.serial or f"{entry.issue_date[:4]}{secrets.token_hex(5).upper()}"
            type_code, issuer, version = entry.type_code, entry.issuer_uscc, 1
        identifier = identifiers.make_licence_identifier(type_code, issuer, serial, version)
        return identifier, f"{type_code}.{issuer}.{serial}", version

    def _store(self, chunk: list[Prepared], report: IssueReport) -> None:
        with Session(self.engine) as session:  # one query per chunk for existing identifiers
            wanted = [item.row["identifier"] for item in chunk]
            existing = set(
                session.execute(select(Licence.identifier).where(Licence.identifier.in_(wanted))).scalars()
            )
        for item in [i for i in chunk if i.row["identifier"] in existing]:
            report.rejected.append(Rejected(item.line, f"identifier: {item.row['identifier']} exists"))
        chunk = [i for i in chunk if i.row["identifier"] not in existing]
        if not chunk:
            return
        for item in chunk:
            if item.body is not None:
                item.row["body_ref"] = self.store.put(item.body).ref
        rows = [{k: v for k, v in item.row.items() if k != "supersedes"} for item in chunk]
        with Session(self.engine) as session, session.begin():
            ids = session.execute(insert(Licence).returning(Licence.id, sort_by_parameter_order=True), rows)
            ids = [r[0] for r in ids]
            session.execute(
                insert(Outbox),
                [{"licence_id": i, "type_code": r["type_code"]} for i, r in zip(ids, rows, strict=True)],
            )
            for licence_id, item in zip(ids, chunk, strict=True):
                if item.row["supersedes"]:
                    from ledger.licences.status import queue_supersede

                    queue_supersede(session, item.row["supersedes"], licence_id)
        report.accepted += [r["identifier"] for r in rows]
