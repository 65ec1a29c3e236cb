"""The electronic archive: case files become archival packages, numbered, logged, audited.

A finished case becomes a signed BagIt bag (archive.package), tarred reproducibly, encrypted
like every body (its archive number as associated data) and stored through the storage layer.
Its record and its `archive` log entry are written in one transaction; archive numbers run
without gaps per fonds and year. Disposal after the retention period writes a disposal entry
to the log and shreds the package key; a legal hold blocks disposal.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from archive.checkpoint import NoteSigner
from archive.logs import Logs
from archive.package import (
    ArchiveNumber,
    CheckItem,
    ExpectedPackage,
    Retention,
    Signer,
    build_package,
    inspect_package,
    load_case,
)
from ledger.errors import LedgerError, NotFound, StorageError
from ledger.licences.bodies import LicenceBodies
from ledger.models import ArchiveRecord, FixityRecord, LogEntry, as_utc, utcnow

KIND = "archive-package"
RETENTION_YEARS = {Retention.Y10: 10, Retention.Y30: 30, Retention.YJ: None}


class ArchiveError(LedgerError):
    """An archive operation that the package's state does not allow."""


def reproducible_tar(directory: Path) -> bytes:
    """The directory as a tar with sorted names, zero times and no owners: same tree, same bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(directory.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(directory).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buffer.getvalue()


def untar(data: bytes, target: Path) -> None:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(target, filter="data")  # refuses absolute paths, links out, devices


@dataclass
class PackageAudit:
    archive_no: str
    items: list[CheckItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not from the bag itself: store, log, numbering

    @property
    def ok(self) -> bool:
        return not self.problems and all(i.outcome.value != "FAIL" for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {
            "archive_no": self.archive_no,
            "ok": self.ok,
            "problems": self.problems,
            "failed": [i.to_json() for i in self.items if i.outcome.value == "FAIL"],
        }


class Archive:
    def __init__(self, engine: Engine, bodies: LicenceBodies, logs: Logs, keys_dir: Path) -> None:
        self.engine = engine
        self.bodies = bodies
        self.logs = logs
        self._key = NoteSigner.from_file("certledger-archive", keys_dir / "archive-signing.pem").private_key

    @property
    def public_key(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    # ----- adding -----

    def add(
        self, case_path: Path, *, fonds: str, retention: str, created_by: str, archivist: str
    ) -> ArchiveRecord:
        case = load_case(case_path)
        retention_ = Retention.parse(retention)
        year = case.closed_at.year
        for _ in range(5):  # a concurrent add took the number: take the next
            sequence = self._next_sequence(fonds, year)
            number = ArchiveNumber(fonds, year, retention_, sequence)
            with tempfile.TemporaryDirectory() as tmp:
                info = build_package(
                    case,
                    Path(tmp) / "bag",
                    archive_no=number,
                    fonds=fonds,
                    year=year,
                    retention=retention_,
                    created_by=created_by,
                    signer=Signer(archivist, self._key),
                )
                tar = reproducible_tar(info.bag_dir)
            sealed = self.bodies.seal_many([(str(number), tar)], kind=KIND)[0]
            entry = {
                "type": "package",
                "archive_no": str(number),
                "package_digest": info.package_digest,
                "tar_sha256": hashlib.sha256(tar).hexdigest(),
                "cid": sealed.cid,
                "matter_code": case.matter_code,
                "case_number": case.case_number,
            }
            years = RETENTION_YEARS[retention_]
            try:
                with Session(self.engine) as session, session.begin():
                    index = self.logs.log("archive").append_many([_canonical(entry)], session=session)[0]
                    record = ArchiveRecord(
                        archive_no=str(number),
                        fonds=fonds,
                        year=year,
                        sequence=sequence,
                        retention=retention_.value,
                        matter_code=case.matter_code,
                        case_number=case.case_number,
                        package_digest=info.package_digest,
                        tar_sha256=entry["tar_sha256"],
                        size=len(tar),
                        cid=sealed.cid,
                        body_key=sealed.wrapped_key,
                        log_index=index,
                        dispose_after=None if years is None else case.closed_at + timedelta(days=365 * years),
                    )
                    session.add(record)
            except IntegrityError:
                continue
            self.logs.checkpoint("archive", force=False)
            return self.get(str(number))
        raise ArchiveError(f"could not allocate an archive number in fonds {fonds} for {year}")

    def _next_sequence(self, fonds: str, year: int) -> int:
        with Session(self.engine) as session:
            top = session.execute(
                select(func.max(ArchiveRecord.sequence)).where(
                    ArchiveRecord.fonds == fonds, ArchiveRecord.year == year
                )
            ).scalar_one()
        return (top or 0) + 1

    # ----- reading -----

    def get(self, archive_no: str) -> ArchiveRecord:
        with Session(self.engine) as session:
            record = session.get(ArchiveRecord, archive_no)
        if record is None:
            raise NotFound(f"no archival package {archive_no}")
        return record

    def log_entry(self, record: ArchiveRecord) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = session.get(LogEntry, ("archive", record.log_index))
        return json.loads(row.entry) if row is not None else None

    def export(self, archive_no: str, target: Path) -> Path:
        """The package as a bag directory (which any BagIt tool validates)."""
        record = self.get(archive_no)
        if record.body_key is None:
            raise ArchiveError(
                f"{archive_no} was disposed of on {record.disposed_at:%Y-%m-%d}: its key is destroyed"
            )
        tar = self.bodies.open(archive_no, record.cid, record.body_key, kind=KIND)
        target.mkdir(parents=True, exist_ok=True)
        untar(tar, target)
        return target

    # ----- retention -----

    def hold(self, archive_no: str, on: bool = True) -> ArchiveRecord:
        with Session(self.engine) as session, session.begin():
            record = session.get(ArchiveRecord, archive_no)
            if record is None:
                raise NotFound(f"no archival package {archive_no}")
            record.legal_hold = on
        return self.get(archive_no)

    def dispose(self, archive_no: str, reason: str) -> ArchiveRecord:
        record = self.get(archive_no)
        if record.legal_hold:
            raise ArchiveError(f"{archive_no} is under a legal hold: it cannot be disposed of")
        if record.disposed_at is not None:
            raise ArchiveError(f"{archive_no} was already disposed of")
        if record.dispose_after is None or as_utc(record.dispose_after) > utcnow():
            until = "permanent" if record.dispose_after is None else f"{record.dispose_after:%Y-%m-%d}"
            raise ArchiveError(f"{archive_no}: its retention period runs until {until}")
        entry = {
            "type": "disposal",
            "archive_no": archive_no,
            "reason": reason,
            "package_digest": record.package_digest,
        }
        with Session(self.engine) as session, session.begin():
            self.logs.log("archive").append_many([_canonical(entry)], session=session)
            row = session.get(ArchiveRecord, archive_no)
            row.body_key, row.disposed_at, row.dispose_reason = None, utcnow(), reason
        self.logs.checkpoint("archive", force=False)
        return self.get(archive_no)

    # ----- audit -----

    def audit(self, progress: Any = None) -> list[PackageAudit]:
        """The four-property check of every package, with the store, the archive log and the
        numbering; PREMIS fixity events are stored per package."""
        with Session(self.engine) as session:
            records = list(
                session.execute(
                    select(ArchiveRecord).order_by(
                        ArchiveRecord.fonds, ArchiveRecord.year, ArchiveRecord.sequence
                    )
                ).scalars()
            )
        results, expected_seq = [], {}
        for n, record in enumerate(records, 1):
            result = PackageAudit(record.archive_no)
            key = (record.fonds, record.year)
            if record.sequence != expected_seq.get(key, 1):
                result.problems.append(
                    f"archive numbers of {record.fonds}/{record.year} jump from "
                    f"{expected_seq.get(key, 1) - 1:06d} to {record.sequence:06d}: a package is missing"
                )
            expected_seq[key] = record.sequence + 1
            entry = self.log_entry(record)
            if (
                entry is None
                or entry.get("archive_no") != record.archive_no
                or entry.get("cid") != record.cid
            ):
                result.problems.append(
                    f"its archive-log entry {record.log_index} is missing or names another package"
                )
            if record.disposed_at is None:
                self._check_package(record, entry, result)
            results.append(result)
            if progress:
                progress(n)
        return results

    def _check_package(
        self, record: ArchiveRecord, entry: dict[str, Any] | None, result: PackageAudit
    ) -> None:
        try:
            tar = self.bodies.open(record.archive_no, record.cid, record.body_key or "", kind=KIND)
        except NotFound:
            result.problems.append(f"the package ({record.cid}) is missing from the store")
            return
        except StorageError as exc:
            result.problems.append(f"the stored package cannot be read back intact: {exc}")
            return
        expected = ExpectedPackage(
            package_digest=(entry or {}).get("package_digest", record.package_digest),
            archive_no=record.archive_no,
        )
        with tempfile.TemporaryDirectory() as tmp:
            untar(tar, Path(tmp))
            report = inspect_package(Path(tmp), public_key=self.public_key, expected=expected)
        result.items = list(report.items)
        with Session(self.engine) as session, session.begin():
            session.add_all(
                FixityRecord(
                    archive_no=record.archive_no,
                    object=e.object,
                    algorithm=e.algorithm,
                    digest=e.digest,
                    time=e.time,
                    outcome=str(e.outcome),
                    agent=e.agent,
                )
                for e in report.events
            )


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
