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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, literal, select
from sqlmodel import Session

from ledger import identifiers
from ledger.licences import commitments
from ledger.licences.bodies import LicenceBodies, licence_bodies
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
from ledger.models import (
    Authority,
    IssuerGrant,
    Licence,
    LicenceState,
    LicenceStatus,
    LicenceType,
    Outbox,
    utcnow,
)
from ledger.settings import Settings

CHUNK = 2_000
Entry = tuple[int, dict[str, Any] | Exception]


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class IssueReport:
    accepted: list[str] = field(default_factory=list)  # identifiers, the first `keep` of them
    accepted_count: int = 0
    keep: int = 10_000  # memory stays flat however many licences a run issues
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Prepared:
    line: int
    row: dict[str, Any]
    body: bytes | None = None  # dropped once stored


@dataclass
class ChunkResult:
    entries: int
    prepared: list[Prepared]
    rejected: list[Rejected]
    warnings: list[str]


class Catalog:
    """What validation needs from the catalog, read once per run."""

    def __init__(self, session: Session) -> None:
        self.types = {t.code: t for t in session.execute(select(LicenceType)).scalars()}
        self.authorities = {a.uscc: a.name for a in session.execute(select(Authority)).scalars()}
        self.grants = {(g.issuer_uscc, g.type_code) for g in session.execute(select(IssuerGrant)).scalars()}


def holder_key(code_type: str, code: str) -> str:
    return hashlib.sha256(f"certledger.holder.v1|{code_type}|{code}".encode()).hexdigest()


class Issuance:
    def __init__(
        self,
        engine: Engine,
        bodies: LicenceBodies,
        *,
        max_body: int = DEFAULT_MAX_BODY,
        settings: Settings | None = None,
    ) -> None:
        self.engine = engine
        self.bodies = bodies
        self.max_body = max_body
        self.settings = settings  # lets worker processes open their own store and keyring
        with Session(engine) as session:
            self.catalog = Catalog(session)

    def issue(self, entries: Iterable[tuple[int, dict[str, Any] | Exception]], base_dir: Path) -> IssueReport:
        """Issue every good entry; bad ones are reported with their line number and reason."""
        report = IssueReport()
        for _ in self.issue_iter(entries, base_dir, report):
            pass
        return report

    def issue_iter(
        self,
        entries: Iterable[Entry],
        base_dir: Path,
        report: IssueReport,
        *,
        workers: int = 0,
        between_chunks: Callable[[], None] | None = None,
    ) -> Iterator[int]:
        """Like `issue`, yielding the number of entries done after each stored chunk.

        With `workers` > 1, chunks are prepared (validated, committed, bodies stored) in that
        many processes while this one writes the database; at most 2 chunks per worker are in
        flight, so memory stays flat however long the input. `between_chunks` runs after each
        stored chunk (the CLI anchors full batches there, while workers prepare the next).
        """
        done = 0
        if workers > 1 and self.settings is not None:
            url = self.engine.url.render_as_string(hide_password=False)
            with ProcessPoolExecutor(
                workers, initializer=_worker_init, initargs=(url, self.settings, self.max_body)
            ) as pool:
                pending: deque[Future[ChunkResult]] = deque()
                for chunk in _chunks(entries, CHUNK):
                    pending.append(pool.submit(_worker_prepare, chunk, base_dir))
                    if len(pending) >= 2 * workers:
                        done += self._store(pending.popleft().result(), report)
                        if between_chunks:
                            between_chunks()
                        yield done
                while pending:
                    done += self._store(pending.popleft().result(), report)
                    yield done
            return
        for chunk in _chunks(entries, CHUNK):
            done += self._store(self.prepare_chunk(chunk, base_dir), report)
            if between_chunks:
                between_chunks()
            yield done

    def prepare_chunk(self, chunk: list[Entry], base_dir: Path) -> ChunkResult:
        prepared, rejected, warnings = [], [], []
        for line, data in chunk:
            try:
                if isinstance(data, Exception):
                    raise RecordError([f"line is not a record: {data}"])
                prepared.append(self.prepare(line, data, base_dir, warnings))
            except (RecordError, BodyError) as exc:
                rejected.append(Rejected(line, str(exc)))
        with_body = [p for p in prepared if p.body is not None]
        sealed = self.bodies.seal_many([(p.row["identifier"], p.body) for p in with_body])  # type: ignore[misc]
        for item, body in zip(with_body, sealed, strict=True):
            item.row["body_ref"], item.row["body_key"], item.body = body.cid, body.wrapped_key, None
        return ChunkResult(len(chunk), prepared, rejected, warnings)

    def prepare(self, line: int, data: dict[str, Any], base_dir: Path, warnings: list[str]) -> Prepared:
        """Validate one entry, store its body, and build its database row (not yet written)."""
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
        problems, holder_warnings = check_holders(entry.holders)
        problems += check_face(entry.face, licence_type.face_schema)
        if entry.valid_until and parse_date(entry.valid_until) < parse_date(entry.valid_from):
            problems.append("valid_until: before valid_from")
        if problems:
            raise RecordError(problems)
        warnings += [f"line {line}: {w}" for w in holder_warnings]

        body, body_sha, body_type = None, None, None
        if entry.body:
            path = base_dir / entry.body
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise RecordError([f"body: cannot read {entry.body} ({exc.strerror})"]) from None
            body_type = check_body(body, self.max_body)
            body_sha = hashlib.sha256(body).hexdigest()

        identifier, lineage, version = self._identify(entry)
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
            "body_ref": None,  # set when the chunk's bodies are sealed and stored
            "body_key": None,
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

    def _store(self, result: ChunkResult, report: IssueReport) -> int:
        """Write one prepared chunk: licences and outbox rows in one transaction. Duplicates
        within the chunk are caught here, duplicates of earlier chunks by the database."""
        report.rejected += result.rejected
        report.warnings += result.warnings[: max(0, 1000 - len(report.warnings))]
        chunk, seen = [], set()
        for item in result.prepared:
            identifier = item.row["identifier"]
            if identifier in seen:
                report.rejected.append(
                    Rejected(item.line, f"identifier: {identifier} appears twice in this run")
                )
            else:
                seen.add(identifier)
                chunk.append(item)
        with Session(self.engine) as session:  # one query per chunk for existing identifiers
            wanted = [item.row["identifier"] for item in chunk]
            existing = set(
                session.execute(select(Licence.identifier).where(Licence.identifier.in_(wanted))).scalars()
            )
        for item in [i for i in chunk if i.row["identifier"] in existing]:
            report.rejected.append(Rejected(item.line, f"identifier: {item.row['identifier']} exists"))
        chunk = [i for i in chunk if i.row["identifier"] not in existing]
        if chunk:
            self._insert(chunk, report)
        report.rejected.sort(key=lambda r: r.line)
        return result.entries

    def _insert(self, chunk: list[Prepared], report: IssueReport) -> None:
        now = utcnow()
        rows = [
            {**{k: v for k, v in item.row.items() if k != "supersedes"}, "created_at": now} for item in chunk
        ]
        identifiers = [r["identifier"] for r in rows]
        licences, outbox = Licence.__table__, Outbox.__table__
        with Session(self.engine) as session, session.begin():
            conn = session.connection()
            conn.execute(insert(licences), rows)  # one executemany, no per-row round trips
            conn.execute(
                insert(outbox).from_select(
                    ["licence_id", "type_code", "created_at"],
                    select(
                        licences.c.id, licences.c.type_code, literal(now, type_=outbox.c.created_at.type)
                    ).where(licences.c.identifier.in_(identifiers)),
                )
            )
            for item in chunk:
                if item.row["supersedes"]:
                    from ledger.licences.status import queue_supersede

                    new_id = conn.execute(
                        select(licences.c.id).where(licences.c.identifier == item.row["identifier"])
                    ).scalar_one()
                    queue_supersede(session, item.row["supersedes"], new_id)
        report.accepted_count += len(rows)
        room = report.keep - len(report.accepted)
        if room > 0:
            report.accepted += [r["identifier"] for r in rows[:room]]


def _chunks(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    chunk: list[Entry] = []
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_WORKER: Issuance | None = None


def _worker_init(url: str, settings: Settings, max_body: int) -> None:
    global _WORKER
    from ledger.db import make_engine

    _WORKER = Issuance(make_engine(url), licence_bodies(settings), max_body=max_body)


def _worker_prepare(chunk: list[Entry], base_dir: Path) -> ChunkResult:
    assert _WORKER is not None
    return _WORKER.prepare_chunk(chunk, base_dir)
