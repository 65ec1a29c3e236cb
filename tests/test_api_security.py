"""Bad input to the API, one refusal per test: a clear 4xx, nothing stored, nothing leaked.

Forged, mismatched and replayed passkey answers; tampered, replayed and expired tokens; wrong
confirmation codes; pulls outside a consent; holder-code enumeration and rate limits; oversized
and malformed bodies; sensitive types without separate consent; the PIN path and its lockout;
withdrawal; and the full route x role matrix."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from api_helpers import HOLDER, MATTER, OTHER_HOLDER, PURPOSE, STRANGER, ApiEnv, make_env
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from licence_helpers import ISSUER, TYPE_OTHER, TYPE_PERSON
from sqlalchemy import func, select
from sqlmodel import Session

import ledger.consent.service as service_module
import ledger.consent.soft_passkey as soft_passkey
from api.auth import AUDIENCE, Role
from ledger.consent.soft_passkey import SoftPasskey, b64url, unb64url
from ledger.licences.issuance import holder_key
from ledger.models import (
    ConsentRequest,
    HolderPin,
    LicenceGrant,
    Passkey,
    PasskeyChallenge,
    RequestState,
    ServiceCase,
)
from ledger.settings import load_settings

PIN = "246813"
SECRETS = (HOLDER["code"], HOLDER["name"], OTHER_HOLDER["code"], OTHER_HOLDER["name"], STRANGER["code"])


# ----- fixtures and helpers -----


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., ApiEnv]]:
    """An environment with chosen settings (e.g. a tiny grant_minutes or rate limit)."""
    made: list[ApiEnv] = []

    def build(**settings: Any) -> ApiEnv:
        where = tmp_path / f"env{len(made)}"
        where.mkdir()
        env = make_env(load_settings(data_dir=where / "data", **settings), where)
        made.append(env)
        return env

    yield build
    for env in made:
        env.services.close()


@pytest.fixture
def env(make: Callable[..., ApiEnv]) -> ApiEnv:
    return make()


def token_of(request: dict[str, Any]) -> str:
    return request["consent_url"].rsplit("/", 1)[1]


def snapshot(env: ApiEnv) -> dict[str, int]:
    """What a refusal must leave as it was."""

    def count(model: Any, *where: Any) -> int:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    with Session(env.services.engine) as session:
        return {
            "cases": count(ServiceCase),
            "requests": count(ConsentRequest),
            "receipts": count(ConsentRequest, ConsentRequest.receipt.is_not(None)),
            "statements": count(ConsentRequest, ConsentRequest.statement.is_not(None)),
            "grants": count(LicenceGrant),
            "used": count(LicenceGrant, LicenceGrant.used_at.is_not(None)),
            "passkeys": count(Passkey),
            "pins": count(HolderPin),
            "access": env.services.logs.log("access").head().size,
        }


def row(env: ApiEnv, request_id: str) -> ConsentRequest:
    with Session(env.services.engine) as session:
        found = session.get(ConsentRequest, request_id)
    assert found is not None
    return found


def assert_pending(env: ApiEnv, request_id: str) -> None:
    found = row(env, request_id)
    assert found.state is RequestState.PENDING and found.receipt is None and found.decided_at is None


def assert_refused(response: Any, status: int, *words: str) -> str:
    """The status, a JSON error naming the rule, and no personal data in the answer."""
    assert response.status_code == status, response.text
    message = response.json()["error"]
    assert isinstance(message, str) and message
    for word in words:
        assert word in message, message
    for secret in SECRETS:
        assert secret not in response.text
    return message


def ask(
    env: ApiEnv,
    request: dict[str, Any],
    approve: list[str] | None = None,
    sensitive: list[str] | None = None,
    code: str | None = None,
) -> Any:
    return env.http.post(
        f"/api/consent/{token_of(request)}/challenge",
        json={
            "approve": approve or [TYPE_PERSON],
            "sensitive_consent": [TYPE_OTHER] if sensitive is None else sensitive,
            "confirmation_code": request["confirmation_code"] if code is None else code,
        },
    )


def options(env: ApiEnv, request: dict[str, Any], **kw: Any) -> dict[str, Any]:
    r = ask(env, request, **kw)
    assert r.status_code == 200, r.text
    return r.json()["publicKey"]


def approve(env: ApiEnv, request: dict[str, Any], **body: Any) -> Any:
    return env.http.post(f"/api/consent/{token_of(request)}/approve", json=body)


def pull(
    env: ApiEnv, request: dict[str, Any], type_code: str = TYPE_PERSON, role: str = "window", **kw: Any
) -> Any:
    return env.http.post(
        f"/api/requests/{request['request']}/pull",
        json={"type_code": type_code, **kw},
        headers=env.auth(role),
    )


def sign_in(env: ApiEnv, holder: dict[str, str]) -> dict[str, str]:
    opts = env.http.post(
        "/api/holder/session/options", json={"code_type": holder["code_type"], "code": holder["code"]}
    )
    assert opts.status_code == 200, opts.text
    r = env.http.post(
        "/api/holder/session", json={"credential": env.passkeys[holder["code"]].get(opts.json()["publicKey"])}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def with_signature(credential: dict[str, Any], signature: bytes) -> dict[str, Any]:
    return {**credential, "response": {**credential["response"], "signature": b64url(signature)}}


def flipped(credential: dict[str, Any]) -> dict[str, Any]:
    signature = bytearray(unb64url(credential["response"]["signature"]))
    signature[-1] ^= 0x01  # the last byte of s: still DER, no longer the signature
    return with_signature(credential, bytes(signature))


# ----- forged or mismatched passkey signatures -----


def test_flipped_signature_byte_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    credential = passkey.get(options(env, req))
    before = snapshot(env)
    assert_refused(approve(env, req, credential=flipped(credential)), 400, "does not verify")
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_another_holders_passkey_is_refused(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    other = env.enrol(OTHER_HOLDER)
    req = env.open_request()
    credential = other.get(options(env, req))  # a genuine signature, by the wrong holder
    before = snapshot(env)
    assert_refused(approve(env, req, credential=credential), 400, "not one of this holder's passkeys")
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_a_fresh_passkey_with_a_stolen_credential_id_is_refused(env: ApiEnv) -> None:
    real = env.enrol(HOLDER)
    req = env.open_request()
    forger = SoftPasskey(real.origin)
    forger.credential_id, forger.user_handle = real.credential_id, real.user_handle
    credential = forger.get(options(env, req))
    before = snapshot(env)
    assert_refused(approve(env, req, credential=credential), 400, "does not verify")
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_assertion_over_another_challenge_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    first, second = env.open_request(), env.open_request()
    over_first = passkey.get(options(env, first))
    options(env, second)
    session = env.http.post("/api/holder/session/options", json={"code_type": "111", "code": HOLDER["code"]})
    over_session = passkey.get(session.json()["publicKey"])
    before = snapshot(env)
    assert_refused(approve(env, second, credential=over_first), 400, "another challenge")
    options(env, second)
    assert_refused(approve(env, second, credential=over_session), 400, "another challenge")
    assert_pending(env, second["request"])
    assert_pending(env, first["request"])
    assert snapshot(env) == before


def test_assertion_without_user_verification_is_refused(env: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    opts = options(env, req)
    monkeypatch.setattr(soft_passkey, "FLAG_UV", 0)  # presence only: no face, fingerprint or device PIN
    credential = passkey.get(opts)
    before = snapshot(env)
    assert_refused(approve(env, req, credential=credential), 400, "does not verify")
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_approve_needs_a_credential_or_a_pin(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    before = snapshot(env)
    assert_refused(approve(env, req), 409, "challenge first")  # no challenge yet
    options(env, req)
    assert_refused(approve(env, req), 400, "passkey assertion or a pin")
    assert_pending(env, req["request"])
    assert snapshot(env) == {**before, "statements": before["statements"] + 1}


# ----- reused WebAuthn challenges -----


def test_assertion_replayed_after_a_failure_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    genuine = passkey.get(options(env, req))
    before = snapshot(env)
    assert_refused(approve(env, req, credential=flipped(genuine)), 400)
    # the failure spent the challenge: the genuine answer to it no longer counts
    assert_refused(approve(env, req, credential=genuine), 409, "challenge first")
    options(env, req)
    assert_refused(approve(env, req, credential=genuine), 400, "another challenge")
    assert_pending(env, req["request"])
    assert snapshot(env)["receipts"] == before["receipts"] and snapshot(env)["access"] == before["access"]
    assert snapshot(env)["grants"] == before["grants"]


def test_malformed_credential_spends_the_challenge(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    genuine = passkey.get(options(env, req))
    garbage = {**genuine, "response": {**genuine["response"], "clientDataJSON": b64url(b"{not json")}}
    before = snapshot(env)
    assert_refused(approve(env, req, credential=garbage), 400, "clientDataJSON")
    assert_refused(approve(env, req, credential=genuine), 409, "challenge first")
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_assertion_replayed_after_success_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    credential = passkey.get(options(env, req))
    assert approve(env, req, credential=credential).status_code == 200
    after = snapshot(env)
    assert after["receipts"] == 1 and after["grants"] == 1
    assert_refused(approve(env, req, credential=credential), 409, "already approved")
    # nor does it approve another request of the same holder
    other = env.open_request()
    options(env, other)
    assert_refused(approve(env, other, credential=credential), 400, "another challenge")
    assert_pending(env, other["request"])
    assert snapshot(env) == {**after, "cases": after["cases"] + 1, "requests": 2, "statements": 2}


def test_enrolment_credential_replayed_is_refused(env: ApiEnv) -> None:
    passkey = SoftPasskey(env.http.app.state.certledger.consent.rp.origin)
    opts = env.http.post("/api/holder/enrol/options", json=HOLDER).json()["publicKey"]
    credential = passkey.create(opts)
    assert env.http.post("/api/holder/enrol", json={"credential": credential}).status_code == 201
    before = snapshot(env)
    assert_refused(
        env.http.post("/api/holder/enrol", json={"credential": credential}), 400, "already used challenge"
    )
    # a new enrolment challenge for the same holder does not revive the old credential
    env.http.post("/api/holder/enrol/options", json=HOLDER)
    assert_refused(
        env.http.post("/api/holder/enrol", json={"credential": credential}), 400, "already used challenge"
    )
    assert snapshot(env) == before


def test_failed_enrolment_spends_the_challenge(env: ApiEnv) -> None:
    passkey = SoftPasskey(env.http.app.state.certledger.consent.rp.origin)
    opts = env.http.post("/api/holder/enrol/options", json=HOLDER).json()["publicKey"]
    wrong_rp = passkey.create({**opts, "rp": {**opts["rp"], "id": "evil.example"}})
    assert_refused(env.http.post("/api/holder/enrol", json={"credential": wrong_rp}), 400, "does not verify")
    assert_refused(
        env.http.post("/api/holder/enrol", json={"credential": passkey.create(opts)}),
        400,
        "already used challenge",
    )
    assert snapshot(env)["passkeys"] == 0


def test_session_assertion_replayed_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    body = {"code_type": "111", "code": HOLDER["code"]}
    genuine = passkey.get(env.http.post("/api/holder/session/options", json=body).json()["publicKey"])
    # after a failure: the challenge is spent, the genuine answer to it no longer opens a session
    assert_refused(env.http.post("/api/holder/session", json={"credential": flipped(genuine)}), 400)
    refused = env.http.post("/api/holder/session", json={"credential": genuine})
    assert_refused(refused, 400, "already used challenge")
    assert "token" not in refused.json()
    # after a success
    fresh = passkey.get(env.http.post("/api/holder/session/options", json=body).json()["publicKey"])
    assert env.http.post("/api/holder/session", json={"credential": fresh}).status_code == 200
    assert_refused(
        env.http.post("/api/holder/session", json={"credential": fresh}), 400, "already used challenge"
    )


def test_session_with_an_enrolment_challenge_is_refused(env: ApiEnv) -> None:
    passkey = env.enrol(HOLDER)
    opts = env.http.post("/api/holder/enrol/options", json=HOLDER).json()["publicKey"]
    # an assertion over an enrolment challenge: right holder, wrong purpose
    credential = passkey.get({"rpId": opts["rp"]["id"], "challenge": opts["challenge"]})
    assert_refused(
        env.http.post("/api/holder/session", json={"credential": credential}), 400, "already used challenge"
    )


# ----- tampered and replayed tokens -----


def test_tampered_token_is_unknown(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    token = token_of(req)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = snapshot(env)
    for bad in (tampered, token[:-1], token + "A", "A" * 10, "A" * 200):
        assert_refused(env.http.get(f"/api/consent/{bad}"), 404, "unknown request")
        body = {"approve": [TYPE_PERSON], "confirmation_code": req["confirmation_code"]}
        assert_refused(env.http.post(f"/api/consent/{bad}/challenge", json=body), 404)
        assert_refused(env.http.post(f"/api/consent/{bad}/approve", json={"pin": PIN}), 404)
        assert_refused(env.http.post(f"/api/consent/{bad}/decline"), 404)
    assert_pending(env, req["request"])
    assert row(env, req["request"]).failures == 0
    assert snapshot(env) == before


def test_token_is_single_use(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    env.consent(req)
    before = snapshot(env)
    token = token_of(req)
    assert_refused(env.http.get(f"/api/consent/{token}"), 409, "single use")
    assert_refused(ask(env, req), 409, "single use")
    assert_refused(approve(env, req, pin=PIN), 409, "single use")
    assert_refused(env.http.post(f"/api/consent/{token}/decline"), 409, "single use")
    assert row(env, req["request"]).state is RequestState.APPROVED
    assert snapshot(env) == before


def test_declined_token_is_spent(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    assert env.http.post(f"/api/consent/{token_of(req)}/decline").status_code == 200
    before = snapshot(env)
    assert_refused(ask(env, req), 409, "declined")
    assert_refused(pull(env, req), 409, "declined")
    assert snapshot(env) == before


# ----- expiry -----


def test_expired_request_is_gone(make: Callable[..., ApiEnv]) -> None:
    env = make(request_minutes=0.001)  # 60 ms
    req = env.open_request()
    time.sleep(0.15)
    before = snapshot(env)
    assert_refused(env.http.get(f"/api/consent/{token_of(req)}"), 410, "expired")
    assert_refused(ask(env, req), 410, "expired")
    assert_refused(env.http.post(f"/api/consent/{token_of(req)}/decline"), 410, "expired")
    assert snapshot(env) == before


def test_request_expiring_between_challenge_and_approval(
    env: ApiEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    passkey = env.enrol(HOLDER)
    req = env.open_request()
    credential = passkey.get(options(env, req))
    real = service_module.utcnow
    monkeypatch.setattr(service_module, "utcnow", lambda: real() + timedelta(minutes=6))
    before = snapshot(env)
    assert_refused(approve(env, req, credential=credential), 410, "expired")
    assert_pending(env, req["request"])
    assert snapshot(env) == before
    status = env.http.get(f"/api/requests/{req['request']}", headers=env.auth("window")).json()
    assert status["state"] == "pending" and status["grants"] == []


# ----- confirmation codes -----


def test_wrong_confirmation_code_is_refused(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    wrong = f"{(int(req['confirmation_code']) + 1) % 10**6:06d}"
    before = snapshot(env)
    r = ask(env, req, code=wrong)
    assert_refused(r, 400, "confirmation_code")
    assert wrong not in r.json()["error"] and req["confirmation_code"] not in r.json()["error"]
    assert row(env, req["request"]).statement is None and row(env, req["request"]).challenge is None
    assert snapshot(env) == before
    assert ask(env, req).status_code == 200  # the right code still works


def test_three_wrong_codes_kill_the_request(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    before = snapshot(env)
    for n in range(3):
        assert_refused(ask(env, req, code=f"x{n}"), 400, "confirmation_code")
    assert row(env, req["request"]).state is RequestState.DECLINED
    assert_refused(ask(env, req), 409, "declined")  # even with the right code
    assert_refused(env.http.get(f"/api/consent/{token_of(req)}"), 409)
    assert row(env, req["request"]).receipt is None
    assert snapshot(env) == before


# ----- pulls outside the consent -----


@pytest.fixture
def approved(env: ApiEnv) -> dict[str, Any]:
    """A request approved for TYPE_PERSON only."""
    env.enrol(HOLDER)
    req = env.open_request()
    env.consent(req, approve=[TYPE_PERSON])
    return req


def test_pull_of_an_unconsented_type_is_forbidden(env: ApiEnv, approved: dict[str, Any]) -> None:
    before = snapshot(env)
    assert_refused(pull(env, approved, TYPE_OTHER), 403, "did not consent")
    assert_refused(pull(env, approved, "X" * 21), 403, "did not consent")
    assert snapshot(env) == before


def test_pull_of_another_holders_licence_is_forbidden(env: ApiEnv, approved: dict[str, Any]) -> None:
    before = snapshot(env)
    r = pull(env, approved, identifier=env.licences["other_holder"])
    assert_refused(r, 403, "did not consent")
    assert env.licences["other_holder"] not in r.text
    r = pull(env, approved, TYPE_OTHER, identifier=env.licences["other"])  # the holder's, not consented
    assert_refused(r, 403)
    assert snapshot(env) == before


def test_pull_from_another_window_is_unknown(env: ApiEnv, approved: dict[str, Any]) -> None:
    before = snapshot(env)
    assert_refused(pull(env, approved, role="window_b"), 404, "no such request at this window")
    request_id, case_id = approved["request"], approved["case"]
    b = env.auth("window_b")
    assert_refused(env.http.get(f"/api/requests/{request_id}", headers=b), 404)
    assert_refused(env.http.get(f"/api/requests/{request_id}/events", headers=b), 404)
    assert_refused(env.http.get(f"/api/cases/{case_id}", headers=b), 404)
    assert_refused(env.http.post(f"/api/cases/{case_id}/requests", json={"purpose": PURPOSE}, headers=b), 404)
    assert_refused(env.http.post(f"/api/cases/{case_id}/close", headers=b), 404)
    assert snapshot(env) == before
    assert pull(env, approved).status_code == 200  # the asking window still can


def test_events_of_an_unknown_request_are_unknown(env: ApiEnv) -> None:
    r = env.http.get("/api/requests/no-such-request/events", headers=env.auth("window"))
    assert_refused(r, 404, "no such request")


def test_second_pull_is_a_conflict(env: ApiEnv, approved: dict[str, Any]) -> None:
    assert pull(env, approved).status_code == 200
    before = snapshot(env)
    assert_refused(pull(env, approved), 409, "already used")
    assert_refused(pull(env, approved, identifier=env.licences["person"]), 409, "already used")
    assert snapshot(env) == before


def test_expired_grant_is_gone(make: Callable[..., ApiEnv]) -> None:
    env = make(grant_minutes=0.001)  # 60 ms
    env.enrol(HOLDER)
    req = env.open_request()
    env.consent(req)
    time.sleep(0.15)
    before = snapshot(env)
    assert_refused(pull(env, req), 410, "expired")
    assert snapshot(env) == before and before["used"] == 0


def test_pull_before_approval_is_a_conflict(env: ApiEnv) -> None:
    req = env.open_request()
    before = snapshot(env)
    assert_refused(pull(env, req), 409, "pending")
    assert snapshot(env) == before


# ----- holder-code enumeration -----


def test_case_answers_do_not_tell_whether_a_holder_has_licences(env: ApiEnv) -> None:
    answers = []
    for holder in (HOLDER, STRANGER):
        r = env.http.post(
            "/api/cases",
            json={"matter_code": MATTER, "holder": {"code_type": "111", "code": holder["code"]}},
            headers=env.auth("window"),
        )
        assert r.status_code == 201, r.text
        fetched = env.http.get(f"/api/cases/{r.json()['case']}", headers=env.auth("window"))
        assert fetched.json() == r.json()
        answers.append(r)
    shapes = [{k: type(v).__name__ for k, v in a.json().items()} for a in answers]
    assert shapes[0] == shapes[1]
    for a in answers:
        text = a.text
        for leak in (*SECRETS, *env.licences.values(), TYPE_PERSON, TYPE_OTHER, "licence", "available"):
            assert leak not in text, leak
    # and the requests created for both are alike too, before consent
    for holder in (HOLDER, STRANGER):
        req = env.open_request(holder)
        status = env.http.get(f"/api/requests/{req['request']}", headers=env.auth("window")).json()
        assert status["grants"] == [] and status["state"] == "pending"


def test_session_options_do_not_tell_whether_a_holder_is_enrolled(env: ApiEnv) -> None:
    env.enrol(HOLDER)

    def ask_for(holder: dict[str, str]) -> dict[str, Any]:
        r = env.http.post("/api/holder/session/options", json={"code_type": "111", "code": holder["code"]})
        assert r.status_code == 200, r.text
        return r.json()["publicKey"]

    enrolled, stranger = ask_for(HOLDER), ask_for(STRANGER)
    assert enrolled.keys() == stranger.keys()
    assert len(enrolled["allowCredentials"]) == len(stranger["allowCredentials"]) == 1
    assert len(unb64url(stranger["allowCredentials"][0]["id"])) == len(
        env.passkeys[HOLDER["code"]].credential_id
    )
    # a stand-in that changed with every question would give the stranger away
    assert ask_for(STRANGER)["allowCredentials"] == stranger["allowCredentials"]
    assert ask_for(HOLDER)["allowCredentials"] == enrolled["allowCredentials"]
    assert ask_for(OTHER_HOLDER)["allowCredentials"] != stranger["allowCredentials"]


def test_holders_of_every_code_type_can_sign_in(env: ApiEnv) -> None:
    passport = {"code_type": "414", "code": "E12345678", "name": "赵六"}
    env.enrol(passport)
    assert sign_in(env, passport)["Authorization"].startswith("Bearer ")
    r = env.http.post("/api/holder/session/options", json={"code_type": "112", "code": passport["code"]})
    assert_refused(r, 400, "code_type")


def test_case_creations_are_rate_limited(make: Callable[..., ApiEnv]) -> None:
    env = make(rate_limit_per_minute=3)
    body = {"matter_code": MATTER, "holder": {"code_type": "111", "code": STRANGER["code"]}}
    for _ in range(3):
        assert env.http.post("/api/cases", json=body, headers=env.auth("window")).status_code == 201
    before = snapshot(env)
    assert_refused(env.http.post("/api/cases", json=body, headers=env.auth("window")), 429, "rate limit")
    other = {**body, "holder": {"code_type": "111", "code": HOLDER["code"]}}
    assert_refused(env.http.post("/api/cases", json=other, headers=env.auth("window")), 429, "rate limit")
    assert snapshot(env) == before
    # per caller: another window is not held up
    assert env.http.post("/api/cases", json=body, headers=env.auth("window_b")).status_code == 201


def test_invalid_holder_codes_are_refused_without_echo(env: ApiEnv) -> None:
    before = snapshot(env)
    bad = HOLDER["code"][:-1] + ("1" if HOLDER["code"][-1] != "1" else "2")  # wrong check digit
    for holder, status, word in (
        ({"code_type": "111", "code": bad}, 400, "holder.code"),
        ({"code_type": "112", "code": HOLDER["code"]}, 400, "holder.code_type"),
    ):
        r = env.http.post(
            "/api/cases", json={"matter_code": MATTER, "holder": holder}, headers=env.auth("window")
        )
        assert_refused(r, status, word)
        assert bad not in r.text
    r = env.http.post(
        "/api/cases",
        json={"matter_code": "DX-NOPE", "holder": {"code_type": "111", "code": HOLDER["code"]}},
        headers=env.auth("window"),
    )
    assert_refused(r, 400, "matter_code")
    assert snapshot(env) == before


# ----- oversized and malformed bodies -----


def test_oversized_body_is_refused(env: ApiEnv) -> None:
    req = env.open_request()
    before = snapshot(env)
    big = json.dumps({"purpose": "x" * (64 * 1024)}).encode()
    for path, headers in (
        ("/api/cases", env.auth("window")),
        (f"/api/cases/{req['case']}/requests", env.auth("window")),
        (f"/api/consent/{token_of(req)}/challenge", {}),
        ("/api/holder/enrol/options", {}),
    ):
        r = env.http.post(path, content=big, headers={**headers, "content-type": "application/json"})
        assert_refused(r, 413, "larger than")
    assert snapshot(env) == before


def test_oversized_chunked_body_is_refused(env: ApiEnv) -> None:
    """Without a Content-Length (chunked transfer) the limit still holds."""
    before = snapshot(env)
    body = {"matter_code": MATTER, "holder": {"code_type": "111", "code": STRANGER["code"]}}
    padded = json.dumps(body).encode()[:-1] + b" " * (70 * 1024) + b"}"  # valid JSON, > 64 KiB

    def chunks(data: bytes) -> Iterator[bytes]:
        for start in range(0, len(data), 8192):
            yield data[start : start + 8192]

    r = env.http.post(
        "/api/cases",
        content=chunks(padded),
        headers={**env.auth("window"), "content-type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_refused(r, 413, "larger than")
    assert snapshot(env) == before
    # a small chunked body still gets through
    small = env.http.post(
        "/api/cases",
        content=chunks(json.dumps(body).encode()),
        headers={**env.auth("window"), "content-type": "application/json"},
    )
    assert small.status_code == 201, small.text


def test_malformed_json_is_refused_naming_the_field(env: ApiEnv) -> None:
    before = snapshot(env)
    headers = {**env.auth("window"), "content-type": "application/json"}
    code = HOLDER["code"]
    r = env.http.post(
        "/api/cases", content=b'{"matter_code": "' + MATTER.encode() + b'", "holder": {', headers=headers
    )
    assert r.status_code == 422 and r.json()["problems"][0]["problem"] == "JSON decode error", r.text
    cases: list[tuple[Any, str]] = [
        ({"matter_code": MATTER, "holder": {"code_type": "111", "code": int(code[:-1])}}, "holder.code"),
        ({"matter_code": MATTER, "holder": {"code_type": "111", "code": code * 4}}, "holder.code"),
        ({"matter_code": MATTER, "holder": {"code_type": "111"}}, "holder.code"),
        ({"matter_code": MATTER, "holder": {"code_type": code, "code": code}}, "holder.code_type"),
        ({"matter_code": MATTER, "holder": code}, "holder"),
        ({"matter_code": MATTER, "holder": {"code_type": "111", "code": code}, "name": code}, "name"),
        ([code], ""),
    ]
    for body, field in cases:
        r = env.http.post("/api/cases", json=body, headers=env.auth("window"))
        assert r.status_code == 422, r.text
        assert field in [p["field"] for p in r.json()["problems"]], r.text
        assert code not in r.text and code[:-1] not in r.text
    # holder endpoints too: the code and the name are never echoed
    for body, field in (
        ({"code_type": "111", "code": code, "name": ""}, "name"),
        ({"code_type": "111", "code": [code], "name": HOLDER["name"]}, "code"),
        ({"code_type": "111", "code": code, "name": HOLDER["name"] * 60}, "name"),
    ):
        r = env.http.post("/api/holder/enrol/options", json=body)
        assert r.status_code == 422 and field in [p["field"] for p in r.json()["problems"]], r.text
        assert code not in r.text and HOLDER["name"] not in r.text
    r = env.http.post("/api/holder/session/options", json={"code_type": "111", "code": {"x": code}})
    assert r.status_code == 422 and code not in r.text
    assert snapshot(env) == before
    with Session(env.services.engine) as session:
        assert session.execute(select(func.count()).select_from(PasskeyChallenge)).scalar_one() == 0


def test_challenge_body_is_bounded(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    before = snapshot(env)
    token = token_of(req)
    for body, field in (
        ({"approve": [], "confirmation_code": req["confirmation_code"]}, "approve"),
        ({"approve": [TYPE_PERSON] * 51, "confirmation_code": req["confirmation_code"]}, "approve"),
        ({"approve": [TYPE_PERSON]}, "confirmation_code"),
        ({"approve": [TYPE_PERSON], "confirmation_code": "1" * 13}, "confirmation_code"),
        ({"approve": [TYPE_PERSON], "confirmation_code": req["confirmation_code"], "x": 1}, "x"),
    ):
        r = env.http.post(f"/api/consent/{token}/challenge", json=body)
        assert r.status_code == 422 and field in [p["field"] for p in r.json()["problems"]], r.text
    assert_refused(ask(env, req, approve=["NOT-A-TYPE"]), 400, "approve", "was not requested")
    assert row(env, req["request"]).failures == 0  # malformed bodies never reach the code check
    assert snapshot(env) == before


# ----- sensitive types -----


def test_sensitive_type_needs_separate_consent(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    before = snapshot(env)
    r = ask(env, req, approve=[TYPE_PERSON, TYPE_OTHER], sensitive=[])
    assert_refused(r, 400, "sensitive_consent", TYPE_OTHER)
    assert_refused(ask(env, req, approve=[TYPE_OTHER], sensitive=[TYPE_PERSON]), 400, "sensitive_consent")
    assert row(env, req["request"]).statement is None and row(env, req["request"]).challenge is None
    assert snapshot(env) == before
    approved = env.consent(req, approve=[TYPE_PERSON, TYPE_OTHER])  # with it: granted
    assert [i["sensitive"] for i in approved["receipt"]["statement"]["items"]] == [False, True]


# ----- the PIN path -----


def start_pin(env: ApiEnv) -> dict[str, str]:
    env.enrol(HOLDER)
    auth = sign_in(env, HOLDER)
    r = env.http.put("/api/holder/pin", json={"pin": PIN}, headers=auth)
    assert r.status_code == 204, r.text
    return auth


def test_pin_approval(env: ApiEnv) -> None:
    start_pin(env)
    req = env.open_request()
    view = env.http.get(f"/api/consent/{token_of(req)}").json()
    assert view["methods"] == ["passkey", "pin"]
    options(env, req)
    r = approve(env, req, pin=PIN)
    assert r.status_code == 200, r.text
    assert r.json()["receipt"]["authentication"] == {"method": "pin"}
    assert PIN not in r.text
    assert pull(env, req).status_code == 200


def test_wrong_pin_is_refused(env: ApiEnv) -> None:
    start_pin(env)
    req = env.open_request()
    options(env, req)
    before = snapshot(env)
    assert_refused(approve(env, req, pin="135792"), 400, "wrong PIN")
    assert_pending(env, req["request"])
    assert snapshot(env) == before
    # the wrong PIN spent the challenge
    assert_refused(approve(env, req, pin=PIN), 409, "challenge first")
    options(env, req)
    assert approve(env, req, pin=PIN).status_code == 200


def test_five_wrong_pins_lock(env: ApiEnv) -> None:
    start_pin(env)
    req = env.open_request()
    before = snapshot(env)
    for n in range(5):
        options(env, req)
        assert_refused(approve(env, req, pin=f"99999{n}"), 400, "wrong PIN")
    options(env, req)
    assert_refused(approve(env, req, pin=PIN), 429, "locked")  # even the right PIN, now
    assert_pending(env, req["request"])
    assert snapshot(env)["receipts"] == before["receipts"] and snapshot(env)["grants"] == before["grants"]
    assert snapshot(env)["access"] == before["access"]
    # the passkey still works
    env.consent(req)


def test_pin_without_one_set_is_refused_like_a_wrong_one(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    options(env, req)
    before = snapshot(env)
    assert_refused(approve(env, req, pin=PIN), 400, "wrong PIN")  # no oracle: was a PIN set?
    assert_pending(env, req["request"])
    assert snapshot(env) == before


def test_pin_must_be_six_to_twelve_digits(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    auth = sign_in(env, HOLDER)
    for pin in ("12345", "12345a", "", "１２３４５６"):
        assert_refused(env.http.put("/api/holder/pin", json={"pin": pin}, headers=auth), 400, "pin")
    r = env.http.put("/api/holder/pin", json={"pin": "1" * 13}, headers=auth)
    assert r.status_code == 422
    assert env.http.put("/api/holder/pin", json={"pin": PIN}).status_code == 401
    assert snapshot(env)["pins"] == 0


# ----- withdrawal -----


def test_withdraw_an_unused_consent(env: ApiEnv, approved: dict[str, Any]) -> None:
    auth = sign_in(env, HOLDER)
    before = snapshot(env)
    r = env.http.post(f"/api/holder/consents/{approved['request']}/withdraw", headers=auth)
    assert r.status_code == 200 and r.json() == {"state": "withdrawn"}, r.text
    assert snapshot(env)["access"] == before["access"] + 1  # the withdrawal is logged
    assert row(env, approved["request"]).state is RequestState.WITHDRAWN
    after = snapshot(env)
    assert pull(env, approved).status_code in (409, 410)
    assert snapshot(env) == after and after["used"] == 0
    again = env.http.post(f"/api/holder/consents/{approved['request']}/withdraw", headers=auth)
    assert_refused(again, 409, "withdrawn")


def test_withdraw_after_a_pull_is_refused(env: ApiEnv, approved: dict[str, Any]) -> None:
    assert pull(env, approved).status_code == 200
    auth = sign_in(env, HOLDER)
    before = snapshot(env)
    r = env.http.post(f"/api/holder/consents/{approved['request']}/withdraw", headers=auth)
    assert_refused(r, 409, "already pulled")
    assert row(env, approved["request"]).state is RequestState.APPROVED
    assert snapshot(env) == before


def test_withdraw_another_holders_consent_is_unknown(env: ApiEnv, approved: dict[str, Any]) -> None:
    env.enrol(OTHER_HOLDER)
    auth = sign_in(env, OTHER_HOLDER)
    before = snapshot(env)
    r = env.http.post(f"/api/holder/consents/{approved['request']}/withdraw", headers=auth)
    assert_refused(r, 404, "none of your consents")
    r = env.http.post("/api/holder/consents/no-such-request/withdraw", headers=auth)
    assert_refused(r, 404, "none of your consents")
    assert row(env, approved["request"]).state is RequestState.APPROVED
    assert snapshot(env) == before
    assert env.http.get("/api/holder/history", headers=auth).json() == {"consents": [], "uses": []}


# ----- tokens -----


def test_bad_bearer_tokens_are_unauthorised(env: ApiEnv) -> None:
    tokens = env.http.app.state.certledger.tokens
    good = env.tokens["window"]
    header, payload, signature = good.split(".")
    claims = json.loads(unb64url(payload))
    forged_key = Ed25519PrivateKey.generate()
    bad = {
        "tampered signature": f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        "tampered claims": f"{header}.{b64url(json.dumps({**claims, 'window': 'B03'}).encode())}.{signature}",
        "expired": tokens.issue(Role.WINDOW, "staff-01", window="A12", department="d", minutes=-1),
        "foreign key": jwt.encode(claims, forged_key, algorithm="EdDSA"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "wrong audience": jwt.encode({**claims, "aud": "elsewhere"}, tokens._key, algorithm="EdDSA"),
        "unknown role": jwt.encode({**claims, "role": "root"}, tokens._key, algorithm="EdDSA"),
        "garbage": "not-a-token",
    }
    assert claims["aud"] == AUDIENCE
    before = snapshot(env)
    for name, token in bad.items():
        r = env.http.get("/api/window/notices", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, name
        assert r.headers["www-authenticate"] == "Bearer", name
        r = env.http.post(
            "/api/cases",
            json={"matter_code": MATTER, "holder": {"code_type": "111", "code": HOLDER["code"]}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert_refused(r, 401, "bearer token")
    assert env.http.get("/api/window/notices", headers={"Authorization": f"Basic {good}"}).status_code == 401
    assert snapshot(env) == before


def test_admins_cannot_mint_holder_tokens(env: ApiEnv) -> None:
    """Holder tokens come only from a passkey session: an admin minting one could set the
    holder's PIN and approve in their name."""
    subject = holder_key("111", HOLDER["code"])
    r = env.http.post("/api/tokens", json={"role": "holder", "subject": subject}, headers=env.auth("admin"))
    assert r.status_code == 422 and "token" not in r.json(), r.text
    r = env.http.post("/api/tokens", json={"role": "auditor", "subject": "a-2"}, headers=env.auth("admin"))
    assert r.status_code == 201, r.text
    r = env.http.post("/api/tokens", json={"role": "window", "subject": "s-3"}, headers=env.auth("admin"))
    assert_refused(r, 400, "window")


# ----- every route x every role -----

ROLES = ("issuer", "window", "holder", "auditor", "admin", "none")
NO_CASE, NO_REQUEST = "no-such-case", "no-such-request"

# (method, route path) -> (the role it admits, a concrete URL, a valid JSON body or None)
PROTECTED: dict[tuple[str, str], tuple[str, str, Any]] = {
    ("POST", "/api/cases"): (
        "window",
        "/api/cases",
        {"matter_code": MATTER, "holder": {"code_type": "111", "code": STRANGER["code"]}},
    ),
    ("GET", "/api/cases/{case_id}"): ("window", f"/api/cases/{NO_CASE}", None),
    ("POST", "/api/cases/{case_id}/requests"): (
        "window",
        f"/api/cases/{NO_CASE}/requests",
        {"purpose": PURPOSE},
    ),
    ("POST", "/api/cases/{case_id}/close"): ("window", f"/api/cases/{NO_CASE}/close", None),
    ("GET", "/api/requests/{request_id}"): ("window", f"/api/requests/{NO_REQUEST}", None),
    ("GET", "/api/requests/{request_id}/events"): ("window", f"/api/requests/{NO_REQUEST}/events", None),
    ("POST", "/api/requests/{request_id}/pull"): (
        "window",
        f"/api/requests/{NO_REQUEST}/pull",
        {"type_code": TYPE_PERSON},
    ),
    ("GET", "/api/window/notices"): ("window", "/api/window/notices", None),
    ("GET", "/api/window/events"): ("window", "/api/window/events?follow=false", None),
    ("GET", "/api/holder/history"): ("holder", "/api/holder/history", None),
    ("POST", "/api/holder/consents/{request_id}/withdraw"): (
        "holder",
        f"/api/holder/consents/{NO_REQUEST}/withdraw",
        None,
    ),
    ("PUT", "/api/holder/pin"): ("holder", "/api/holder/pin", {"pin": PIN}),
    ("POST", "/api/licences"): ("issuer", "/api/licences", {"licence": {"issuer_uscc": ISSUER}}),
    ("POST", "/api/licences/{identifier}/status"): (
        "issuer",
        "/api/licences/no-such-licence/status",
        {"change": "revoke", "reason": 1},
    ),
    ("GET", "/api/logs/{name}"): ("auditor", "/api/logs/access", None),
    ("GET", "/api/logs/{name}/entries/{index}"): ("auditor", "/api/logs/access/entries/0", None),
    ("GET", "/api/receipts/{request_id}"): ("auditor", f"/api/receipts/{NO_REQUEST}", None),
    ("POST", "/api/tokens"): ("admin", "/api/tokens", {"role": "auditor", "subject": "auditor-02"}),
}

# Routes open without a bearer token: the holder's side (the request token is the key), docs.
PUBLIC: dict[tuple[str, str], tuple[str, Any]] = {
    ("GET", "/api/health"): ("/api/health", None),
    ("GET", "/api/consent/{token}"): (f"/api/consent/{'t' * 43}", None),
    ("POST", "/api/consent/{token}/challenge"): (f"/api/consent/{'t' * 43}/challenge", {}),
    ("POST", "/api/consent/{token}/approve"): (f"/api/consent/{'t' * 43}/approve", {}),
    ("POST", "/api/consent/{token}/decline"): (f"/api/consent/{'t' * 43}/decline", None),
    ("POST", "/api/holder/enrol/options"): ("/api/holder/enrol/options", {}),
    ("POST", "/api/holder/enrol"): ("/api/holder/enrol", {}),
    ("POST", "/api/holder/session/options"): ("/api/holder/session/options", {}),
    ("POST", "/api/holder/session"): ("/api/holder/session", {}),
    ("GET", "/c/{token}"): (f"/c/{'t' * 43}", None),
    ("GET", "/me"): ("/me", None),
    ("GET", "/static/holder.js"): ("/static/holder.js", None),
    ("GET", "/openapi.json"): ("/openapi.json", None),
    ("GET", "/docs"): ("/docs", None),
    ("GET", "/docs/oauth2-redirect"): ("/docs/oauth2-redirect", None),
    ("GET", "/redoc"): ("/redoc", None),
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route, through included routers (FastAPI >= 0.160 nests them)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is flat
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    found = set()
    for route in contexts:
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        found |= {(method, route.path) for method in methods}
    return found


@pytest.fixture(scope="module")
def matrix_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiEnv]:
    tmp = tmp_path_factory.mktemp("matrix")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("CERTLEDGER_"):
                mp.delenv(name)
        mp.chdir(tmp)
        env = make_env(load_settings(data_dir=tmp / "data", rate_limit_per_minute=1000), tmp)
        tokens = env.http.app.state.certledger.tokens
        env.tokens["holder"] = tokens.issue(Role.HOLDER, holder_key("111", HOLDER["code"]))
        yield env
        env.services.close()


def call(env: ApiEnv, method: str, url: str, body: Any, role: str) -> Any:
    headers = env.auth(role) if role != "none" else {}
    return env.http.request(method, url, json=body, headers=headers)


def test_route_table_covers_every_route(matrix_env: ApiEnv) -> None:
    routes = app_routes(matrix_env.http.app)
    assert len(routes) > 20
    assert routes == set(PROTECTED) | set(PUBLIC), (
        f"routes without a table entry: {sorted(routes - set(PROTECTED) - set(PUBLIC))}; "
        f"table entries without a route: {sorted(set(PROTECTED) | set(PUBLIC) - routes)}"
    )
    assert not set(PROTECTED) & set(PUBLIC)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(PROTECTED), ids=lambda r: f"{r[0]} {r[1]}")
def test_role_matrix(matrix_env: ApiEnv, route: tuple[str, str], role: str) -> None:
    allowed, url, body = PROTECTED[route]
    before = snapshot(matrix_env)
    r = call(matrix_env, route[0], url, body, role)
    if role == "none":
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"] == "Bearer"
    elif role != allowed:
        assert r.status_code == 403, r.text
        assert r.json()["error"].startswith(f"role: {role} may not call this; needs {allowed}")
    else:
        assert r.status_code not in (401, 403), r.text
        assert r.status_code < 500, r.text
        return
    assert snapshot(matrix_env) == before  # a refused caller changes nothing


@pytest.mark.parametrize("route", sorted(PUBLIC), ids=lambda r: f"{r[0]} {r[1]}")
def test_public_routes_need_no_bearer_token(matrix_env: ApiEnv, route: tuple[str, str]) -> None:
    url, body = PUBLIC[route]
    r = matrix_env.http.request(route[0], url, json=body)
    assert r.status_code not in (401, 403) and r.status_code < 500, r.text
