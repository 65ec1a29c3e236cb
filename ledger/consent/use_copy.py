"""Use copies (加注件): the licence as disclosed for one matter, its body stamped with the purpose,
window, time and expiry, and the verification result, signed by the service."""

from __future__ import annotations

import hashlib
import io
from base64 import b64encode
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.errors import PyPdfError

from ledger.licences.commitments import ALWAYS_DISCLOSED
from ledger.licences.package import LicencePackage

# Disclosed in every use copy so that the window can verify it: validity dates and the body hash.
FOR_VERIFICATION = ("ZZYXQQSRQ", "ZZYXQJZRQ", "BODY_SHA256")


def hidden_fields(package: LicencePackage, needed: list[str]) -> list[str]:
    """Every field the matter does not need. A matter names base fields (`CZZT`) that cover each
    holder's indexed field (`CZZT.0`, `CZZT.1`)."""
    keep = set(needed) | set(ALWAYS_DISCLOSED) | set(FOR_VERIFICATION)
    return [name for name in package.fields if name not in keep and name.split(".")[0] not in keep]


def stamp_text(stamp: dict[str, Any]) -> str:
    return (
        f"加注件 仅用于{stamp['matter_name']}（{stamp['matter']}，办件 {stamp['case_number']}）"
        f"；用途：{stamp['purpose']}；窗口 {stamp['window']}（{stamp['department']}）"
        f"；调取 {stamp['pulled_at']}；有效至 {stamp['valid_until']}"
    )


def stamp_body(body: bytes, media_type: str | None, text: str) -> tuple[bytes, bool]:
    """(stamped body, whether the stamp is inside it). PDFs get a visible annotation on page 1
    and the stamp in their metadata; other files are returned as they are (the signed envelope
    carries the stamp)."""
    if not body.startswith(b"%PDF-"):
        return body, False
    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(body)))
        if not writer.pages:
            return body, False
        box = writer.pages[0].mediabox
        writer.add_annotation(
            page_number=0,
            annotation=FreeText(
                text=text,
                rect=(
                    float(box.left) + 24,
                    float(box.bottom) + 24,
                    float(box.right) - 24,
                    float(box.bottom) + 72,
                ),
                font_size="9pt",
                font_color="c00000",
                border_color="c00000",
                background_color=None,
            ),
        )
        writer.add_metadata({"/CertledgerStamp": text})
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, IndexError):
        return body, False
    return out.getvalue(), True


def body_section(body: bytes, media_type: str | None, text: str) -> dict[str, Any]:
    stamped, inside = stamp_body(body, media_type, text)
    return {
        "media_type": media_type or "application/octet-stream",
        "original_sha256": hashlib.sha256(body).hexdigest(),
        "stamped": inside,
        "sha256": hashlib.sha256(stamped).hexdigest(),
        "data": b64encode(stamped).decode(),
    }
