"""Load the catalog seed files into the database: validate everything, then upsert.

`load_catalog(session, seed_dir)` reads `authorities.json`, `types.json` and `matters.json`
(formats: docs/catalog.md), checks them as a whole and raises one `ConfigError` listing every
problem ("<file>: <item> field '<field>': <problem>") before touching the database. Then it
upserts authorities, licence types and matters (inserted or updated, never deleted: licences
may refer to them) and synchronises the issuer grants and matter licence lists of the seeded
authorities and matters (links no longer in the seed are removed). Loading the same seed twice
changes nothing. The caller owns the transaction (`session_scope` commits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, SQLModel, select

from ledger.catalog.schema import (
    BASE_FIELDS,
    FACE_FIELD_NAME,
    FACE_FIELDS_MAX,
    FACE_FIELDS_MIN,
    FIELD_TYPES,
    HOLDER_CATEGORIES,
    LEVELS,
    MATTER_CODE,
    MATTER_LICENCES_MAX,
    MATTER_LICENCES_MIN,
    REAL_AUTHORITY_USCCS,
    REAL_TYPE_CODES,
    TYPE_SEQUENCE,
    VALIDITY_RULE,
)
from ledger.errors import ConfigError
from ledger.identifiers import check_uscc
from ledger.models import Authority, IssuerGrant, LicenceType, Matter, MatterLicence

__all__ = ["DEFAULT_SEED_DIR", "SEED_FILES", "LoadReport", "TableCounts", "load_catalog", "read_seed"]

DEFAULT_SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_FILES = ("authorities.json", "types.json", "matters.json")
MAX_PROBLEMS_SHOWN = 25

# Item keys and their JSON types (bool is checked exactly: 0/1 are not booleans).
_AUTHORITY_KEYS: dict[str, type | tuple[type, ...]] = {
    "uscc": str,
    "name": str,
    "level": str,
    "issues": list,
    "uscc_warning": (str, type(None)),
    "synthetic": bool,
}
_TYPE_KEYS: dict[str, type | tuple[type, ...]] = {
    "code": str,
    "name": str,
    "authority_uscc": str,
    "department": str,
    "level": str,
    "holder_category": str,
    "sensitive": bool,
    "validity_rule": str,
    "face_schema": list,
    "synthetic": bool,
}
_FACE_KEYS: dict[str, type | tuple[type, ...]] = {"name": str, "label": str, "type": str, "required": bool}
_MATTER_KEYS: dict[str, type | tuple[type, ...]] = {
    "code": str,
    "name": str,
    "department": str,
    "holder_category": str,
    "online": bool,
    "cross_district": bool,
    "self_service": bool,
    "licences": list,
    "synthetic": bool,
}
_LINK_KEYS: dict[str, type | tuple[type, ...]] = {"type_code": str, "required": bool, "fields": list}


@dataclass(frozen=True)
class TableCounts:
    total: int = 0  # rows in the seed
    inserted: int = 0
    updated: int = 0
    removed: int = 0  # links only: grants / licence-list entries no longer in the seed

    def to_json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "inserted": self.inserted,
            "updated": self.updated,
            "removed": self.removed,
        }


@dataclass(frozen=True)
class LoadReport:
    seed_dir: str
    authorities: TableCounts
    types: TableCounts
    grants: TableCounts
    matters: TableCounts
    matter_licences: TableCounts
    warnings: tuple[str, ...] = ()
    # rows in the database that the seed no longer has (kept: licences may refer to them)
    not_in_seed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated or c.removed for c in self.tables().values())

    def tables(self) -> dict[str, TableCounts]:
        return {
            "authorities": self.authorities,
            "types": self.types,
            "grants": self.grants,
            "matters": self.matters,
            "matter_licences": self.matter_licences,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "seed_dir": self.seed_dir,
            "changed": self.changed,
            **{name: counts.to_json() for name, counts in self.tables().items()},
            "warnings": list(self.warnings),
            "not_in_seed": {k: list(v) for k, v in self.not_in_seed.items()},
        }


# ----- reading and validation ----------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, file: str, item: str, field_: str, problem: str) -> None:
        self.items.append(f"{file}: {item} field {field_!r}: {problem}")

    def raise_if_any(self, seed_dir: Path) -> None:
        if not self.items:
            return
        shown = self.items[:MAX_PROBLEMS_SHOWN]
        more = len(self.items) - len(shown)
        lines = "\n  ".join(shown) + (f"\n  ... and {more} more" if more else "")
        noun = "problem" if len(self.items) == 1 else "problems"
        raise ConfigError(f"invalid catalog seed in {seed_dir} ({len(self.items)} {noun}):\n  {lines}")


def read_seed(seed_dir: Path = DEFAULT_SEED_DIR) -> dict[str, list[dict[str, Any]]]:
    """The item lists of the three seed files, unvalidated. Raises ConfigError if unreadable."""
    lists: dict[str, list[dict[str, Any]]] = {}
    for filename in SEED_FILES:
        path = Path(seed_dir) / filename
        key = filename.removesuffix(".json")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"{path}: catalog seed file not found (generate it: tools/gen_catalog.py)"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read catalog seed file: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{filename}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        if not isinstance(document, dict) or not isinstance(document.get(key), list):
            raise ConfigError(f"{filename}: top level must be an object with a list {key!r}")
        lists[key] = document[key]
    return lists


def _label(kind: str, item: Any, index: int, key: str = "code") -> str:
    if isinstance(item, dict) and isinstance(item.get(key), str):
        name = item.get("name")
        return f"{kind} {item[key]}" + (f" ({name})" if isinstance(name, str) else "")
    return f"{kind} #{index}"


def _check_keys(
    problems: _Problems, file: str, label: str, item: Any, spec: dict[str, Any], prefix: str = ""
) -> bool:
    """Keys present, none unknown, JSON types right; non-empty strings. False if unusable."""
    if not isinstance(item, dict):
        problems.add(
            file, label, prefix.rstrip(".") or "item", f"must be an object, got {type(item).__name__}"
        )
        return False
    ok = True
    for key, kinds in spec.items():
        if key not in item:
            problems.add(file, label, prefix + key, "missing")
            ok = False
            continue
        value = item[key]
        wanted = kinds if isinstance(kinds, tuple) else (kinds,)
        if type(value) not in wanted:
            names = " or ".join("null" if k is type(None) else k.__name__ for k in wanted)
            problems.add(
                file, label, prefix + key, f"must be {names}, got {json.dumps(value, ensure_ascii=False)}"
            )
            ok = False
        elif isinstance(value, str) and not value.strip():
            problems.add(file, label, prefix + key, "must not be empty")
            ok = False
    for key in item:
        if key not in spec:
            problems.add(file, label, prefix + key, f"unknown field (expected: {', '.join(spec)})")
    return ok


def _validate(seed: dict[str, list[dict[str, Any]]], problems: _Problems) -> list[str]:
    """Check the whole seed; return warnings. Problems go to `problems`."""
    warnings: list[str] = []
    authorities: dict[str, dict[str, Any]] = {}
    types: dict[str, dict[str, Any]] = {}

    file = "authorities.json"
    for i, item in enumerate(seed["authorities"]):
        label = _label("authority", item, i, "uscc")
        if not _check_keys(problems, file, label, item, _AUTHORITY_KEYS):
            continue
        uscc = item["uscc"]
        check = check_uscc(uscc)
        for error in check.errors:
            problems.add(file, label, "uscc", error)
        warnings += [f"{file}: {label}: {w}" for w in check.warnings]
        if uscc in authorities:
            problems.add(file, label, "uscc", "duplicate authority")
        if item["level"] not in LEVELS:
            problems.add(file, label, "level", f"must be one of {', '.join(LEVELS)}, got {item['level']!r}")
        if not item["synthetic"] and uscc not in REAL_AUTHORITY_USCCS:
            problems.add(
                file, label, "synthetic", "only the real type codes' authorities may be non-synthetic"
            )
        if not all(isinstance(code, str) for code in item["issues"]):
            problems.add(file, label, "issues", "must be a list of type codes")
        elif len(set(item["issues"])) != len(item["issues"]):
            problems.add(file, label, "issues", "lists a type code twice")
        authorities.setdefault(uscc, item)

    file = "types.json"
    names: dict[str, str] = {}
    for i, item in enumerate(seed["types"]):
        label = _label("type", item, i)
        if not _check_keys(problems, file, label, item, _TYPE_KEYS):
            continue
        code = item["code"]
        _check_type_code(problems, file, label, code)
        if code in types:
            problems.add(file, label, "code", "duplicate type code")
        if item["name"] in names and names[item["name"]] != code:
            problems.add(file, label, "name", f"same name as type {names[item['name']]}")
        names.setdefault(item["name"], code)
        authority = authorities.get(item["authority_uscc"])
        if authority is None:
            problems.add(
                file, label, "authority_uscc", f"{item['authority_uscc']} is not in authorities.json"
            )
        elif code[:18] != item["authority_uscc"]:
            problems.add(
                file, label, "authority_uscc", f"must equal the code's first 18 characters {code[:18]}"
            )
        if item["level"] not in LEVELS:
            problems.add(file, label, "level", f"must be one of {', '.join(LEVELS)}, got {item['level']!r}")
        elif authority is not None and item["level"] != authority["level"]:
            problems.add(
                file, label, "level", f"must be the defining authority's level {authority['level']!r}"
            )
        if item["holder_category"] not in HOLDER_CATEGORIES:
            problems.add(
                file,
                label,
                "holder_category",
                f"must be person or organisation, got {item['holder_category']!r}",
            )
        if not VALIDITY_RULE.fullmatch(item["validity_rule"]):
            problems.add(
                file,
                label,
                "validity_rule",
                f"must be 'long-term' or 'years:N', got {item['validity_rule']!r}",
            )
        _check_face_schema(problems, file, label, item["face_schema"])
        if code in REAL_TYPE_CODES:
            if item["name"] != REAL_TYPE_CODES[code]:
                problems.add(file, label, "name", f"the real code {code} is {REAL_TYPE_CODES[code]}")
            if item["synthetic"]:
                problems.add(file, label, "synthetic", "a confirmed real type code must be synthetic: false")
        elif not item["synthetic"]:
            problems.add(
                file, label, "synthetic", "only the four confirmed real type codes may be synthetic: false"
            )
        types.setdefault(code, item)

    issued: set[str] = set()
    for i, item in enumerate(seed["authorities"]):
        if not (isinstance(item, dict) and isinstance(item.get("issues"), list)):
            continue
        for code in item["issues"]:
            if isinstance(code, str) and code not in types:
                problems.add(
                    "authorities.json",
                    _label("authority", item, i, "uscc"),
                    "issues",
                    f"{code} is not in types.json",
                )
            if isinstance(code, str):
                issued.add(code)
    for code, item in types.items():
        if code not in issued:
            problems.add(
                "types.json",
                _label("type", item, 0),
                "code",
                "no authority in authorities.json issues this type (add it to one's 'issues')",
            )

    file = "matters.json"
    matters: set[str] = set()
    for i, item in enumerate(seed["matters"]):
        label = _label("matter", item, i)
        if not _check_keys(problems, file, label, item, _MATTER_KEYS):
            continue
        if not MATTER_CODE.fullmatch(item["code"]):
            problems.add(file, label, "code", "must be 1-64 letters, digits, '-', '_' or '.'")
        if item["code"] in matters:
            problems.add(file, label, "code", "duplicate matter code")
        matters.add(item["code"])
        if item["holder_category"] not in HOLDER_CATEGORIES:
            problems.add(
                file,
                label,
                "holder_category",
                f"must be person or organisation, got {item['holder_category']!r}",
            )
        _check_licence_list(problems, file, label, item, types)
    return warnings


def _check_type_code(problems: _Problems, file: str, label: str, code: str) -> None:
    if len(code) != 21:
        problems.add(file, label, "code", f"must be 21 characters (18-char USCC + 3 digits), got {len(code)}")
        return
    for error in check_uscc(code[:18]).errors:
        problems.add(file, label, "code", f"authority part: {error}")
    if not TYPE_SEQUENCE.fullmatch(code[18:]):
        problems.add(file, label, "code", f"must end in a 3-digit sequence, got {code[18:]!r}")


def _check_face_schema(problems: _Problems, file: str, label: str, schema: list[Any]) -> None:
    if not FACE_FIELDS_MIN <= len(schema) <= FACE_FIELDS_MAX:
        problems.add(
            file,
            label,
            "face_schema",
            f"must have {FACE_FIELDS_MIN}-{FACE_FIELDS_MAX} fields, got {len(schema)}",
        )
    seen: set[str] = set()
    for j, spec in enumerate(schema):
        where = f"face_schema[{j}]."
        keys = dict(_FACE_KEYS)
        if isinstance(spec, dict) and spec.get("type") == "enum":
            keys["enum"] = list
        if not _check_keys(problems, file, label, spec, keys, where):
            continue
        if not FACE_FIELD_NAME.fullmatch(spec["name"]):
            problems.add(file, label, where + "name", f"must match KZ_[A-Z0-9_]+, got {spec['name']!r}")
        if spec["name"] in seen:
            problems.add(file, label, where + "name", f"duplicate face field {spec['name']}")
        seen.add(spec["name"])
        if spec["type"] not in FIELD_TYPES:
            problems.add(
                file, label, where + "type", f"must be one of {', '.join(FIELD_TYPES)}, got {spec['type']!r}"
            )
        if spec["type"] == "enum":
            values = spec["enum"]
            if not values or not all(isinstance(v, str) and v for v in values):
                problems.add(file, label, where + "enum", "must be a non-empty list of non-empty strings")
            elif len(set(values)) != len(values):
                problems.add(file, label, where + "enum", "lists a value twice")


def _check_licence_list(
    problems: _Problems, file: str, label: str, matter: dict[str, Any], types: dict[str, dict[str, Any]]
) -> None:
    links = matter["licences"]
    if not MATTER_LICENCES_MIN <= len(links) <= MATTER_LICENCES_MAX:
        problems.add(
            file,
            label,
            "licences",
            f"must have {MATTER_LICENCES_MIN}-{MATTER_LICENCES_MAX} entries, got {len(links)}",
        )
    listed: set[str] = set()
    categories: set[str] = set()
    for j, link in enumerate(links):
        where = f"licences[{j}]."
        if not _check_keys(problems, file, label, link, _LINK_KEYS, where):
            continue
        code = link["type_code"]
        if code in listed:
            problems.add(file, label, where + "type_code", f"{code} is listed twice")
        listed.add(code)
        licence_type = types.get(code)
        if licence_type is None:
            problems.add(file, label, where + "type_code", f"{code} is not in types.json")
            continue
        categories.add(licence_type["holder_category"])
        if matter["holder_category"] == "person" and licence_type["holder_category"] != "person":
            problems.add(
                file,
                label,
                where + "type_code",
                f"a matter for persons cannot need {code} ({licence_type['name']}), an organisation's licence",
            )
        fields = link["fields"]
        face = {f["name"] for f in licence_type["face_schema"] if isinstance(f, dict)}
        if not fields:
            problems.add(file, label, where + "fields", "must name at least one field")
        if len(set(map(str, fields))) != len(fields):
            problems.add(file, label, where + "fields", "names a field twice")
        for name in fields:
            if not isinstance(name, str) or (name not in face and name not in BASE_FIELDS):
                problems.add(
                    file,
                    label,
                    where + "fields",
                    f"{name!r} is neither a face field of {code} ({licence_type['name']}) nor a base field",
                )
    if matter["holder_category"] == "organisation" and categories and "organisation" not in categories:
        problems.add(
            file, label, "licences", "a matter for organisations must need at least one organisation licence"
        )


# ----- upsert --------------------------------------------------------------------------------


def _upsert(session: Session, model: type[SQLModel], rows: list[dict[str, Any]], key: str) -> TableCounts:
    existing = {getattr(r, key): r for r in session.exec(select(model)).all()}
    inserted = updated = 0
    for values in rows:
        row = existing.get(values[key])
        if row is None:
            session.add(model(**values))
            inserted += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        updated += changed
    return TableCounts(len(rows), inserted, updated)


def load_catalog(session: Session, seed_dir: Path | str = DEFAULT_SEED_DIR) -> LoadReport:
    """Validate the seed in `seed_dir` and upsert it through `session` (the caller commits)."""
    seed_dir = Path(seed_dir)
    seed = read_seed(seed_dir)
    problems = _Problems()
    warnings = _validate(seed, problems)
    problems.raise_if_any(seed_dir)

    authorities = _upsert(
        session,
        Authority,
        [{k: a[k] for k in ("uscc", "name", "level", "synthetic")} for a in seed["authorities"]],
        "uscc",
    )
    session.flush()
    type_columns = tuple(_TYPE_KEYS)
    types = _upsert(session, LicenceType, [{k: t[k] for k in type_columns} for t in seed["types"]], "code")
    matter_columns = ("code", "name", "department", "online", "cross_district", "self_service", "synthetic")
    matters = _upsert(session, Matter, [{k: m[k] for k in matter_columns} for m in seed["matters"]], "code")
    session.flush()

    # issuer grants of the seeded authorities: exactly the seed's
    wanted_grants = {(a["uscc"], code) for a in seed["authorities"] for code in a["issues"]}
    seeded_issuers = {a["uscc"] for a in seed["authorities"]}
    have_grants = {(g.issuer_uscc, g.type_code): g for g in session.exec(select(IssuerGrant)).all()}
    removed_grants = 0
    for pair, grant in have_grants.items():
        if pair[0] in seeded_issuers and pair not in wanted_grants:
            session.delete(grant)
            removed_grants += 1
    new_grants = [
        IssuerGrant(issuer_uscc=u, type_code=c) for u, c in sorted(wanted_grants - have_grants.keys())
    ]
    session.add_all(new_grants)
    grants = TableCounts(len(wanted_grants), len(new_grants), 0, removed_grants)

    # licence lists of the seeded matters: exactly the seed's
    wanted_links = {(m["code"], link["type_code"]): link for m in seed["matters"] for link in m["licences"]}
    seeded_matters = {m["code"] for m in seed["matters"]}
    have_links = {(r.matter_code, r.type_code): r for r in session.exec(select(MatterLicence)).all()}
    inserted = updated = removed = 0
    for pair, row in have_links.items():
        link = wanted_links.get(pair)
        if link is None:
            if pair[0] in seeded_matters:
                session.delete(row)
                removed += 1
        elif row.required != link["required"] or row.fields != link["fields"]:
            row.required, row.fields = link["required"], list(link["fields"])
            updated += 1
    for (matter_code, type_code), link in wanted_links.items():
        if (matter_code, type_code) not in have_links:
            session.add(
                MatterLicence(
                    matter_code=matter_code,
                    type_code=type_code,
                    required=link["required"],
                    fields=list(link["fields"]),
                )
            )
            inserted += 1
    session.flush()

    not_in_seed = {
        "authorities": _absent(session, Authority.uscc, seeded_issuers),
        "types": _absent(session, LicenceType.code, {t["code"] for t in seed["types"]}),
        "matters": _absent(session, Matter.code, seeded_matters),
    }
    return LoadReport(
        seed_dir=str(seed_dir),
        authorities=authorities,
        types=types,
        grants=grants,
        matters=matters,
        matter_licences=TableCounts(len(wanted_links), inserted, updated, removed),
        warnings=tuple(warnings),
        not_in_seed={k: v for k, v in not_in_seed.items() if v},
    )


def _absent(session: Session, column: Any, seeded: set[str]) -> tuple[str, ...]:
    return tuple(sorted(set(session.exec(select(column)).all()) - seeded))
