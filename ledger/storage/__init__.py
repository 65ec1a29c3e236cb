"""One storage interface for licence and archive bodies (see `BodyStore`)."""

from ledger.storage.base import BodyStore, StoredBody
from ledger.storage.pack import PackStore

__all__ = ["BodyStore", "PackStore", "StoredBody", "open_store"]


def open_store(settings) -> BodyStore:  # type: ignore[no-untyped-def]
    """The configured store: the local content-addressed pack store in the data directory."""
    return PackStore(settings.data_dir / "store")
