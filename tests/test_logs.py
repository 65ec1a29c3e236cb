"""Verifiable logs: proofs from the database, signed checkpoints anchored on chain, and an
audit that detects and locates every kind of rewritten history."""

from __future__ import annotations

import os

import pytest
from chain_helpers import ADMIN
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlmodel import Session

from archive.audit_logs import audit_log
from archive.checkpoint import Checkpoint, NoteSigner, open_note
from archive.log import MerkleLog
from archive.logs import Logs
from ledger import merkle
from ledger.db import init_db, make_engine
from ledger.errors import VerificationError
from ledger.models import LogCheckpoint, LogEntry, LogHead, LogNode
from ledger.settings import load_settings


@pytest.fixture
def engine(tmp_path):
    e = make_engine(f"sqlite:///{tmp_path / 'log.db'}")
    init_db(e)
    yield e
    e.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_proofs_from_the_database_equal_the_reference(engine, sizes):
    log = MerkleLog(engine, "t" + os.urandom(4).hex())
    entries = []
    for n in sizes:  # appended in batches of random sizes
        batch = [os.urandom(16) for _ in range(n)]
        log.append_many(batch)
        entries += batch
    leaves = [merkle.leaf_hash(e) for e in entries]
    total = len(leaves)
    assert log.head().root == merkle.root(leaves) and log.head().size == total
    for size in {1, total // 2 or 1, total}:
        root = merkle.root(leaves[:size])
        assert log.root(size) == root
        for index in {0, size // 3, size - 1}:
            proof = log.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(leaves[:size], index)
            merkle.verify_inclusion(index, size, leaves[index], proof, root)
        for old in {1, size // 2 or 1, size}:
            proof = log.consistency_proof(old, size)
            merkle.verify_consistency(old, size, merkle.root(leaves[:old]), root, proof)


def test_a_failed_append_changes_nothing(engine):
    log = MerkleLog(engine, "archive")
    log.append_many([b"a", b"b", b"c"])
    with pytest.raises(Exception):  # noqa: B017 (any failure inside the transaction)
        log.append_many([b"d", None])  # type: ignore[list-item]
    assert log.head().size == 3 and log.root() == merkle.root(
        [merkle.leaf_hash(x) for x in (b"a", b"b", b"c")]
    )
    assert log.append(b"d") == 3


# C2SP signed-note checkpoint: fixed key and root, so the text and signature are reproducible.
VECTOR_KEY = bytes(range(32))
VECTOR_NOTE = (
    "certledger.example/daxing/archive\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
    "\u2014 certledger.example/daxing/archive "
    "xhc9aOvDfZQxd0ADKkTpfBhT51tnDdvgR68WrTr1yGgYrwjn8XMg5FaWZR3yBDJ/70ZUe/BiPpjXxRRTqNzGZJrytw4=\n"
)


def test_checkpoint_note_vector_and_tampering():
    signer = NoteSigner("certledger.example/daxing/archive", Ed25519PrivateKey.from_private_bytes(VECTOR_KEY))
    checkpoint = Checkpoint("certledger.example/daxing/archive", 42, bytes(32))
    assert signer.sign(checkpoint) == VECTOR_NOTE  # Ed25519 signatures are deterministic
    assert open_note(VECTOR_NOTE, signer.name, signer.public_key) == checkpoint
    with pytest.raises(VerificationError, match="does not verify"):
        open_note(VECTOR_NOTE.replace("\n42\n", "\n43\n"), signer.name, signer.public_key)
    other = NoteSigner(signer.name, Ed25519PrivateKey.generate())
    with pytest.raises(VerificationError):
        open_note(VECTOR_NOTE, other.name, other.public_key)
    for bad in ("origin\n-1\nAA==\n", "origin\n1\nnot base64!\n", "origin\n1\nAAAA\n", "origin\n1\n"):
        with pytest.raises(VerificationError):
            Checkpoint.from_text(bad)


@pytest.fixture
def logs(tmp_path, contracts, client):
    settings = load_settings(data_dir=tmp_path / "data", chain_url=None)
    engine = make_engine(f"sqlite:///{tmp_path / 'logs.db'}")
    init_db(engine)
    yield Logs(engine, settings, anchor=contracts.log_anchor, operator=ADMIN)
    engine.dispose()


def fill(logs, name="archive", batches=(5, 3, 8)):
    """Entries in batches, a checkpoint (signed, anchored) after each."""
    entries = []
    for n in batches:
        batch = [f"{name}-entry-{len(entries) + i}".encode() for i in range(n)]
        logs.log(name).append_many(batch)
        entries += batch
        logs.checkpoint(name)
    return entries


def test_checkpoints_are_signed_anchored_and_only_on_growth(logs):
    fill(logs)
    assert logs.checkpoint("archive") is None  # nothing new
    on_chain = logs.anchor.history(logs.log_id("archive"))
    assert [c.size for c in on_chain] == [5, 8, 16]
    latest = logs.latest_checkpoint("archive")
    assert open_note(latest.note, logs.signer("archive").name, logs.signer("archive").public_key).size == 16
    assert on_chain[-1].root_hash == bytes(latest.root) and latest.anchored_block == on_chain[-1].block_number
    logs.log("archive").append(b"one more")
    assert logs.checkpoint("archive", force=False) is None  # below checkpoint_every, and recent
    assert logs.checkpoint("archive", force=True).size == 17


def test_a_clean_log_passes_the_audit(logs):
    fill(logs)
    result = audit_log(logs, "archive")
    assert result.ok, result.to_json()
    assert (result.size, result.checkpoints, result.anchored) == (16, 3, 3)


def test_a_changed_entry_is_located(logs):
    fill(logs)
    with Session(logs.engine) as session:
        session.execute(update(LogEntry).where(LogEntry.index == 6).values(entry=b"forged"))
        session.commit()
    findings = audit_log(logs, "archive").findings
    assert any(f.kind == "entry" and f.index == 6 for f in findings)
    assert any(f.kind == "history" and f.index == 5 and f.size == 8 for f in findings)


def test_a_deleted_entry_is_located(logs):
    fill(logs)
    with Session(logs.engine) as session:
        session.execute(delete(LogEntry).where(LogEntry.index == 10))
        session.commit()
    findings = audit_log(logs, "archive").findings
    assert any(f.kind == "gap" and f.index == 10 for f in findings)


def test_two_reordered_entries_are_located(logs):
    fill(logs)
    with Session(logs.engine) as session:
        a, b = (session.get(LogEntry, ("archive", i)) for i in (2, 3))
        rows = [(a.entry, a.leaf_hash), (b.entry, b.leaf_hash)]
        for index, (entry, leaf) in zip((3, 2), rows, strict=True):
            session.execute(
                update(LogEntry).where(LogEntry.index == index).values(entry=entry, leaf_hash=leaf)
            )
        session.commit()
    findings = audit_log(logs, "archive").findings
    assert any(f.kind == "history" and f.size == 5 and f.index == 0 for f in findings)
    assert not any(f.kind == "entry" for f in findings)  # each entry still matches its leaf


def test_a_rewritten_history_with_every_root_recomputed_is_caught_by_the_chain(logs):
    entries = fill(logs)
    # The operator rewrites entry 6, recomputes every leaf, node and head, and re-signs every
    # checkpoint with the log's own key. Only the roots anchored on chain are out of reach.
    entries[6] = b"a different past"
    with Session(logs.engine) as session:
        for table in (LogEntry, LogNode, LogHead):
            session.execute(delete(table).where(table.log == "archive"))
        session.commit()
    log = logs.log("archive")
    log.append_many(entries)
    signer = logs.signer("archive")
    with Session(logs.engine) as session:
        for cp in session.execute(select(LogCheckpoint).where(LogCheckpoint.log == "archive")).scalars():
            root = log.root(cp.size)
            cp.root, cp.note = root, signer.sign(Checkpoint(logs.origin("archive"), cp.size, root))
            session.add(cp)
        session.commit()
    findings = audit_log(logs, "archive").findings
    anchor_findings = [f for f in findings if f.kind == "anchor"]
    assert [f.size for f in anchor_findings] == [8, 16]  # size 5 did not include entry 6
    assert any(f.kind == "history" and f.index == 5 and f.size == 8 for f in findings)


def test_a_different_checkpoint_for_an_anchored_size_is_detected(logs):
    fill(logs)
    signer = logs.signer("archive")
    fake_root = merkle.leaf_hash(b"split view")
    with Session(logs.engine) as session:
        cp = session.execute(select(LogCheckpoint).where(LogCheckpoint.size == 8)).scalar_one()
        cp.root, cp.note = fake_root, signer.sign(Checkpoint(logs.origin("archive"), 8, fake_root))
        session.add(cp)
        session.commit()
    findings = audit_log(logs, "archive").findings
    assert any(f.kind == "anchor" and f.size == 8 for f in findings)


def test_a_tampered_checkpoint_signature_is_detected(logs):
    fill(logs)
    with Session(logs.engine) as session:
        cp = session.execute(select(LogCheckpoint).where(LogCheckpoint.size == 5)).scalar_one()
        cp.note = cp.note.replace("\n5\n", "\n6\n")
        session.add(cp)
        session.commit()
    findings = audit_log(logs, "archive").findings
    assert any(f.kind == "signature" and f.size == 5 for f in findings)


def test_audit_since_a_checkpoint(logs):
    fill(logs)
    assert audit_log(logs, "archive", since=8).ok
    missing = audit_log(logs, "archive", since=7).findings
    assert any(f.kind == "consistency" and f.size == 7 for f in missing)


def _race(engine, name: str, writers: int, appends: int) -> list[BaseException]:
    """`writers` threads start together, each appending `appends` entries in its own transactions."""
    import threading

    barrier = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        barrier.wait()
        for k in range(appends):
            try:
                MerkleLog(engine, name).append(f"entry {n}.{k}".encode())
            except BaseException as exc:  # noqa: BLE001 - reported by the caller
                failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


def _intact(engine, name: str, size: int) -> None:
    log = MerkleLog(engine, name)
    assert log.head().size == size
    assert log.head().root == merkle.root([merkle.leaf_hash(log.entry(i)) for i in range(size)])


def test_concurrent_first_appends_to_a_new_log_all_land(db_engine):
    """On SQLite and PostgreSQL: eight writers race to create the log's head row."""
    assert _race(db_engine, "fresh", writers=8, appends=1) == []
    _intact(db_engine, "fresh", 8)


def test_concurrent_appends_from_many_threads_all_land(db_engine):
    """On SQLite and PostgreSQL: writers with their own transactions never read a stale head."""
    MerkleLog(db_engine, "busy").append(b"first")
    assert _race(db_engine, "busy", writers=6, appends=15) == []
    _intact(db_engine, "busy", 91)
