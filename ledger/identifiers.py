"""Identifiers of the e-licence world: check characters, builders and readable checks.

Three algorithms, exactly as docs/identifiers.md (and the domain reference §2-§3) state them:

- the licence identifier (GB/T 36904) ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``
  whose check character is ISO/IEC 7064 MOD 37,36 (hybrid) over type+issuer+serial+version;
- the unified social credit code, USCC (GB 32100), check = weighted sum mod 31;
- the citizen ID (GB 11643), check = ISO/IEC 7064 MOD 11-2.

The primitives (``*_check_char``, ``make_licence_identifier``) raise ``ValueError`` on bad
input. The ``check_*`` functions never raise: they return an :class:`IdCheck` listing every
error (makes the value invalid) and warning (accepted, but worth a look). Pure computation,
no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

__all__ = [
    "CITIZEN_ID_CHECK_CHARS",
    "HOLDER_CODE_TYPES",
    "LICENCE_ID_ROOT",
    "MOD37_36_ALPHABET",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "CITIZEN_ID_WEIGHTS",
    "IdCheck",
    "check_citizen_id",
    "check_holder_code",
    "check_licence_identifier",
    "check_uscc",
    "citizen_id_check_char",
    "make_licence_identifier",
    "mod37_36_check_char",
    "recognise",
    "uscc_check_char",
]

LICENCE_ID_ROOT = "1.2.156.3005.2"
MOD37_36_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_ID_CHECK_CHARS = "10X98765432"

# Holder code types (持证主体代码类型), domain reference §3.
HOLDER_CODE_TYPES: dict[str, str] = {
    "001": "Unified social credit code (USCC)",
    "099": "Other organisation code",
    "111": "Citizen ID (resident identity card)",
    "114": "PLA officer ID",
    "118": "PLA soldier ID",
    "120": "PLA civilian staff ID",
    "115": "Armed police officer ID",
    "119": "Armed police soldier ID",
    "122": "Armed police civilian staff ID",
    "411": "Diplomatic passport",
    "412": "Service passport",
    "413": "Official ordinary passport",
    "414": "Ordinary passport",
    "511": "Taiwan residents' permit",
    "516": "Hong Kong/Macao residents' permit",
    "999": "Other personal document",
}

HOLDER_CODE_MAX_LENGTH = 64

# --- tables built once -----------------------------------------------------------------------

_MOD36_VALUE = {c: i for i, c in enumerate(MOD37_36_ALPHABET)}


def _mod37_36_step(p: int, v: int) -> int:
    t = (p + v) % 36
    return (2 * (t or 36)) % 37


# _MOD36_NEXT[p][c] is the state after reading character c in state p (p in 1..36).
_MOD36_NEXT: tuple[dict[str, int], ...] = tuple(
    {c: _mod37_36_step(p, v) for c, v in _MOD36_VALUE.items()} for p in range(37)
)
_MOD36_CHECK = tuple(MOD37_36_ALPHABET[(37 - p) % 36] for p in range(37))

_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTED = tuple({c: v * w % 31 for c, v in _USCC_VALUE.items()} for w in USCC_WEIGHTS)
_DIGITS = frozenset("0123456789")
_CITIZEN_WEIGHTED = tuple({str(d): d * w for d in range(10)} for w in CITIZEN_ID_WEIGHTS)

_USCC = "[0-9A-HJ-NP-RTUW-Y]"
_TYPE_CODE_RE = re.compile(_USCC + r"{18}[0-9]{3}")
_ISSUER_CODE_RE = re.compile(_USCC + r"{18}|[0-9]{6}")
_SERIAL_RE = re.compile(r"[0-9A-Z]{1,32}")
_MAX_CHAR_ERRORS = 3


# --- check characters ------------------------------------------------------------------------


def mod37_36_check_char(data: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (hybrid) check character of ``data`` over ``0-9A-Z``.

    p = 36; per character: t = (p + value) mod 36 (0 -> 36), p = 2t mod 37; check is
    ``alphabet[(37 - p) mod 36]``. Raises ValueError on a character outside ``0-9A-Z``.
    """
    nxt = _MOD36_NEXT
    p = 36
    try:
        for c in data:
            p = nxt[p][c]
    except KeyError:
        bad = next(c for c in data if c not in _MOD36_VALUE)
        raise ValueError(f"character {bad!r} is not in the MOD 37,36 alphabet 0-9A-Z") from None
    return _MOD36_CHECK[p]


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters of a USCC."""
    if len(first17) != 17:
        raise ValueError(f"a USCC body must be 17 characters, got {len(first17)}")
    try:
        total = sum(table[c] for table, c in zip(_USCC_WEIGHTED, first17, strict=True))
    except KeyError:
        bad = next(c for c in first17 if c not in _USCC_VALUE)
        raise ValueError(f"character {bad!r} is not in the USCC alphabet {USCC_ALPHABET}") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def citizen_id_check_char(first17: str) -> str:
    """GB 11643 check character (ISO/IEC 7064 MOD 11-2) for the first 17 digits of a citizen ID."""
    if len(first17) != 17:
        raise ValueError(f"a citizen ID body must be 17 digits, got {len(first17)} characters")
    try:
        total = sum(table[c] for table, c in zip(_CITIZEN_WEIGHTED, first17, strict=True))
    except KeyError:
        bad = next(c for c in first17 if c not in _DIGITS)
        raise ValueError(f"character {bad!r} is not a digit 0-9") from None
    return CITIZEN_ID_CHECK_CHARS[total % 11]


# --- building --------------------------------------------------------------------------------


def make_licence_identifier(type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """Build ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version:03d>.<check>``.

    Raises ValueError unless the parts are well formed: type code = 18-char USCC + 3 digits,
    issuer = 18-char USCC or 6-digit region code, serial = 1..32 of ``0-9A-Z``,
    version = 1..999. Embedded USCC check characters are not enforced (legacy codes exist).
    """
    if _TYPE_CODE_RE.fullmatch(type_code) is None:
        raise ValueError(f"type code must be an 18-char USCC + 3 digits, got {type_code!r}")
    if _ISSUER_CODE_RE.fullmatch(issuer_code) is None:
        raise ValueError(f"issuer code must be an 18-char USCC or a 6-digit region code, got {issuer_code!r}")
    if _SERIAL_RE.fullmatch(serial) is None:
        raise ValueError(f"serial must be 1-32 uppercase alphanumerics, got {serial!r}")
    if type(version) is not int or not 1 <= version <= 999:
        raise ValueError(f"version must be an int from 1 to 999, got {version!r}")
    ver = f"{version:03d}"
    check = mod37_36_check_char(type_code + issuer_code + serial + ver)
    return f"{LICENCE_ID_ROOT}.{type_code}.{issuer_code}.{serial}.{ver}.{check}"


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdCheck:
    """Outcome of checking one value: ``valid`` is True exactly when ``errors`` is empty."""

    kind: str
    valid: bool
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    parts: dict[str, str] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        """``{"kind", "valid", "errors", "warnings", "parts"}`` with lists and a fresh dict."""
        return {
            "kind": self.kind,
            "valid": self.valid,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "parts": dict(self.parts),
        }


def _result(kind: str, errors: list[str], warnings: list[str], parts: dict[str, str]) -> IdCheck:
    return IdCheck(kind, not errors, tuple(errors), tuple(warnings), parts)


def _show(text: str, limit: int = 40) -> str:
    """repr() of a value echoed in a message, cut short so garbage input stays readable."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _not_a_string(kind: str, value: object) -> IdCheck:
    return IdCheck(kind, False, (f"value must be a string, got {type(value).__name__}",))


# --- USCC ------------------------------------------------------------------------------------


def _uscc_findings(code: str, label: str, errors: list[str], warnings: list[str]) -> None:
    """Append the problems of an 18-char USCC candidate; a check mismatch is only a warning."""
    if len(code) != 18:
        errors.append(f"{label} length must be 18 characters, got {len(code)}")
    bad = [(i, c) for i, c in enumerate(code, 1) if c not in _USCC_VALUE]
    for i, c in bad[:_MAX_CHAR_ERRORS]:
        hint = "letters must be uppercase" if c.islower() else "no I, O, S, V, Z"
        errors.append(f"{label} character {c!r} at position {i} is not in the USCC alphabet ({hint})")
    if len(bad) > _MAX_CHAR_ERRORS:
        errors.append(f"{label} has {len(bad) - _MAX_CHAR_ERRORS} more characters outside the USCC alphabet")
    if len(code) == 18 and not bad:
        expected = uscc_check_char(code[:17])
        if code[17] != expected:
            warnings.append(
                f"{label} check character mismatch (expected {expected!r}, got {code[17]!r}): "
                "legacy pilot codes exist; accepted"
            )


def check_uscc(value: str) -> IdCheck:
    """Check a unified social credit code (GB 32100).

    Wrong length or characters outside the alphabet are errors; a check-character mismatch is
    a warning only (early pilot codes fail it yet are legal).
    """
    if not isinstance(value, str):
        return _not_a_string("uscc", value)
    errors: list[str] = []
    warnings: list[str] = []
    _uscc_findings(value, "USCC", errors, warnings)
    parts: dict[str, str] = {}
    if len(value) == 18:
        parts = {
            "registration_authority": value[0],
            "organisation_category": value[1],
            "region": value[2:8],
            "organisation_code": value[8:17],
            "check": value[17],
        }
    return _result("uscc", errors, warnings, parts)


# --- citizen ID ------------------------------------------------------------------------------


def _birth_date_error(text: str, today: date) -> str | None:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return f"birth date {text!r} is not a real calendar date"
    if born.year < 1900:
        return f"birth date {text!r} is before 1900"
    if born > today:
        return f"birth date {text!r} is in the future"
    return None


def check_citizen_id(value: str, *, today: date | None = None) -> IdCheck:
    """Check an 18-character citizen ID (GB 11643): digits, birth date, MOD 11-2.

    The check character is a digit or uppercase ``X`` (lowercase ``x`` is an error). The
    birth date must be a real date from 1900-01-01 to ``today`` (default: the local date).
    """
    if not isinstance(value, str):
        return _not_a_string("citizen_id", value)
    errors: list[str] = []
    n = len(value)
    if n != 18:
        errors.append(f"citizen ID length must be 18 characters, got {n}")
    body = value[:17]
    non_digits = [(i, c) for i, c in enumerate(body, 1) if c not in _DIGITS]
    for i, c in non_digits[:_MAX_CHAR_ERRORS]:
        errors.append(f"citizen ID character {c!r} at position {i} must be a digit")
    if len(non_digits) > _MAX_CHAR_ERRORS:
        errors.append(f"citizen ID has {len(non_digits) - _MAX_CHAR_ERRORS} more non-digit characters")
    check = value[17] if n == 18 else ""
    if check == "x":
        errors.append("citizen ID check character must be uppercase 'X', got lowercase 'x'")
    elif check and check not in _DIGITS and check != "X":
        errors.append(f"citizen ID check character must be a digit or 'X', got {check!r}")
    birth = value[6:14]
    if len(birth) == 8 and all(c in _DIGITS for c in birth):
        problem = _birth_date_error(birth, today or date.today())
        if problem:
            errors.append(f"citizen ID {problem}")
    if n == 18 and not non_digits and (check in _DIGITS or check == "X"):
        expected = citizen_id_check_char(body)
        if check != expected:
            errors.append(f"citizen ID check character mismatch: expected {expected!r}, got {check!r}")
    parts: dict[str, str] = {}
    if n == 18:
        parts = {"region": value[:6], "birth_date": birth, "sequence": value[14:17], "check": check}
    return _result("citizen_id", errors, warnings=[], parts=parts)


# --- licence identifier ----------------------------------------------------------------------

_FIELDS = ("type_code", "issuer_code", "serial", "version", "check")


def check_licence_identifier(value: str) -> IdCheck:
    """Check a licence identifier (GB/T 36904) part by part, then its MOD 37,36 check char.

    Warnings, not errors: an embedded USCC whose check character fails (legacy codes), and an
    issuer given as a 6-digit region code instead of a USCC.
    """
    kind = "licence_identifier"
    if not isinstance(value, str):
        return _not_a_string(kind, value)
    errors: list[str] = []
    warnings: list[str] = []
    if value.startswith(LICENCE_ID_ROOT + "."):
        root = LICENCE_ID_ROOT
        fields = value[len(LICENCE_ID_ROOT) + 1 :].split(".")
    else:
        pieces = value.split(".")
        root = ".".join(pieces[:5])
        fields = pieces[5:]
        errors.append(f"root must be {LICENCE_ID_ROOT!r}, got {_show(root)}")
    parts = {"root": root}
    if len(fields) != len(_FIELDS):
        what = "a field is missing" if len(fields) < len(_FIELDS) else "there are extra fields"
        errors.append(
            f"expected 5 fields after the root (type code, issuer code, serial, version, check), "
            f"got {len(fields)}: {what}"
        )
        return _result(kind, errors, warnings, parts)
    type_code, issuer, serial, version, check = fields
    parts.update(zip(_FIELDS, fields, strict=True))

    # Type code: defining authority's USCC + 3-digit sequence.
    if len(type_code) != 21:
        errors.append(
            f"type code must be 21 characters (18-char USCC + 3 digits), got {len(type_code)}: {_show(type_code)}"
        )
    else:
        parts["type_authority"], parts["type_sequence"] = type_code[:18], type_code[18:]
        _uscc_findings(type_code[:18], "type code's authority USCC", errors, warnings)
        if not all(c in _DIGITS for c in type_code[18:]):
            errors.append(f"type code must end in a 3-digit sequence, got {type_code[18:]!r}")

    # Issuer: USCC, or (seen in real data) a 6-digit region code.
    if len(issuer) == 6 and all(c in _DIGITS for c in issuer):
        parts["issuer_kind"] = "region"
        warnings.append(f"issuer code {issuer!r} is a 6-digit region code, not a USCC; accepted")
    elif len(issuer) == 18:
        parts["issuer_kind"] = "uscc"
        _uscc_findings(issuer, "issuer code USCC", errors, warnings)
    else:
        errors.append(
            f"issuer code must be an 18-character USCC or a 6-digit region code, "
            f"got {len(issuer)} characters: {_show(issuer)}"
        )

    # Serial: 1..32 uppercase alphanumerics.
    if not serial:
        errors.append("serial is empty")
    elif len(serial) > 32:
        errors.append(f"serial must be at most 32 characters, got {len(serial)}")
    for i, c in enumerate(serial, 1):
        if c not in _MOD36_VALUE:
            what = f"lowercase {c!r}" if c.islower() else repr(c)
            errors.append(f"serial must be uppercase alphanumerics, got {what} at position {i}")
            break

    # Version: exactly 3 digits, 001 upward.
    if len(version) != 3 or not all(c in _DIGITS for c in version):
        errors.append(f"version must be 3 digits, got {_show(version)}")
    elif version == "000":
        errors.append("version must be 001 or higher, got '000'")

    # Check character over type+issuer+serial+version, no dots, no root.
    if len(check) != 1 or check not in _MOD36_VALUE:
        errors.append(f"check must be one character from 0-9A-Z, got {_show(check)}")
    else:
        try:
            expected = mod37_36_check_char(type_code + issuer + serial + version)
        except ValueError:
            pass  # a part already carries an error for the character that prevents computing it
        else:
            if check != expected:
                errors.append(f"check character mismatch: expected {expected!r}, got {check!r}")
    return _result(kind, errors, warnings, parts)


# --- recognising -----------------------------------------------------------------------------


# GB/T 2260 province-level prefixes, plus "10" for national-level registrations (100000).
_USCC_REGION_PREFIXES = frozenset(
    group + province
    for group, provinces in {
        "1": "012345",
        "2": "123",
        "3": "1234567",
        "4": "123456",
        "5": "01234",
        "6": "12345",
        "7": "1",
        "8": "12",
    }.items()
    for province in provinces
)


def _date_shaped(text: str) -> bool:
    """YYYYMMDD-looking (year 18xx-20xx, month 0x/1x, day 0x-3x), not necessarily a real date."""
    return (
        len(text) == 8
        and all(c in _DIGITS for c in text)
        and text[:2] in ("18", "19", "20")
        and text[4] in "01"
        and text[6] in "0123"
    )


def _looks_like_citizen_id(value: str) -> bool:
    body, last = value[:17], value[17:]
    if len(body) < 14 or not all(c in _DIGITS for c in body) or last not in ("", *"0123456789Xx"):
        return False
    if not _date_shaped(value[6:14]):
        return False
    if len(value) != 18:
        return True  # a mistyped citizen ID: a USCC is never all digits and short
    citizen = check_citizen_id(value)
    if citizen.valid:
        return True
    # A flawed citizen ID, or an all-digit USCC whose middle happens to look like a date. The
    # USCC reading wins only if it is clean (its check character agrees) and its region code
    # (positions 3-8) starts like a real one; else report the citizen ID's problems.
    uscc = check_uscc(value)
    return not (uscc.valid and not uscc.warnings and value[2:4] in _USCC_REGION_PREFIXES)


def recognise(value: str) -> IdCheck:
    """Decide what ``value`` is (licence identifier, citizen ID, USCC) and check it as that.

    Dots -> licence identifier. Digits (last may be X) with a date-looking birth date at
    positions 7-14 -> citizen ID (also when mistyped to 14-17 characters), unless it fails as
    a citizen ID yet passes cleanly as a USCC with a real-looking region. Other 18-character
    values -> USCC. Anything else -> kind "unknown", invalid.
    """
    if not isinstance(value, str):
        return _not_a_string("unknown", value)
    if value.startswith("1.2.156.") or "." in value:
        return check_licence_identifier(value)
    if _looks_like_citizen_id(value):
        return check_citizen_id(value)
    if len(value) == 18:
        return check_uscc(value)
    return IdCheck(
        "unknown",
        False,
        (
            f"cannot tell what this is ({len(value)} characters): expected a licence identifier "
            f"starting {LICENCE_ID_ROOT}., an 18-character citizen ID or an 18-character USCC",
        ),
    )


# --- holder codes ----------------------------------------------------------------------------


def check_holder_code(code_type: str, code: str) -> IdCheck:
    """Check a holder code against its holder code type (domain reference §3).

    111 -> :func:`check_citizen_id`, 001 -> :func:`check_uscc`; other known types need a
    non-blank printable code of at most 64 characters. An unknown type is an error.
    """
    name = HOLDER_CODE_TYPES.get(code_type) if isinstance(code_type, str) else None
    if name is None:
        return IdCheck("holder_code", False, (f"holder code type {code_type!r} is unknown",))
    type_parts = {"code_type": code_type, "code_type_name": name}
    if code_type == "111":
        result = check_citizen_id(code)
    elif code_type == "001":
        result = check_uscc(code)
    else:
        errors: list[str] = []
        if not isinstance(code, str):
            errors.append(f"holder code must be a string, got {type(code).__name__}")
        elif not code.strip():
            errors.append("holder code is empty")
        elif len(code) > HOLDER_CODE_MAX_LENGTH:
            errors.append(f"holder code length must be at most {HOLDER_CODE_MAX_LENGTH}, got {len(code)}")
        elif not code.isprintable():
            errors.append("holder code contains control characters")
        return _result("holder_code", errors, [], type_parts)
    return replace(result, parts={**type_parts, **result.parts})
