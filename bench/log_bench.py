"""Verifiable log benchmark: durable appends, and proofs at a large size.

    .venv/bin/python bench/log_bench.py [--entries 1000000] [--batch 10000] [--proofs 500]

Appends random 128-byte entries in transactions of BATCH (each committed durably), then times
inclusion and consistency proofs read from the database at the final size.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.log import MerkleLog  # noqa: E402
from ledger import merkle  # noqa: E402
from ledger.db import init_db, make_engine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--proofs", type=int, default=500)
    args = parser.parse_args()
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: python bench/log_bench.py {' '.join(sys.argv[1:])}")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/log.db")
        init_db(engine)
        log = MerkleLog(engine, "archive")
        payload = os.urandom(128 * args.batch)
        start = time.perf_counter()
        for b in range(args.entries // args.batch):
            stamp = b.to_bytes(4, "big")
            log.append_many([stamp + payload[i * 128 : i * 128 + 124] for i in range(args.batch)])
        elapsed = time.perf_counter() - start
        print(
            f"durable appends: {args.entries / elapsed:,.0f} entries/s ({args.entries:,} in {elapsed:.1f} s, "
            f"batches of {args.batch:,})"
        )
        head = log.head()
        rng = random.Random(7)
        inclusion, consistency = [], []
        for _ in range(args.proofs):
            index = rng.randrange(head.size)
            t = time.perf_counter()
            proof = log.inclusion_proof(index, head.size)
            inclusion.append((time.perf_counter() - t) * 1000)
            merkle.verify_inclusion(index, head.size, merkle.leaf_hash(log.entry(index)), proof, head.root)
            old = rng.randrange(1, head.size)
            t = time.perf_counter()
            proof = log.consistency_proof(old, head.size)
            consistency.append((time.perf_counter() - t) * 1000)
        print(
            f"inclusion proof at {head.size:,}: p50 {statistics.median(inclusion):.3f} ms, "
            f"p95 {sorted(inclusion)[int(len(inclusion) * 0.95)]:.3f} ms"
        )
        print(
            f"consistency proof to {head.size:,}: p50 {statistics.median(consistency):.3f} ms, "
            f"p95 {sorted(consistency)[int(len(consistency) * 0.95)]:.3f} ms"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
