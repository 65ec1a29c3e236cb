"""Issuers: issue a licence and change its status, for their own authority only."""

from __future__ import annotations

import tempfile
import threading
from base64 import b64decode
from binascii import Error as Base64Error
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from api.auth import Principal
from api.deps import as_issuer, state
from api.models import LicenceIn, StatusIn
from ledger.consent.errors import Forbidden, Invalid, Unknown
from ledger.errors import NotFound
from ledger.licences.status import find_licence, queue_change
from ledger.models import ActionKind

router = APIRouter(prefix="/api", tags=["issuer"])
_anchoring = threading.Lock()  # one anchoring run at a time in this process (one nonce sequence)


@router.post("/licences", status_code=201)
def issue(body: LicenceIn, request: Request, who: Principal = Depends(as_issuer)) -> dict[str, Any]:
    """Issue one licence of the caller's authority; anchored before the answer."""
    services = state(request).services
    data = dict(body.licence)
    if data.get("issuer_uscc") != who.subject:
        raise Forbidden("licence.issuer_uscc: you may issue only as your own authority")
    data.pop("body", None)  # a body comes only inline, never as a path on this server
    with tempfile.TemporaryDirectory() as tmp:
        if body.body_base64 is not None:
            try:
                (Path(tmp) / "body").write_bytes(b64decode(body.body_base64, validate=True))
            except (Base64Error, ValueError):
                raise Invalid("body_base64: not base64") from None
            data["body"] = "body"
        report = services.issuance().issue([(1, data)], Path(tmp))
    if report.rejected:
        raise Invalid(f"licence: {report.rejected[0].reason}")
    with _anchoring:
        anchoring = services.anchorer().run(force=True)
    return {"identifier": report.accepted[0], "anchored": not anchoring.errors, "warnings": report.warnings}


@router.post("/licences/{identifier}/status")
def change_status(
    identifier: str, body: StatusIn, request: Request, who: Principal = Depends(as_issuer)
) -> dict[str, Any]:
    """Revoke, suspend or reinstate one of the caller's licences; sent on chain before the answer.
    Windows that pulled it are notified (GET /api/window/events)."""
    services = state(request).services
    with Session(services.engine) as session:
        try:
            licence = find_licence(session, identifier)
        except NotFound:
            raise Unknown("identifier: no such licence of yours") from None
        if licence.issuer_uscc != who.subject:
            raise Unknown("identifier: no such licence of yours")
        queue_change(session, identifier, ActionKind[body.change.upper()], body.reason)
        session.commit()
    with _anchoring:
        report = services.anchorer().run(force=False)
    return {"identifier": identifier, "change": body.change, "sent": report.actions, "errors": report.errors}
