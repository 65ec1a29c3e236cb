"""A local content-addressed store: one file per body, named by its SHA-256.

Writes go to a temporary file that is renamed into place, so a crash never leaves a partial
body under a real name; writing the same content twice is a no-op.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ledger.errors import NotFound, StorageError
from ledger.storage.base import StoredBody

PREFIX = "sha256:"


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: set[Path] = set()

    def _path(self, ref: str) -> Path:
        if not ref.startswith(PREFIX) or len(ref) != len(PREFIX) + 64:
            raise StorageError(f"not a content address of this store: {ref!r}")
        digest = ref[len(PREFIX) :]
        return self.root / digest[:2] / digest[2:]

    def put(self, data: bytes) -> StoredBody:
        ref = PREFIX + hashlib.sha256(data).hexdigest()
        path = self._path(ref)
        if path.exists():
            return StoredBody(ref, len(data))
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"cannot store body in {self.root}: {exc}") from None
        return StoredBody(ref, len(data))

    def get(self, ref: str) -> bytes:
        try:
            return self._path(ref).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"body {ref} is not in the store {self.root}") from None

    def has(self, ref: str) -> bool:
        return self._path(ref).is_file()

    def stat(self, ref: str) -> StoredBody:
        try:
            return StoredBody(ref, self._path(ref).stat().st_size)
        except FileNotFoundError:
            raise NotFound(f"body {ref} is not in the store {self.root}") from None
