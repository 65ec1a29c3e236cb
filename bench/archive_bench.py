"""Archive audit benchmark: N packages averaging SIZE KB, then the full audit.

    .venv/bin/python bench/archive_bench.py [--count 10000] [--kb 200]

Each case holds a PDF (most of the size), a JSON use copy and a JSON consent receipt. Times
`archive add` (not a target) and the audit of every package: fetch, decrypt, unpack, both
digests of every file, tag manifests, EEP signature and metadata, formats, package digest vs
the archive log, numbering; reported as MB/s of package content.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chain_helpers import ADMIN  # noqa: E402
from test_archive_package import CASE, minimal_png  # noqa: E402

from ledger.chain.deploy import deploy  # noqa: E402
from ledger.sample import sample_pdf  # noqa: E402
from ledger.services import Services  # noqa: E402
from ledger.settings import load_settings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--kb", type=int, default=200)
    args = parser.parse_args()
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: python bench/archive_bench.py {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        s = Services(load_settings(data_dir=base / "data"))
        deploy(s.client, ADMIN, s.settings.data_dir)
        filler = os.urandom(args.kb * 1024).hex()  # PDF text, so the file stays a well-formed PDF
        content = 0
        start = time.perf_counter()
        for n in range(args.count):
            case_dir = base / "case"
            case_dir.mkdir(exist_ok=True)
            (case_dir / "application.pdf").write_bytes(sample_pdf(f"{n:09d}{filler[: args.kb * 1024 - 600]}"))
            (case_dir / "photo.png").write_bytes(minimal_png())
            (case_dir / "consent.json").write_text(json.dumps({"n": n}), "utf-8")
            case = copy.deepcopy(CASE)
            case["case_number"] = f"DX2026{n:09d}"
            case["files"] = [
                {"path": "application.pdf", "title": "申请表", "kind": "application"},
                {"path": "photo.png", "title": "照片", "kind": "other"},
                {"path": "consent.json", "title": "授权同意凭证", "kind": "consent_receipt"},
            ]
            (case_dir / "case.json").write_text(json.dumps(case, ensure_ascii=False), "utf-8")
            content += sum(p.stat().st_size for p in case_dir.iterdir())
            s.archive.add(
                case_dir, fonds="DX01", retention="Y30", created_by="大兴区政务服务中心", archivist="bench"
            )
        added = time.perf_counter() - start
        print(
            f"archive add: {args.count / added:,.0f} packages/s ({content / added / 1e6:,.1f} MB/s of content)"
        )
        start = time.perf_counter()
        results = s.archive.audit()
        elapsed = time.perf_counter() - start
        assert len(results) == args.count and all(r.ok for r in results), [
            r.to_json() for r in results if not r.ok
        ][:2]
        print(
            f"audit of {args.count:,} packages, {content / 1e6:,.0f} MB of content: {elapsed:.1f} s, "
            f"{content / elapsed / 1e6:,.1f} MB/s, {args.count / elapsed:,.0f} packages/s"
        )
        s.close()


if __name__ == "__main__":
    main()
