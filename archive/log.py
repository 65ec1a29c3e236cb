"""Append-only verifiable logs (RFC 9162) in the database, with the project's one Merkle
construction (`ledger.merkle`).

Every append stores the entry, its leaf hash and the root of each perfect subtree it completes
(`LogNode`), and updates the tree head incrementally from the right edge's subtree roots
(`LogHead`): no append recomputes anything already computed. A proof for any tree size reads
only the O(log n) subtree roots it needs, never the whole log. Appends are durable and atomic:
a batch of entries, its nodes and the new head are one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, text, update
from sqlmodel import Session

from ledger import merkle
from ledger.errors import NotFound, ProofError
from ledger.models import LogEntry, LogHead, LogNode, utcnow

NODE = merkle.NODE_PREFIX
ARCHIVE_LOG, ACCESS_LOG = "archive", "access"


@dataclass(frozen=True)
class TreeHead:
    log: str
    size: int
    root: bytes


def _insert_ignoring_duplicates(session: Session):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(LogHead.__table__).on_conflict_do_nothing(index_elements=["log"])


def _edge_from_bytes(raw: bytes, size: int) -> list[tuple[int, bytes]]:
    """The right edge as (level, hash), largest subtree first: one per set bit of `size`."""
    levels = [bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
    return [(level, raw[i * 32 : (i + 1) * 32]) for i, level in enumerate(levels)]


def _fold(edge: list[tuple[int, bytes]]) -> bytes:
    if not edge:
        return merkle.empty_root()
    root = edge[-1][1]
    for _, h in reversed(edge[:-1]):
        root = hashlib.sha256(NODE + h + root).digest()
    return root


class MerkleLog:
    def __init__(self, engine: Engine, name: str) -> None:
        if not name or len(name) > 64:
            raise ValueError("log name: 1 to 64 characters")
        self.engine = engine
        self.name = name

    # ----- appending -----

    def append(self, entry: bytes) -> int:
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[bytes], *, session: Session | None = None) -> list[int]:
        """Append entries in order, durably and atomically; returns their indexes. With a
        `session`, the append joins the caller's transaction (committed by the caller)."""
        if not entries:
            return []
        if session is not None:
            return self._append(session, entries)
        with Session(self.engine) as own, own.begin():
            return self._append(own, entries)

    def _append(self, session: Session, entries: Sequence[bytes]) -> list[int]:
        if session.get_bind().dialect.name == "sqlite":
            # pysqlite opens the transaction only at the first write, and SQLite ignores FOR
            # UPDATE: a no-op write first takes the write lock, so the head read below is the
            # latest and no other writer can move it before this transaction commits.
            session.execute(update(LogHead).where(LogHead.log == self.name).values(size=LogHead.size))
        head = session.execute(
            select(LogHead).where(LogHead.log == self.name).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            # The first append creates the head row. Insert-or-ignore, then lock it: a concurrent
            # first append waits on the unique key and then finds the row (PostgreSQL locks nothing
            # for a row that does not exist yet).
            session.execute(
                _insert_ignoring_duplicates(session).values(
                    log=self.name, size=0, root=merkle.empty_root(), edge=b""
                )
            )
            head = session.execute(
                select(LogHead).where(LogHead.log == self.name).with_for_update()
            ).scalar_one()
        size, edge = head.size, _edge_from_bytes(head.edge, head.size)
        now = utcnow()
        rows, nodes = [], []
        for entry in entries:
            leaf = merkle.leaf_hash(entry)
            rows.append(
                {"log": self.name, "index": size, "leaf_hash": leaf, "entry": entry, "created_at": now}
            )
            level, node, index = 0, leaf, size
            while edge and edge[-1][0] == level:  # completes a perfect subtree: merge up
                _, left = edge.pop()
                level, index = level + 1, index >> 1
                node = hashlib.sha256(NODE + left + node).digest()
                nodes.append({"log": self.name, "level": level, "index": index, "hash": node})
            edge.append((level, node))
            size += 1
        conn = session.connection()
        conn.execute(insert(LogEntry.__table__), rows)
        if nodes:
            conn.execute(insert(LogNode.__table__), nodes)
        conn.execute(
            update(LogHead.__table__)
            .where(LogHead.__table__.c.log == self.name)
            .values(size=size, root=_fold(edge), edge=b"".join(h for _, h in edge))
        )
        return list(range(size - len(entries), size))

    # ----- reading -----

    def head(self) -> TreeHead:
        with Session(self.engine) as session:
            head = session.get(LogHead, self.name)
        if head is None:
            return TreeHead(self.name, 0, merkle.empty_root())
        return TreeHead(self.name, head.size, bytes(head.root))

    def entry(self, index: int) -> bytes:
        with Session(self.engine) as session:
            row = session.get(LogEntry, (self.name, index))
        if row is None:
            raise NotFound(f"log {self.name} has no entry {index}")
        return bytes(row.entry)

    def entries(self, start: int, end: int) -> list[tuple[int, bytes, bytes]]:
        """(index, leaf hash, entry) for start <= index < end, in order."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(LogEntry.index, LogEntry.leaf_hash, LogEntry.entry)
                .where(LogEntry.log == self.name, LogEntry.index >= start, LogEntry.index < end)
                .order_by(LogEntry.index)
            ).all()
        return [(i, bytes(h), bytes(e)) for i, h, e in rows]

    def root(self, size: int | None = None) -> bytes:
        size = self._size(size)
        if size == 0:
            return merkle.empty_root()
        return self._hashes([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self._size(size)
        return self._hashes(merkle.inclusion_ranges(index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        size2 = self._size(size2)
        return self._hashes(merkle.consistency_ranges(size1, size2))

    def _size(self, size: int | None) -> int:
        """`size`, or the current size; a size beyond the log is an error."""
        current = self.head().size
        if size is None:
            return current
        if size < 0 or size > current:
            raise ProofError(f"log {self.name} has {current} entries, not {size}")
        return size

    # ----- subtree hashes from stored nodes -----

    def _hashes(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """Hashes of RFC 9162 subtrees [start, end), each built from at most O(log n) stored
        perfect subtrees, fetched in one query."""
        plans = [_perfect_parts(start, end) for start, end in ranges]
        wanted = {part for plan in plans for part in plan}
        found = self._fetch(wanted)
        hashes = []
        for plan in plans:
            parts = [found[p] for p in plan]
            root = parts[-1]
            for h in reversed(parts[:-1]):
                root = hashlib.sha256(NODE + h + root).digest()
            hashes.append(root)
        return hashes

    def _fetch(self, keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored hashes of (level, index) subtrees: one index search per level, in one query
        (SQLite will not split an OR of key ranges into index searches; a UNION ALL it will)."""
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        # Plain SQL: building this query with Core constructs costs more than running it.
        # Indexes and levels are integers we computed, inlined after int(); the log is bound.
        parts = []
        for level, indexes in by_level.items():
            listed = ",".join(str(int(i)) for i in indexes)
            if level == 0:
                parts.append(
                    f'SELECT 0, "index", leaf_hash FROM logentry WHERE log = :log AND "index" IN ({listed})'
                )
            else:
                parts.append(
                    f'SELECT {int(level)}, "index", hash FROM lognode '
                    f'WHERE log = :log AND level = {int(level)} AND "index" IN ({listed})'
                )
        found: dict[tuple[int, int], bytes] = {}
        if parts:
            with self.engine.connect() as conn:
                rows = conn.execute(text(" UNION ALL ".join(parts)), {"log": self.name})
                found = {(lv, i): bytes(h) for lv, i, h in rows}
        missing = keys - found.keys()
        if missing:
            raise ProofError(f"log {self.name} is missing stored subtrees {sorted(missing)[:3]}")
        return found


def _perfect_parts(start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) as perfect subtrees (level, index), left to right. RFC 9162 subtrees are
    perfect, or sit on the right edge where they split at the largest power of two below
    their size - the same left-to-right decomposition."""
    parts = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        while start % (1 << level):  # an aligned subtree only
            level -= 1
        parts.append((level, start >> level))
        start += 1 << level
    return parts
