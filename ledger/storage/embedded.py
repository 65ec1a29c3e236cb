"""The embedded store: an IPFS-compatible blockstore in the data directory.

Content is imported as UnixFS exactly as kubo imports it with the project's parameters
(CIDv1, raw leaves, sha2-256, 256 KiB chunks, balanced DAG of up to 174 links; see
docs/blocks.md), so a deployment can move its bodies to a kubo node - by CAR export and
`ipfs dag import` - without any CID changing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from ledger.errors import NotFound
from ledger.storage.base import StoredBody
from ledger.storage.car import write_car
from ledger.storage.cid import CID, RAW
from ledger.storage.pack import BlockPack
from ledger.storage.unixfs import decode_pbnode, decode_unixfs, import_stream, read_stream


class EmbeddedStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.pack = BlockPack(root)

    def put(self, data: bytes | Iterable[bytes], *, pin: bool = True) -> StoredBody:
        blocks, size, root = [], 0, None
        for block in import_stream(data):
            blocks.append((block.cid.to_bytes(), block.data))
            if len(blocks) >= 256:  # bounded memory for large bodies: flush every 64 MiB
                self.pack.put_blocks(blocks)
                blocks = []
            root = block
        assert root is not None  # an import always yields its root
        self.pack.put_blocks(blocks, pins=[root.cid.to_bytes()] if pin else [])
        size = self._size(root.cid, root.data)
        return StoredBody(str(root.cid), size)

    def put_many(self, bodies: Sequence[bytes]) -> list[StoredBody]:
        """Many small bodies with one fsync (the issuance path)."""
        blocks, pins, stored = [], [], []
        for body in bodies:
            root = None
            for block in import_stream(body):
                blocks.append((block.cid.to_bytes(), block.data))
                root = block
            assert root is not None
            pins.append(root.cid.to_bytes())
            stored.append(StoredBody(str(root.cid), len(body)))
        self.pack.put_blocks(blocks, pins=pins)
        return stored

    def get(self, cid: str) -> Iterator[bytes]:
        root = CID.parse(cid)
        if not self.pack.has_block(root.to_bytes()):
            raise NotFound(f"{cid} is not in the store {self.root}")
        return read_stream(self._block, root)

    def read(self, cid: str) -> bytes:
        return b"".join(self.get(cid))

    def has(self, cid: str) -> bool:
        return self.pack.has_block(CID.parse(cid).to_bytes())

    def stat(self, cid: str) -> StoredBody:
        root = CID.parse(cid)
        data = self.pack.get_block(root.to_bytes())
        if data is None:
            raise NotFound(f"{cid} is not in the store {self.root}")
        return StoredBody(cid, self._size(root, data))

    def pin(self, cid: str) -> None:
        self.pack.put_blocks([], pins=[CID.parse(cid).to_bytes()])

    def unpin(self, cid: str) -> None:
        self.pack.unpin(CID.parse(cid).to_bytes())

    def export_car(self, cid: str, out: BinaryIO) -> None:
        """Write the DAG as a CARv1 file that `ipfs dag import` accepts."""
        root = CID.parse(cid)
        write_car(root, self._walk(root), out)

    def close(self) -> None:
        self.pack.close()

    def _block(self, cid: CID) -> bytes:
        data = self.pack.get_block(cid.to_bytes())
        if data is None:
            raise NotFound(f"block {cid} is missing from the store {self.root}")
        return data

    def _walk(self, cid: CID) -> Iterator:  # type: ignore[type-arg]
        from ledger.storage.unixfs import Block

        data = self._block(cid)
        yield Block(cid, data)
        if cid.codec != RAW:
            for link in decode_pbnode(data).links:
                yield from self._walk(link.cid)

    @staticmethod
    def _size(cid: CID, data: bytes) -> int:
        if cid.codec == RAW:
            return len(data)
        return decode_unixfs(decode_pbnode(data).data or b"").filesize or 0
