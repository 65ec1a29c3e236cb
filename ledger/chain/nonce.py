"""Per-account nonce allocation that is safe under concurrent senders and recovers from failures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class NonceManager:
    """Hands out consecutive nonces for one account.

    The nonce is held while the transaction is submitted, so submissions from many threads
    reach the node in nonce order (Hardhat's automine refuses gaps). If a submission fails,
    or a sent transaction is later found dropped, the next nonce is re-read from the node's
    pending count, so a failure never leaves a gap that would stall every later transaction.
    """

    def __init__(self, pending_count: Callable[[], int]) -> None:
        self._pending_count = pending_count
        self._lock = threading.Lock()
        self._next: int | None = None

    @contextmanager
    def reserve(self) -> Iterator[int]:
        with self._lock:
            if self._next is None:
                self._next = self._pending_count()
            nonce = self._next
            try:
                yield nonce
            except BaseException:
                self._next = None
                raise
            self._next = nonce + 1

    def resync(self) -> None:
        """Forget the local counter; the next reservation asks the node."""
        with self._lock:
            self._next = None
