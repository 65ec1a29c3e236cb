"""Licence body files: content type by magic bytes, size limit."""

from __future__ import annotations

import io
import zipfile

from ledger.errors import LedgerError

DEFAULT_MAX_BODY = 20 * 1024 * 1024


class BodyError(LedgerError):
    """A body file is of a refused type or too large."""


def detect_content_type(data: bytes) -> str | None:
    """PDF, OFD (a ZIP whose root holds OFD.xml, GB/T 33190), PNG or JPEG; None otherwise."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "OFD.xml" in z.namelist():
                    return "application/ofd"
        except zipfile.BadZipFile:
            return None
    return None


def check_body(data: bytes, max_size: int = DEFAULT_MAX_BODY) -> str:
    """The body's content type; raises `BodyError` naming the problem."""
    if len(data) > max_size:
        raise BodyError(f"body: {len(data):,} bytes is over the limit of {max_size:,} bytes")
    if not data:
        raise BodyError("body: the file is empty")
    content_type = detect_content_type(data)
    if content_type is None:
        raise BodyError("body: not a PDF, OFD, PNG or JPEG file (checked by its first bytes)")
    return content_type
