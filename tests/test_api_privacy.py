"""What leaves the service: the QR code carries only the consent URL, and no holder code or name
reaches the chain or the access log after a full window case."""

from __future__ import annotations

import hashlib
import json
import re
import struct
import zlib
from base64 import b64decode, b64encode
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

import pytest
import zxingcpp
from api_helpers import HOLDER, OTHER_HOLDER, STRANGER, ApiEnv, _pdf, holder_entry, make_env
from licence_helpers import TYPE_OTHER, TYPE_PERSON

from archive.logs import LOGS
from ledger.consent.service import ConsentService
from ledger.consent.soft_passkey import b64url
from ledger.identifiers import citizen_id_check_char
from ledger.licences.issuance import holder_key
from ledger.settings import load_settings

SVG = "{http://www.w3.org/2000/svg}"
NEWCOMER = {
    "code_type": "111",
    "code": "11011519851120003" + citizen_id_check_char("11011519851120003"),
    "name": "赵六",
}
PEOPLE = (HOLDER, OTHER_HOLDER, STRANGER, NEWCOMER)
PIN = "864213"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ApiEnv]:
    e = make_env(load_settings(data_dir=tmp_path / "data"), tmp_path)
    yield e
    e.services.close()


# ----- decoding the QR code without an imaging library -----


def png_grey(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, 8-bit grey pixels) of a non-interlaced greyscale or palette PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, palette, header = 8, b"", b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + chunk) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"PLTE":
            palette = chunk
        elif kind == b"IDAT":
            idat += chunk
        elif kind == b"IEND":
            break
        pos += 12 + length
    assert header is not None, "no IHDR"
    width, height, depth, colour, _compression, _filter, interlace = header
    assert colour in (0, 3) and depth in (1, 2, 4, 8) and interlace == 0, header
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    unit = max(1, depth // 8)
    assert len(raw) == height * (stride + 1)
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind_, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - unit] if i >= unit else 0
            b, c = prev[i], prev[i - unit] if i >= unit else 0
            if kind_ == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind_ == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind_ == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind_ == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            else:
                assert kind_ == 0, f"unknown filter {kind_}"
        rows.append(line)
        prev = line
    pixels = bytearray()
    top = (1 << depth) - 1
    for line in rows:
        for x in range(width):
            bit = x * depth
            value = (line[bit // 8] >> (8 - depth - bit % 8)) & top
            if colour == 0:
                pixels.append(value * 255 // top)
            else:
                r, g, b = palette[3 * value : 3 * value + 3]
                pixels.append((299 * r + 587 * g + 114 * b) // 1000)
    return width, height, bytes(pixels)


def svg_grey(svg: str, px: int = 4) -> tuple[int, int, bytes]:
    """Rasterise segno's SVG: one stroked path of horizontal runs, one module per unit."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert {e.tag for e in root.iter()} == {f"{SVG}svg", f"{SVG}path"}, "only the code's path"
    (path,) = root.findall(f"{SVG}path")
    scale = float(re.fullmatch(r"scale\(([\d.]+)\)", path.get("transform", "scale(1)")).group(1))
    cols, rows = round(float(root.get("width")) / scale), round(float(root.get("height")) / scale)
    dark = [bytearray(cols) for _ in range(rows)]
    x = y = 0.0
    command = ""
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", path.get("d"))
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command, i = tokens[i], i + 1
        if command in ("M", "m"):
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            i += 2
        elif command in ("H", "h"):
            end = float(tokens[i]) + (0 if command == "H" else x)
            for col in range(int(x), int(end)):
                dark[int(y)][col] = 1
            x, i = end, i + 1
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    pixels = bytearray()
    for line in dark:
        row = bytearray()
        for module in line:
            row += (b"\x00" if module else b"\xff") * px
        pixels += bytes(row) * px
    return cols * px, rows * px, bytes(pixels)


def decode(width: int, height: int, pixels: bytes) -> list[str]:
    image = memoryview(pixels).cast("B", (height, width))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [b.text for b in found]


def test_png_decoder_reads_what_segno_writes() -> None:
    import segno

    out = __import__("io").BytesIO()
    segno.make("certledger test", error="m", micro=False).save(out, kind="png", scale=3, border=4)
    width, height, pixels = png_grey(out.getvalue())
    assert decode(width, height, pixels) == ["certledger test"]
    assert decode(width, height, bytes(255 for _ in pixels)) == []  # a blank image holds no code


# ----- the QR code -----


def secrets_of(holder: dict[str, str]) -> list[str]:
    return [holder["code"], holder["name"], holder_key(holder["code_type"], holder["code"])]


def test_qr_png_holds_exactly_the_consent_url(env: ApiEnv) -> None:
    req = env.open_request()
    url = req["consent_url"]
    assert re.fullmatch(r"http://localhost:8000/c/[A-Za-z0-9_-]{43}", url), url
    png = b64decode(req["qr"]["png_base64"], validate=True)
    assert decode(*png_grey(png)) == [url]
    for holder in PEOPLE:
        for secret in secrets_of(holder):
            assert secret not in url
            assert secret.encode() not in png
    assert env.http.get(url.removeprefix("http://localhost:8000")).status_code == 200  # the page


def test_qr_svg_is_a_valid_svg_of_the_consent_url(env: ApiEnv) -> None:
    req = env.open_request()
    svg = req["qr"]["svg"]
    assert svg.lstrip().startswith("<svg")
    assert decode(*svg_grey(svg)) == [req["consent_url"]]
    for holder in PEOPLE:
        for secret in secrets_of(holder):
            assert secret not in svg
    # two requests, two tokens, two codes
    other = env.open_request()
    assert other["consent_url"] != req["consent_url"]
    assert decode(*svg_grey(other["qr"]["svg"])) == [other["consent_url"]]


# ----- no personal data on chain or in the access log -----


def full_case(env: ApiEnv) -> dict[str, Any]:
    """Issue, consent (passkey and PIN), pull, decline, withdraw, revoke, close, checkpoint."""
    issued = env.http.post(
        "/api/licences",
        json={"licence": holder_entry(NEWCOMER, 7), "body_base64": b64encode(_pdf()).decode()},
        headers=env.auth("issuer"),
    )
    assert issued.status_code == 201 and issued.json()["anchored"], issued.text

    env.enrol(HOLDER)
    env.enrol(OTHER_HOLDER)
    env.enrol(NEWCOMER)
    req = env.open_request()
    env.consent(req, approve=[TYPE_PERSON, TYPE_OTHER])
    for type_code in (TYPE_PERSON, TYPE_OTHER):
        r = env.http.post(
            f"/api/requests/{req['request']}/pull", json={"type_code": type_code}, headers=env.auth("window")
        )
        assert r.status_code == 200, r.text

    # the other holder approves with a PIN, then withdraws
    session = env.http.post(
        "/api/holder/session/options", json={"code_type": "111", "code": OTHER_HOLDER["code"]}
    ).json()
    login = env.http.post(
        "/api/holder/session",
        json={"credential": env.passkeys[OTHER_HOLDER["code"]].get(session["publicKey"])},
    )
    other_auth = {"Authorization": f"Bearer {login.json()['token']}"}
    assert env.http.put("/api/holder/pin", json={"pin": PIN}, headers=other_auth).status_code == 204
    other = env.open_request(OTHER_HOLDER)
    token = other["consent_url"].rsplit("/", 1)[1]
    assert (
        env.http.post(
            f"/api/consent/{token}/challenge",
            json={"approve": [TYPE_PERSON], "confirmation_code": other["confirmation_code"]},
        ).status_code
        == 200
    )
    assert env.http.post(f"/api/consent/{token}/approve", json={"pin": PIN}).status_code == 200
    r = env.http.post(f"/api/holder/consents/{other['request']}/withdraw", headers=other_auth)
    assert r.status_code == 200, r.text

    # the newcomer declines; the stranger's case never gets an answer
    declined = env.open_request(NEWCOMER)
    assert (
        env.http.post(f"/api/consent/{declined['consent_url'].rsplit('/', 1)[1]}/decline").status_code == 200
    )
    env.open_request(STRANGER)

    revoked = env.http.post(
        f"/api/licences/{env.licences['person']}/status",
        json={"change": "revoke", "reason": 7},
        headers=env.auth("issuer"),
    )
    assert revoked.status_code == 200 and revoked.json()["sent"] == 1, revoked.text
    closed = env.http.post(f"/api/cases/{req['case']}/close", headers=env.auth("window"))
    assert closed.status_code == 200, closed.text
    for name in LOGS:
        env.services.logs.checkpoint(name)
    return req


def needles(holder: dict[str, str]) -> dict[str, bytes]:
    """Each way a holder's code or name could be written: UTF-8, its hex (either case), JSON
    escapes, and the unsalted holder key (hex and raw)."""
    out: dict[str, bytes] = {}
    key = holder_key(holder["code_type"], holder["code"])
    for label, text in (("code", holder["code"]), ("name", holder["name"])):
        raw = text.encode()
        out[label] = raw
        out[f"{label} hex"] = raw.hex().encode()
        out[f"{label} HEX"] = raw.hex().upper().encode()
        out[f"{label} escaped"] = json.dumps(text).strip('"').encode()
    out["holder key"] = key.encode()
    out["holder key raw"] = bytes.fromhex(key)
    return out


def field(item: Any, *names: str) -> bytes:
    """A member under its JSON-RPC name or the embedded chain's snake_case one."""
    for name in names:
        if name in item:
            return bytes(item[name])
    raise AssertionError(f"none of {names} in {sorted(item)}")


def chain_blobs(env: ApiEnv) -> Iterator[tuple[str, bytes]]:
    w3 = env.services.client.w3
    for number in range(w3.eth.block_number + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        yield f"block {number} extraData", field(block, "extraData", "extra_data")
        for tx in block["transactions"]:
            where = f"block {number} tx {bytes(tx['hash']).hex()}"
            yield f"{where} calldata", field(tx, "input", "data")
            for n, log in enumerate(w3.eth.get_transaction_receipt(tx["hash"])["logs"]):
                yield f"{where} log {n} data", bytes(log["data"])
                for t, topic in enumerate(log["topics"]):
                    yield f"{where} log {n} topic {t}", bytes(topic)


def test_no_personal_data_on_chain(env: ApiEnv) -> None:
    full_case(env)
    blobs = list(chain_blobs(env))
    calldata = [b for w, b in blobs if w.endswith("calldata") and b]
    assert len(calldata) >= 10  # deployments, registrations, batches, status, checkpoints
    # the scan sees what is anchored: the access log's root is in some transaction
    root = bytes(env.services.logs.latest_checkpoint("access").root)
    assert any(root in blob for _, blob in blobs)
    found = []
    for holder in PEOPLE:
        for label, needle in needles(holder).items():
            for where, blob in blobs:
                if needle in blob or needle.hex() in blob.hex():
                    found.append(f"{holder['name']} {label} in {where}")
    assert not found, found


def test_no_personal_data_in_the_access_log(env: ApiEnv) -> None:
    req = full_case(env)
    log = env.services.logs.log("access")
    size = log.head().size
    entries = [entry for _, _, entry in log.entries(0, size)]
    kinds = [json.loads(e)["type"] for e in entries]
    assert sorted(set(kinds)) == ["consent", "decline", "pull", "withdrawal"], kinds
    assert len(entries) == size == 6
    # the entries do name the case, by reference
    assert any(req["request"].encode() in e for e in entries)
    found = []
    for holder in PEOPLE:
        for label, needle in needles(holder).items():
            found += [f"{holder['name']} {label} in entry {i}" for i, e in enumerate(entries) if needle in e]
    assert not found, found


def test_passkey_user_handle_is_keyed_per_deployment(env: ApiEnv, tmp_path: Path) -> None:
    """The user handle travels in every receipt (the assertion's userHandle): like holder_ref it must
    not be a plain function of the ID number, which could be found by trying them all."""
    ours = env.http.post("/api/holder/enrol/options", json=HOLDER).json()["publicKey"]["user"]
    elsewhere = ConsentService(
        SimpleNamespace(settings=load_settings(data_dir=tmp_path / "elsewhere"), engine=env.services.engine)
    )
    theirs = elsewhere.enrolment_options(holder_key("111", HOLDER["code"]))["user"]
    assert ours["name"] == theirs["name"] == "holder" and ours["displayName"] == theirs["displayName"]
    assert ours["id"] != theirs["id"]
    plain = hashlib.sha256(b"certledger/user\x00" + holder_key("111", HOLDER["code"]).encode()).digest()[:16]
    assert ours["id"] != b64url(plain)
    # and it is stable for the holder within one deployment (one passkey account per person)
    again = env.http.post("/api/holder/enrol/options", json=HOLDER).json()["publicKey"]["user"]
    assert again["id"] == ours["id"]
    for secret in secrets_of(HOLDER):
        assert secret not in json.dumps(ours, ensure_ascii=False)
