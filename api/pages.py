"""The holder's consent page (mobile), reached by scanning the window's QR code."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["holder"])
CONSENT_PAGE = files("api").joinpath("static/consent.html").read_text("utf-8")


@router.get("/c/{token}", response_class=HTMLResponse, include_in_schema=False)
def consent_page(token: str) -> HTMLResponse:
    """The page reads the token from its own URL; the server renders nothing personal into it."""
    return HTMLResponse(
        CONSENT_PAGE,
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )
