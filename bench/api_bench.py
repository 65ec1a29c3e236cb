"""Consent-gated pulls over HTTP: `certledger serve` under load from a second process on loopback.

    .venv/bin/python bench/api_bench.py [--pulls 3000] [--concurrency 12] [--database sqlite|postgres]
                                        [--chain embedded|hardhat] [--warmup 100] [--body-kb 10]
                                        [--workers 1]

Setup (not timed), in this process: a fresh data directory, the contracts deployed on the
embedded chain, the real catalog loaded, one matter whose licence list names one person type,
PULLS (+ warm-up) licences of that type with distinct 10 KB PDF bodies for as many distinct
holders, issued and anchored; then the services are closed (the embedded chain belongs to one
process: the server's). `certledger serve` is started on a free port with the same settings.

Preparation over HTTP (not timed): per holder, enrol a software passkey, open a case, create a
request, ask for the challenge and approve it, so that every request has one unused grant.

Timed: a second process (this script with --load) pulls every approved request exactly once
with CONCURRENCY threads on keep-alive connections, after a short warm-up of other requests.
Every answer must be 200 with `use_copy.verification.valid` true. Reports pulls/s, the lowest
and median one-second rate, latency percentiles, errors, server CPU per pull and the database.

With --database postgres a throw-away cluster is started by scripts/pg-start in a temporary
run directory (on a free port) and stopped at the end; with --chain hardhat likewise a Hardhat
node (scripts/node-start), which the server then reads the chain from. --workers N serves with N
processes (`certledger serve --workers`, which needs the chain on a node); server CPU then counts
all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
WINDOW = {"window": "A12", "department": "大兴区政务服务中心综合窗口"}
PURPOSE = "办理事项 (负载测试)"
RUN_ENV = {  # generous limits: the preparation opens thousands of cases from one token
    "CERTLEDGER_RATE_LIMIT_PER_MINUTE": "1000000",
    "CERTLEDGER_GRANT_MINUTES": "240",
    "CERTLEDGER_REQUEST_MINUTES": "240",
    "CERTLEDGER_TOKEN_MINUTES": "240",
}


# ----- setup: database, licences, server -----


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres() -> Iterator[str]:
    """A fresh database on a throw-away cluster (scripts/pg-start), dropped and stopped at the end."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.pool import NullPool

    run_dir = Path(tempfile.mkdtemp(prefix="certledger-bench-pg-"))
    run_dir.chmod(0o711)  # as root the cluster runs as `postgres`, which must reach it
    env = {**os.environ, "CERTLEDGER_PG_PORT": str(free_port()), "CERTLEDGER_RUN_DIR": str(run_dir)}
    try:
        started = subprocess.run(
            [ROOT / "scripts" / "pg-start"], env=env, capture_output=True, text=True, timeout=900
        )
        if started.returncode != 0:
            raise SystemExit(f"scripts/pg-start failed ({started.returncode}):\n{started.stderr[-3000:]}")
        server = make_url(started.stdout.strip().splitlines()[-1])
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        subprocess.run([ROOT / "scripts" / "pg-stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


@contextmanager
def hardhat() -> Iterator[str]:
    """A Hardhat node (scripts/node-start) on a free port in a temporary run directory."""
    run_dir = Path(tempfile.mkdtemp(prefix="certledger-bench-node-"))
    env = {**os.environ, "CERTLEDGER_HARDHAT_PORT": str(free_port()), "CERTLEDGER_RUN_DIR": str(run_dir)}
    try:
        started = subprocess.run(
            [ROOT / "scripts" / "node-start"], env=env, capture_output=True, text=True, timeout=300
        )
        if started.returncode != 0:
            raise SystemExit(f"scripts/node-start failed ({started.returncode}):\n{started.stderr[-3000:]}")
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([ROOT / "scripts" / "node-stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


def pick_matter(session: Any, wanted: str | None) -> tuple[str, Any]:
    """(matter code, SampleType): a matter whose licence list is one person type with an issuer."""
    from sqlalchemy import select

    from ledger.models import Matter, MatterLicence
    from ledger.sample import sample_types

    types = {t.code: t for t in sample_types(session) if t.holder_category == "person"}
    links: dict[str, list[str]] = {}
    for matter_code, type_code in session.execute(
        select(MatterLicence.matter_code, MatterLicence.type_code).order_by(MatterLicence.matter_code)
    ).all():
        links.setdefault(matter_code, []).append(type_code)
    for code in (
        [wanted] if wanted else [m for (m,) in session.execute(select(Matter.code).order_by(Matter.code))]
    ):
        listed = links.get(code, [])
        if len(listed) == 1 and listed[0] in types:
            return code, types[listed[0]]
    raise SystemExit(f"no matter {wanted or ''} with a licence list of one person type in the catalog")


def seed(settings: Any, count: int, body_bytes: int, work: Path, wanted: str | None) -> dict[str, Any]:
    """Deploy, load the catalog, issue and anchor `count` licences for distinct holders."""
    from sqlmodel import Session

    from ledger.catalog.loader import load_catalog
    from ledger.chain.deploy import deploy
    from ledger.issuers import register_issuer
    from ledger.models import LicenceType
    from ledger.sample import SampleMaker, sample_pdf
    from ledger.services import Services

    services = Services(settings)
    try:
        deploy(services.client, services.registrar, settings.data_dir)
        with Session(services.engine) as session:
            load_catalog(session)
            session.commit()
            matter, t = pick_matter(session, wanted)
            sensitive = session.get(LicenceType, t.code).sensitive
            register_issuer(
                session, services.client, services.contracts, services.keys, services.registrar, t.issuer
            )
        bodies = work / "bodies"
        bodies.mkdir(parents=True, exist_ok=True)
        maker, seen, entries, holders = SampleMaker(), set(), [], []
        for n in range(count):
            data = maker.licence(t, n, body=f"b{n}.pdf")
            holder = data["holders"][0]
            while holder["code"] in seen:  # one licence per holder: a pull names no identifier
                holder["code"] = maker.citizen_id()
            seen.add(holder["code"])
            holders.append(holder)
            (bodies / f"b{n}.pdf").write_bytes(sample_pdf(f"certledger bench licence {n}", size=body_bytes))
            entries.append((n + 1, data))
        start = time.perf_counter()
        report = services.issuance().issue(entries, bodies)
        if report.rejected:
            raise SystemExit(f"licences refused: {report.rejected[:3]}")
        services.anchorer().run(force=True)
        issued_s = time.perf_counter() - start
    finally:
        services.close()  # the server process must own the embedded chain
    return {
        "matter": matter,
        "type_code": t.code,
        "type_name": t.name,
        "sensitive": sensitive,
        "holders": holders,
        "issue_s": issued_s,
    }


@contextmanager
def server(
    env: dict[str, str], port: int, log_path: Path, workers: int = 1
) -> Iterator[subprocess.Popen[bytes]]:
    import httpx

    cli = Path(sys.executable).parent / "certledger"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            cwd=env["CERTLEDGER_DATA_DIR"],  # no certledger.toml of the working tree
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise SystemExit(f"certledger serve exited ({proc.returncode}):\n{_tail(log_path)}")
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("certledger serve did not answer /api/health within 120 s")
                time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live child processes (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total + sum(cpu_seconds(int(child)) or 0.0 for child in children)


# ----- preparation over HTTP -----


def prepare(base: str, token: str, origin: str, seeded: dict[str, Any], workers: int) -> list[str]:
    """Enrol, open a case, create a request and approve it for every holder: the request ids."""
    import httpx

    from ledger.consent.soft_passkey import SoftPasskey

    auth = {"Authorization": f"Bearer {token}"}
    type_code = seeded["type_code"]

    def one(client: httpx.Client, holder: dict[str, str]) -> str:
        def post(path: str, body: dict[str, Any], expect: int, headers: dict[str, str] | None = None) -> Any:
            r = client.post(path, json=body, headers=headers)
            if r.status_code != expect:
                raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")
            return r.json()

        passkey = SoftPasskey(origin)
        options = post("/api/holder/enrol/options", holder, 200)["publicKey"]
        post("/api/holder/enrol", {"credential": passkey.create(options)}, 201)
        case = post(
            "/api/cases",
            {
                "matter_code": seeded["matter"],
                "holder": {"code_type": holder["code_type"], "code": holder["code"]},
            },
            201,
            auth,
        )
        req = post(f"/api/cases/{case['case']}/requests", {"purpose": PURPOSE}, 201, auth)
        token_ = req["consent_url"].rsplit("/", 1)[1]
        challenge = post(
            f"/api/consent/{token_}/challenge",
            {
                "approve": [type_code],
                "sensitive_consent": [type_code] if seeded["sensitive"] else [],
                "confirmation_code": req["confirmation_code"],
            },
            200,
        )
        approved = post(
            f"/api/consent/{token_}/approve", {"credential": passkey.get(challenge["publicKey"])}, 200
        )
        if not approved["receipt"]["granted"]:
            raise RuntimeError("the holder's licence is not available to the request")
        return req["request"]

    local = threading.local()

    def task(holder: dict[str, str]) -> str:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60)
        return one(local.client, holder)

    # The first approval alone: it creates the access log, whose first concurrent appends would
    # both insert its head row (a unique violation on PostgreSQL; archive/log.py).
    ids: list[str] = [task(seeded["holders"][0])]
    done = 1
    with ThreadPoolExecutor(workers) as pool:
        for request_id in pool.map(task, seeded["holders"][1:]):
            ids.append(request_id)
            done += 1
            if done % 500 == 0:
                print(f"  prepared {done}/{len(seeded['holders'])}", flush=True)
    return ids


# ----- the timed load (second process) -----


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def load(job_path: Path) -> None:
    """Pull every request of the job once; print one JSON line of results."""
    import httpx

    job = json.loads(job_path.read_text())
    headers = {"Authorization": f"Bearer {job['token']}"}
    body = {"type_code": job["type_code"]}
    limits = httpx.Limits(max_connections=job["concurrency"], max_keepalive_connections=job["concurrency"])
    client = httpx.Client(base_url=job["base_url"], headers=headers, timeout=60, limits=limits)

    def pull(request_id: str) -> tuple[float, float, str | None]:
        t0 = time.perf_counter()
        try:
            r = client.post(f"/api/requests/{request_id}/pull", json=body)
        except httpx.HTTPError as exc:
            t1 = time.perf_counter()
            return t1 - t0, t1, f"transport: {exc!r}"
        t1 = time.perf_counter()
        if r.status_code != 200:
            return t1 - t0, t1, f"{r.status_code}: {r.text[:200]}"
        copy = r.json()["use_copy"]
        if not copy["verification"]["valid"]:
            return t1 - t0, t1, f"not valid: {copy['verification']}"
        if not copy["body"] or not copy["body"]["stamped"]:
            return t1 - t0, t1, "body missing or not stamped"
        return t1 - t0, t1, None

    with ThreadPoolExecutor(job["concurrency"]) as pool:
        first = time.perf_counter()
        warm = list(pool.map(pull, job["warmup"]))
        cpu = time.process_time()
        start = time.perf_counter()
        results = list(pool.map(pull, job["requests"]))
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
    client.close()
    errors = [e for _, _, e in warm + results if e]
    latencies = sorted(lat * 1000 for lat, _, _ in results)
    per_second: dict[int, int] = {}
    for _, finished, _ in results:
        second = int(finished - start)
        per_second[second] = per_second.get(second, 0) + 1
    whole = [per_second.get(s, 0) for s in range(int(elapsed))]  # complete seconds only
    print(
        json.dumps(
            {
                "pulls": len(results),
                "warmup": len(warm),
                "elapsed_s": elapsed,
                "pulls_per_s": len(results) / elapsed,
                "min_1s": min(whole) if whole else None,
                "median_1s": statistics.median(whole) if whole else None,
                "p50_ms": percentile(latencies, 50),
                "p90_ms": percentile(latencies, 90),
                "p95_ms": percentile(latencies, 95),
                "p99_ms": percentile(latencies, 99),
                "max_ms": latencies[-1],
                "mean_ms": statistics.fmean(latencies),
                "errors": len(errors),
                "active_s": time.perf_counter() - first,  # warm-up included
                "client_cpu_ms": cpu / len(results) * 1000,
                "error_samples": errors[:5],
            }
        )
    )


# ----- main -----


def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "command": "python bench/api_bench.py " + " ".join(sys.argv[1:]),
    }
    with (
        tempfile.TemporaryDirectory(prefix="certledger-api-bench-") as tmp,
        postgres() if args.database == "postgres" else _nothing() as pg_url,
        hardhat() if args.chain == "hardhat" else _nothing() as chain_url,
    ):
        work = Path(tmp)
        data_dir = Path(args.data_dir) if args.data_dir else work / "data"
        env = {**os.environ, **RUN_ENV, "CERTLEDGER_DATA_DIR": str(data_dir)}
        env.pop("CERTLEDGER_CONFIG", None)
        if pg_url:
            env["CERTLEDGER_DATABASE_URL"] = pg_url
        else:
            env.pop("CERTLEDGER_DATABASE_URL", None)
        if chain_url:
            env["CERTLEDGER_CHAIN_URL"] = chain_url
        else:
            env.pop("CERTLEDGER_CHAIN_URL", None)
        os.environ.clear()
        os.environ.update(env)

        from api.auth import Role, Tokens
        from ledger.consent.passkeys import RelyingParty
        from ledger.settings import load_settings

        settings = load_settings()
        url = settings.effective_database_url
        figures["database"] = "PostgreSQL " + _server_version(url) if pg_url else "SQLite (WAL)"
        figures["chain"] = f"Hardhat node ({chain_url})" if chain_url else "embedded (py-evm, in the server)"
        warmup = min(args.warmup, args.pulls)
        count = args.pulls + warmup
        print(f"seeding {count} licences ({args.body_kb} KB bodies) in {data_dir} ...", flush=True)
        seeded = seed(settings, count, args.body_kb * 1024, work, args.matter)
        figures["matter"] = f"{seeded['matter']} ({seeded['type_name']} {seeded['type_code']})"
        figures["issue + anchor (s, not timed)"] = round(seeded["issue_s"], 1)

        token = Tokens(settings).issue(Role.WINDOW, "staff-01", minutes=240, **WINDOW)
        origin = RelyingParty(settings).origin
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with server(env, port, work / "serve.log", args.workers) as proc:
            print(f"certledger serve on {base} (pid {proc.pid}); preparing {count} approved requests ...")
            start = time.perf_counter()
            try:
                ids = prepare(base, token, origin, seeded, args.concurrency)
            except RuntimeError as exc:
                raise SystemExit(
                    f"preparation failed: {exc}\nserver log:\n{_tail(work / 'serve.log')}"
                ) from None
            figures["preparation over HTTP (holders/s, not timed)"] = round(
                count / (time.perf_counter() - start), 1
            )
            job = {
                "base_url": base,
                "token": token,
                "type_code": seeded["type_code"],
                "concurrency": args.concurrency,
                "warmup": ids[:warmup],
                "requests": ids[warmup:],
            }
            job_path = work / "job.json"
            job_path.write_text(json.dumps(job))
            print(
                f"pulling {args.pulls} (+{warmup} warm-up) from a second process, {args.concurrency} threads ..."
            )
            cpu_before = cpu_seconds(proc.pid)
            loaded = subprocess.run(
                [sys.executable, __file__, "--load", str(job_path)], capture_output=True, text=True, env=env
            )
            cpu_after = cpu_seconds(proc.pid)
            if loaded.returncode != 0:
                raise SystemExit(f"load process failed:\n{loaded.stderr[-3000:]}")
            result = json.loads(loaded.stdout.strip().splitlines()[-1])
            if proc.poll() is not None:
                raise SystemExit(f"server died:\n{_tail(work / 'serve.log')}")
            if result["errors"]:
                print(f"server log:\n{_tail(work / 'serve.log')}")
    figures["concurrency (client threads)"] = args.concurrency
    figures["server processes (--workers)"] = args.workers
    figures["pulls (timed)"] = result["pulls"]
    figures["duration (s)"] = round(result["elapsed_s"], 1)
    figures["throughput (pulls/s)"] = round(result["pulls_per_s"], 1)
    figures["lowest / median whole second (pulls)"] = f"{result['min_1s']} / {result['median_1s']}"
    for key in ("p50", "p90", "p95", "p99", "max", "mean"):
        figures[f"latency {key} (ms)"] = round(result[f"{key}_ms"], 1)
    figures["errors (incl. warm-up)"] = result["errors"]
    if cpu_before is not None and cpu_after is not None:
        pulls = result["pulls"] + result["warmup"]
        figures["server CPU per pull (ms, incl. warm-up)"] = round((cpu_after - cpu_before) / pulls * 1000, 2)
        figures["server busy (CPU s / wall s, 1.0 = one core)"] = round(
            (cpu_after - cpu_before) / result["active_s"], 2
        )
    figures["client CPU per pull (ms, load process)"] = round(result["client_cpu_ms"], 2)
    met = result["errors"] == 0 and result["pulls_per_s"] >= 200 and result["p95_ms"] <= 50
    figures["target (>= 200/s, p95 <= 50 ms, no errors)"] = "met" if met else "NOT met"
    for sample in result["error_samples"]:
        print(f"error: {sample}")
    return figures


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(none)"


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _server_version(url: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar()).split()[0]
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulls", type=int, default=3000, help="timed pulls (one per holder)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed pulls first (more holders)")
    parser.add_argument("--concurrency", type=int, default=12, help="client threads (and connections)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--chain", choices=("embedded", "hardhat"), default="embedded")
    parser.add_argument("--body-kb", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="server processes (needs --chain hardhat)")
    parser.add_argument(
        "--matter", default=None, help="matter code (default: the first with one person type)"
    )
    parser.add_argument("--data-dir", default=None, help="data directory (default: a temporary one)")
    parser.add_argument("--load", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.workers > 1 and args.chain == "embedded":
        parser.error("--workers > 1 needs --chain hardhat (the embedded chain belongs to one process)")
    if args.load is not None:
        load(args.load)
        return
    figures = run(args)
    for key, value in figures.items():
        print(f"{key:<46} {value}")


if __name__ == "__main__":
    main()
