"""Storage benchmark: put + get of 10 KB and 10 MB bodies, embedded and kubo.

    .venv/bin/python bench/storage_bench.py [--small 5000] [--large 20] [--threads 8]

The embedded store runs in a throw-away directory; kubo is started with scripts/kubo-start on
a free port (and stopped after). Bodies are random bytes (what encrypted bodies look like).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.storage import EmbeddedStore  # noqa: E402
from ledger.storage.kubo_store import KuboStore  # noqa: E402

KB10, MB10 = 10 * 1024, 10 * 1024 * 1024


def run(store, small: list[bytes], large: list[bytes], threads: int, batched: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    figures: dict[str, float] = {}
    start = time.perf_counter()
    if batched:
        cids = [s.cid for s in store.put_many(small)]
    elif threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            cids = [s.cid for s in pool.map(store.put, small)]
    else:
        cids = [store.put(b).cid for b in small]
    figures["put 10 KB (puts/s)"] = round(len(small) / (time.perf_counter() - start))
    start = time.perf_counter()
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            got = list(pool.map(store.read, cids))
    else:
        got = [store.read(c) for c in cids]
    figures["get 10 KB (gets/s)"] = round(len(small) / (time.perf_counter() - start))
    assert got == small
    start = time.perf_counter()
    big = [store.put(b).cid for b in large]
    figures["put 10 MB (MB/s)"] = round(len(large) * 10 / (time.perf_counter() - start))
    start = time.perf_counter()
    for cid, body in zip(big, large, strict=True):
        assert store.read(cid) == body
    figures["get 10 MB (MB/s)"] = round(len(large) * 10 / (time.perf_counter() - start))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    small = [os.urandom(KB10) for _ in range(args.small)]
    large = [os.urandom(MB10) for _ in range(args.large)]
    print(f"date: {datetime.now(UTC).isoformat(timespec='seconds')}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: python bench/storage_bench.py {' '.join(sys.argv[1:])}")
    print("add parameters: cid-version=1 raw-leaves=true chunker=size-262144 hash=sha2-256 trickle=false")
    with tempfile.TemporaryDirectory() as tmp:
        embedded = EmbeddedStore(Path(tmp) / "store")
        for name, batched in (
            ("embedded, one put per body", False),
            ("embedded, put_many (issuance path)", True),
        ):
            embedded = EmbeddedStore(Path(tmp) / f"store-{batched}")
            print(name, run(embedded, small, large, 1, batched))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "CERTLEDGER_KUBO_PORT": str(port), "CERTLEDGER_RUN_DIR": str(Path(tmp) / "run")}
        started = subprocess.run([ROOT / "scripts" / "kubo-start"], env=env, capture_output=True, text=True)
        if started.returncode != 0:
            print("kubo: could not start:", started.stderr[-500:])
            return
        try:
            kubo = KuboStore(started.stdout.strip().splitlines()[-1])
            version = kubo.client.version()
            print(
                f"kubo {version}, {args.threads} threads, one put per body",
                run(kubo, small, large, args.threads, False),
            )
            print(f"kubo {version}, put_many (issuance path)", run(kubo, small, large, args.threads, True))
            kubo.close()
        finally:
            subprocess.run([ROOT / "scripts" / "kubo-stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
