"""Chain benchmark: gas of every write, and transactions per second from one key.

    .venv/bin/python bench/chain_bench.py [--sends 1000] [--hardhat-port 18545] [--json]

Runs on the embedded chain (a throw-away data directory) and on a Hardhat node that it starts
with scripts/node-start (and stops again). Throughput is measured two ways for `anchorBatch`
sends from one key: "naive" (estimate, sign, send, wait - one after another) and
"pipelined" (gas estimated once, every transaction signed locally with an explicit nonce and
submitted back to back, receipts awaited afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chain_helpers import ADMIN, AUTHORITY, ISSUER, OPERATOR, TYPE_A, TYPE_B, anchored  # noqa: E402

from ledger import merkle  # noqa: E402
from ledger.chain.client import ChainClient  # noqa: E402
from ledger.chain.contracts import code_hash  # noqa: E402
from ledger.chain.deploy import deploy, open_deployment  # noqa: E402
from ledger.settings import load_settings  # noqa: E402


def gas_table(client: ChainClient, data_dir: Path) -> dict[str, int]:
    gas: dict[str, int] = {}
    book = deploy(client, ADMIN, data_dir)
    for name, c in book.contracts.items():
        gas[f"deploy {name}"] = client.w3.eth.get_transaction_receipt(c.transaction)["gasUsed"]
    k = open_deployment(client, data_dir)
    r, la = k.registry, k.log_anchor
    gas["registerIssuer (1 type)"] = r.register_issuer(ADMIN, ISSUER.address, AUTHORITY, [TYPE_A])["gasUsed"]
    gas["grantTypes (1 type)"] = r.grant_types(ADMIN, ISSUER.address, [TYPE_B])["gasUsed"]
    gas["revokeTypes (1 type)"] = r.revoke_types(ADMIN, ISSUER.address, [TYPE_B])["gasUsed"]
    gas["suspendIssuer"] = r.suspend_issuer(ADMIN, ISSUER.address)["gasUsed"]
    gas["reinstateIssuer"] = r.reinstate_issuer(ADMIN, ISSUER.address)["gasUsed"]
    for size in (1, 100, 100_000):
        root = merkle.leaf_hash(f"batch-{size}".encode())
        gas[f"anchorBatch ({size:,} licences)"] = r.anchor_batch(ISSUER, TYPE_A, root, size)["gasUsed"]
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(1024)]
    r.anchor_batch(ISSUER, TYPE_A, merkle.root(leaves), len(leaves))
    gas["suspend (batch of 1,024: 10-hash proof)"] = r.suspend(ISSUER, anchored(leaves, 5), 2)["gasUsed"]
    gas["reinstate (10-hash proof)"] = r.reinstate(ISSUER, anchored(leaves, 5), 0)["gasUsed"]
    gas["revoke (10-hash proof)"] = r.revoke(ISSUER, anchored(leaves, 5), 7)["gasUsed"]
    gas["supersede (two 10-hash proofs)"] = r.supersede(ISSUER, anchored(leaves, 6), anchored(leaves, 7), 1)[
        "gasUsed"
    ]
    gas["removeIssuer"] = r.remove_issuer(ADMIN, ISSUER.address)["gasUsed"]
    log = code_hash("archive")
    gas["registerLog"] = la.register_log(ADMIN, log, OPERATOR.address)["gasUsed"]
    gas["anchorCheckpoint (first)"] = la.anchor_checkpoint(OPERATOR, log, 10, b"\x01" * 32)["gasUsed"]
    gas["anchorCheckpoint (later)"] = la.anchor_checkpoint(OPERATOR, log, 20, b"\x02" * 32)["gasUsed"]
    return gas


def throughput(client: ChainClient, data_dir: Path, sends: int) -> dict[str, float]:
    deploy(client, ADMIN, data_dir)
    k = open_deployment(client, data_dir)
    k.registry.register_issuer(ADMIN, ISSUER.address, AUTHORITY, [TYPE_A])
    calls = [k.registry.anchor_call(TYPE_A, merkle.leaf_hash(os.urandom(16)), 1) for _ in range(2 * sends)]
    naive_calls, piped_calls = calls[:sends], calls[sends:]

    start = time.perf_counter()
    for call in naive_calls:
        client.wait(client.send(ISSUER, call))
    naive = sends / (time.perf_counter() - start)

    start = time.perf_counter()
    receipts = client.send_many(ISSUER, piped_calls)
    piped = sends / (time.perf_counter() - start)
    assert all(r["status"] == 1 for r in receipts) and len(receipts) == sends
    return {"naive tx/s": round(naive, 1), "pipelined tx/s": round(piped, 1)}


def start_hardhat(port: int, run_dir: Path) -> tuple[str, dict[str, str]]:
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    env = {**os.environ, "CERTLEDGER_HARDHAT_PORT": str(port), "CERTLEDGER_RUN_DIR": str(run_dir)}
    out = subprocess.run(
        [ROOT / "scripts" / "node-start"], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1], env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--hardhat-port", type=int, default=0, help="default: a free port")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    results: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python bench/chain_bench.py " + " ".join(sys.argv[1:]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        url, env = start_hardhat(args.hardhat_port, base / "run")
        try:
            for backend, chain_url in (("embedded", None), ("hardhat", url)):
                for job in ("gas", "tps"):
                    settings = load_settings(data_dir=base / f"{backend}-{job}", chain_url=chain_url)
                    with ChainClient.from_settings(settings) as client:
                        if job == "gas":
                            results[f"{backend} gas"] = gas_table(client, settings.data_dir)
                        else:
                            results[f"{backend} throughput ({args.sends} sends)"] = throughput(
                                client, settings.data_dir, args.sends
                            )
        finally:
            subprocess.run([ROOT / "scripts" / "node-stop"], env=env, check=False)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for key, value in results.items():
        if isinstance(value, dict):
            print(f"\n{key}")
            for k, v in value.items():
                print(f"  {k:<42} {v:>12,}" if isinstance(v, int) else f"  {k:<42} {v:>12}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
