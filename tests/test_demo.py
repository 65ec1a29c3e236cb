"""`certledger demo` end to end on the embedded default, as a newcomer runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_runs_the_main_job_including_a_window_case(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}
    run = subprocess.run(
        [str(Path(sys.executable).with_name("certledger")), "demo", "--json"],
        cwd=tmp_path,
        env={**env, "CERTLEDGER_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    window = result["window_case"]
    assert window["pull"]["valid"] and window["pull"]["stamped"]
    assert window["replay"]["status"] == 409
    assert [e["change"] for e in window["pushed"]] == ["revoke"]
    assert window["history"]["uses"][0]["licence"] == window["licence"]
    assert window["archived"].startswith("DX01-") and window["proof"]["ok"]
    assert (tmp_path / "data" / "demo" / "request-qr.png").read_bytes().startswith(b"\x89PNG")
