"""Database engine and sessions: SQLite in the data directory by default, PostgreSQL by URL.

The schema belongs to Alembic (ledger/migrations): `init_db` upgrades to the newest revision,
and is cheap enough to call at every process start: when the database is already at head it
costs two small queries (~2 ms on SQLite, ~10 ms on PostgreSQL including the connection) and
imports nothing from Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlmodel import Session, SQLModel

from ledger import models  # noqa: F401  (registers the tables)
from ledger.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key serialising concurrent upgrades of one PostgreSQL database
_PG_MIGRATION_LOCK = 0x6365_7274_6C65_6467  # b"certledg"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cursor = conn.cursor()
            _set_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _set_wal(cursor: Any) -> None:
    """Switch a SQLite file to WAL. On a new file several first connections race to switch it
    while it is still in rollback-journal mode, where SQLite may answer "locked" at once (to
    avoid a deadlock) instead of waiting: retry for a while, then give up with that error."""
    import sqlite3
    import time

    deadline = time.monotonic() + 10
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def engine_for(settings: Settings) -> Engine:
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    return engine


def init_db(engine: Engine) -> None:
    """Bring the schema up to date (`alembic upgrade head`); a no-op when it already is.

    Safe to call from every process start, also from several processes at once: the upgrade
    runs in one transaction holding a lock (PostgreSQL: an advisory lock; SQLite: BEGIN
    IMMEDIATE), and a process that waited finds the work done.
    """
    head = _head_revision()
    if head is not None and current_revision(engine) == head:
        return
    _upgrade(engine)


def current_revision(engine: Engine | Connection) -> str | None:
    """The database's Alembic revision; None for a database never migrated."""
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return current_revision(conn)
    if not inspect(engine).has_table(VERSION_TABLE):
        return None
    rows = engine.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"database has several Alembic heads {sorted(rows)}; certledger expects one")
    return rows[0] if rows else None


def head_revision() -> str:
    """The newest revision, as Alembic computes it."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"ledger/migrations has {len(heads)} heads {heads}: merge them (alembic merge)")
    return heads[0]


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration for the packaged migrations, independent of the working directory.

    With a connection, env.py migrates through it and leaves committing to the caller.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _head_revision() -> str | None:
    """The single head, read from the revision files: importing Alembic would cost ~0.2 s per start.

    None when the files are not plain enough to tell; `init_db` then lets Alembic decide.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", source, re.M)
        down = re.search(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", source, re.M)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _upgrade(engine: Engine) -> None:
    from alembic import command

    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild tables: foreign keys are off while they run (the pragma
            # cannot change inside a transaction) and checked before commit instead.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            if current_revision(conn) is None:
                _refuse_unversioned_tables(conn)
            command.upgrade(alembic_config(conn), "head")
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left foreign key violations: {broken[:5]}")
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _refuse_unversioned_tables(conn: Connection) -> None:
    existing = set(inspect(conn).get_table_names()) & set(SQLModel.metadata.tables)
    if existing:
        raise RuntimeError(
            f"database has certledger tables ({', '.join(sorted(existing))}) but no {VERSION_TABLE} "
            "table: it was created before migrations. Recreate it, or, if its schema matches "
            "revision 0001, mark it with `alembic stamp 0001` and start again."
        )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
