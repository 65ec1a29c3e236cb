"""The holder's consent page (api/static/consent.html) in a real browser: Chromium driven by
Playwright, passkeys made and used by a DevTools virtual authenticator (CTAP2, internal, user
verification), the API served by uvicorn on 127.0.0.1 and opened as http://localhost (a secure
context, so WebAuthn works over plain HTTP).

Chromium is Debian's /usr/bin/chromium (scripts/test installs it with apt-get under CI=true or as
root); never `playwright install`. Without it or the playwright package the tests skip locally
with a reason and fail under CI=true (marker `browser`)."""

from __future__ import annotations

import os
import socket
import threading
import time
from base64 import b64decode, urlsafe_b64encode
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from api_helpers import HOLDER, MATTER, PURPOSE, WINDOW, ApiEnv, make_env
from conftest import require_service
from licence_helpers import TYPE_OTHER, TYPE_PERSON

from ledger.consent.receipts import check_signature
from ledger.settings import load_settings

try:
    from playwright.sync_api import Browser, CDPSession, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extras install it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CERTLEDGER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 20_000
PASSKEY_BUTTON = "用通行密钥（面容 / 指纹 / 锁屏密码）同意"


@dataclass
class LiveApi:
    env: ApiEnv
    base_url: str  # http://localhost:PORT, the settings' public_url (the WebAuthn origin)
    http: httpx.Client  # to the live server, as the window (staff-01 at A12)

    def open_request(self) -> dict[str, Any]:
        case = self.http.post(
            "/api/cases",
            json={
                "matter_code": MATTER,
                "holder": {"code_type": HOLDER["code_type"], "code": HOLDER["code"]},
            },
        )
        assert case.status_code == 201, case.text
        r = self.http.post(f"/api/cases/{case.json()['case']}/requests", json={"purpose": PURPOSE})
        assert r.status_code == 201, r.text
        req = r.json()
        assert req["consent_url"].startswith(f"{self.base_url}/c/")
        return req

    def state(self, req: dict[str, Any]) -> dict[str, Any]:
        r = self.http.get(f"/api/requests/{req['request']}")
        assert r.status_code == 200, r.text
        return r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_service(
        sync_playwright is not None and os.access(CHROMIUM, os.X_OK),
        f"the browser tests need the playwright package (dev extras) and Chromium at {CHROMIUM} "
        "(apt-get install chromium; never `playwright install`)",
    )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live(tmp_path: Path, browser: Browser) -> Iterator[LiveApi]:
    """make_env's services and app, served by uvicorn in a thread on 127.0.0.1."""
    port = _free_port()
    base_url = f"http://localhost:{port}"
    env = make_env(
        load_settings(data_dir=tmp_path / "data", public_url=base_url, rp_id="localhost"), tmp_path
    )
    server = uvicorn.Server(
        uvicorn.Config(env.http.app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="uvicorn-consent-page", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=env.auth("window"), timeout=30
        ) as http:
            yield LiveApi(env, base_url, http)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        env.services.close()


@dataclass
class Phone:
    """The holder's phone: a browser page and its virtual platform authenticator."""

    page: Page
    cdp: CDPSession
    authenticator_id: str

    def credentials(self) -> list[dict[str, Any]]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})[
            "credentials"
        ]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Phone]:
    """A fresh browser context with a virtual platform authenticator (passkeys, user verified)."""
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield Phone(page, cdp, authenticator["authenticatorId"])
    context.close()
    assert not errors, f"JavaScript errors on the consent page: {errors}"


def expect_on_page(page: Page, text: str) -> None:
    """Wait for `text` in the page; on a timeout, say what the page's error line (#msg) shows."""
    try:
        expect(page.locator("#main")).to_contain_text(text)
    except AssertionError as exc:
        shown = page.locator("#msg").all_inner_texts() or page.locator("#main").all_inner_texts()
        raise AssertionError(f"the page did not show {text!r}; it shows: {shown}") from exc


def open_page(page: Page, req: dict[str, Any]) -> None:
    """Open the consent URL and check what the holder is shown before deciding."""
    page.goto(req["consent_url"])
    main = page.locator("#main")
    expect(main).to_contain_text(f"测试事项（{MATTER}）")
    expect(main).to_contain_text(f"窗口 {WINDOW['window']}")
    expect(main).to_contain_text(WINDOW["department"])
    expect(main).to_contain_text(PURPOSE)
    expect(page.locator(".code")).to_have_text(req["confirmation_code"])
    expect(page.locator("input.item")).to_have_count(2)
    expect(page.locator("input.sens")).to_have_count(1)  # TYPE_OTHER is sensitive personal information


def enrol_on_page(phone: Phone) -> None:
    """The page always offers the identity check (it never learns whether the holder is enrolled);
    the virtual authenticator makes the passkey."""
    page = phone.page
    page.select_option("#ct", HOLDER["code_type"])
    page.fill("#cc", HOLDER["code"])
    page.fill("#nm", HOLDER["name"])
    page.get_by_role("button", name="核验并绑定").click()
    # the page reloads the request; the enrol form is gone
    expect_on_page(page, PASSKEY_BUTTON)
    expect(page.locator("#cc")).to_have_count(0)
    made = phone.credentials()
    assert len(made) == 1 and made[0]["rpId"] == "localhost" and made[0]["isResidentCredential"]


def test_enrol_and_approve_with_a_passkey(live: LiveApi, phone: Phone) -> None:
    page = phone.page
    req = live.open_request()
    open_page(page, req)
    enrol_on_page(phone)

    page.check("#same")
    for box in page.locator("input.sens").all():
        box.check()
    page.get_by_role("button", name=PASSKEY_BUTTON).click()
    expect_on_page(page, "已授权")
    expect(page.locator("#msg")).to_have_count(0)
    assert phone.credentials()[0]["signCount"] >= 1  # the assertion came from the virtual authenticator

    status = live.state(req)
    assert status["state"] == "approved"
    assert sorted(g["type_code"] for g in status["grants"]) == sorted([TYPE_PERSON, TYPE_OTHER])

    r = live.http.post(f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON})
    assert r.status_code == 200, r.text
    copy = r.json()["use_copy"]
    assert copy["verification"]["valid"], copy["verification"]
    assert copy["licence"]["fields"]["ZZBS"]["value"] == live.env.licences["person"]
    assert copy["stamp"]["window"] == WINDOW["window"] and copy["stamp"]["purpose"] == PURPOSE
    assert copy["body"]["stamped"] and b64decode(copy["body"]["data"]).startswith(b"%PDF")
    assert check_signature(copy, live.env.http.app.state.certledger.consent.public_key)

    # the receipt carries the browser's own assertion, signed over the origin http://localhost:PORT
    receipt = next(
        e
        for e in _access_entries(live)
        if e["type"] == "consent" and e["receipt"]["statement"]["request"] == req["request"]
    )["receipt"]
    assert receipt["authentication"]["method"] == "passkey"
    credential_id = phone.credentials()[0]["credentialId"]  # DevTools: standard base64
    assert receipt["authentication"]["credential_id"] == urlsafe_b64encode(
        b64decode(credential_id)
    ).decode().rstrip("=")

    # the holder's own records page: passkey sign-in, the use just made, a PIN set
    page.goto(f"{live.base_url}/me")
    page.select_option("#ct", HOLDER["code_type"])
    page.fill("#cc", HOLDER["code"])
    page.get_by_role("button", name="用通行密钥登录").click()
    expect(page.locator(".use")).to_have_count(1)
    expect(page.locator(".use")).to_contain_text(live.env.licences["person"])
    expect(page.locator(".use")).to_contain_text(f"窗口 {WINDOW['window']}")
    expect(page.locator(".state")).to_have_text(["approved"])
    page.fill("#pin", "246810")
    page.get_by_role("button", name="设置 PIN").click()
    expect(page.locator("#msg")).to_have_text("PIN 已设置。")


def test_unconfirmed_code_and_missing_sensitive_consent_approve_nothing(live: LiveApi, phone: Phone) -> None:
    page = phone.page
    req = live.open_request()
    open_page(page, req)
    enrol_on_page(phone)
    signs = phone.credentials()[0]["signCount"]

    # the holder has not compared the code with the window's screen: the page refuses to go on
    expect(page.locator("#same")).not_to_be_checked()
    page.get_by_role("button", name=PASSKEY_BUTTON).click()
    expect(page.locator("#msg")).to_have_text("请先核对窗口显示的确认码")
    expect(page.locator("#main")).not_to_contain_text("已授权")

    # code confirmed but the sensitive type left without its separate consent: the service refuses
    page.check("#same")
    page.get_by_role("button", name=PASSKEY_BUTTON).click()
    expect(page.locator("#msg")).to_contain_text(f"sensitive_consent: {TYPE_OTHER}")
    expect(page.locator("#main")).not_to_contain_text("已授权")

    assert phone.credentials()[0]["signCount"] == signs  # the passkey never signed
    status = live.state(req)
    assert status["state"] == "pending" and status["grants"] == []
    r = live.http.post(f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON})
    assert r.status_code == 409 and "not approved" in r.json()["error"], r.text


def test_decline(live: LiveApi, phone: Phone) -> None:
    page = phone.page
    req = live.open_request()
    open_page(page, req)
    page.get_by_role("button", name="拒绝").click()
    expect(page.locator("#main")).to_contain_text("已拒绝本次用证请求")

    assert live.state(req)["state"] == "declined"
    r = live.http.post(f"/api/requests/{req['request']}/pull", json={"type_code": TYPE_PERSON})
    assert r.status_code == 409 and "not approved" in r.json()["error"], r.text
    # the token is spent: opening the page again shows the refusal
    page.goto(req["consent_url"])
    expect(page.locator("#main .err")).to_contain_text("already declined")
    assert [e["type"] for e in _access_entries(live)].count("decline") == 1


def _access_entries(live: LiveApi) -> list[dict[str, Any]]:
    import json

    log = live.env.services.logs.log("access")
    return [json.loads(log.entry(i)) for i in range(log.head().size)]
