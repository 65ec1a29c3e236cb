"""The embedded blockstore: content addressing, crash safety, parallel writers, pins."""

from __future__ import annotations

import io
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from ledger.errors import NotFound, StorageError
from ledger.storage import EmbeddedStore
from ledger.storage.car import read_car

HELLO = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"  # kubo's CID of b"hello world"


def test_round_trip_streaming_and_stat(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    assert store.put(b"hello world").cid == HELLO
    for size in (0, 1, 262_144, 262_145, 3_000_000):
        body = os.urandom(size)
        stored = store.put(iter([body[: size // 3], body[size // 3 :]]))  # any piece sizes
        assert stored.size == size and store.stat(stored.cid).size == size
        assert b"".join(store.get(stored.cid)) == body and store.has(stored.cid)
    again = EmbeddedStore(tmp_path / "s")  # another process opening the same store
    assert again.read(HELLO) == b"hello world"


def test_the_same_content_is_stored_once(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    small, large = os.urandom(5000), os.urandom(100_000)  # kept in the index / in a pack file
    store.put_many([small, small, large])
    store.put(small)
    store.put(large)
    assert store.pack._db().execute("SELECT count(*) FROM block").fetchone()[0] == 2
    assert sum(p.stat().st_size for p in (tmp_path / "s" / "packs").iterdir()) == 100_000


def test_unknown_and_malformed_cids(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    with pytest.raises(NotFound):
        store.read(HELLO)
    for bad in ("sha256:" + "00" * 32, "bafy!!!", "", "Qm123"):
        with pytest.raises(StorageError):
            store.read(bad)


def test_a_torn_tail_after_a_crash_is_harmless(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    body = os.urandom(100_000)  # large enough for a pack file
    kept = store.put(body)
    pack = next((tmp_path / "s" / "packs").iterdir())
    with open(pack, "ab") as f:  # a crash mid-append: bytes written, index never committed
        f.write(b"half a bo")
    reopened = EmbeddedStore(tmp_path / "s")
    assert reopened.read(kept.cid) == body
    assert reopened.read(reopened.put(b"next").cid) == b"next"


def test_a_corrupted_block_is_detected(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    body = os.urandom(600_000)  # three leaves and a root node
    stored = store.put(body)
    pack = next((tmp_path / "s" / "packs").iterdir())
    data = bytearray(pack.read_bytes())
    data[300_000] ^= 0x01
    pack.write_bytes(bytes(data))
    with pytest.raises(StorageError):
        EmbeddedStore(tmp_path / "s").read(stored.cid)


def test_pins(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    cid = store.put(b"pinned").cid
    assert store.pack.pinned(store_cid_bytes(cid))
    store.unpin(cid)
    assert not store.pack.pinned(store_cid_bytes(cid))
    store.pin(cid)
    assert store.pack.pinned(store_cid_bytes(cid))


def test_car_export_reads_back(tmp_path):
    store = EmbeddedStore(tmp_path / "s")
    body = os.urandom(700_000)
    cid = store.put(body).cid
    out = io.BytesIO()
    store.export_car(cid, out)
    roots, blocks = read_car(io.BytesIO(out.getvalue()))
    blocks = list(blocks)
    assert [str(r) for r in roots] == [cid] and len(blocks) == 4  # root + 3 leaves


def store_cid_bytes(cid: str) -> bytes:
    from ledger.storage.cid import CID

    return CID.parse(cid).to_bytes()


def _write(args):
    root, seed = args
    store = EmbeddedStore(root)
    bodies = [seed.to_bytes(4, "big") + os.urandom(70_000) for _ in range(50)]  # into pack files
    return [(s.cid, b) for s, b in zip(store.put_many(bodies), bodies, strict=True)]


def test_parallel_writers_in_separate_processes(tmp_path):
    with ProcessPoolExecutor(2) as pool:
        results = [
            pair for chunk in pool.map(_write, [(tmp_path / "s", i) for i in range(4)]) for pair in chunk
        ]
    store = EmbeddedStore(tmp_path / "s")
    assert all(store.read(cid) == body for cid, body in results)
    assert len(list((tmp_path / "s" / "packs").iterdir())) >= 2
