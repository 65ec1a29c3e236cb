"""An in-process API over the embedded chain: a small catalog with one matter, licences issued
and anchored for two holders, tokens for every role, and a software passkey per holder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from licence_helpers import (
    ISSUER,
    OTHER_ISSUER,
    TYPE_OTHER,
    TYPE_PERSON,
    licence_input,
    ready_services,
    write_body,
)
from sqlmodel import Session

from api.app import create_app
from api.auth import Role
from ledger.consent.soft_passkey import SoftPasskey
from ledger.models import LicenceType, Matter, MatterLicence
from ledger.services import Services
from ledger.settings import Settings

MATTER = "DX-TEST0001"
HOLDER = {"code_type": "111", "code": "11010519491231002X", "name": "张三"}
OTHER_HOLDER = {"code_type": "111", "code": "110101199003074477", "name": "李四"}
STRANGER = {"code_type": "111", "code": "110101199003075170", "name": "王五"}  # valid, holds nothing
WINDOW = {"window": "A12", "department": "大兴区政务服务中心综合窗口"}
PURPOSE = "办理测试事项"


@dataclass
class ApiEnv:
    services: Services
    http: TestClient
    tokens: dict[str, str]
    licences: dict[str, str]  # name -> identifier
    passkeys: dict[str, SoftPasskey] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def enrol(self, holder: dict[str, str]) -> SoftPasskey:
        passkey = SoftPasskey(self.http.app.state.certledger.consent.rp.origin)  # type: ignore[attr-defined]
        options = self.http.post("/api/holder/enrol/options", json=holder).json()["publicKey"]
        r = self.http.post("/api/holder/enrol", json={"credential": passkey.create(options)})
        assert r.status_code == 201, r.text
        self.passkeys[holder["code"]] = passkey
        return passkey

    def open_request(self, holder: dict[str, str] = HOLDER, role: str = "window") -> dict[str, Any]:
        case = self.http.post(
            "/api/cases",
            json={
                "matter_code": MATTER,
                "holder": {"code_type": holder["code_type"], "code": holder["code"]},
            },
            headers=self.auth(role),
        )
        assert case.status_code == 201, case.text
        r = self.http.post(
            f"/api/cases/{case.json()['case']}/requests", json={"purpose": PURPOSE}, headers=self.auth(role)
        )
        assert r.status_code == 201, r.text
        return r.json()

    def consent(
        self, request: dict[str, Any], holder: dict[str, str] = HOLDER, approve: list[str] | None = None
    ) -> dict[str, Any]:
        """Scan, check the code, sign with the holder's passkey: the approval's answer."""
        token = request["consent_url"].rsplit("/", 1)[1]
        ch = self.http.post(
            f"/api/consent/{token}/challenge",
            json={
                "approve": approve or [TYPE_PERSON],
                "sensitive_consent": [TYPE_OTHER],
                "confirmation_code": request["confirmation_code"],
            },
        )
        assert ch.status_code == 200, ch.text
        credential = self.passkeys[holder["code"]].get(ch.json()["publicKey"])
        r = self.http.post(f"/api/consent/{token}/approve", json={"credential": credential})
        assert r.status_code == 200, r.text
        return r.json()


def seed_matter(session: Session) -> None:
    other = session.get(LicenceType, TYPE_OTHER)
    assert other is not None
    other.sensitive = True
    session.add(other)
    session.add(Matter(code=MATTER, name="测试事项", department="住建"))
    session.flush()
    session.add_all(
        [
            MatterLicence(matter_code=MATTER, type_code=TYPE_PERSON, fields=["CZZT", "ZZBH", "KZ_ZYLB"]),
            MatterLicence(matter_code=MATTER, type_code=TYPE_OTHER, required=False, fields=["CZZT", "ZZBH"]),
        ]
    )
    session.commit()


def holder_entry(holder: dict[str, str], n: int, **overrides: Any) -> dict[str, Any]:
    return licence_input(
        n,
        holders=[{"name": holder["name"], "code": holder["code"], "code_type": holder["code_type"]}],
        **overrides,
    )


def make_env(settings: Settings, tmp: Path) -> ApiEnv:
    services = ready_services(settings)
    with Session(services.engine) as session:
        seed_matter(session)
    body = write_body(tmp, "body.pdf", _pdf())
    entries = [
        (1, {**holder_entry(HOLDER, 1), "body": body}),
        (2, {**holder_entry(HOLDER, 2, type_code=TYPE_OTHER, issuer_uscc=OTHER_ISSUER), "body": body}),
        (3, {**holder_entry(OTHER_HOLDER, 3), "body": body}),
    ]
    report = services.issuance().issue(entries, tmp)
    assert not report.rejected, report.rejected
    services.anchorer().run(force=True)
    app = create_app(services)
    tokens_ = app.state.certledger.tokens
    tokens = {
        "window": tokens_.issue(Role.WINDOW, "staff-01", **WINDOW),
        "window_b": tokens_.issue(Role.WINDOW, "staff-02", window="B03", department=WINDOW["department"]),
        "issuer": tokens_.issue(Role.ISSUER, ISSUER),
        "other_issuer": tokens_.issue(Role.ISSUER, OTHER_ISSUER),
        "auditor": tokens_.issue(Role.AUDITOR, "auditor-01"),
        "admin": tokens_.issue(Role.ADMIN, "admin-01"),
    }
    licences = dict(zip(("person", "other", "other_holder"), report.accepted, strict=True))
    return ApiEnv(services, TestClient(app), tokens, licences)


def _pdf() -> bytes:
    from ledger.sample import sample_pdf

    return sample_pdf("certledger api test licence", size=10_000)
