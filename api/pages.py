"""The holder's consent page (mobile), reached by scanning the window's QR code."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["holder"])
STATIC = files("api").joinpath("static")
CONSENT_PAGE = STATIC.joinpath("consent.html").read_text("utf-8")
MY_PAGE = STATIC.joinpath("me.html").read_text("utf-8")
HOLDER_JS = STATIC.joinpath("holder.js").read_text("utf-8")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@router.get("/c/{token}", response_class=HTMLResponse, include_in_schema=False)
def consent_page(token: str) -> HTMLResponse:
    """The page reads the token from its own URL; the server renders nothing personal into it."""
    return HTMLResponse(CONSENT_PAGE, headers=HEADERS)


@router.get("/me", response_class=HTMLResponse, include_in_schema=False)
def my_page() -> HTMLResponse:
    """The holder's own records: sign in with the passkey, every consent and use, withdraw, PIN."""
    return HTMLResponse(MY_PAGE, headers=HEADERS)


@router.get("/static/holder.js", include_in_schema=False)
def holder_js() -> Response:
    return Response(HOLDER_JS, media_type="text/javascript", headers={"Cache-Control": "no-cache"})
