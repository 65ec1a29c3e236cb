"""The whole window flow in process: case, QR, consent signed by a software passkey, verified
pull of a stamped use copy, refused replay, holder history, revocation pushed, case archived."""

from __future__ import annotations

import io
import json
from base64 import b64decode
from pathlib import Path

import pytest
from api_helpers import HOLDER, MATTER, ApiEnv, make_env
from licence_helpers import TYPE_OTHER, TYPE_PERSON
from pypdf import PdfReader

from ledger import merkle
from ledger.consent.receipts import challenge_for, check_signature
from ledger.settings import load_settings


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> ApiEnv:
    """On SQLite and on PostgreSQL."""
    e = make_env(load_settings(data_dir=tmp_path / "data", database_url=database_url), tmp_path)
    yield e
    e.services.close()


def test_window_case_end_to_end(env: ApiEnv) -> None:
    env.enrol(HOLDER)
    req = env.open_request()
    assert req["consent_url"].startswith("http://localhost:8000/c/")
    assert len(req["confirmation_code"]) == 6

    # the holder's page
    token = req["consent_url"].rsplit("/", 1)[1]
    view = env.http.get(f"/api/consent/{token}").json()
    assert view["matter"]["code"] == MATTER and view["window"] == "A12"
    assert view["confirmation_code"] == req["confirmation_code"]
    items = {i["type_code"]: i for i in view["items"]}
    assert items[TYPE_OTHER]["sensitive"] and not items[TYPE_PERSON]["sensitive"]
    assert view["methods"] == ["passkey", "pin"]  # the same for everyone: no enrolment oracle
    assert not {"available", "licences"} & set(items[TYPE_PERSON])  # nor a licence oracle

    approved = env.consent(req, approve=[TYPE_PERSON, TYPE_OTHER])
    receipt = approved["receipt"]
    consent = env.http.app.state.certledger.consent
    assert check_signature(receipt, consent.public_key)
    statement = receipt["statement"]
    client_data = json.loads(b64decode(receipt["authentication"]["assertion"]["clientDataJSON"] + "=="))
    assert b64decode(client_data["challenge"].replace("-", "+").replace("_", "/") + "==") == challenge_for(
        statement
    )
    assert [i["type_code"] for i in statement["items"]] == sorted([TYPE_PERSON, TYPE_OTHER])
    assert receipt["granted"] == sorted([env.licences["person"], env.licences["other"]])

    status = env.http.get(f"/api/requests/{req['request']}", headers=env.auth("window")).json()
    assert status["state"] == "approved" and len(status["grants"]) == 2

    # the pull: verified, minimum disclosure, stamped
    r = env.http.post(
        f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON}, headers=env.auth("window")
    )
    assert r.status_code == 200, r.text
    pulled = r.json()
    copy = pulled["use_copy"]
    assert copy["verification"]["valid"], copy["verification"]
    assert {c["name"]: c["status"] for c in copy["verification"]["checks"]}["BODY"] == "VALID"
    disclosed = {k for k, f in copy["licence"]["fields"].items() if "value" in f}
    assert disclosed == {"ZZBS", "ZZLXDM", "ZZBFJGDM", "CZZT.0", "ZZBH", "KZ_ZYLB"} | {
        "ZZYXQQSRQ",
        "ZZYXQJZRQ",
        "BODY_SHA256",
    }
    assert "CZZTDM.0" in copy["licence"]["fields"]  # the ID number: hidden, only its digest
    assert HOLDER["code"] not in json.dumps(copy)
    pdf = PdfReader(io.BytesIO(b64decode(copy["body"]["data"])))
    assert PURPOSE_IN(pdf.metadata["/CertledgerStamp"]) and "A12" in pdf.metadata["/CertledgerStamp"]
    assert check_signature(copy, consent.public_key)

    # a replayed pull is refused
    again = env.http.post(
        f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON}, headers=env.auth("window")
    )
    assert again.status_code == 409 and "already used" in again.json()["error"]

    # the access log proves the pull against an anchored checkpoint
    env.services.logs.checkpoint("access")
    proof = env.http.get(
        f"/api/logs/access/entries/{pulled['access_log_index']}", headers=env.auth("auditor")
    ).json()
    assert proof["entry"]["type"] == "pull" and proof["entry"]["licence"] == env.licences["person"]
    from ledger.consent.receipts import canonical

    leaf = merkle.leaf_hash(canonical(proof["entry"]))
    cp = env.http.get("/api/logs/access", headers=env.auth("auditor")).json()
    assert cp["size"] == proof["size"]
    assert merkle.root_from_inclusion_proof(
        proof["index"], proof["size"], leaf, [bytes.fromhex(h) for h in proof["proof"]]
    ) == bytes.fromhex(cp["root"])
    anchored = env.services.contracts.log_anchor.latest(env.services.logs.log_id("access"))
    assert anchored.size == cp["size"] and anchored.root_hash == bytes.fromhex(cp["root"])

    # the holder's history
    session = env.http.post(
        "/api/holder/session/options", json={"code_type": "111", "code": HOLDER["code"]}
    ).json()
    login = env.http.post(
        "/api/holder/session", json={"credential": env.passkeys[HOLDER["code"]].get(session["publicKey"])}
    )
    holder_auth = {"Authorization": f"Bearer {login.json()['token']}"}
    history = env.http.get("/api/holder/history", headers=holder_auth).json()
    assert [c["state"] for c in history["consents"]] == ["approved"]
    assert [(u["licence"], u["window"], u["matter"]) for u in history["uses"]] == [
        (env.licences["person"], "A12", MATTER)
    ]
    assert "ZZBH" in history["uses"][0]["fields"]

    # revocation pushed to the window that pulled the licence
    r = env.http.post(
        f"/api/licences/{env.licences['person']}/status",
        json={"change": "revoke", "reason": 7},
        headers=env.auth("issuer"),
    )
    assert r.status_code == 200 and r.json()["sent"] == 1, r.text
    with env.http.stream("GET", "/api/window/events?follow=false", headers=env.auth("window")) as stream:
        events = "".join(stream.iter_text())
    assert "event: status" in events and env.licences["person"] in events and '"change": "revoke"' in events
    other_window = env.http.get("/api/window/notices", headers=env.auth("window_b")).json()
    assert other_window["notices"] == []

    # the case is archived
    closed = env.http.post(f"/api/cases/{status['case']}/close", headers=env.auth("window"))
    assert closed.status_code == 200, closed.text
    record = env.services.archive.get(closed.json()["archive_no"])
    assert record.matter_code == MATTER
    audits = env.services.archive.audit()
    assert all(a.ok for a in audits)


def PURPOSE_IN(text: str) -> bool:  # noqa: N802
    from api_helpers import PURPOSE

    return PURPOSE in text


def test_the_service_publishes_access_log_checkpoints_on_its_timer(tmp_path: Path) -> None:
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app

    e = make_env(load_settings(data_dir=tmp_path / "data", checkpoint_seconds=3), tmp_path)
    try:
        e.enrol(HOLDER)
        e.consent(e.open_request())  # the first entry: checkpointed at once
        e.consent(e.open_request())  # the second: not yet (1 of 1000 entries, younger than 3 s)
        assert e.services.logs.latest_checkpoint("access").size == 1
        with TestClient(create_app(e.services, checkpoint_timer=True)):
            deadline = time.monotonic() + 15
            while e.services.logs.latest_checkpoint("access").size < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
        published = e.services.logs.latest_checkpoint("access")
        assert published.size == 2 and published.anchored_block is not None
    finally:
        e.services.close()


def test_openapi_documents_every_route_and_its_bearer_security(env: ApiEnv) -> None:
    schema = env.http.get("/openapi.json").json()
    paths = schema["paths"]
    pull = paths["/api/requests/{request_id}/pull"]["post"]
    assert pull["security"] == [{"HTTPBearer": []}] and pull["description"]
    assert "security" not in paths["/api/consent/{token}"]["get"]  # the holder's page: the token is the key
    documented = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    api_routes = {(m, p) for m, p in documented if p.startswith("/api/")}
    assert len(api_routes) >= 25
    for method, path in api_routes:
        assert paths[path][method.lower()].get("summary"), (method, path)


def test_closing_again_after_an_interrupted_close_archives_once(tmp_path: Path) -> None:
    """Archived, then the process died before the case was marked closed: closing again
    finishes the close with the same package instead of archiving the case twice."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from ledger.models import ArchiveRecord, ServiceCase

    e = make_env(load_settings(data_dir=tmp_path / "data"), tmp_path)
    try:
        e.enrol(HOLDER)
        req = e.open_request()
        e.consent(req)
        pulled = e.http.post(
            f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON}, headers=e.auth("window")
        )
        assert pulled.status_code == 200, pulled.text
        first = e.http.post(f"/api/cases/{req['case']}/close", headers=e.auth("window")).json()
        with Session(e.services.engine) as session:  # the crash: the case row was never updated
            case = session.get(ServiceCase, req["case"])
            case.closed_at, case.archive_no = None, None
            session.add(case)
            session.commit()
        again = e.http.post(f"/api/cases/{req['case']}/close", headers=e.auth("window"))
        assert again.status_code == 200, again.text
        assert again.json()["archive_no"] == first["archive_no"]
        with Session(e.services.engine) as session:
            number = session.get(ServiceCase, req["case"]).case_number
            count = session.execute(
                select(func.count()).where(ArchiveRecord.case_number == number)
            ).scalar_one()
        assert count == 1
        third = e.http.post(f"/api/cases/{req['case']}/close", headers=e.auth("window"))
        assert third.status_code == 409
    finally:
        e.services.close()
