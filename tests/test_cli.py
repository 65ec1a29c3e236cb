"""The `certledger` command as users run it: separate processes sharing one data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledger.cli import app
from ledger.errors import ConfigError
from ledger.settings import load_settings

CERTLEDGER = str(Path(sys.executable).parent / "certledger")
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CERTLEDGER, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


def test_deploy_then_a_later_process_finds_the_embedded_deployment_intact(tmp_path):
    env = {"CERTLEDGER_DATA_DIR": str(tmp_path / "data")}
    deployed = run("chain", "deploy", "--json", env=env)
    assert deployed.returncode == 0, deployed.stderr
    book = json.loads(deployed.stdout)
    assert book["deployed"] is True and book["chain_id"] == 1337
    status = run("chain", "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    later = json.loads(status.stdout)
    assert later["ok"] is True and later["contracts"] == book["contracts"]
    assert later["block"] >= book["contracts"]["LogAnchor"]["block"]
    again = run("chain", "deploy", "--json", env=env)  # idempotent: intact, not redeployed
    assert json.loads(again.stdout)["deployed"] is False


def test_a_second_process_gets_a_clear_message_naming_the_owner(tmp_path):
    from ledger.chain.embedded import EmbeddedProvider

    data = tmp_path / "data"
    provider = EmbeddedProvider(data / "chain")
    try:
        blocked = run("chain", "status", env={"CERTLEDGER_DATA_DIR": str(data)})
    finally:
        provider.close()
    assert blocked.returncode == 1
    assert "in use by another process" in blocked.stderr
    assert f'"pid": {os.getpid()}' in blocked.stderr
    assert "Traceback" not in blocked.stderr


def test_status_without_deployment_fails_with_one_line(tmp_path):
    result = run("chain", "status", env={"CERTLEDGER_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1
    assert "no deployment recorded for chain 1337" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_several_workers_on_the_embedded_chain(tmp_path):
    """The embedded chain belongs to one process: `--workers 2` needs a node."""
    result = run("serve", "--workers", "2", env={"CERTLEDGER_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 1
    assert "--workers 2" in result.stderr and "chain_url" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "chain").exists()  # refused before opening anything


def test_demo_revokes_exactly_one_and_verifies_the_rest(tmp_path):
    env = {"CERTLEDGER_DATA_DIR": str(tmp_path / "data")}
    first = run("demo", "--json", env=env)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["issued"] == 48 and result["types"] == 12 and result["batches"] == 12
    invalid = [r for r in result["results"] if not r["valid"]]
    assert [r["identifier"] for r in invalid] == [result["revoked"]]
    checks = {c["name"]: c["status"] for c in invalid[0]["checks"]}
    assert checks == {
        "FORMAT": "VALID",
        "INTEGRITY": "VALID",
        "ANCHOR": "VALID",
        "STATUS": "INVALID",
        "VALIDITY": "VALID",
        "BODY": "VALID",
    }
    assert all(c["status"] == "VALID" for r in result["results"] if r["valid"] for c in r["checks"])
    window = result["window_case"]  # archived first: number 1
    assert window["pull"]["valid"] and window["pull"]["stamped"]
    assert window["replay"]["status"] == 409
    assert [e["change"] for e in window["pushed"]] == ["revoke"]
    assert window["history"]["uses"][0]["licence"] == window["licence"]
    assert window["proof"]["ok"]
    assert (tmp_path / "data" / "demo" / "request-qr.png").read_bytes().startswith(b"\x89PNG")
    archive = result["archive"]
    year = archive["packages"][0][5:9]
    assert window["archived"] == f"DX01-{year}-Y30-000001"
    assert archive["packages"] == [f"DX01-{year}-Y30-{n:06d}" for n in (2, 3, 4)]
    assert archive["audit"]["ok"] is True and archive["audit"]["packages"]["checked"] == 4
    after = archive["audit_after_tampering"]
    assert after["ok"] is False
    assert [f["archive_no"] for f in after["packages"]["failed"]] == [archive["tampered_package"]]
    second = json.loads(run("demo", "--json", env=env).stdout)  # reuses the deployment
    assert second["deployed_now"] is False and second["address_book"] == result["address_book"]


@pytest.mark.hardhat
def test_deploy_and_status_against_the_hardhat_node(tmp_path, hardhat_url):
    env = {"CERTLEDGER_DATA_DIR": str(tmp_path / "data"), "CERTLEDGER_CHAIN_URL": hardhat_url}
    deployed = run("chain", "deploy", "--json", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert json.loads(deployed.stdout)["chain_id"] == 31337
    status = run("chain", "status", "--json", env=env)
    assert status.returncode == 0 and json.loads(status.stdout)["ok"] is True


def test_unreachable_node_is_one_clear_error(tmp_path):
    env = {"CERTLEDGER_DATA_DIR": str(tmp_path / "d"), "CERTLEDGER_CHAIN_URL": "http://127.0.0.1:9"}
    result = run("chain", "status", env=env)
    assert result.returncode == 1
    assert "cannot reach the chain node at http://127.0.0.1:9" in result.stderr


def test_config_show_masks_secrets(monkeypatch):
    monkeypatch.setenv("CERTLEDGER_PRIVATE_KEY", "0x" + "ab" * 32)
    monkeypatch.setenv("CERTLEDGER_DATABASE_URL", "postgresql://app:hunter2@127.0.0.1/certledger")
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["private_key"] == "**********"
    assert shown["database_url"] == "postgresql://app:***@127.0.0.1/certledger"
    assert "ab" * 32 not in result.output and "hunter2" not in result.output


def test_config_file_and_environment_precedence(tmp_path, monkeypatch):
    config = tmp_path / "conf.toml"
    config.write_text('chain_url = "http://127.0.0.1:8545"\nreceipt_timeout = 5\n')
    monkeypatch.setenv("CERTLEDGER_CONFIG", str(config))
    monkeypatch.setenv("CERTLEDGER_RECEIPT_TIMEOUT", "7")
    settings = load_settings()
    assert settings.chain_url == "http://127.0.0.1:8545"  # from the file
    assert settings.receipt_timeout == 7  # the environment wins over the file


def test_bad_setting_names_the_field(monkeypatch):
    monkeypatch.setenv("CERTLEDGER_RECEIPT_TIMEOUT", "-1")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 1
    assert "receipt_timeout" in result.output


def test_development_keys_are_refused_outside_dev_chains():
    settings = load_settings()
    assert settings.signer(1337).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(ConfigError, match="no signing key configured for chain 1"):
        settings.signer(1)
    key = "0x" + "11" * 32
    assert load_settings(private_key=key).signer(1).key.hex().removeprefix("0x") == "11" * 32


def test_keystore_signer(tmp_path):
    from eth_account import Account

    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt("0x" + "22" * 32, "pw")))
    signer = load_settings(keystore=path, keystore_password="pw").signer(5)
    assert signer.address == Account.from_key("0x" + "22" * 32).address
    with pytest.raises(ConfigError, match="wrong password"):
        load_settings(keystore=path, keystore_password="nope").signer(5)
