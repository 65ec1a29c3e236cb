"""The local content-addressed store: bodies appended to pack files, indexed by SHA-256.

One file per body costs hundreds of microseconds of system time per write on these machines;
appending to a pack file costs a few. Each process appends to its own pack file, so parallel
writers never interleave. A batch of bodies is appended, flushed and fsync'ed before its index
rows are committed: after a crash the index only names complete bodies (a torn tail of a pack
is unreferenced and harmless), and a body is durable before any licence refers to it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from ledger.errors import NotFound, StorageError
from ledger.storage.base import StoredBody

PREFIX = "sha256:"
PACK_LIMIT = 1 << 30  # start a new pack file after 1 GiB


class PackStore:
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
                    "CREATE TABLE IF NOT EXISTS body (digest BLOB PRIMARY KEY, pack INTEGER NOT NULL,"
                    " offset INTEGER NOT NULL, length INTEGER NOT NULL) WITHOUT ROWID"
                )
                db.execute(
                    "CREATE TABLE IF NOT EXISTS pack (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"
                )
            db.execute("PRAGMA synchronous=NORMAL")
            self._index, self._pid, self._pack, self._readers = db, os.getpid(), None, {}
        return self._index

    def _locate(self, digest: bytes) -> tuple[int, int, int] | None:
        return (
            self._db().execute("SELECT pack, offset, length FROM body WHERE digest = ?", (digest,)).fetchone()
        )

    # ----- writing -----

    def put(self, data: bytes) -> StoredBody:
        return self.put_many([data])[0]

    def put_many(self, bodies: Sequence[bytes]) -> list[StoredBody]:
        """Store many bodies with one fsync and one index transaction."""
        digests = [hashlib.sha256(b).digest() for b in bodies]
        with self._lock:
            db = self._db()
            known = {
                row[0]
                for i in range(0, len(digests), 500)
                for row in db.execute(
                    f"SELECT digest FROM body WHERE digest IN ({','.join('?' * len(digests[i : i + 500]))})",
                    digests[i : i + 500],
                )
            }
            rows, fresh = [], set()
            if any(d not in known for d in digests):
                pack_id, f = self._writable()
                try:
                    for digest, body in zip(digests, bodies, strict=True):
                        if digest in known or digest in fresh:
                            continue
                        offset = f.tell()
                        f.write(body)
                        rows.append((digest, pack_id, offset, len(body)))
                        fresh.add(digest)
                    f.flush()
                    os.fsync(f.fileno())
                    db.execute("BEGIN IMMEDIATE")
                    db.executemany("INSERT OR IGNORE INTO body VALUES (?, ?, ?, ?)", rows)
                    db.execute("COMMIT")
                except OSError as exc:
                    raise StorageError(f"cannot store bodies in {self.root}: {exc}") from None
        return [StoredBody(PREFIX + d.hex(), len(b)) for d, b in zip(digests, bodies, strict=True)]

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

    def get(self, ref: str) -> bytes:
        digest = _digest(ref)
        with self._lock:
            found = self._locate(digest)
            if found is None:
                raise NotFound(f"body {ref} is not in the store {self.root}")
            pack, offset, length = found
            fd = self._readers.get(pack)
            if fd is None:
                name = self._db().execute("SELECT name FROM pack WHERE id = ?", (pack,)).fetchone()[0]
                fd = self._readers[pack] = os.open(self.root / "packs" / name, os.O_RDONLY)
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise StorageError(f"body {ref}: pack file is truncated")
        return data

    def has(self, ref: str) -> bool:
        with self._lock:
            return self._locate(_digest(ref)) is not None

    def stat(self, ref: str) -> StoredBody:
        with self._lock:
            found = self._locate(_digest(ref))
        if found is None:
            raise NotFound(f"body {ref} is not in the store {self.root}")
        return StoredBody(ref, found[2])

    def close(self) -> None:
        if self._pack is not None:
            self._pack[1].close()  # type: ignore[attr-defined]
        for fd in self._readers.values():
            os.close(fd)
        if self._index is not None:
            self._index.close()
        self._pack, self._readers, self._index = None, {}, None


def _digest(ref: str) -> bytes:
    if not ref.startswith(PREFIX) or len(ref) != len(PREFIX) + 64:
        raise StorageError(f"not a content address of this store: {ref!r}")
    try:
        return bytes.fromhex(ref[len(PREFIX) :])
    except ValueError:
        raise StorageError(f"not a content address of this store: {ref!r}") from None
