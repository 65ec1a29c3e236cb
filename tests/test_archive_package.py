"""Archival packages (archive.package): build, the four-property check, tampering, determinism.

Every test writes small but real files (a minimal PDF, PNG, OFD, JSON) and builds real bags
with the Library of Congress ``bagit`` package; bagit's own validator (in-process and as a
separate ``python -m bagit --validate`` process) and GNU coreutils serve as outside tools.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import bagit
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from archive.package import (
    ArchiveNumber,
    CheckItem,
    ExpectedPackage,
    Outcome,
    PackageError,
    PackageInfo,
    Property,
    Retention,
    Signer,
    build_package,
    check_package,
    detect_format,
    inspect_package,
    load_case,
    package_digest,
)
from archive.package import eep as eep_module
from archive.package.build import write_tag_manifests
from archive.package.formats import probe
from ledger.errors import LedgerError

AUTH, INTEG, USAB, SEC = Property.AUTHENTICITY, Property.INTEGRITY, Property.USABILITY, Property.SECURITY
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PDF_NAME = "data/files/申请表.pdf"


# --- small real files ----------------------------------------------------------------------


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def minimal_png(width: int = 2, height: int = 2) -> bytes:
    """An RGB PNG, filter byte 0 per row."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, 0))  # stored: independent of the zlib version
        + _chunk(b"IEND", b"")
    )


def minimal_jpeg() -> bytes:
    """Marker structure of a baseline JPEG (SOI, SOF0 1x1 greyscale, SOS, scan byte, EOI)."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 1, 1, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + sof + sos + b"\x00" + b"\xff\xd9"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # stored: bytes independent of the zlib version
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 3, 2, 9, 0, 0)), data)
    return buf.getvalue()


def minimal_ofd() -> bytes:
    ofd = b'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD"><ofd:DocBody/></ofd:OFD>'
    return _zip({"OFD.xml": ofd, "Doc_0/Document.xml": b"<Document/>"})


def minimal_docx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})


CASE = {
    "matter_code": "DX-RS0001",
    "matter_name": "失业登记",
    "case_number": "DX2026030200042",
    "window": "A12",
    "staff": "张三",
    "department": "大兴区人力资源和社会保障局",
    "holder_ref": "hr1:8c2f4a9b0d1e3f5a7b9c0d1e",
    "opened_at": "2026-03-02T09:10:00+08:00",
    "closed_at": "2026-03-02T09:40:00+08:00",
    "files": [
        {"path": "申请表.pdf", "title": "失业登记申请表", "kind": "application"},
        {"path": "licence.ofd", "title": "身份证加注件", "kind": "licence_use_copy"},
        {"path": "photo.png", "title": "现场照片", "kind": "other"},
        {"path": "consent.json", "title": "授权同意凭证", "kind": "consent_receipt"},
        {
            "path": "access.xml",
            "title": "用证记录",
            "kind": "access_record",
            "created_at": "2026-03-02T09:12:00+08:00",
        },
    ],
}
FILES = {
    "申请表.pdf": minimal_pdf,
    "licence.ofd": minimal_ofd,
    "photo.png": minimal_png,
    "consent.json": lambda: json.dumps({"consent": "granted", "matter": "DX-RS0001"}).encode(),
    "access.xml": lambda: (
        '<?xml version="1.0" encoding="UTF-8"?><用证记录><证照>身份证</证照></用证记录>'.encode()
    ),
}


def write_case_dir(where: Path, case: dict | None = None, files: dict[str, bytes] | None = None) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    contents = {name: make() for name, make in FILES.items()} if files is None else files
    for name, data in contents.items():
        (where / name).write_bytes(data)
    (where / "case.json").write_text(json.dumps(case or CASE, ensure_ascii=False), "utf-8")
    return where


def build(case_path: Path, out: Path, **kw) -> PackageInfo:
    args = {
        "archive_no": 42,
        "fonds": "DX01",
        "year": 2026,
        "retention": "Y30",
        "created_by": "大兴区政务服务中心",
        "signer": Signer("档案员 王某", KEY),
    }
    args.update(kw)
    return build_package(case_path, out, **args)


def failures(items: list[CheckItem]) -> list[CheckItem]:
    return [i for i in items if i.outcome is Outcome.FAIL]


def failed(items: list[CheckItem], prop: Property, item_prefix: str, *, naming: str = "") -> CheckItem:
    """The FAIL item of ``prop`` whose item starts with ``item_prefix`` and whose text names ``naming``."""
    for i in items:
        matches = i.outcome is Outcome.FAIL and i.property is prop and i.item.startswith(item_prefix)
        if matches and (naming in i.item or naming in i.reason):
            return i
    shown = "\n".join(f"  {i.property.value} {i.outcome.value} {i.item}: {i.reason}" for i in failures(items))
    raise AssertionError(f"no FAIL {prop.value} {item_prefix!r} naming {naming!r}; failures:\n{shown}")


@pytest.fixture
def case_dir(tmp_path: Path) -> Path:
    return write_case_dir(tmp_path / "case")


@pytest.fixture
def package(case_dir: Path, tmp_path: Path) -> PackageInfo:
    info = build(case_dir, tmp_path / "out" / "DX01-2026-Y30-000042")
    assert not failures(check_package(info.bag_dir, public_key=KEY.public_key(), expected=info.expected()))
    return info


def check(info: PackageInfo, key: Ed25519PrivateKey = KEY) -> list[CheckItem]:
    return check_package(info.bag_dir, public_key=key.public_key(), expected=info.expected())


# --- building ------------------------------------------------------------------------------


def test_directory_case_builds_and_passes_every_item(package: PackageInfo) -> None:
    items = check(package)
    assert items and all(i.outcome is Outcome.PASS for i in items), failures(items)
    assert {i.property for i in items} == set(Property)
    assert str(package.archive_no) == "DX01-2026-Y30-000042"
    assert package.payload_files == 6  # five case files + data/case.json
    # every payload file gets its three usability items
    files = [f.name for f in package.files]
    for name in files:
        assert {f"file format: {name}", f"file opens: {name}", f"no encryption or compression: {name}"} <= {
            i.item for i in items
        }


def test_json_case_file_builds_and_passes(tmp_path: Path) -> None:
    store = tmp_path / "uploads"
    store.mkdir()
    case = json.loads(json.dumps(CASE))
    for f in case["files"]:
        (store / f["path"]).write_bytes(FILES[f["path"]]())
        f["path"] = f"../uploads/{f['path']}"  # paths relative to the JSON file
    (tmp_path / "cases").mkdir()
    case_json = tmp_path / "cases" / "CASE-42.json"
    case_json.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    info = build(case_json, tmp_path / "bag")
    items = check(info)
    assert all(i.outcome is Outcome.PASS for i in items), failures(items)
    assert sorted(p.name for p in (info.bag_dir / "data" / "files").iterdir()) == sorted(FILES)


def test_layout_and_bag_info(package: PackageInfo) -> None:
    bag = package.bag_dir
    names = sorted(p.relative_to(bag).as_posix() for p in bag.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "bag-info.txt",
            "bagit.txt",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            "tagmanifest-sha256.txt",
            "tagmanifest-sha512.txt",
            "metadata/eep.xml",
            "data/case.json",
            *(f"data/files/{n}" for n in FILES),
        ]
    )
    assert (bag / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    info = dict(line.split(": ", 1) for line in (bag / "bag-info.txt").read_text("utf-8").splitlines())
    assert info["External-Identifier"] == "DX01-2026-Y30-000042"
    assert info["Source-Organization"] == "大兴区政务服务中心"
    assert info["Bagging-Date"] == "2026-03-02"  # from closed_at
    assert info["Internal-Sender-Identifier"] == "DX2026030200042"
    assert info["Payload-Oxum"] == f"{package.payload_bytes}.{package.payload_files}"
    for alg in ("sha256", "sha512"):
        tag_lines = (bag / f"tagmanifest-{alg}.txt").read_text().splitlines()
        assert [ln.split("  ")[1] for ln in tag_lines] == [
            "bag-info.txt",
            "bagit.txt",
            "manifest-sha256.txt",
            "manifest-sha512.txt",
            "metadata/eep.xml",
        ]
        paths = [ln.split("  ")[1] for ln in (bag / f"manifest-{alg}.txt").read_text("utf-8").splitlines()]
        assert paths == sorted(paths, key=str.encode) and len(paths) == 6
    record = json.loads((bag / "data" / "case.json").read_text("utf-8"))
    assert record["files"][0]["path"] == "files/申请表.pdf"
    assert record["holder_ref"] == CASE["holder_ref"]


def test_outside_tools_validate_the_bag(package: PackageInfo) -> None:
    bag = bagit.Bag(str(package.bag_dir))
    assert bag.validate(processes=1, fast=False)
    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    assert bag.info["External-Identifier"] == "DX01-2026-Y30-000042"
    run = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(package.bag_dir)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "is valid" in run.stderr
    if shutil.which("sha256sum"):  # the manifests are in sha256sum -c format
        run = subprocess.run(
            ["sha256sum", "--quiet", "-c", "manifest-sha256.txt", "tagmanifest-sha256.txt"],
            cwd=package.bag_dir,
            capture_output=True,
        )
        assert run.returncode == 0, run.stdout


def test_bagit_cli_rejects_a_tampered_bag(package: PackageInfo) -> None:
    _flip(package.bag_dir / PDF_NAME)
    run = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(package.bag_dir)], capture_output=True, text=True
    )
    assert run.returncode != 0
    assert "申请表.pdf" in run.stderr


def test_eep_structure_and_independent_signature_check(package: PackageInfo) -> None:
    raw = (package.bag_dir / "metadata" / "eep.xml").read_bytes()
    root = ET.fromstring(raw)
    assert root.tag == "电子文件封装包"
    assert root.findtext("被签名对象/封装包类型") == "原始型"
    assert root.findtext("被签名对象/档号") == "DX01-2026-Y30-000042"
    assert eep_module.missing_elements(root) == []
    entries = root.findall("被签名对象/封装内容/文件实体块/文件实体")
    assert [e.findtext("文件名称") for e in entries] == [f.name for f in package.files]
    pdf = next(e for e in entries if e.findtext("文件名称") == PDF_NAME)
    assert pdf.findtext("格式名称") == "PDF"
    assert pdf.findtext("文件大小") == str(len(minimal_pdf()))
    assert pdf.findtext("数字摘要") == next(f.sha256 for f in package.files if f.name == PDF_NAME)
    assert root.findtext("被签名对象/封装内容/业务实体块/业务实体/办件编号") == "DX2026030200042"
    assert root.findtext("被签名对象/封装内容/机构人员实体块/机构人员实体/人员名称") == "张三"
    assert root.findtext("电子签名块/电子签名/签名算法标识") == "Ed25519"
    assert root.findtext("电子签名块/电子签名/证书块/证书引证") == eep_module.key_fingerprint(
        KEY.public_key()
    )
    # An outside verifier: cut the signed element out of the file text, canonicalise it
    # (C14N 2.0), verify the Ed25519 signature with the raw public key.
    text = raw.decode("utf-8")
    start, end = text.index("<被签名对象"), text.index("</被签名对象>") + len("</被签名对象>")
    canonical = ET.canonicalize(text[start:end]).encode("utf-8")
    signature = base64.b64decode(root.findtext("电子签名块/电子签名/签名结果"))
    raw_key = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, canonical)  # raises if wrong
    # the check also takes the raw 32-byte key
    assert not failures(check_package(package.bag_dir, public_key=raw_key))


def test_determinism_same_case_same_bytes(case_dir: Path, tmp_path: Path) -> None:
    a = build(case_dir, tmp_path / "a")
    b = build(case_dir, tmp_path / "b")
    tags = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "metadata/eep.xml"]
    tags += ["tagmanifest-sha256.txt", "tagmanifest-sha512.txt", "data/case.json"]
    for name in tags:
        assert (a.bag_dir / name).read_bytes() == (b.bag_dir / name).read_bytes(), name
    assert a.package_digest == b.package_digest
    # a different sequence number gives a different package
    c = build(case_dir, tmp_path / "c", archive_no=43)
    assert c.package_digest != a.package_digest


def test_directory_and_json_case_of_the_same_files_give_the_same_package(
    case_dir: Path, tmp_path: Path
) -> None:
    case = json.loads(json.dumps(CASE))
    for f in case["files"]:
        f["path"] = str(case_dir / f["path"])  # absolute paths
    as_json = tmp_path / "case.json"
    as_json.write_text(json.dumps(case, ensure_ascii=False), "utf-8")
    assert build(case_dir, tmp_path / "a").package_digest == build(as_json, tmp_path / "b").package_digest


def test_packed_before_closing_is_refused_and_detected(
    case_dir: Path, tmp_path: Path, package: PackageInfo
) -> None:
    with pytest.raises(PackageError) as exc:
        build(case_dir, tmp_path / "early", packed_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert exc.value.field == "packed_at"

    def backdate(root: ET.Element) -> None:
        root.find("被签名对象/封装包创建时间").text = "2026-03-01T00:00:00+08:00"

    _edit_eep(package.bag_dir, backdate, resign=KEY)
    write_tag_manifests(package.bag_dir)
    failed(check(package), AUTH, "business metadata", naming="before the case closed")


def test_packed_at_changes_only_times(case_dir: Path, tmp_path: Path) -> None:
    info = build(case_dir, tmp_path / "p", packed_at=datetime(2026, 3, 5, 8, 0, tzinfo=UTC))
    root = ET.fromstring((info.bag_dir / "metadata" / "eep.xml").read_bytes())
    assert root.findtext("被签名对象/封装包创建时间") == "2026-03-05T08:00:00+00:00"
    assert root.findtext("电子签名块/电子签名/签名时间") == "2026-03-05T08:00:00+00:00"
    assert not failures(check(info))


def test_documented_reference_package(case_dir: Path, tmp_path: Path) -> None:
    """docs/archive-package.md §4 and §6 show this build: same eep.xml, same package digest."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "archive-package.md").read_text("utf-8")
    example = re.search(r"```xml\n(<\?xml.*?</电子文件封装包>)\n```", doc, re.S)
    assert example is not None
    info = build(case_dir, tmp_path / "DX01-2026-Y30-000042")
    assert (info.bag_dir / "metadata" / "eep.xml").read_text("utf-8") == example.group(1) + "\n"
    # the documented example verifies on its own, with the documented recipe
    root = eep_module.parse_eep(example.group(1).encode())
    eep_module.verify_eep_signature(root, KEY.public_key())
    if bagit.VERSION == "1.9.0":  # bag-info names the bagit.py version, so the digest depends on it
        assert f"`{info.package_digest}`" in doc


# --- tampering: each detected and located -----------------------------------------------------


def _flip(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_eep(
    bag: Path, change: Callable[[ET.Element], None], *, resign: Ed25519PrivateKey | None = None
) -> None:
    path = bag / "metadata" / "eep.xml"
    root = ET.fromstring(path.read_bytes())
    change(root)
    if resign is not None:
        eep_module.sign_eep(root, resign)
    path.write_bytes(eep_module.serialise(root))


def _remove(root: ET.Element, parent: str, child: str) -> None:
    p = root.find(parent)
    assert p is not None
    el = p.find(child)
    assert el is not None
    p.remove(el)


def test_flipped_payload_byte_fails_authenticity_naming_the_file(package: PackageInfo) -> None:
    _flip(package.bag_dir / PDF_NAME)
    items = check(package)
    for alg in ("sha256", "sha512"):
        failed(items, AUTH, f"payload fixity manifest-{alg}.txt", naming=PDF_NAME)
    failed(items, AUTH, f"EEP file entry: {PDF_NAME}", naming="数字摘要")
    failed(items, AUTH, "BagIt validation", naming="申请表.pdf")
    failed(items, SEC, "package digest")
    assert {i.property for i in failures(items)} == {AUTH, SEC}  # still complete, still opens


def test_deleted_payload_file_fails_integrity_naming_it(package: PackageInfo) -> None:
    (package.bag_dir / "data/files/consent.json").unlink()
    items = check(package)
    failed(items, INTEG, "EEP-listed files present", naming="data/files/consent.json")
    failed(items, INTEG, "payload manifests complete", naming="data/files/consent.json")
    failed(items, INTEG, "Payload-Oxum")
    failed(items, INTEG, "totals vs archive log")
    failed(items, AUTH, "EEP file entry: data/files/consent.json", naming="not in the payload")


def test_unlisted_payload_file_fails_integrity(package: PackageInfo) -> None:
    (package.bag_dir / "data/files/extra.txt").write_text("slipped in\n")
    items = check(package)
    failed(items, INTEG, "no unlisted payload files", naming="data/files/extra.txt")
    failed(items, INTEG, "payload manifests complete", naming="data/files/extra.txt")
    failed(items, AUTH, "BagIt validation", naming="Payload-Oxum")  # bagit.py stops at the first problem


def test_unlisted_tag_file_fails_tag_fixity(package: PackageInfo) -> None:
    (package.bag_dir / "metadata" / "notes.txt").write_text("x\n")
    failed(check(package), AUTH, "tag fixity tagmanifest-sha256.txt", naming="metadata/notes.txt")


@pytest.mark.parametrize(
    ("parent", "child"),
    [
        ("被签名对象/封装内容/业务实体块/业务实体", "经办人"),
        ("被签名对象/封装内容", "机构人员实体块"),
        ("被签名对象", "档号"),
        ("电子签名块/电子签名", "签名时间"),
    ],
)
def test_removed_eep_element_fails_integrity_naming_it(package: PackageInfo, parent: str, child: str) -> None:
    _edit_eep(package.bag_dir, lambda root: _remove(root, parent, child))
    items = check(package)
    failed(items, INTEG, "required EEP elements", naming=f"{parent}/{child}")
    failed(items, AUTH, "tag fixity tagmanifest-sha256.txt", naming="metadata/eep.xml")


def test_removed_file_entry_element_is_named_with_its_position(package: PackageInfo) -> None:
    def drop(root: ET.Element) -> None:
        entity = root.findall("被签名对象/封装内容/文件实体块/文件实体")[2]
        entity.remove(entity.find("数字摘要"))

    _edit_eep(package.bag_dir, drop, resign=KEY)
    write_tag_manifests(package.bag_dir)
    items = check(package)
    failed(items, INTEG, "required EEP elements", naming="文件实体[3]/数字摘要")


def test_edited_external_identifier_fails_authenticity(package: PackageInfo) -> None:
    path = package.bag_dir / "bag-info.txt"
    path.write_text(path.read_text("utf-8").replace("DX01-2026-Y30-000042", "DX01-2026-Y30-000043"), "utf-8")
    items = check(package)
    failed(items, AUTH, "archive number", naming="External-Identifier DX01-2026-Y30-000043")
    failed(items, AUTH, "tag fixity tagmanifest-sha256.txt", naming="bag-info.txt")


def test_malformed_external_identifier_fails_even_when_tag_manifests_are_redone(package: PackageInfo) -> None:
    path = package.bag_dir / "bag-info.txt"
    path.write_text(path.read_text("utf-8").replace("DX01-2026-Y30-000042", "DX01-2026-Y20-42"), "utf-8")
    write_tag_manifests(package.bag_dir)
    items = check(package)
    failed(items, AUTH, "archive number", naming="not of the form")
    assert not [i for i in failures(items) if i.item.startswith("tag fixity")]


def test_forged_eep_signature_with_another_key(package: PackageInfo) -> None:
    """A consistent re-bag (EEP edited, re-signed, tag manifests redone) fails only on the signature."""

    forger = eep_module.key_fingerprint(OTHER_KEY.public_key())

    def new_staff(root: ET.Element) -> None:
        root.find("被签名对象/封装内容/机构人员实体块/机构人员实体/人员名称").text = "李四"
        root.find("电子签名块/电子签名/证书块/证书引证").text = forger

    _edit_eep(package.bag_dir, new_staff, resign=OTHER_KEY)
    write_tag_manifests(package.bag_dir)
    items = check(package)
    sig = failed(items, AUTH, "EEP signature", naming="does not verify")
    assert forger in sig.reason and eep_module.key_fingerprint(KEY.public_key()) in sig.reason
    failed(items, AUTH, "business metadata", naming="李四")
    failed(items, SEC, "package digest")
    assert not [i for i in failures(items) if i.item.startswith(("tag fixity", "payload fixity"))]


def test_wrong_public_key_fails_signature(package: PackageInfo) -> None:
    failed(check(package, key=OTHER_KEY), AUTH, "EEP signature", naming="does not verify")


def test_tampered_signed_metadata_breaks_signature(package: PackageInfo) -> None:
    def change(root: ET.Element) -> None:
        root.find("被签名对象/封装内容/业务实体块/业务实体/办结时间").text = "2026-03-01T09:40:00+08:00"

    _edit_eep(package.bag_dir, change)
    items = check(package)
    failed(items, AUTH, "EEP signature")
    failed(items, AUTH, "business metadata", naming="办结时间")


def test_non_archival_format_fails_usability(tmp_path: Path) -> None:
    files = {name: make() for name, make in FILES.items()} | {"form.docx": minimal_docx()}
    case = json.loads(json.dumps(CASE))
    case["files"].append({"path": "form.docx", "title": "申请表（Word）", "kind": "application"})
    info = build(write_case_dir(tmp_path / "case", case, files), tmp_path / "bag")
    items = check(info)
    failed(items, USAB, "file format: data/files/form.docx", naming="OOXML is not on the archival list")
    failed(items, USAB, "no encryption or compression: data/files/form.docx", naming="only OFD may be a ZIP")
    skipped = [i for i in items if i.outcome is Outcome.SKIPPED]
    assert [i.item for i in skipped] == ["file opens: data/files/form.docx"]
    assert {i.property for i in failures(items)} == {USAB}  # authentic, complete: just not archivable


def test_truncated_pdf_fails_usability(tmp_path: Path) -> None:
    files = {name: make() for name, make in FILES.items()}
    files["申请表.pdf"] = minimal_pdf()[:-40]
    info = build(write_case_dir(tmp_path / "case", files=files), tmp_path / "bag")
    items = check(info)
    failed(items, USAB, f"file opens: {PDF_NAME}", naming="%%EOF")
    assert {i.property for i in failures(items)} == {USAB}


def test_pdf_truncated_after_archiving_fails_usability_and_authenticity(package: PackageInfo) -> None:
    path = package.bag_dir / PDF_NAME
    path.write_bytes(path.read_bytes()[:-40])
    items = check(package)
    failed(items, USAB, f"file opens: {PDF_NAME}", naming="%%EOF")
    failed(items, AUTH, f"EEP file entry: {PDF_NAME}", naming="文件大小")
    failed(items, INTEG, "Payload-Oxum")


def test_encrypted_pdf_fails_usability(tmp_path: Path) -> None:
    pdf = minimal_pdf().replace(b"/Root 1 0 R >>", b"/Root 1 0 R /Encrypt 4 0 R >>")
    files = {name: make() for name, make in FILES.items()} | {"申请表.pdf": pdf}
    info = build(write_case_dir(tmp_path / "case", files=files), tmp_path / "bag")
    failed(check(info), USAB, f"no encryption or compression: {PDF_NAME}", naming="encrypted")


def test_symlink_in_bag_fails_security(package: PackageInfo, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("x\n")
    (package.bag_dir / "data" / "files" / "link.txt").symlink_to(tmp_path / "outside.txt")
    items = check(package)
    failed(items, SEC, "no links or special files", naming="data/files/link.txt")
    failed(items, INTEG, "no unlisted payload files", naming="data/files/link.txt")


def test_archive_log_mismatch_fails(package: PackageInfo) -> None:
    expected = ExpectedPackage(package_digest="00" * 32, archive_no="DX01-2026-Y30-000041", payload_files=5)
    items = check_package(package.bag_dir, public_key=KEY.public_key(), expected=expected)
    failed(items, SEC, "package digest vs archive log", naming="00000000")
    failed(items, AUTH, "archive number", naming="DX01-2026-Y30-000041")
    failed(items, INTEG, "totals vs archive log", naming="5 payload files")


def test_without_expected_only_log_comparisons_are_skipped(package: PackageInfo) -> None:
    items = check_package(package.bag_dir, public_key=KEY.public_key())
    skipped = [i for i in items if i.outcome is Outcome.SKIPPED]
    assert [(i.property, i.item) for i in skipped] == [
        (INTEG, "totals vs archive log"),
        (SEC, "package digest vs archive log"),
    ]
    assert package.package_digest in skipped[1].reason
    assert not failures(items)


def test_damaged_metadata_is_reported_not_raised(package: PackageInfo) -> None:
    (package.bag_dir / "metadata" / "eep.xml").write_bytes("<电子文件封装包><oops>".encode())
    (package.bag_dir / "data" / "case.json").write_bytes(b"{not json")
    items = check(package)
    failed(items, USAB, "metadata readable", naming="eep.xml does not parse")
    failed(items, USAB, "metadata readable", naming="case.json")
    failed(items, AUTH, "EEP signature")
    failed(items, INTEG, "required EEP elements")
    failed(items, INTEG, "required case.json fields")


def test_case_json_missing_field_in_package_fails_integrity(package: PackageInfo) -> None:
    path = package.bag_dir / "data" / "case.json"
    record = json.loads(path.read_text("utf-8"))
    del record["window"]
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    failed(check(package), INTEG, "required case.json fields", naming="window")


def test_empty_directory_is_all_fail_no_crash(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    items = check_package(tmp_path / "empty", public_key=KEY.public_key())
    failed(items, AUTH, "package structure", naming="bagit.txt")
    failed(items, AUTH, "BagIt validation")
    with pytest.raises(PackageError, match="bag_dir"):
        check_package(tmp_path / "nowhere", public_key=KEY.public_key())


# --- package digest -------------------------------------------------------------------------


def test_package_digest_changes_when_any_file_changes(package: PackageInfo) -> None:
    bag = package.bag_dir
    before = package_digest(bag)
    assert before == package.package_digest
    for path in sorted(p for p in bag.rglob("*") if p.is_file()):
        original = path.read_bytes()
        _flip(path, offset=len(original) - 2)
        assert package_digest(bag) != before, path
        path.write_bytes(original)
        assert package_digest(bag) == before
    (bag / "data" / "new.txt").write_text("x")
    assert package_digest(bag) != before
    (bag / "data" / "new.txt").unlink()
    (bag / "metadata" / "eep.xml").rename(bag / "metadata" / "eep2.xml")  # a rename changes it too
    assert package_digest(bag) != before


@pytest.mark.skipif(shutil.which("find") is None or shutil.which("sha256sum") is None, reason="GNU coreutils")
def test_package_digest_matches_the_documented_shell_recipe(package: PackageInfo) -> None:
    recipe = "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"
    out = subprocess.run(
        ["sh", "-c", recipe], cwd=package.bag_dir, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[0] == package.package_digest


# --- PREMIS fixity events -------------------------------------------------------------------


def test_fixity_events_one_per_file_and_algorithm(package: PackageInfo) -> None:
    now = datetime(2026, 4, 1, tzinfo=UTC)
    report = inspect_package(package.bag_dir, public_key=KEY.public_key(), agent="auditor-7", now=now)
    assert len(report.events) == 2 * package.payload_files
    assert {e.algorithm for e in report.events} == {"SHA-256", "SHA-512"}
    assert all(e.outcome is Outcome.PASS and e.agent == "auditor-7" and e.time == now for e in report.events)
    pdf = next(e for e in report.events if e.object == PDF_NAME and e.algorithm == "SHA-256")
    assert pdf.digest == next(f.sha256 for f in package.files if f.name == PDF_NAME)
    premis = pdf.to_premis()
    assert premis["eventType"] == "fixity check" and premis["eventOutcome"] == "pass"
    assert report.passed and report.package_digest == package.package_digest
    json.dumps(report.to_json(), ensure_ascii=False)

    _flip(package.bag_dir / PDF_NAME)
    (package.bag_dir / "data/files/photo.png").unlink()
    report = inspect_package(package.bag_dir, public_key=KEY.public_key(), now=now)
    bad = {(e.object, e.algorithm): e for e in report.events if e.outcome is Outcome.FAIL}
    assert set(bad) == {(n, a) for n in (PDF_NAME, "data/files/photo.png") for a in ("SHA-256", "SHA-512")}
    assert bad[("data/files/photo.png", "SHA-256")].detail == "file missing"
    assert bad[(PDF_NAME, "SHA-512")].detail.startswith("manifest-sha512.txt has ")
    assert not report.passed


# --- bad input ------------------------------------------------------------------------------


def _mutate(change: Callable[[dict], None]) -> dict:
    case = json.loads(json.dumps(CASE))
    change(case)
    return case


BAD_CASES = [
    ("matter_code", lambda c: c.pop("matter_code")),
    ("matter_code", lambda c: c.update(matter_code="DX RS 0001")),
    ("staff", lambda c: c.update(staff="")),
    ("window", lambda c: c.update(window=12)),
    ("department", lambda c: c.update(department="人社局\n")),
    ("opened_at", lambda c: c.update(opened_at="2026-03-02T09:10:00")),
    ("opened_at", lambda c: c.update(opened_at="yesterday")),
    ("closed_at", lambda c: c.update(closed_at="2026-03-01T09:40:00+08:00")),
    ("holder_ref", lambda c: c.update(holder_ref="11010519491231002X")),
    ("holder_ref", lambda c: c.update(holder_ref="13800138000")),
    ("holder_ref", lambda c: c.update(holder_ref="张三")),
    ("holder_name", lambda c: c.update(holder_name="张三")),
    ("files", lambda c: c.update(files=[])),
    ("files", lambda c: c.update(files={"a": 1})),
    ("files[1].kind", lambda c: c["files"][1].update(kind="photo")),
    ("files[2].title", lambda c: c["files"][2].pop("title")),
    ("files[0].path", lambda c: c["files"][0].update(path="missing.pdf")),
    ("files[0].id_number", lambda c: c["files"][0].update(id_number="110105194912310021")),
    ("files[4].created_at", lambda c: c["files"][4].update(created_at="2026-03-02")),
    ("files[3].path", lambda c: c["files"][3].update(path="sub/PHOTO.png")),
    ("files[0].path", lambda c: c["files"][0].update(path=".hidden.pdf")),
]


@pytest.mark.parametrize(
    ("field", "change"), BAD_CASES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_CASES)]
)
def test_bad_case_input_names_the_field(tmp_path: Path, field: str, change: Callable[[dict], None]) -> None:
    files = {name: make() for name, make in FILES.items()}
    case_dir = write_case_dir(tmp_path / "case", _mutate(change), files)
    (case_dir / "sub").mkdir()
    (case_dir / "sub" / "PHOTO.png").write_bytes(minimal_png())
    with pytest.raises(PackageError) as exc:
        load_case(case_dir)
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{field}: ")
    assert isinstance(exc.value, LedgerError)


def test_unreadable_case_files(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match="cannot read case file"):
        load_case(tmp_path / "nothing")
    (tmp_path / "bad.json").write_bytes(b"\xff{")
    with pytest.raises(PackageError, match="not UTF-8 JSON"):
        load_case(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(PackageError, match="JSON object"):
        load_case(tmp_path / "list.json")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"archive_no": "DX01-2026-Y10-000042"}, "archive_no"),  # disagrees with retention Y30
        ({"archive_no": "DX01-2026-Y30-42"}, "archive_no"),
        ({"archive_no": 0}, "archive_no"),
        ({"archive_no": 1_000_000}, "archive_no"),
        ({"retention": "Y20"}, "retention"),
        ({"fonds": "dx-01"}, "fonds"),
        ({"year": 26}, "year"),
        ({"created_by": " "}, "created_by"),
    ],
)
def test_bad_build_parameters(case_dir: Path, tmp_path: Path, kw: dict, field: str) -> None:
    with pytest.raises(PackageError) as exc:
        build(case_dir, tmp_path / "bag", **kw)
    assert exc.value.field == field
    assert not (tmp_path / "bag").exists()


def test_out_dir_must_be_new_or_empty_and_failed_builds_leave_nothing(case_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("x")
    with pytest.raises(PackageError, match="not an empty directory") as exc:
        build(case_dir, tmp_path / "taken")
    assert exc.value.field == "out_dir"
    (tmp_path / "empty").mkdir()
    assert not failures(check(build(case_dir, tmp_path / "empty")))
    # a case file vanishing mid-way: no partial package, no temporary directory left
    case = load_case(case_dir)
    (case_dir / "photo.png").unlink()
    with pytest.raises(PackageError, match="cannot copy"):
        build(case, tmp_path / "out" / "bag")
    assert list((tmp_path / "out").iterdir()) == []


def test_full_archive_number_accepted_when_consistent(case_dir: Path, tmp_path: Path) -> None:
    info = build(case_dir, tmp_path / "bag", archive_no="DX01-2026-Y30-000042")
    assert info.archive_no == ArchiveNumber("DX01", 2026, Retention.Y30, 42)


def test_archive_numbers() -> None:
    n = ArchiveNumber.parse("DX01-2026-YJ-000007")
    assert (n.fonds, n.year, n.retention, n.sequence) == ("DX01", 2026, Retention.YJ, 7)
    assert str(n) == "DX01-2026-YJ-000007" and n.retention.label == "永久"
    assert Retention.parse("永久") is Retention.YJ and Retention.parse("30年") is Retention.Y30
    for bad in [
        "DX01-2026-Y30-00042",
        "dx01-2026-Y30-000042",
        "DX01-26-Y30-000042",
        "DX01-2026-Y30-000000",
        "DX01-2026-Y30-000042 ",
    ]:
        with pytest.raises(PackageError, match="archive_no"):
            ArchiveNumber.parse(bad)


# --- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [
        ("a.pdf", minimal_pdf(), "PDF"),
        ("a.ofd", minimal_ofd(), "OFD"),
        ("a.png", minimal_png(), "PNG"),
        ("a.jpg", minimal_jpeg(), "JPEG"),
        ("a.xml", b"<a/>", "XML"),
        ("a.json", b'{"a": 1}', "JSON"),
        ("a.txt", "办结\n".encode(), "TXT"),
        ("a.docx", minimal_docx(), "OOXML"),
        ("a.zip", _zip({"x.txt": b"x"}), "ZIP"),
        ("a.gz", b"\x1f\x8b\x08\x00rest", "GZIP"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "OLE2"),
        ("a.bin", b"\x00\x01\x02\xff", "UNKNOWN"),
    ],
)
def test_detect_format(name: str, data: bytes, fmt: str) -> None:
    assert detect_format(data, name) == fmt
    p = probe(data, name)
    if fmt in ("PDF", "OFD", "PNG", "JPEG", "XML", "JSON", "TXT"):
        assert (p.allowed, p.extension_ok, p.opens, p.clear) == (True, True, True, True), p
    else:
        assert not p.allowed and p.opens is None


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.png", minimal_png()[:-12], "truncated"),
        ("a.png", minimal_png()[:23] + b"\x03" + minimal_png()[24:], "CRC"),
        ("a.png", minimal_png() + b"junk", "after IEND"),
        ("a.jpg", minimal_jpeg()[:-2], "EOI"),
        ("a.jpg", b"\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x00\xff\xd9", "SOF"),
        ("a.pdf", b"%PDF-1.4\n%%EOF\n", "startxref"),
        ("a.json", b'{"a": NaN}', "JSON does not parse"),
        ("a.json", b'{"a": ', "JSON does not parse"),
        ("a.xml", b"<a><b></a>", "XML does not parse"),
        ("a.txt", b"abc\x07", "control character"),
    ],
)
def test_damaged_files_do_not_open(name: str, data: bytes, reason: str) -> None:
    p = probe(data, name)
    assert p.opens is False and reason in p.opens_reason, p


def test_extension_must_match_the_bytes() -> None:
    p = probe(minimal_png(), "scan.pdf")
    assert p.format == "PNG" and p.allowed and not p.extension_ok


def test_encrypted_ofd_member_is_not_clear() -> None:
    data = bytearray(minimal_ofd())
    # set the "encrypted" flag bit in every local and central directory header
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            data[i + flag_at] |= 0x01
            start = i + 4
    p = probe(bytes(data), "a.ofd")
    assert p.format == "OFD" and p.clear is False and "encrypted" in p.clear_reason
