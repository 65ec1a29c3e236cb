"""Holders: the consent page's calls (with the request token), passkey enrolment and sessions,
history and withdrawal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from api.auth import Principal, Role
from api.deps import as_holder, limited, state
from api.models import ApproveIn, ChallengeIn, CredentialIn, EnrolIn, HolderCode, PinIn
from ledger import identifiers
from ledger.consent.errors import Invalid
from ledger.licences.issuance import holder_key

router = APIRouter(prefix="/api", tags=["holder"])
consent_limit = Depends(limited("consent"))


@router.get("/consent/{token}", dependencies=[consent_limit])
def view(token: str, request: Request) -> dict[str, Any]:
    """What is asked: window, department, matter, purpose, licence types (sensitive ones marked),
    fields, expiry and the confirmation code the window shows."""
    return state(request).consent.holder_view(token)


@router.post("/consent/{token}/challenge", dependencies=[consent_limit])
def challenge(token: str, body: ChallengeIn, request: Request) -> dict[str, Any]:
    """Bind the holder's choice into a statement; sign its challenge with the passkey."""
    return state(request).consent.challenge(
        token, body.approve, body.sensitive_consent, body.confirmation_code
    )


@router.post("/consent/{token}/approve", dependencies=[consent_limit])
def approve(token: str, body: ApproveIn, request: Request) -> dict[str, Any]:
    """Approve with a passkey assertion over the challenge, or with the PIN (no biometrics)."""
    return state(request).consent.approve(token, credential=body.credential, pin=body.pin)


@router.post("/consent/{token}/decline", dependencies=[consent_limit])
def decline(token: str, request: Request) -> dict[str, Any]:
    state(request).consent.decline(token)
    return {"state": "declined"}


@router.post("/holder/enrol/options", dependencies=[consent_limit])
def enrol_options(body: EnrolIn, request: Request) -> dict[str, Any]:
    """Identity check, then passkey registration options bound to the verified holder."""
    st = state(request)
    key = st.identity.verify(body.code_type, body.code, body.name)
    return {"publicKey": st.consent.enrolment_options(key)}


@router.post("/holder/enrol", status_code=201, dependencies=[consent_limit])
def enrol(body: CredentialIn, request: Request) -> dict[str, Any]:
    return {"holder_ref": state(request).consent.enrol(body.credential)}


@router.post("/holder/session/options", dependencies=[consent_limit])
def session_options(body: HolderCode, request: Request) -> dict[str, Any]:
    """Assertion options for signing in. The same answer whether or not the holder is enrolled."""
    if body.code_type not in identifiers.HOLDER_CODE_TYPES:
        raise Invalid(f"code_type: expected one of {sorted(identifiers.HOLDER_CODE_TYPES)}")
    return {"publicKey": state(request).consent.session_options(holder_key(body.code_type, body.code))}


@router.post("/holder/session", dependencies=[consent_limit])
def open_session(body: CredentialIn, request: Request) -> dict[str, Any]:
    """A short-lived holder session token from a passkey assertion."""
    st = state(request)
    key = st.consent.open_session(body.credential)
    return {"token": st.tokens.issue(Role.HOLDER, key), "expires_in_minutes": st.tokens.minutes}


@router.get("/holder/history")
def history(request: Request, who: Principal = Depends(as_holder)) -> dict[str, Any]:
    """Every consent and every use of the holder's licences."""
    return state(request).consent.history(who.subject)


@router.post("/holder/consents/{request_id}/withdraw")
def withdraw(request_id: str, request: Request, who: Principal = Depends(as_holder)) -> dict[str, Any]:
    state(request).consent.withdraw(who.subject, request_id)
    return {"state": "withdrawn"}


@router.put("/holder/pin", status_code=204)
def set_pin(body: PinIn, request: Request, who: Principal = Depends(as_holder)) -> None:
    """Set the PIN: the non-biometric way to approve."""
    state(request).consent.set_pin(who.subject, body.pin)
