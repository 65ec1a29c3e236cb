"""Schema migrations and sessions, on SQLite and PostgreSQL (fixtures in db_fixtures.py)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from ledger import db
from ledger.db import alembic_config, current_revision, head_revision, init_db, make_engine, session_scope
from ledger.models import Authority, Batch, Licence, LicenceState, LicenceStatus, LicenceType

USCC = "91110000MA0000000X"
TYPE_CODE = USCC + "001"
FACE_SCHEMA = [
    {"name": "holder_name", "label": "持证人", "type": "string", "required": True},
    {"name": "valid_until", "label": "有效期至", "type": "date", "nested": {"k": [1, 2.5, None]}},
]


def _catalog(session: Session) -> None:
    session.add(Authority(uscc=USCC, name="测试局", level="city"))
    session.add(
        LicenceType(
            code=TYPE_CODE,
            name="测试许可证",
            authority_uscc=USCC,
            department="市场监管",
            level="city",
            holder_category="organisation",
            validity_rule="years:5",
            face_schema=FACE_SCHEMA,
        )
    )


def _licence(n: int = 1, *, stamped: bool = True, **overrides: object) -> Licence:
    values: dict[str, object] = {
        "identifier": f"{TYPE_CODE}.{USCC}.{n:06d}.1.X",
        "lineage": f"{TYPE_CODE}.{USCC}.{n:06d}",
        "version": 1,
        "type_code": TYPE_CODE,
        "issuer_uscc": USCC,
        "holder_key": "ab" * 32,
        "record": '{"holder_name":"张三"}',
        "salts": '{"holder_name":"00"}',
        "leaf_hash": bytes([n]) * 32,
    }
    if stamped:
        values["created_at"] = datetime.now(UTC)
    values.update(overrides)
    return Licence(**values)


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_migrations_reach_head_from_empty(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        init_db(engine)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


def test_init_db_at_head_is_a_no_op(db_engine: Engine) -> None:
    seen = _statements(db_engine)
    init_db(db_engine)
    init_db(db_engine)
    assert current_revision(db_engine) == head_revision()
    changes = [s for s in seen if not s.lstrip().upper().startswith(("SELECT", "PRAGMA", "WITH"))]
    assert changes == []


def test_head_read_without_alembic_matches_alembic() -> None:
    assert db._head_revision() == head_revision()


def test_schema_matches_models(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
        if conn.dialect.name == "postgresql":
            # Alembic does not compare enum labels: a member added to a StrEnum needs a
            # hand-written ALTER TYPE ... ADD VALUE, and this catches a forgotten one.
            rows = conn.execute(
                text(
                    "SELECT t.typname, e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
                    "ORDER BY t.typname, e.enumsortorder"
                )
            ).all()
            in_db: dict[str, list[str]] = {}
            for name, label in rows:
                in_db.setdefault(name, []).append(label)
            in_models = {
                col.type.name: list(col.type.enums)
                for table in SQLModel.metadata.tables.values()
                for col in table.columns
                if hasattr(col.type, "enums")
            }
            assert in_db == in_models


def test_downgrade_to_base_and_up_again(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        command.downgrade(alembic_config(conn), "base")
        conn.commit()
    assert set(inspect(db_engine).get_table_names()) <= {"alembic_version"}
    init_db(db_engine)
    assert current_revision(db_engine) == head_revision()


def test_concurrent_init_db(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(4)]
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            init_db(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert current_revision(engines[0]) == head_revision()
    finally:
        for e in engines:
            e.dispose()


def test_unversioned_database_is_refused(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        SQLModel.metadata.create_all(engine)  # as init_db did before migrations
        with pytest.raises(RuntimeError, match="created before migrations"):
            init_db(engine)
    finally:
        SQLModel.metadata.drop_all(engine)
        engine.dispose()


def test_licence_round_trip(db_engine: Engine) -> None:
    proof = bytes(range(256)) * 3  # every byte value, including NUL
    stamp = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
    with session_scope(db_engine) as s:
        _catalog(s)
        s.flush()
        batch = Batch(
            type_code=TYPE_CODE, issuer_uscc=USCC, root=b"\x00\xff" * 16, size=1, created_at=datetime.now(UTC)
        )
        s.add(batch)
        s.flush()
        s.add(
            _licence(
                state=LicenceState.ANCHORED,
                status=LicenceStatus.SUSPENDED,
                batch_id=batch.id,
                leaf_index=0,
                proof=proof,
                created_at=stamp,
            )
        )

    with Session(db_engine) as s:
        got = s.exec(select(Licence)).one()
        assert got.leaf_hash == bytes([1]) * 32 and isinstance(got.leaf_hash, bytes)
        assert got.proof == proof
        assert got.state is LicenceState.ANCHORED
        assert got.status is LicenceStatus.SUSPENDED
        assert got.created_at == stamp and got.created_at.utcoffset().total_seconds() == 0
        assert got.record == '{"holder_name":"张三"}'
        assert s.get(LicenceType, TYPE_CODE).face_schema == FACE_SCHEMA
        stored = s.connection().execute(text("SELECT state, status FROM licence")).one()
        assert tuple(stored) == ("ANCHORED", "SUSPENDED")  # enum values stored by name


def test_foreign_keys_enforced(db_engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(db_engine) as s:
        s.add(_licence())  # no such licence type or authority
    with Session(db_engine) as s:
        assert s.exec(select(Licence)).all() == []


def test_default_timestamps_can_be_stored(db_engine: Engine) -> None:
    with session_scope(db_engine) as s:
        _catalog(s)
        s.flush()
        s.add(_licence(stamped=False))  # created_at from the model's default
    with Session(db_engine) as s:
        assert s.exec(select(Licence)).one().created_at.tzinfo is not None


def test_session_scope_rolls_back_on_error(db_engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), session_scope(db_engine) as s:
        _catalog(s)
        s.flush()  # written inside the transaction...
        s.add(_licence())
        s.flush()
        raise RuntimeError("boom")
    # ...and a database error at commit undoes everything written before it too.
    with pytest.raises(IntegrityError), session_scope(db_engine) as s:
        _catalog(s)
        s.flush()
        s.add(_licence(1))
        s.add(_licence(2, leaf_hash=bytes([1]) * 32))  # duplicate leaf hash
    with Session(db_engine) as s:
        assert s.exec(select(Authority)).all() == []
        assert s.exec(select(LicenceType)).all() == []
        assert s.exec(select(Licence)).all() == []
