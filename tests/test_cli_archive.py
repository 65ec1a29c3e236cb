"""`certledger log ...` and `certledger audit` as a user runs them."""

from __future__ import annotations

import json

from sqlalchemy import update
from sqlmodel import Session
from typer.testing import CliRunner

from ledger.cli import app
from ledger.models import LogEntry
from ledger.services import Services
from ledger.settings import get_settings

runner = CliRunner()


def invoke(*args):
    get_settings.cache_clear()
    return runner.invoke(app, list(args))


def test_checkpoint_show_audit_and_a_tampered_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLEDGER_DATA_DIR", str(tmp_path / "data"))
    assert invoke("chain", "deploy").exit_code == 0
    get_settings.cache_clear()
    with Services(get_settings()) as s:
        s.logs.log("archive").append_many([f"entry {i}".encode() for i in range(7)])
    published = invoke("log", "checkpoint", "archive", "--json")
    assert published.exit_code == 0 and json.loads(published.output)["size"] == 7
    shown = json.loads(invoke("log", "show", "archive", "--json").output)
    assert shown["size"] == 7 and shown["checkpoint"]["anchored_block"] is not None
    assert shown["checkpoint"]["note"].startswith("certledger.local/daxing/archive\n7\n")

    clean = invoke("audit", "--json", "--report", str(tmp_path / "report.html"))
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.output)["ok"] is True
    assert "PASS" in (tmp_path / "report.html").read_text(encoding="utf-8")

    with Services(get_settings()) as s, Session(s.engine) as session:
        session.execute(update(LogEntry).where(LogEntry.index == 4).values(entry=b"entry 4, rewritten"))
        session.commit()
    tampered = invoke("audit", "--json", "--report", str(tmp_path / "report.html"))
    assert tampered.exit_code == 1
    archive = next(log for log in json.loads(tampered.output)["logs"] if log["log"] == "archive")
    assert any(f["kind"] == "entry" and f["index"] == 4 for f in archive["findings"])
    assert "FAIL" in (tmp_path / "report.html").read_text(encoding="utf-8")
