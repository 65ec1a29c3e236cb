"""Shared fixtures: settings isolated per test, and the chain backends every contract test runs on.

Backends: the embedded chain (always) and the Hardhat node (marker `hardhat`), started once
per session by scripts/node-start on a free port. Without Node.js the Hardhat tests skip
locally with a reason; under CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from db_fixtures import *  # noqa: F403
from kubo_fixtures import *  # noqa: F403

from ledger.chain.client import ChainClient
from ledger.chain.deploy import Contracts, deploy, open_deployment  # noqa: I001
from ledger.chain.keys import dev_account
from ledger.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, reason: str) -> None:
    """Skip locally when a real service is missing; under CI=true that is a failure."""
    if not available:
        if IN_CI:
            pytest.fail(f"{reason} (required under CI=true)")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("CERTLEDGER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    from ledger.settings import get_settings

    get_settings.cache_clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def hardhat_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_service(
        shutil.which("node") is not None and shutil.which("npm") is not None,
        "Node.js and npm not found: the Hardhat node tests need Node >= 20",
    )
    env = {
        **os.environ,
        "CERTLEDGER_HARDHAT_PORT": str(_free_port()),
        "CERTLEDGER_RUN_DIR": str(tmp_path_factory.mktemp("hardhat-run")),
    }
    started = subprocess.run(
        [ROOT / "scripts" / "node-start"], env=env, capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0:
        pytest.fail(f"scripts/node-start failed:\n{started.stderr[-3000:]}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([ROOT / "scripts" / "node-stop"], env=env, capture_output=True, timeout=60)


@pytest.fixture(params=["embedded", pytest.param("hardhat", marks=pytest.mark.hardhat)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "embedded":
        return load_settings(data_dir=tmp_path / "data")
    return load_settings(data_dir=tmp_path / "data", chain_url=request.getfixturevalue("hardhat_url"))


@pytest.fixture
def client(settings: Settings) -> Iterator[ChainClient]:
    with ChainClient.from_settings(settings) as c:
        yield c


@pytest.fixture
def contracts(client: ChainClient, settings: Settings) -> Contracts:
    deploy(client, dev_account(0), settings.data_dir)
    return open_deployment(client, settings.data_dir)
