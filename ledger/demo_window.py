"""The demo's window case, over the real HTTP API in process: a window opens a case, shows a
QR code, the holder consents with a software passkey, the window pulls a verified, stamped use
copy, a replayed pull is refused, the holder reads their history, the issuer revokes the
licence and the window is told at once, and the case is archived."""

from __future__ import annotations

import json
import warnings
from base64 import b64decode
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from api.auth import Role
from ledger.consent.soft_passkey import SoftPasskey
from ledger.errors import ConfigError
from ledger.models import Licence, LicenceStatus, Matter, MatterLicence
from ledger.services import Services

REASON_REVOKED = 7
WINDOW = {"window": "A12", "department": "大兴区政务服务中心综合窗口"}


def run_window_demo(s: Services, identifiers: list[str]) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from fastapi.testclient import TestClient

        from api.app import create_app

    licence, matter = _pick(s, identifiers)
    record = json.loads(licence.record)
    holder = {"code_type": record["CZZTDMLXDM.0"], "code": record["CZZTDM.0"], "name": record["CZZT.0"]}
    app = create_app(s)
    state = app.state.certledger
    tokens = state.tokens
    window = {"Authorization": "Bearer " + tokens.issue(Role.WINDOW, "窗口人员01", **WINDOW)}
    issuer = {"Authorization": "Bearer " + tokens.issue(Role.ISSUER, licence.issuer_uscc)}
    passkey = SoftPasskey(state.consent.rp.origin)  # plays the holder's phone
    steps: dict[str, Any] = {"matter": f"{matter.code} {matter.name}", "licence": licence.identifier}
    with TestClient(app, raise_server_exceptions=True) as http:

        def call(method: str, path: str, expect: int = 200, **kw: Any) -> dict[str, Any]:
            r = http.request(method, path, **kw)
            if r.status_code != expect:
                raise ConfigError(f"demo: {method} {path} answered {r.status_code}: {r.text[:300]}")
            return r.json() if r.content else {}

        # the holder enrols a passkey once (after the identity check)
        options = call("POST", "/api/holder/enrol/options", json=holder)["publicKey"]
        call("POST", "/api/holder/enrol", 201, json={"credential": passkey.create(options)})

        case = call(
            "POST",
            "/api/cases",
            201,
            json={
                "matter_code": matter.code,
                "holder": {"code_type": holder["code_type"], "code": holder["code"]},
            },
            headers=window,
        )
        req = call(
            "POST",
            f"/api/cases/{case['case']}/requests",
            201,
            json={"purpose": f"办理{matter.name}"},
            headers=window,
        )
        qr_dir = s.settings.data_dir / "demo"
        qr_dir.mkdir(parents=True, exist_ok=True)
        (qr_dir / "request-qr.png").write_bytes(b64decode(req["qr"]["png_base64"]))
        (qr_dir / "request-qr.svg").write_text(req["qr"]["svg"], "utf-8")
        steps["qr"] = str(qr_dir / "request-qr.png")
        steps["confirmation_code"] = req["confirmation_code"]

        # the holder scans, checks the code, approves with the passkey
        token = req["consent_url"].rsplit("/", 1)[1]
        view = call("GET", f"/api/consent/{token}")
        wanted = [i["type_code"] for i in view["items"]]
        challenge = call(
            "POST",
            f"/api/consent/{token}/challenge",
            json={
                "approve": wanted,
                "sensitive_consent": [i["type_code"] for i in view["items"] if i["sensitive"]],
                "confirmation_code": view["confirmation_code"],
            },
        )
        approved = call(
            "POST", f"/api/consent/{token}/approve", json={"credential": passkey.get(challenge["publicKey"])}
        )
        steps["receipt_log_index"] = approved["access_log_index"]

        # the window pulls; a replay is refused
        pulled = call(
            "POST",
            f"/api/requests/{req['request']}/pull",
            json={"type_code": licence.type_code},
            headers=window,
        )
        copy = pulled["use_copy"]
        (qr_dir / "use-copy.json").write_text(json.dumps(copy, ensure_ascii=False, indent=1), "utf-8")
        steps["pull"] = {
            "valid": copy["verification"]["valid"],
            "checks": {c["name"]: c["status"] for c in copy["verification"]["checks"]},
            "disclosed": sorted(k for k, f in copy["licence"]["fields"].items() if "value" in f),
            "hidden": sorted(k for k, f in copy["licence"]["fields"].items() if "digest" in f),
            "stamped": bool(copy["body"] and copy["body"]["stamped"]),
            "access_log_index": pulled["access_log_index"],
        }
        replay = http.post(
            f"/api/requests/{req['request']}/pull", json={"type_code": licence.type_code}, headers=window
        )
        steps["replay"] = {"status": replay.status_code, "error": replay.json().get("error")}

        # the holder's history, in a passkey session
        options = call(
            "POST", "/api/holder/session/options", json={k: holder[k] for k in ("code_type", "code")}
        )
        session = call("POST", "/api/holder/session", json={"credential": passkey.get(options["publicKey"])})
        history = call("GET", "/api/holder/history", headers={"Authorization": "Bearer " + session["token"]})
        steps["history"] = {"consents": len(history["consents"]), "uses": history["uses"]}

        # the issuer revokes; the window that pulled it is told (server-sent event)
        call(
            "POST",
            f"/api/licences/{licence.identifier}/status",
            json={"change": "revoke", "reason": REASON_REVOKED},
            headers=issuer,
        )
        with http.stream("GET", "/api/window/events?follow=false", headers=window) as stream:
            events = [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]
        steps["pushed"] = [e for e in events if e["licence"] == licence.identifier]

        closed = call("POST", f"/api/cases/{case['case']}/close", headers=window)
        steps["archived"] = closed["archive_no"]

        # an auditor proves the pull from the access log against its anchored checkpoint
        s.logs.checkpoint("access")
        auditor = {"Authorization": "Bearer " + tokens.issue(Role.AUDITOR, "审计员01")}
        checkpoint = call("GET", "/api/logs/access", headers=auditor)
        proof = call("GET", f"/api/logs/access/entries/{pulled['access_log_index']}", headers=auditor)
        steps["proof"] = {
            "index": proof["index"],
            "size": checkpoint["size"],
            "anchored_block": checkpoint["anchored_block"],
            "ok": _proves(s, proof, checkpoint),
        }
    return steps


def _proves(s: Services, proof: dict[str, Any], checkpoint: dict[str, Any]) -> bool:
    """The entry's inclusion proof leads to the checkpoint root, and that root is on chain."""
    from ledger import merkle
    from ledger.consent.receipts import canonical

    leaf = merkle.leaf_hash(canonical(proof["entry"]))
    path = [bytes.fromhex(h) for h in proof["proof"]]
    root = merkle.root_from_inclusion_proof(proof["index"], proof["size"], leaf, path)
    anchored = s.contracts.log_anchor.latest(s.logs.log_id("access"))
    return (
        root.hex() == checkpoint["root"]
        and anchored is not None
        and anchored.size == checkpoint["size"]
        and anchored.root_hash == root
    )


def _pick(s: Services, identifiers: list[str]) -> tuple[Licence, Matter]:
    """An active licence of the demo whose type a matter's licence list names."""
    with Session(s.engine) as session:
        rows = session.execute(
            select(Licence, Matter)
            .join(MatterLicence, MatterLicence.type_code == Licence.type_code)
            .join(Matter, Matter.code == MatterLicence.matter_code)
            .where(Licence.identifier.in_(identifiers), Licence.status == LicenceStatus.ACTIVE)
            .order_by(Licence.id, Matter.code)
        ).all()
    if not rows:
        raise ConfigError("demo: no issued licence is on any matter's licence list")
    return rows[0][0], rows[0][1]
