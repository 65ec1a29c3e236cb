"""The local content-addressed pack store."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from ledger.errors import NotFound, StorageError
from ledger.storage import PackStore


def test_round_trip_and_content_addressing(tmp_path):
    store = PackStore(tmp_path / "s")
    bodies = [os.urandom(n) for n in (0, 1, 1000, 300_000)]
    stored = store.put_many(bodies)
    for body, s in zip(bodies, stored, strict=True):
        assert s.ref == "sha256:" + hashlib.sha256(body).hexdigest() and s.size == len(body)
        assert store.get(s.ref) == body and store.has(s.ref) and store.stat(s.ref).size == len(body)
    again = PackStore(tmp_path / "s")  # another process opening the same store
    assert again.get(stored[3].ref) == bodies[3]


def test_the_same_content_is_stored_once(tmp_path):
    store = PackStore(tmp_path / "s")
    body = os.urandom(5000)
    store.put_many([body, body])
    store.put(body)
    packs = list((tmp_path / "s" / "packs").iterdir())
    assert sum(p.stat().st_size for p in packs) == 5000


def test_unknown_and_malformed_refs(tmp_path):
    store = PackStore(tmp_path / "s")
    with pytest.raises(NotFound):
        store.get("sha256:" + "00" * 32)
    for bad in ("sha256:xyz", "md5:" + "00" * 16, "sha256:" + "zz" * 32):
        with pytest.raises(StorageError):
            store.get(bad)


def test_a_torn_tail_after_a_crash_is_harmless(tmp_path):
    store = PackStore(tmp_path / "s")
    kept = store.put(b"complete body")
    pack = next((tmp_path / "s" / "packs").iterdir())
    with open(pack, "ab") as f:  # a crash mid-append: bytes written, index never committed
        f.write(b"half a bo")
    reopened = PackStore(tmp_path / "s")
    assert reopened.get(kept.ref) == b"complete body"
    assert not reopened.has("sha256:" + hashlib.sha256(b"half a body").hexdigest())
    assert reopened.get(reopened.put(b"next").ref) == b"next"


def _write(args):
    root, seed = args
    store = PackStore(root)
    bodies = [seed.to_bytes(4, "big") + os.urandom(2000) for _ in range(200)]
    return [(s.ref, b) for s, b in zip(store.put_many(bodies), bodies, strict=True)]


def test_parallel_writers_in_separate_processes(tmp_path):
    with ProcessPoolExecutor(2) as pool:
        results = [
            pair for chunk in pool.map(_write, [(tmp_path / "s", i) for i in range(4)]) for pair in chunk
        ]
    store = PackStore(tmp_path / "s")
    assert all(store.get(ref) == body for ref, body in results)
    assert len(list((tmp_path / "s" / "packs").iterdir())) >= 2
