"""Licence records: the input form, validation against the catalog, and the field map.

Field names follow GB/T 36903 as implemented (docs/licence-leaf.md): ZZMC name, ZZLXDM type
code, ZZBH printed number, ZZBS identifier, ZZBFJG / ZZBFJGDM issuing authority and its code,
ZZBFRQ issue date, CZZT.i / CZZTDM.i / CZZTDMLXDM.i holder name, code and code type,
ZZYXQQSRQ / ZZYXQJZRQ validity start / end, XZQHDM jurisdiction, KZ_* face fields, and
BODY_SHA256 / BODY_TYPE for the body file.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ledger import identifiers

DATE = re.compile(r"^\d{8}$")


class RecordError(ValueError):
    """A record is invalid; `problems` lists each as "field: reason"."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=64)
    code_type: str = Field(pattern=r"^\d{3}$")


class LicenceInput(BaseModel):
    """One licence to issue, as given in an issue file (JSON object, JSONL line or CSV row)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    type_code: str = Field(min_length=21, max_length=21)
    issuer_uscc: str = Field(min_length=18, max_length=18)
    serial: str | None = Field(None, pattern=r"^[0-9A-Z]{1,32}$")
    number: str = Field(min_length=1, max_length=64)
    issue_date: str
    holders: list[Holder] = Field(min_length=1, max_length=20)
    valid_from: str
    valid_until: str | None = None
    jurisdiction: str = Field("110115", pattern=r"^\d{6}$")
    face: dict[str, str] = Field(default_factory=dict)
    body: str | None = None  # path of the body file, relative to the issue file
    supersedes: str | None = None  # identifier of the version this one replaces

    @field_validator("issue_date", "valid_from", "valid_until")
    @classmethod
    def _yyyymmdd(cls, value: str | None) -> str | None:
        if value is not None:
            parse_date(value)
        return value


def parse_date(value: str) -> date:
    if not DATE.match(value):
        raise ValueError(f"{value!r} is not a date in the form yyyyMMdd")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ValueError(f"{value!r} is not a real calendar date") from None


def parse_input(data: dict[str, Any]) -> LicenceInput:
    try:
        return LicenceInput.model_validate(data)
    except ValidationError as exc:
        raise RecordError(
            [f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in exc.errors()]
        ) from None


def check_face(face: dict[str, str], schema: list[dict[str, Any]]) -> list[str]:
    """Problems of the face fields against the type's schema (name, type, required, enum)."""
    problems = []
    known = {f["name"]: f for f in schema}
    for name in face:
        if name not in known:
            problems.append(f"face.{name}: not a field of this licence type")
    for spec in schema:
        value = face.get(spec["name"])
        if value is None or value == "":
            if spec.get("required"):
                problems.append(f"face.{spec['name']}: required ({spec.get('label', '')})".rstrip(" ()"))
            continue
        kind = spec.get("type", "string")
        if kind == "date":
            try:
                parse_date(value)
            except ValueError as exc:
                problems.append(f"face.{spec['name']}: {exc}")
        elif kind == "number" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
            problems.append(f"face.{spec['name']}: {value!r} is not a number")
        elif kind == "enum" and value not in spec.get("enum", []):
            problems.append(f"face.{spec['name']}: {value!r} is not one of {spec.get('enum')}")
    return problems


def check_holders(holders: list[Holder]) -> tuple[list[str], list[str]]:
    problems, warnings = [], []
    for i, h in enumerate(holders):
        result = identifiers.check_holder_code(h.code_type, h.code)
        problems += [f"holders.{i}.code: {e}" for e in result.errors]
        warnings += [f"holders.{i}.code: {w}" for w in result.warnings]
    return problems, warnings


def build_fields(
    entry: LicenceInput,
    *,
    identifier: str,
    type_name: str,
    issuer_name: str,
    body_sha256: str | None,
    body_type: str | None,
) -> dict[str, str]:
    """The flat field map that is committed field by field."""
    fields = {
        "ZZMC": type_name,
        "ZZLXDM": entry.type_code,
        "ZZBH": entry.number,
        "ZZBS": identifier,
        "ZZBFJG": issuer_name,
        "ZZBFJGDM": entry.issuer_uscc,
        "ZZBFRQ": entry.issue_date,
        "ZZYXQQSRQ": entry.valid_from,
        "XZQHDM": entry.jurisdiction,
    }
    if entry.valid_until:
        fields["ZZYXQJZRQ"] = entry.valid_until
    for i, h in enumerate(entry.holders):
        fields[f"CZZT.{i}"] = h.name
        fields[f"CZZTDM.{i}"] = h.code
        fields[f"CZZTDMLXDM.{i}"] = h.code_type
    for name, value in entry.face.items():
        if value != "":
            fields[name] = value
    if body_sha256 is not None:
        fields["BODY_SHA256"] = body_sha256
        fields["BODY_TYPE"] = body_type or ""
    return fields
