"""The licence commands as a user runs them: check-id, issue, export, verify, revoke."""

from __future__ import annotations

import json

import pytest
from licence_helpers import licence_input, ready_services, write_body
from typer.testing import CliRunner

from ledger.cli import app
from ledger.settings import get_settings, load_settings

runner = CliRunner()
VECTORS = json.loads(
    (__import__("pathlib").Path(__file__).parent / "vectors" / "identifiers.json").read_text()
)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    data = tmp_path / "data"
    ready_services(load_settings(data_dir=data)).close()
    monkeypatch.setenv("CERTLEDGER_DATA_DIR", str(data))
    get_settings.cache_clear()
    return data


def invoke(*args):
    get_settings.cache_clear()
    return runner.invoke(app, list(args))


@pytest.mark.parametrize(
    "value", [v for kind in VECTORS.values() if isinstance(kind, dict) for v in kind["valid"]]
)
def test_check_id_valid_vectors(value):
    result = invoke("check-id", value, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] is True


@pytest.mark.parametrize(
    "value", [v["value"] for kind in ("licence_identifier", "citizen_id") for v in VECTORS[kind]["invalid"]]
)
def test_check_id_invalid_vectors_exit_1(value):
    result = invoke("check-id", value, "--json")
    assert result.exit_code == 1
    shown = json.loads(result.output)
    assert shown["valid"] is False and shown["errors"]
    assert set(shown) >= {"kind", "valid", "errors", "warnings"}


def test_issue_export_verify_revoke(data_dir, tmp_path):
    body = write_body(tmp_path)
    lines = [json.dumps(licence_input(i, body=body), ensure_ascii=False) for i in range(4)]
    lines.insert(2, "{not json")
    (tmp_path / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    issued = invoke("issue", "--bulk", str(tmp_path / "batch.jsonl"), "--json")
    assert issued.exit_code == 1  # one bad line
    report = json.loads(issued.output)
    assert report["accepted"] == 4 and report["rejected"][0]["line"] == 3
    assert report["anchoring"]["licences"] == 4
    identifiers = report["identifiers"]

    verified = invoke("verify", identifiers[0], "--json")
    assert verified.exit_code == 0, verified.output
    assert {c["name"]: c["status"] for c in json.loads(verified.output)["checks"]} == {
        "FORMAT": "VALID",
        "INTEGRITY": "VALID",
        "ANCHOR": "VALID",
        "STATUS": "VALID",
        "VALIDITY": "VALID",
        "BODY": "VALID",
    }

    package = tmp_path / "package.json"
    assert invoke("export", identifiers[1], "--hide", "CZZTDM.0", "-o", str(package)).exit_code == 0
    assert "11010519491231002X" not in package.read_text(encoding="utf-8")
    assert invoke("verify", str(package)).exit_code == 0

    assert invoke("revoke", identifiers[1], "--reason", "7").exit_code == 0
    after = invoke("verify", str(package), "--json")
    assert after.exit_code == 1
    status = next(c for c in json.loads(after.output)["checks"] if c["name"] == "STATUS")
    assert status["status"] == "INVALID" and "revoked" in status["detail"]

    tampered = json.loads(package.read_text(encoding="utf-8"))
    tampered["fields"]["ZZBH"]["value"] = "京2119999"
    package.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    bad = json.loads(invoke("verify", str(package), "--json").output)
    assert next(c for c in bad["checks"] if c["name"] == "INTEGRITY")["status"] == "INVALID"


def test_verify_against_an_unreachable_chain_is_error(data_dir, tmp_path, monkeypatch):
    issued = json.loads(invoke("issue", write_json(tmp_path, licence_input(1)), "--json").output)
    package = tmp_path / "p.json"
    invoke("export", issued["identifiers"][0], "-o", str(package))
    monkeypatch.setenv("CERTLEDGER_CHAIN_URL", "http://127.0.0.1:9")
    result = invoke("verify", str(package), "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.output)["checks"]}
    assert checks["ANCHOR"]["status"] == "ERROR" and "unreachable" in checks["ANCHOR"]["detail"]
    assert checks["INTEGRITY"]["status"] == "VALID"


def test_status_change_of_an_unknown_licence_is_one_clear_error(data_dir):
    result = invoke("revoke", "1.2.156.3005.2.X")
    assert result.exit_code == 1 and "no licence" in result.output


def write_json(tmp_path, data) -> str:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_bulk_csv(data_dir, tmp_path):
    import csv

    from licence_helpers import ISSUER, TYPE_PERSON

    path = tmp_path / "licences.csv"
    columns = [
        "type_code",
        "issuer_uscc",
        "number",
        "issue_date",
        "valid_from",
        "valid_until",
        "holder_name",
        "holder_code",
        "holder_code_type",
        "KZ_ZYLB",
        "KZ_ZCRQ",
    ]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerow(
            [
                TYPE_PERSON,
                ISSUER,
                "京1",
                "20240101",
                "20240101",
                "20340101",
                "王五",
                "11010519491231002X",
                "111",
                "建筑工程",
                "20240101",
            ]
        )
        writer.writerow(
            [
                TYPE_PERSON,
                ISSUER,
                "京2",
                "20240101",
                "20240101",
                "20340101",
                "赵六",
                "11010519491231002X",
                "111",
                "建筑工程",
                "2024-01-01",
            ]
        )
    result = invoke("issue", "--bulk", str(path), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["accepted"] == 1
    assert report["rejected"][0]["line"] == 3 and "face.KZ_ZCRQ" in report["rejected"][0]["reason"]
    assert invoke("verify", report["identifiers"][0]).exit_code == 0
