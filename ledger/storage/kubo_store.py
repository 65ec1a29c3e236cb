"""The storage interface on a kubo node (`CERTLEDGER_IPFS_URL`): the same CIDs as the embedded
store, because every add passes the project's parameters explicitly (see `KuboClient.add`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from ledger.errors import NotFound
from ledger.storage.base import StoredBody
from ledger.storage.cid import CID, RAW
from ledger.storage.kubo import KuboClient
from ledger.storage.unixfs import decode_pbnode, decode_unixfs

ADD_THREADS = 16
PIN_BATCH = 500


class KuboStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.client = KuboClient(url)

    def put(self, data: bytes | Iterable[bytes], *, pin: bool = True) -> StoredBody:
        cid = self.client.add(data, pin=pin)
        return StoredBody(cid, self.stat(cid).size)

    def put_many(self, bodies: Sequence[bytes]) -> list[StoredBody]:
        """Concurrent unpinned adds, pinned in batches of 500 while the next batch is added:
        kubo serialises pinning, so pinning each add separately caps throughput. Nothing refers
        to these CIDs before this returns, so a crash leaves at most unpinned, unused blocks."""
        cids: list[str] = []
        with ThreadPoolExecutor(ADD_THREADS) as adders, ThreadPoolExecutor(1) as pinner:
            pinning = None
            for start in range(0, len(bodies), PIN_BATCH):
                batch = list(
                    adders.map(
                        lambda body: self.client.add(body, pin=False), bodies[start : start + PIN_BATCH]
                    )
                )
                if pinning is not None:
                    pinning.result()
                pinning = pinner.submit(self.client.pin_add, *batch)
                cids += batch
            if pinning is not None:
                pinning.result()
        return [StoredBody(cid, len(body)) for cid, body in zip(cids, bodies, strict=True)]

    def get(self, cid: str) -> Iterator[bytes]:
        CID.parse(cid)  # a malformed CID is our error, not kubo's
        if not self.client.has(cid):
            raise NotFound(f"{cid} is not on the kubo node at {self.url}")
        return self.client.cat(cid)

    def read(self, cid: str) -> bytes:
        return b"".join(self.get(cid))

    def has(self, cid: str) -> bool:
        CID.parse(cid)
        return self.client.has(cid)

    def stat(self, cid: str) -> StoredBody:
        root = CID.parse(cid)
        if not self.client.has(cid):
            raise NotFound(f"{cid} is not on the kubo node at {self.url}")
        data = self.client.block_get(cid)
        if root.codec == RAW:
            return StoredBody(cid, len(data))
        return StoredBody(cid, decode_unixfs(decode_pbnode(data).data or b"").filesize or 0)

    def pin(self, cid: str) -> None:
        self.client.pin_add(cid)

    def unpin(self, cid: str) -> None:
        self.client.pin_rm(cid)

    def close(self) -> None:
        self.client.close()
