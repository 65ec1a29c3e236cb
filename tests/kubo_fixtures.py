"""Kubo (IPFS) fixtures: a throw-away daemon started by scripts/kubo-start on a free port.

`kubo_url` is one daemon for the whole session (stopped at the end); `start_kubo` starts more,
e.g. one that a test kills. kubo-start builds kubo v0.42.0 with Go when no ipfs binary is found
(minutes the first time on a machine); run `scripts/kubo-start --install-only` before pytest so
that this does not count against a test's timeout. When kubo can be neither found, built nor
started, the kubo tests skip locally with the reason; under CI=true they fail instead.

Imported into conftest.py with `from kubo_fixtures import *`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["KuboDaemon", "kubo_daemon", "kubo_url", "start_kubo"]

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 1800  # a first build of kubo takes minutes
KUBO_UNAVAILABLE = 2  # scripts/kubo-start exit status: no ipfs binary, and no Go to build one


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class KuboDaemon:
    url: str
    run_dir: Path
    env: dict[str, str]

    @property
    def pid(self) -> int:
        """The daemon's pid, which is also its process group (kubo-start runs it under setsid)."""
        return int((self.run_dir / "kubo.pid").read_text().split()[0])

    def start(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ROOT / "scripts" / "kubo-start"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
        )

    def stop(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ROOT / "scripts" / "kubo-stop"], env=self.env, capture_output=True, text=True, timeout=120
        )

    def kill(self) -> None:
        """SIGKILL the daemon's process group, as a crash would, and wait until it is gone."""
        pid = self.pid
        os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError(f"kubo daemon {pid} still there 10 s after SIGKILL")


def start_kubo(run_dir: Path, port: int | None = None) -> KuboDaemon:
    """Start a kubo daemon in `run_dir` (skip or, under CI, fail when that is impossible).
    The caller stops it with `.stop()`."""
    from conftest import require_service  # conftest imports this module: import late

    env = {
        **os.environ,
        "CERTLEDGER_KUBO_PORT": str(port or _free_port()),
        "CERTLEDGER_RUN_DIR": str(run_dir),
    }
    daemon = KuboDaemon(url="", run_dir=run_dir, env=env)
    started = daemon.start()
    if started.returncode != 0:
        daemon.stop()
        what = (
            "kubo is not available" if started.returncode == KUBO_UNAVAILABLE else "scripts/kubo-start failed"
        )
        require_service(False, f"{what} (exit {started.returncode}):\n{started.stderr.strip()[-3000:]}")
    return KuboDaemon(url=started.stdout.strip().splitlines()[-1], run_dir=run_dir, env=env)


@pytest.fixture(scope="session")
def kubo_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuboDaemon]:
    """One kubo daemon (offline, loopback only) for the whole session."""
    daemon = start_kubo(tmp_path_factory.mktemp("kubo-run"))
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def kubo_url(kubo_daemon: KuboDaemon) -> str:
    """RPC API URL of the session's kubo daemon, e.g. http://127.0.0.1:40123."""
    return kubo_daemon.url
