"""The electronic archive end to end: add, number, export, audit, tamper, dispose."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import bagit
import pytest
from chain_helpers import ADMIN
from sqlalchemy import delete, update
from sqlmodel import Session
from test_archive_package import CASE, write_case_dir

from archive.audit_logs import audit_log
from archive.records import ArchiveError, reproducible_tar
from ledger.chain.deploy import deploy
from ledger.models import ArchiveRecord, utcnow
from ledger.services import Services
from ledger.settings import load_settings
from ledger.storage.cid import CID


@pytest.fixture
def services(tmp_path):
    s = Services(load_settings(data_dir=tmp_path / "data"))
    deploy(s.client, ADMIN, s.settings.data_dir)
    yield s
    s.close()


def add(services, tmp_path, n):
    case = copy.deepcopy(CASE)
    case["case_number"] = f"DX20260302{n:05d}"
    directory = write_case_dir(tmp_path / f"case{n}", case)
    return services.archive.add(
        directory, fonds="DX01", retention="Y30", created_by="大兴区政务服务中心", archivist="档案员"
    )


def audit(services):
    packages = {p.archive_no: p for p in services.archive.audit()}
    return packages, audit_log(services.logs, "archive")


def test_add_export_and_a_clean_audit(services, tmp_path):
    records = [add(services, tmp_path, n) for n in range(3)]
    assert [r.archive_no for r in records] == [f"DX01-2026-Y30-{n:06d}" for n in (1, 2, 3)]
    assert [r.log_index for r in records] == [0, 1, 2]
    entry = services.archive.log_entry(records[1])
    assert (
        entry["archive_no"] == records[1].archive_no and entry["package_digest"] == records[1].package_digest
    )
    bag = services.archive.export(records[0].archive_no, tmp_path / "exported")
    bagit.Bag(str(bag)).validate()  # an outside tool accepts it
    assert json.loads((bag / "data" / "case.json").read_text("utf-8"))["case_number"] == "DX2026030200000"
    assert services.store.read(records[0].cid)[:4] != b"bagi"  # only ciphertext is stored
    packages, log = audit(services)
    assert all(p.ok for p in packages.values()), [p.to_json() for p in packages.values()]
    assert log.ok and log.size == 3
    assert services.logs.latest_checkpoint("archive") is not None or log.checkpoints == 0


def test_the_same_bag_gives_the_same_tar(services, tmp_path):
    record = add(services, tmp_path, 1)
    one = services.archive.export(record.archive_no, tmp_path / "a")
    two = services.archive.export(record.archive_no, tmp_path / "b")
    assert reproducible_tar(one) == reproducible_tar(two)


def test_a_flipped_byte_in_a_stored_package_is_located(services, tmp_path):
    records = [add(services, tmp_path, n) for n in range(3)]
    target = records[1]
    db = services.store.pack._db()
    root = CID.parse(target.cid).to_bytes()
    (inline,) = db.execute("SELECT inline FROM block WHERE cid = ?", (root,)).fetchone()
    if inline is not None:  # small: the whole ciphertext is one block inside the index
        db.execute(
            "UPDATE block SET inline = ? WHERE cid = ?", (bytes([inline[0] ^ 1]) + bytes(inline[1:]), root)
        )
    packages, _ = audit(services)
    assert not packages[target.archive_no].ok
    assert "cannot be read back intact" in " ".join(packages[target.archive_no].problems)
    assert all(packages[r.archive_no].ok for r in records if r is not target)


def test_a_deleted_package_is_located(services, tmp_path):
    records = [add(services, tmp_path, n) for n in range(2)]
    services.store.pack._db().execute(
        "DELETE FROM block WHERE cid = ?", (CID.parse(records[0].cid).to_bytes(),)
    )
    packages, _ = audit(services)
    assert "missing from the store" in " ".join(packages[records[0].archive_no].problems)
    assert packages[records[1].archive_no].ok


def test_a_gap_in_archive_numbers_is_located(services, tmp_path):
    records = [add(services, tmp_path, n) for n in range(3)]
    with Session(services.engine) as session:
        session.execute(delete(ArchiveRecord).where(ArchiveRecord.archive_no == records[1].archive_no))
        session.commit()
    packages, _ = audit(services)
    assert "jump from 000001 to 000003" in " ".join(packages[records[2].archive_no].problems)


def test_a_removed_metadata_element_is_located(services, tmp_path):
    record = add(services, tmp_path, 1)
    bag = services.archive.export(record.archive_no, tmp_path / "bag")
    eep = bag / "metadata" / "eep.xml"
    text = eep.read_text("utf-8")
    start, end = text.index("<业务实体块"), text.index("</业务实体块>") + len("</业务实体块>")
    eep.write_text(text[:start] + text[end:], "utf-8")  # someone with the keys rewrites the package
    sealed = services.bodies.seal_many([(record.archive_no, reproducible_tar(bag))], kind="archive-package")[
        0
    ]
    with Session(services.engine) as session:
        session.execute(
            update(ArchiveRecord)
            .where(ArchiveRecord.archive_no == record.archive_no)
            .values(cid=sealed.cid, body_key=sealed.wrapped_key)
        )
        session.commit()
    packages, _ = audit(services)
    result = packages[record.archive_no]
    assert not result.ok
    failed = " ".join(f"{i.item} {i.reason}" for i in result.items if i.outcome.value == "FAIL")
    assert "业务实体块" in failed
    assert "its archive-log entry" in " ".join(result.problems)  # the log names the original CID


def test_disposal_respects_retention_and_legal_hold(services, tmp_path):
    record = add(services, tmp_path, 1)
    with pytest.raises(ArchiveError, match="retention period runs until"):
        services.archive.dispose(record.archive_no, "retention over")
    with Session(services.engine) as session:
        session.execute(
            update(ArchiveRecord)
            .where(ArchiveRecord.archive_no == record.archive_no)
            .values(dispose_after=utcnow() - timedelta(days=1))
        )
        session.commit()
    services.archive.hold(record.archive_no)
    with pytest.raises(ArchiveError, match="legal hold"):
        services.archive.dispose(record.archive_no, "retention over")
    services.archive.hold(record.archive_no, on=False)
    disposed = services.archive.dispose(record.archive_no, "retention over (Y30)")
    assert disposed.body_key is None and disposed.disposed_at is not None
    with pytest.raises(ArchiveError, match="disposed"):
        services.archive.export(record.archive_no, tmp_path / "gone")
    last = json.loads(services.logs.log("archive").entry(services.logs.log("archive").head().size - 1))
    assert last == {
        "type": "disposal",
        "archive_no": record.archive_no,
        "reason": "retention over (Y30)",
        "package_digest": record.package_digest,
    }
    packages, log = audit(services)
    assert packages[record.archive_no].ok and log.ok


def test_retention_per_matter_from_settings(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from ledger.cli import app
    from ledger.settings import get_settings

    monkeypatch.setenv("CERTLEDGER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CERTLEDGER_ARCHIVE_RETENTION", json.dumps({CASE["matter_code"]: "YJ"}))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["chain", "deploy"]).exit_code == 0
    get_settings.cache_clear()
    added = runner.invoke(app, ["archive", "add", str(write_case_dir(tmp_path / "case")), "--json"])
    assert added.exit_code == 0, added.output
    record = json.loads(added.output)
    assert record["archive_no"].endswith("-YJ-000001") and record["dispose_after"] is None
