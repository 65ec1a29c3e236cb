"""The storage interface every body goes through (licence files now, archive packages later)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredBody:
    ref: str  # content address
    size: int


class BodyStore(Protocol):
    def put(self, data: bytes) -> StoredBody: ...

    def put_many(self, bodies: Sequence[bytes]) -> list[StoredBody]: ...

    def get(self, ref: str) -> bytes: ...

    def has(self, ref: str) -> bool: ...

    def stat(self, ref: str) -> StoredBody: ...
