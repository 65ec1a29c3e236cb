"""One storage interface for licence and archive bodies (see `BodyStore`)."""

from ledger.storage.base import BodyStore, StoredBody
from ledger.storage.local import LocalStore

__all__ = ["BodyStore", "LocalStore", "StoredBody", "open_store"]


def open_store(settings) -> BodyStore:  # type: ignore[no-untyped-def]
    """The configured store: the local content-addressed store in the data directory."""
    return LocalStore(settings.data_dir / "store")
