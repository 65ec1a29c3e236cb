"""Database fixtures: every database test runs on SQLite and on PostgreSQL (marker `postgres`).

PostgreSQL is a throw-away cluster started once per session by scripts/pg-start (which installs
the server with apt-get under CI=true or as root) on a free port, and stopped at the end. Each
test gets a fresh empty database. Without PostgreSQL the `postgres` tests skip locally with the
reason; under CI=true they fail instead.

Imported into conftest.py with `from db_fixtures import *`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

from ledger.db import init_db, make_engine

__all__ = ["database_url", "db_engine", "postgres_url"]

ROOT = Path(__file__).resolve().parents[1]
PG_UNAVAILABLE = 2  # scripts/pg-start exit status: no PostgreSQL server here, and cannot install one


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of the `certledger` database on a test cluster private to this session."""
    from conftest import require_service  # conftest imports this module: import late

    # Not under pytest's tmp dir: that is private to this user (0700), and as root the cluster
    # runs as the `postgres` user, which must reach its directory.
    run_dir = Path(tempfile.mkdtemp(prefix="certledger-pg-"))
    run_dir.chmod(0o711)
    env = {**os.environ, "CERTLEDGER_PG_PORT": str(_free_port()), "CERTLEDGER_RUN_DIR": str(run_dir)}
    try:
        started = subprocess.run(
            [ROOT / "scripts" / "pg-start"], env=env, capture_output=True, text=True, timeout=900
        )
        if started.returncode == PG_UNAVAILABLE:
            require_service(False, started.stderr.strip() or "PostgreSQL is not available")
        if started.returncode != 0:
            pytest.fail(f"scripts/pg-start failed ({started.returncode}):\n{started.stderr[-3000:]}")
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([ROOT / "scripts" / "pg-stop"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in tmp_path, or a new database on the test cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'certledger.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    name = f"t_{uuid.uuid4().hex}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to head."""
    engine = make_engine(database_url)
    try:
        init_db(engine)
        yield engine
    finally:
        engine.dispose()
