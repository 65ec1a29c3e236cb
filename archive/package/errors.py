"""The archive package's one error type."""

from __future__ import annotations

from ledger.errors import LedgerError


class PackageError(LedgerError):
    """A case file, a build parameter or a package cannot be used.

    ``field`` names the offending input (``closed_at``, ``files[2].kind``, ``archive_no``) when
    there is one; the message always starts with it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)
