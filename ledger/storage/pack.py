"""Block packs: blocks indexed by their binary CID in SQLite; large ones appended to pack files.

One file per block costs hundreds of microseconds of system time per write on these machines;
appending to a pack file costs a few. Each process appends to its own pack file, so parallel
writers never interleave. A batch of blocks is appended, flushed and fsync'ed before its index
rows are committed: after a crash the index only names complete blocks (a torn tail of a pack
is unreferenced and harmless), and a block is durable before anything refers to it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import StorageError

PACK_LIMIT = 1 << 30  # start a new pack file after 1 GiB
# Blocks up to this size are kept inside the index (SQLite WAL orders them safely without an
# fsync per write); larger ones - 256 KiB leaves of big bodies - are appended to pack files.
INLINE_MAX = 64 * 1024


class BlockPack:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._index: sqlite3.Connection | None = None
        self._pack: tuple[int, object] | None = None  # (pack id, open file) of this process
        self._readers: dict[int, int] = {}
        self._pid = os.getpid()

    # ----- index -----

    def _db(self) -> sqlite3.Connection:
        if self._index is None or self._pid != os.getpid():  # never share a connection across fork
            (self.root / "packs").mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.root / "index.sqlite", timeout=60, check_same_thread=False, isolation_level=None
            )
            # Switching to WAL takes an exclusive lock that the busy timeout does not cover:
            # processes opening a new store at once take turns through a file lock.
            with open(self.root / "index.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS block (cid BLOB PRIMARY KEY, pack INTEGER NOT NULL,"
                    " offset INTEGER NOT NULL, length INTEGER NOT NULL, inline BLOB) WITHOUT ROWID"
                )
                db.execute("CREATE TABLE IF NOT EXISTS pin (cid BLOB PRIMARY KEY) WITHOUT ROWID")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS pack (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
                )
            db.execute("PRAGMA synchronous=NORMAL")
            self._index, self._pid, self._pack, self._readers = db, os.getpid(), None, {}
        return self._index

    def _locate(self, cid: bytes) -> tuple[int, int, int, bytes | None] | None:
        return (
            self._db()
            .execute("SELECT pack, offset, length, inline FROM block WHERE cid = ?", (cid,))
            .fetchone()
        )

    # ----- writing -----

    def put_blocks(self, blocks: Sequence[tuple[bytes, bytes]], pins: Sequence[bytes] = ()) -> None:
        """Store (binary CID, data) blocks and pin the given CIDs: one fsync, one transaction."""
        with self._lock:
            db = self._db()
            cids = [c for c, _ in blocks]
            known = {
                row[0]
                for i in range(0, len(cids), 500)
                for row in db.execute(
                    f"SELECT cid FROM block WHERE cid IN ({','.join('?' * len(cids[i : i + 500]))})",
                    cids[i : i + 500],
                )
            }
            rows, fresh = [], set()
            try:
                large = [(c, d) for c, d in blocks if len(d) > INLINE_MAX and c not in known]
                if large:
                    pack_id, f = self._writable()
                for cid, data in blocks:
                    if cid in known or cid in fresh:
                        continue
                    fresh.add(cid)
                    if len(data) <= INLINE_MAX:  # small blocks live in the index itself
                        rows.append((cid, 0, 0, len(data), data))
                        continue
                    offset = f.tell()
                    f.write(data)
                    rows.append((cid, pack_id, offset, len(data), None))
                if large:
                    f.flush()
                    os.fsync(f.fileno())  # pack data durable before the index names it
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR IGNORE INTO block VALUES (?, ?, ?, ?, ?)", rows)
                db.executemany("INSERT OR IGNORE INTO pin VALUES (?)", [(p,) for p in pins])
                db.execute("COMMIT")
            except OSError as exc:
                raise StorageError(f"cannot store blocks in {self.root}: {exc}") from None

    def unpin(self, cid: bytes) -> None:
        with self._lock:
            self._db().execute("DELETE FROM pin WHERE cid = ?", (cid,))

    def pinned(self, cid: bytes) -> bool:
        with self._lock:
            return self._db().execute("SELECT 1 FROM pin WHERE cid = ?", (cid,)).fetchone() is not None

    def _writable(self) -> tuple[int, object]:
        if self._pack is not None and self._pack[1].tell() < PACK_LIMIT:  # type: ignore[attr-defined]
            return self._pack
        db = self._db()
        name = f"{os.getpid()}-{os.urandom(4).hex()}.pack"
        db.execute("BEGIN IMMEDIATE")
        pack_id = db.execute("INSERT INTO pack (name) VALUES (?)", (name,)).lastrowid
        db.execute("COMMIT")
        f = open(self.root / "packs" / name, "ab")  # noqa: SIM115 (kept open for appends)
        self._pack = (pack_id, f)
        return self._pack

    # ----- reading -----

    def get_block(self, cid: bytes) -> bytes | None:
        with self._lock:
            found = self._locate(cid)
            if found is None:
                return None
            pack, offset, length, inline = found
            if inline is not None:
                return bytes(inline)
            fd = self._readers.get(pack)
            if fd is None:
                name = self._db().execute("SELECT name FROM pack WHERE id = ?", (pack,)).fetchone()[0]
                fd = self._readers[pack] = os.open(self.root / "packs" / name, os.O_RDONLY)
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise StorageError(f"block {cid.hex()}: its pack file is truncated")
        return data

    def has_block(self, cid: bytes) -> bool:
        with self._lock:
            return self._locate(cid) is not None

    def close(self) -> None:
        if self._pack is not None:
            self._pack[1].close()  # type: ignore[attr-defined]
        for fd in self._readers.values():
            os.close(fd)
        if self._index is not None:
            self._index.close()
        self._pack, self._readers, self._index = None, {}, None
