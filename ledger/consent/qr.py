"""QR codes for authorisation requests (segno). They encode only the consent URL with its
one-time token: no personal data."""

from __future__ import annotations

import io

import segno


def qr_png(url: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, scale: int = 6) -> str:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=scale, border=4, xmldecl=False)
    return out.getvalue().decode()
