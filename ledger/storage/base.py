"""The storage interface every body goes through (licence files now, archive packages later).

Bodies are addressed by CID (CIDv1, raw leaves, sha2-256, 256 KiB chunks, balanced UnixFS DAG),
identical in the embedded store and on a kubo node. Only ciphertext is ever stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredBody:
    cid: str
    size: int


class BodyStore(Protocol):
    def put(self, data: bytes | Iterable[bytes], *, pin: bool = True) -> StoredBody: ...

    def put_many(self, bodies: Sequence[bytes]) -> list[StoredBody]: ...

    def get(self, cid: str) -> Iterator[bytes]: ...

    def read(self, cid: str) -> bytes: ...

    def has(self, cid: str) -> bool: ...

    def stat(self, cid: str) -> StoredBody: ...

    def pin(self, cid: str) -> None: ...

    def unpin(self, cid: str) -> None: ...

    def close(self) -> None: ...
