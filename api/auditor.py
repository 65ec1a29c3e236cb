"""Auditors read the logs, proofs and receipts; admins mint tokens."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from api.auth import Principal, Role
from api.deps import as_admin, as_auditor, state
from api.models import TokenIn
from archive.logs import LOGS
from ledger.consent.errors import Invalid, Unknown
from ledger.models import ConsentRequest

router = APIRouter(prefix="/api", tags=["auditor", "admin"])
auditor = Depends(as_auditor)


@router.get("/logs/{name}", dependencies=[auditor])
def checkpoint(name: str, request: Request) -> dict[str, Any]:
    """The latest signed checkpoint of a log and where it is anchored."""
    logs = state(request).services.logs
    if name not in LOGS:
        raise Unknown(f"name: logs are {', '.join(LOGS)}")
    cp = logs.latest_checkpoint(name)
    if cp is None:
        raise Unknown(f"{name}: no checkpoint yet")
    return {
        "log": name,
        "size": cp.size,
        "root": bytes(cp.root).hex(),
        "note": cp.note,
        "anchored_block": cp.anchored_block,
    }


@router.get("/logs/{name}/entries/{index}", dependencies=[auditor])
def entry(name: str, index: int, request: Request, size: int | None = None) -> dict[str, Any]:
    """An entry and its inclusion proof in the tree of `size` entries (default: the latest checkpoint)."""
    logs = state(request).services.logs
    if name not in LOGS:
        raise Unknown(f"name: logs are {', '.join(LOGS)}")
    cp = logs.latest_checkpoint(name)
    size = size if size is not None else (cp.size if cp else 0)
    if not 0 <= index < size:
        raise Invalid(f"index: must be below the tree size {size} (publish a checkpoint first)")
    log = logs.log(name)
    return {
        "log": name,
        "index": index,
        "size": size,
        "entry": json.loads(log.entry(index)),
        "proof": [h.hex() for h in log.inclusion_proof(index, size)],
        "root": log.root(size).hex(),
    }


@router.get("/receipts/{request_id}", dependencies=[auditor])
def receipt(request_id: str, request: Request) -> dict[str, Any]:
    with Session(state(request).services.engine) as session:
        row = session.get(ConsentRequest, request_id)
    if row is None or row.receipt is None:
        raise Unknown("request_id: no receipt")
    return {"receipt": json.loads(row.receipt), "access_log_index": row.receipt_log_index}


@router.post("/tokens", status_code=201)
def mint(body: TokenIn, request: Request, who: Principal = Depends(as_admin)) -> dict[str, Any]:
    """A short-lived bearer token for staff, issuers, auditors or admins."""
    tokens = state(request).tokens
    token = tokens.issue(
        Role(body.role), body.subject, window=body.window, department=body.department, minutes=body.minutes
    )
    return {"token": token, "role": body.role, "subject": body.subject}
