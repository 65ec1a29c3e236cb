"""kill -9 at any moment of bulk issuance loses nothing and anchors nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from licence_helpers import licence_input, ready_services
from sqlalchemy import func, select
from sqlmodel import Session

from ledger.licences.bulk_verify import verify_all
from ledger.models import Batch, BatchState, Licence, LicenceState
from ledger.settings import load_settings

CERTLEDGER = str(Path(sys.executable).parent / "certledger")
COUNT = 1_200


def test_kill_9_during_bulk_issuance_then_resume(tmp_path):
    data = tmp_path / "data"
    ready_services(load_settings(data_dir=data)).close()
    source = tmp_path / "licences.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for i in range(COUNT):
            f.write(json.dumps(licence_input(i, serial=f"2024K{i:06d}"), ensure_ascii=False) + "\n")
    env = {**os.environ, "CERTLEDGER_DATA_DIR": str(data)}
    command = [CERTLEDGER, "issue", "--bulk", str(source), "--batch-size", "100", "--json"]
    for delay in (1.0, 2.0, 3.0, 4.0):  # kill at different stages: storing, sealing, anchoring
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    # resume: anchor what is waiting, then re-submit the file (stored lines are refused as existing)
    anchored = subprocess.run(
        [CERTLEDGER, "anchor", "--json"], env=env, capture_output=True, text=True, timeout=600
    )
    assert anchored.returncode == 0, anchored.stderr
    final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    report = json.loads(final.stdout)
    assert all("exists" in r["reason"] for r in report["rejected"])

    services = ready_services.__globals__["Services"](load_settings(data_dir=data))
    try:
        with Session(services.engine) as session:
            assert session.execute(select(func.count(Licence.id))).scalar_one() == COUNT
            states = session.execute(select(Licence.state, func.count()).group_by(Licence.state)).all()
            assert dict(states) == {LicenceState.ANCHORED: COUNT}
            batches = session.execute(select(Batch)).scalars().all()
            assert {b.state for b in batches} == {BatchState.ANCHORED}
            assert sum(b.size for b in batches) == COUNT
        event = services.contracts.registry.contract.events.BatchAnchored()
        roots = [bytes(e["args"]["root"]) for e in services.client.events(event, 0)]
        assert len(roots) == len(set(roots)) == len(batches)  # each root anchored exactly once
        summary = verify_all(services.engine, services.contracts.registry, services.bodies)
        assert summary["valid"] == COUNT, summary
    finally:
        services.close()
