"""Bulk issuance and verification benchmark on the embedded default.

    .venv/bin/python bench/issuance_bench.py [--count 100000] [--body-kb 10] [--batch-size 10000]

Generates COUNT licences with distinct BODY-KB bodies (PDF), issues them end to end to
ANCHORED (validate, canonicalise, commit, store body, outbox, seal, anchor, proofs), then
verifies all of them in bulk and times single in-process verifications. Reports per-stage
times and peak memory (ru_maxrss). The input generation is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from licence_helpers import licence_input, ready_services  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from ledger.licences.issuance import IssueReport  # noqa: E402
from ledger.licences.sources import read_entries  # noqa: E402
from ledger.settings import load_settings  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_input(directory: Path, count: int, body_kb: int) -> Path:
    bodies = directory / "bodies"
    bodies.mkdir()
    path = directory / "licences.jsonl"
    filler = os.urandom(body_kb * 1024)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(count):
            body = f"b{i}.pdf"
            (bodies / body).write_bytes(b"%PDF-1.7\n" + i.to_bytes(8, "big") + filler[: body_kb * 1024 - 17])
            f.write(json.dumps(licence_input(i, body=f"bodies/{body}"), ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--body-kb", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=200, help="single verifications to time")
    parser.add_argument(
        "--workers", type=int, default=None, help="issuance processes (default: one per core)"
    )
    args = parser.parse_args()
    figures: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python bench/issuance_bench.py " + " ".join(sys.argv[1:]),
        "count": args.count,
    }
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        services = ready_services(load_settings(data_dir=base / "data"))
        source = make_input(base, args.count, args.body_kb)
        figures["peak MB after setup"] = round(peak_mb())

        start = time.perf_counter()
        report = IssueReport()
        workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
        from ledger.licences.anchoring import AnchorReport

        anchorer = services.anchorer(args.batch_size)
        early = AnchorReport()
        for _ in services.issuance().issue_iter(
            read_entries(source),
            base,
            report,
            workers=workers,
            between_chunks=lambda: anchorer.anchor_full_batches(early),
        ):
            pass
        figures["workers"] = workers
        stored = time.perf_counter()
        assert not report.rejected, report.rejected[:3]
        anchor_report = AnchorReport()
        anchorer.seal(anchor_report, force=True)
        sealed = time.perf_counter()
        anchorer.anchor(anchor_report)
        done = time.perf_counter()
        assert anchor_report.licences + early.licences == args.count, (anchor_report, early)
        figures["stage: validate+commit+store+outbox, full batches anchored meanwhile (s)"] = round(
            stored - start, 2
        )
        figures["stage: seal batches (s)"] = round(sealed - stored, 2)
        figures["stage: anchor + proofs (s)"] = round(done - sealed, 2)
        figures["batches"] = anchor_report.anchored + early.anchored
        figures["issuance end to end (licences/s)"] = round(args.count / (done - start))
        figures["peak MB after issuance"] = round(peak_mb())

        from ledger.licences.bulk_verify import verify_all

        start = time.perf_counter()
        summary = verify_all(
            services.engine,
            services.contracts.registry,
            services.bodies,
            settings=services.settings,
            workers=workers,
        )
        elapsed = time.perf_counter() - start
        assert summary["valid"] == args.count, summary
        figures["bulk verification (licences/s)"] = round(args.count / elapsed)

        from ledger.licences.package import build_package
        from ledger.licences.verify import verify_package
        from ledger.models import Batch, Licence

        with Session(services.engine) as session:
            sample = session.execute(select(Licence).limit(args.single)).scalars().all()
            packages = [
                build_package(
                    lic, session.get(Batch, lic.batch_id), services.contracts.registry.address
                ).to_json()
                for lic in sample
            ]
        times = []
        opener = services.body_opener()
        for data in packages:
            t = time.perf_counter()
            assert verify_package(data, registry=services.contracts.registry, bodies=opener).valid
            times.append((time.perf_counter() - t) * 1000)
        figures["single verification p50 (ms)"] = round(statistics.median(times), 2)
        figures["single verification p95 (ms)"] = round(sorted(times)[int(len(times) * 0.95)], 2)
        figures["peak MB at end"] = round(peak_mb())
        services.close()
    for key, value in figures.items():
        print(f"{key:<44} {value}")


if __name__ == "__main__":
    main()
