"""Window staff: cases, QR requests, pulls, revocation notices, archive hand-off."""

from __future__ import annotations

import asyncio
from base64 import b64encode
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic_core import to_json

from api.deps import limited, staff, state
from api.models import CaseIn, PullIn, RequestIn
from ledger.consent.qr import qr_png, qr_svg
from ledger.consent.service import Staff
from ledger.models import RequestState, as_utc, utcnow

router = APIRouter(prefix="/api", tags=["window"])
POLL_SECONDS = 0.25


@router.post("/cases", status_code=201, dependencies=[Depends(limited("cases"))])
def open_case(body: CaseIn, request: Request, who: Staff = Depends(staff)) -> dict[str, Any]:
    """Open a case for a matter and a holder. The answer never says whether the holder has
    licences: that is known only once the holder consents."""
    case = state(request).consent.open_case(who, body.matter_code, body.holder.code_type, body.holder.code)
    return _case_json(case)


@router.get("/cases/{case_id}")
def get_case(case_id: str, request: Request, who: Staff = Depends(staff)) -> dict[str, Any]:
    return _case_json(state(request).consent.case_for(who, case_id))


@router.post("/cases/{case_id}/requests", status_code=201, dependencies=[Depends(limited("requests"))])
def create_request(
    case_id: str, body: RequestIn, request: Request, who: Staff = Depends(staff)
) -> dict[str, Any]:
    """An authorisation request shown as a QR code (PNG and SVG) with a confirmation code."""
    consent = state(request).consent
    req, token = consent.create_request(who, case_id, body.purpose)
    url = consent.consent_url(token)
    return {
        "request": req.id,
        "case": case_id,
        "confirmation_code": req.confirmation_code,
        "expires_at": as_utc(req.expires_at).isoformat(),
        "items": req.items,
        "consent_url": url,
        "qr": {"png_base64": b64encode(qr_png(url)).decode(), "svg": qr_svg(url)},
    }


@router.get("/requests/{request_id}")
def request_status(request_id: str, request: Request, who: Staff = Depends(staff)) -> dict[str, Any]:
    return state(request).consent.request_status(who, request_id)


def _own_request(request_id: str, request: Request, who: Staff = Depends(staff)) -> Staff:
    """The caller, once the request is known at their window (a 404 before any stream starts)."""
    state(request).consent.request_for(who, request_id)
    return who


@router.get("/requests/{request_id}/events", response_class=EventSourceResponse)
async def request_events(
    request_id: str, request: Request, who: Staff = Depends(_own_request)
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: the request's state whenever it changes, until it is answered or expires."""
    consent = state(request).consent
    last = None
    while True:
        status = await asyncio.to_thread(consent.request_status, who, request_id)
        if status["state"] != last:
            last = status["state"]
            yield ServerSentEvent(data=status, event="state")
        if last != RequestState.PENDING.value or utcnow().isoformat() > status["expires_at"]:
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)


@router.post(
    "/requests/{request_id}/pull",
    response_class=Response,
    responses={
        200: {
            "description": "`{use_copy, access_log_index, use_copy_sha256}`: the signed use copy "
            "(docs/consent.md §4), its entry's index in the `access` log and the SHA-256 of its "
            "canonical JSON",
            "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
        }
    },
)
def pull(request_id: str, body: PullIn, request: Request, who: Staff = Depends(staff)) -> Response:
    """The verified, stamped use copy of one consented licence: single use, before expiry."""
    result = state(request).consent.pull(who, request_id, body.type_code, body.identifier)
    # Serialised here, in the worker thread: returned as a dict, the ~25 KB answer would be
    # validated against the return type in another thread-pool hop and then serialised.
    return Response(content=to_json(result), media_type="application/json")


@router.get("/window/notices")
def notices(request: Request, after: int = 0, who: Staff = Depends(staff)) -> dict[str, Any]:
    """Status changes of licences this window pulled (poll with `after` = the last id seen)."""
    return {"notices": state(request).consent.notices(who, after)}


@router.get("/window/events", response_class=EventSourceResponse)
async def window_events(
    request: Request,
    who: Staff = Depends(staff),
    last_event_id: str | None = Header(None),
    after: int = 0,
    follow: bool = True,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: revocations and suspensions of licences this window pulled, pushed as
    they are confirmed on chain. Resumes after `Last-Event-ID`."""
    consent = state(request).consent
    cursor = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    while True:
        for notice in await asyncio.to_thread(consent.notices, who, cursor):
            cursor = notice["id"]
            yield ServerSentEvent(data=notice, event="status", id=str(cursor))
        if not follow or await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS * 4)


@router.post("/cases/{case_id}/close")
def close_case(case_id: str, request: Request, who: Staff = Depends(staff)) -> dict[str, Any]:
    """Close the case and hand it to the archive (use copies, receipts, access records)."""
    return state(request).consent.close_case(who, case_id)


def _case_json(case: Any) -> dict[str, Any]:
    return {
        "case": case.id,
        "case_number": case.case_number,
        "matter_code": case.matter_code,
        "holder_ref": case.holder_ref,
        "window": case.window,
        "department": case.department,
        "opened_at": as_utc(case.opened_at).isoformat(),
        "closed_at": as_utc(case.closed_at).isoformat() if case.closed_at else None,
        "archive_no": case.archive_no,
    }
