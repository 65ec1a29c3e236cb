"""``metadata/eep.xml``: an electronic file encapsulation package in the style of DA/T 48-2009.

Root ``电子文件封装包``; the ``被签名对象`` element carries the package facts, the file, business
and agent entity blocks; ``电子签名块`` holds an Ed25519 (RFC 8032) signature over the W3C
Canonical XML 2.0 bytes of ``被签名对象`` (Python's ``xml.etree.ElementTree.canonicalize``).
File contents are not embedded (DA/T 48 would base64 them): they are the bag's payload, bound
by their SHA-256 here and by the bag manifests. Structure: docs/archive-package.md §4.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from archive.package.archive_no import ArchiveNumber
from archive.package.case import Case
from archive.package.errors import PackageError
from archive.package.models import FileEntry
from ledger.errors import VerificationError

__all__ = [
    "BUSINESS_FIELDS",
    "FILE_ENTRY_FIELDS",
    "PROFILE",
    "REQUIRED_ELEMENTS",
    "SIGNATURE_ALGORITHM",
    "Signer",
    "build_eep",
    "file_entries",
    "key_fingerprint",
    "missing_elements",
    "parse_eep",
    "sign_eep",
    "signed_bytes",
    "verify_eep_signature",
]

PROFILE = "certledger-eep/1"
ROOT = "电子文件封装包"
SIGNED = "被签名对象"
SIGNATURE_ALGORITHM = "Ed25519"
SIGNATURE_RULE = "Ed25519 (RFC 8032) over the W3C Canonical XML 2.0 form of 被签名对象"
FORMAT_DESCRIPTION = (
    "本封装包依据 DA/T 48-2009《基于XML的电子文件封装规范》的结构生成（certledger-eep/1），"
    "文件内容为 BagIt 载荷 data/，以 SHA-256 引用"
)
PACKAGE_TYPE_DESCRIPTION = "本封装包包含办结办件的电子文件及其元数据，原始封装，未经修改"
CONTENT = f"{SIGNED}/封装内容"
FILES_BLOCK = f"{CONTENT}/文件实体块"
BUSINESS = f"{CONTENT}/业务实体块/业务实体"
AGENT = f"{CONTENT}/机构人员实体块/机构人员实体"
SIGNATURE = "电子签名块/电子签名"

# (element, case.json field)
BUSINESS_FIELDS = (
    ("事项编码", "matter_code"),
    ("事项名称", "matter_name"),
    ("办件编号", "case_number"),
    ("受理窗口", "window"),
    ("经办人", "staff"),
    ("承办部门", "department"),
    ("持证主体引用", "holder_ref"),
    ("受理时间", "opened_at"),
    ("办结时间", "closed_at"),
)
FILE_ENTRY_FIELDS = ("文件名称", "题名", "文件类别", "文件大小", "格式名称", "数字摘要", "创建时间")

REQUIRED_ELEMENTS = (
    "封装包格式描述",
    "版本",
    SIGNED,
    f"{SIGNED}/封装包类型",
    f"{SIGNED}/封装包创建时间",
    f"{SIGNED}/封装包创建单位",
    f"{SIGNED}/档号",
    f"{SIGNED}/全宗号",
    f"{SIGNED}/年度",
    f"{SIGNED}/保管期限",
    CONTENT,
    FILES_BLOCK,
    f"{FILES_BLOCK}/文件实体",
    f"{CONTENT}/业务实体块",
    BUSINESS,
    *(f"{BUSINESS}/{name}" for name, _ in BUSINESS_FIELDS),
    f"{BUSINESS}/业务行为",
    f"{CONTENT}/机构人员实体块",
    AGENT,
    f"{AGENT}/机构名称",
    f"{AGENT}/人员名称",
    "电子签名块",
    SIGNATURE,
    f"{SIGNATURE}/签名规则",
    f"{SIGNATURE}/签名时间",
    f"{SIGNATURE}/签名人",
    f"{SIGNATURE}/签名结果",
    f"{SIGNATURE}/证书块/证书引证",
    f"{SIGNATURE}/签名算法标识",
)


@dataclass(frozen=True)
class Signer:
    """Who signs the EEP, with which Ed25519 key; ``certificate_ref`` defaults to the key fingerprint."""

    name: str
    key: Ed25519PrivateKey
    certificate_ref: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.key, Ed25519PrivateKey):
            raise PackageError("must be an Ed25519 private key (cryptography)", field="signer.key")
        if not isinstance(self.name, str) or not self.name.strip():
            raise PackageError("must be a non-empty string", field="signer.name")

    @property
    def reference(self) -> str:
        return self.certificate_ref or key_fingerprint(self.key.public_key())


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """``ed25519:`` + hex SHA-256 of the 32-byte raw public key."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()


def build_eep(
    *,
    case: Case,
    archive_no: ArchiveNumber,
    entries: Sequence[FileEntry],
    created_by: str,
    packed_at: datetime,
    signer: Signer,
    signed_at: datetime,
) -> bytes:
    """The signed ``eep.xml`` bytes (UTF-8, XML declaration, two-space indent, final newline)."""
    root = ET.Element(ROOT)
    _sub(root, "封装包格式描述", FORMAT_DESCRIPTION)
    _sub(root, "版本", "2009")
    signed = ET.SubElement(root, SIGNED, {"eep版本": "2009", "配置": PROFILE})
    _sub(signed, "封装包类型", "原始型")
    _sub(signed, "封装包类型描述", PACKAGE_TYPE_DESCRIPTION)
    _sub(signed, "封装包创建时间", packed_at.isoformat())
    _sub(signed, "封装包创建单位", created_by)
    _sub(signed, "档号", str(archive_no))
    _sub(signed, "全宗号", archive_no.fonds)
    _sub(signed, "年度", f"{archive_no.year:04d}")
    _sub(signed, "保管期限", archive_no.retention.value)
    content = ET.SubElement(signed, "封装内容")
    files = ET.SubElement(content, "文件实体块")
    for n, e in enumerate(entries, 1):
        f = ET.SubElement(files, "文件实体", {"序号": str(n)})
        _sub(f, "文件名称", e.name)
        _sub(f, "题名", e.title)
        _sub(f, "文件类别", e.kind)
        _sub(f, "文件大小", str(e.size)).set("单位", "字节")
        _sub(f, "格式名称", e.format)
        _sub(f, "数字摘要", e.sha256).set("算法", "SHA-256")
        _sub(f, "创建时间", e.created_at.isoformat())
    business = ET.SubElement(ET.SubElement(content, "业务实体块"), "业务实体")
    record = case.record()
    for element, key in BUSINESS_FIELDS:
        _sub(business, element, record[key])
    _sub(business, "业务行为", "办结归档")
    agent = ET.SubElement(ET.SubElement(content, "机构人员实体块"), "机构人员实体", {"角色": "承办"})
    _sub(agent, "机构名称", case.department)
    _sub(agent, "人员名称", case.staff)
    _sub(agent, "受理窗口", case.window)
    sig = ET.SubElement(ET.SubElement(root, "电子签名块"), "电子签名", {"签名标识符": "1"})
    _sub(sig, "签名规则", SIGNATURE_RULE)
    _sub(sig, "签名时间", signed_at.isoformat())
    _sub(sig, "签名人", signer.name)
    _sub(sig, "签名结果", "")
    _sub(ET.SubElement(sig, "证书块"), "证书引证", signer.reference)
    _sub(sig, "签名算法标识", SIGNATURE_ALGORITHM)
    ET.indent(root, space="  ")
    sign_eep(root, signer.key)
    return serialise(root)


def serialise(root: ET.Element) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"
    )


def sign_eep(root: ET.Element, key: Ed25519PrivateKey) -> None:
    """(Re)compute ``签名结果`` over the current ``被签名对象`` (the tree must already be indented)."""
    signed = root.find(SIGNED)
    result = root.find(f"{SIGNATURE}/签名结果")
    if signed is None or result is None:
        raise PackageError(f"EEP has no {SIGNED} or no {SIGNATURE}/签名结果 element")
    result.text = base64.b64encode(key.sign(signed_bytes(signed))).decode("ascii")


def signed_bytes(signed_object: ET.Element) -> bytes:
    """The canonical (C14N 2.0) UTF-8 bytes of the signed-object element, without its tail."""
    clone = copy.deepcopy(signed_object)
    clone.tail = None
    return ET.canonicalize(ET.tostring(clone, encoding="unicode")).encode("utf-8")


def parse_eep(data: bytes) -> ET.Element:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise PackageError(f"eep.xml does not parse: {exc}") from None
    if root.tag != ROOT:
        raise PackageError(f"eep.xml root is <{root.tag}>, expected <{ROOT}>")
    return root


def verify_eep_signature(root: ET.Element, public_key: Ed25519PublicKey) -> None:
    """Raise :class:`VerificationError` unless the EEP signature verifies under ``public_key``."""
    signed = root.find(SIGNED)
    if signed is None:
        raise VerificationError(f"no {SIGNED} element")
    algorithm = _text(root, f"{SIGNATURE}/签名算法标识")
    if algorithm != SIGNATURE_ALGORITHM:
        raise VerificationError(f"签名算法标识 is {algorithm!r}, expected {SIGNATURE_ALGORITHM!r}")
    value = _text(root, f"{SIGNATURE}/签名结果")
    try:
        signature = base64.b64decode(value or "", validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("签名结果 is not base64") from None
    try:
        public_key.verify(signature, signed_bytes(signed))
    except InvalidSignature:
        named = _text(root, f"{SIGNATURE}/证书块/证书引证") or "(none)"
        supplied = key_fingerprint(public_key)
        hint = "" if named == supplied else f"; the EEP names key {named}, the supplied key is {supplied}"
        raise VerificationError(f"signature does not verify over {SIGNED}{hint}") from None


def missing_elements(root: ET.Element) -> list[str]:
    """Required elements that are absent, or empty where they should hold text."""
    missing = []
    for path in REQUIRED_ELEMENTS:
        el = root.find(path)
        if el is None:
            missing.append(path)
        elif len(el) == 0 and not (el.text or "").strip():
            missing.append(path + " (empty)")
    for n, f in enumerate(root.findall(f"{FILES_BLOCK}/文件实体"), 1):
        for name in FILE_ENTRY_FIELDS:
            el = f.find(name)
            if el is None or not (el.text or "").strip():
                missing.append(f"{FILES_BLOCK}/文件实体[{n}]/{name}")
    return missing


def file_entries(root: ET.Element) -> list[dict[str, str]]:
    """The 文件实体 blocks as dicts of element text (missing elements give "")."""
    return [
        {name: (f.findtext(name) or "").strip() for name in FILE_ENTRY_FIELDS}
        for f in root.findall(f"{FILES_BLOCK}/文件实体")
    ]


def _text(root: ET.Element, path: str) -> str | None:
    value = root.findtext(path)
    return value.strip() if value is not None else None


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = text
    return el
