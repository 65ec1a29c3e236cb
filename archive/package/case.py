"""Case files (办件) as they arrive for archiving: ``CASE_DIR/case.json`` or a ``CASE.json``.

The input format (docs/archive-package.md §1)::

    {"matter_code": "DX-RS0001", "matter_name": "...", "case_number": "...", "window": "...",
     "staff": "...", "department": "...", "holder_ref": "<salted reference>",
     "opened_at": "2026-03-02T09:10:00+08:00", "closed_at": "2026-03-02T09:40:00+08:00",
     "files": [{"path": "application.pdf", "title": "申请表", "kind": "application"}, ...]}

``path`` is relative to the directory holding the JSON file (or absolute). Each file entry may
also carry ``created_at``. Unknown fields are refused: whatever enters an archive package must
be a known, reviewed field (and never a holder's name or ID number).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from archive.package.errors import PackageError
from ledger.identifiers import check_uscc

__all__ = ["CASE_FIELDS", "Case", "CaseFile", "FileKind", "load_case"]

CASE_FIELDS = (
    "matter_code",
    "matter_name",
    "case_number",
    "window",
    "staff",
    "department",
    "holder_ref",
    "opened_at",
    "closed_at",
    "files",
)
FILE_FIELDS = ("path", "title", "kind")
OPTIONAL_FILE_FIELDS = ("created_at",)
MAX_TEXT = 200
MATTER_CODE = re.compile(r"[A-Za-z0-9._-]{1,64}")
HOLDER_REF = re.compile(r"[A-Za-z0-9._:+/=-]{16,128}")
ID_LIKE = re.compile(r"[0-9]{11}|[0-9]{15}|[0-9]{17}[0-9Xx]")  # phone, old and new citizen ID
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Payload names: RFC 8493 percent-encodes CR, LF and %; we refuse them (and other troublemakers).
BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f%/\\:*?\"<>|]")


class FileKind(StrEnum):
    """What a file in a case is."""

    APPLICATION = "application"  # 申请材料
    LICENCE_USE_COPY = "licence_use_copy"  # 加注件 (licence copy stamped for this use)
    CONSENT_RECEIPT = "consent_receipt"  # 授权同意凭证
    ACCESS_RECORD = "access_record"  # 用证记录
    OTHER = "other"  # 其他

    @property
    def label(self) -> str:
        return {
            "application": "申请材料",
            "licence_use_copy": "加注件",
            "consent_receipt": "授权同意凭证",
            "access_record": "用证记录",
            "other": "其他",
        }[self.value]


@dataclass(frozen=True)
class CaseFile:
    """One file of a case: where its bytes are (``source``) and its name in the package."""

    source: Path
    name: str  # payload file name, NFC, stored as data/files/<name>
    title: str
    kind: FileKind
    created_at: datetime | None = None

    @property
    def payload_path(self) -> str:
        """The path inside the bag: ``data/files/<name>``."""
        return f"data/files/{self.name}"


@dataclass(frozen=True)
class Case:
    """A finished case, checked when parsed (see :meth:`from_json`)."""

    matter_code: str
    matter_name: str
    case_number: str
    window: str
    staff: str
    department: str
    holder_ref: str
    opened_at: datetime
    closed_at: datetime
    files: tuple[CaseFile, ...]

    @classmethod
    def from_json(cls, data: object, *, base_dir: Path, check_files: bool = True) -> Case:
        """Parse a case; raise :class:`PackageError` naming the first bad field.

        ``check_files`` demands every file exist as a regular file (off when reading a
        package's own ``data/case.json``, whose files are checked item by item).
        """
        if not isinstance(data, Mapping):
            raise PackageError(f"a case must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - set(CASE_FIELDS))
        if unknown:
            raise PackageError("unknown field (not part of the case format)", field=str(unknown[0]))
        text = {k: _text(data, k) for k in CASE_FIELDS[:7]}
        if not MATTER_CODE.fullmatch(text["matter_code"]):
            raise PackageError("must be 1-64 letters, digits, '.', '_' or '-'", field="matter_code")
        _check_holder_ref(text["holder_ref"])
        opened_at = _instant(data, "opened_at")
        closed_at = _instant(data, "closed_at")
        if closed_at < opened_at:
            raise PackageError(
                f"{closed_at.isoformat()} is before opened_at {opened_at.isoformat()}", field="closed_at"
            )
        files = _files(data, base_dir, check_files)
        return cls(**text, opened_at=opened_at, closed_at=closed_at, files=files)

    def record(self) -> dict[str, Any]:
        """The case as stored in the package (``data/case.json``): file paths become ``files/<name>``."""
        files = []
        for f in self.files:
            entry: dict[str, Any] = {"path": f"files/{f.name}", "title": f.title, "kind": f.kind.value}
            if f.created_at is not None:
                entry["created_at"] = f.created_at.isoformat()
            files.append(entry)
        out: dict[str, Any] = {k: getattr(self, k) for k in CASE_FIELDS[:7]}
        out["opened_at"] = self.opened_at.isoformat()
        out["closed_at"] = self.closed_at.isoformat()
        out["files"] = files
        return out

    def record_bytes(self) -> bytes:
        """``record()`` as UTF-8 JSON, two-space indented, fields in format order, final newline."""
        return (json.dumps(self.record(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def load_case(path: str | Path) -> Case:
    """Read ``CASE_DIR/`` (holding ``case.json``) or a ``CASE.json`` file."""
    p = Path(path)
    if p.is_dir():
        p = p / "case.json"
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PackageError(f"cannot read case file {p}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{p} is not UTF-8 JSON: {exc}") from None
    return Case.from_json(data, base_dir=p.parent)


def _text(data: Mapping[str, Any], key: str, *, field: str | None = None) -> str:
    field = field or key
    if key not in data:
        raise PackageError("missing required field", field=field)
    value = data[key]
    if not isinstance(value, str):
        raise PackageError(f"must be a string, got {type(value).__name__}", field=field)
    if not value.strip():
        raise PackageError("must not be empty", field=field)
    if value != value.strip():
        raise PackageError("has leading or trailing white space", field=field)
    if CONTROL.search(value):
        raise PackageError("contains control characters", field=field)
    if len(value) > MAX_TEXT:
        raise PackageError(f"longer than {MAX_TEXT} characters", field=field)
    return value


def _instant(data: Mapping[str, Any], key: str, *, field: str | None = None) -> datetime:
    field = field or key
    text = _text(data, key, field=field)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise PackageError(f"{text!r} is not an ISO 8601 date-time", field=field) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise PackageError(f"{text!r} has no UTC offset (write e.g. +08:00)", field=field)
    return value


def _check_holder_ref(value: str) -> None:
    if ID_LIKE.fullmatch(value) or (len(value) == 18 and check_uscc(value).valid):
        raise PackageError(
            "looks like an ID or phone number; give the salted holder reference, never the number itself",
            field="holder_ref",
        )
    if not HOLDER_REF.fullmatch(value):
        raise PackageError(
            "must be a salted reference: 16-128 characters of A-Z a-z 0-9 . _ : + / = - (never a name)",
            field="holder_ref",
        )


def _files(data: Mapping[str, Any], base_dir: Path, check_files: bool) -> tuple[CaseFile, ...]:
    if "files" not in data:
        raise PackageError("missing required field", field="files")
    items = data["files"]
    if not isinstance(items, list):
        raise PackageError(f"must be a list, got {type(items).__name__}", field="files")
    if not items:
        raise PackageError("a case needs at least one file", field="files")
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        where = f"files[{i}]"
        if not isinstance(item, Mapping):
            raise PackageError(f"must be an object, got {type(item).__name__}", field=where)
        unknown = sorted(set(item) - set(FILE_FIELDS) - set(OPTIONAL_FILE_FIELDS))
        if unknown:
            raise PackageError("unknown field (not part of the case format)", field=f"{where}.{unknown[0]}")
        path_text = _text(item, "path", field=f"{where}.path")
        title = _text(item, "title", field=f"{where}.title")
        kind_text = _text(item, "kind", field=f"{where}.kind")
        try:
            kind = FileKind(kind_text)
        except ValueError:
            choices = ", ".join(k.value for k in FileKind)
            raise PackageError(f"{kind_text!r} is not one of {choices}", field=f"{where}.kind") from None
        created_at = (
            _instant(item, "created_at", field=f"{where}.created_at") if "created_at" in item else None
        )
        source = Path(path_text)
        if not source.is_absolute():
            source = base_dir / source
        name = unicodedata.normalize("NFC", source.name)
        if not name or name.startswith(".") or BAD_NAME_CHARS.search(name) or len(name.encode()) > 200:
            raise PackageError(
                f"file name {name!r} is not usable in a package (no leading '.', no % / \\ : * ? \" < > | "
                "or control characters, at most 200 bytes)",
                field=f"{where}.path",
            )
        if name.casefold() in seen:
            raise PackageError(
                f"file name {name!r} is already used by files[{seen[name.casefold()]}] "
                "(names must be unique, ignoring case)",
                field=f"{where}.path",
            )
        seen[name.casefold()] = i
        if check_files and not source.is_file():
            raise PackageError(f"{source} is not a readable regular file", field=f"{where}.path")
        out.append(CaseFile(source=source, name=name, title=title, kind=kind, created_at=created_at))
    return tuple(out)
