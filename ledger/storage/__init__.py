"""One storage interface for licence and archive bodies (see `BodyStore`)."""

from ledger.storage.base import BodyStore, StoredBody
from ledger.storage.embedded import EmbeddedStore

__all__ = ["BodyStore", "EmbeddedStore", "StoredBody", "open_store"]


def open_store(settings) -> BodyStore:  # type: ignore[no-untyped-def]
    """A kubo node when CERTLEDGER_IPFS_URL is set, else the embedded blockstore."""
    if settings.ipfs_url:
        from ledger.storage.kubo_store import KuboStore

        return KuboStore(settings.ipfs_url)
    return EmbeddedStore(settings.data_dir / "store")
