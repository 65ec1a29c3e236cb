"""Tests for ledger.identifiers: gold vectors, known answers, and MOD 37,36 error detection."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import identifiers as ids
from ledger.identifiers import (
    HOLDER_CODE_TYPES,
    LICENCE_ID_ROOT,
    MOD37_36_ALPHABET,
    USCC_ALPHABET,
    check_citizen_id,
    check_holder_code,
    check_licence_identifier,
    check_uscc,
    citizen_id_check_char,
    make_licence_identifier,
    mod37_36_check_char,
    recognise,
    uscc_check_char,
)

VECTORS = json.loads((Path(__file__).parent / "vectors" / "identifiers.json").read_text(encoding="utf-8"))

CHECKERS = {
    "licence_identifier": check_licence_identifier,
    "citizen_id": check_citizen_id,
    "uscc": check_uscc,
}

# Each "why" of an invalid vector -> words of which at least one must appear in an error.
REASON_WORDS = {
    "wrong check character": ("check",),
    "version must be 3 digits": ("version",),
    "wrong root": ("root",),
    "missing field": ("missing", "fields"),
    "lowercase in serial": ("serial", "lowercase"),
    "impossible date": ("date",),
    "wrong length": ("length",),
    "letter I is not in the alphabet": ("alphabet",),
}

# Where the vectors call "invalid" what the authoritative domain reference (§3) says to accept:
# "Some early pilot codes fail the check yet are legal: warn, don't reject." These must come
# out valid, with a warning naming the check character.
ACCEPTED_WITH_WARNING = {
    ("uscc", "11100000000013338X"): "USCC check mismatch is a warning (legacy pilot codes)",
}


def _vectors(validity: str) -> list[Any]:
    out = []
    for kind in CHECKERS:
        for entry in VECTORS[kind][validity]:
            value = entry if isinstance(entry, str) else entry["value"]
            why = "" if isinstance(entry, str) else entry["why"]
            out.append(pytest.param(kind, value, why, id=f"{kind}-{value}"))
    assert out, f"no {validity} vectors"
    return out


# --------------------------------------------------------------------------------------------
# Gold vectors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "value", "why"), _vectors("valid"))
def test_valid_vector(kind: str, value: str, why: str) -> None:
    result = CHECKERS[kind](value)
    assert result.kind == kind
    assert result.valid, result.errors
    assert result.errors == ()
    assert result.warnings == ()


@pytest.mark.parametrize(("kind", "value", "why"), _vectors("invalid"))
def test_invalid_vector(kind: str, value: str, why: str) -> None:
    result = CHECKERS[kind](value)
    assert result.kind == kind
    words = REASON_WORDS[why]
    if (kind, value) in ACCEPTED_WITH_WARNING:
        assert result.valid, result.errors
        assert any(w in msg for msg in result.warnings for w in words), result.warnings
        return
    assert not result.valid
    assert any(w in msg for msg in result.errors for w in words), result.errors


@pytest.mark.parametrize(("kind", "value", "why"), _vectors("valid") + _vectors("invalid"))
def test_recognise_picks_vector_kind(kind: str, value: str, why: str) -> None:
    result = recognise(value)
    assert result.kind == kind
    assert result == CHECKERS[kind](value)


@pytest.mark.parametrize("value", VECTORS["licence_identifier"]["valid"])
def test_valid_identifier_rebuilds_exactly(value: str) -> None:
    parts = check_licence_identifier(value).parts
    rebuilt = make_licence_identifier(
        parts["type_code"], parts["issuer_code"], parts["serial"], int(parts["version"])
    )
    assert rebuilt == value


def test_invalid_vector_reasons_are_all_known() -> None:
    whys = {e["why"] for kind in CHECKERS for e in VECTORS[kind]["invalid"]}
    assert whys <= REASON_WORDS.keys()


# --------------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------------


def test_public_example_citizen_id() -> None:
    assert citizen_id_check_char("11010519491231002") == "X"
    result = check_citizen_id("11010519491231002X")
    assert result.valid
    assert result.parts == {"region": "110105", "birth_date": "19491231", "sequence": "002", "check": "X"}


@pytest.mark.parametrize("uscc", VECTORS["uscc"]["valid"])
def test_uscc_check_char_recomputed(uscc: str) -> None:
    assert uscc_check_char(uscc[:17]) == uscc[17]


def test_mod37_36_known_answers() -> None:
    assert mod37_36_check_char("11100000000013338W01111430000006122244L20230000403001") == "U"
    assert mod37_36_check_char("11100000000013338W03211220000013544541J2430599001") == "F"


def test_uscc_wrong_check_is_valid_with_warning() -> None:
    result = check_uscc("11110000000021135X")
    assert result.valid
    assert result.errors == ()
    assert result.warnings == (
        "USCC check character mismatch (expected 'M', got 'X'): legacy pilot codes exist; accepted",
    )


def test_uscc_illegal_characters_named_with_position() -> None:
    result = check_uscc("1110000000001333OW")
    assert not result.valid
    assert result.errors == (
        "USCC character 'O' at position 17 is not in the USCC alphabet (no I, O, S, V, Z)",
    )
    assert "uppercase" in check_uscc("11100000000013338w").errors[0]
    assert "length" in check_uscc("11100000000013338").errors[0]


def test_region_issuer_is_valid_with_warning() -> None:
    value = make_licence_identifier("11100000000013338W001", "110115", "A1B2C3", 2)
    assert value.startswith(f"{LICENCE_ID_ROOT}.11100000000013338W001.110115.A1B2C3.002.")
    result = check_licence_identifier(value)
    assert result.valid, result.errors
    assert result.parts["issuer_kind"] == "region"
    assert len(result.warnings) == 1
    assert "region code" in result.warnings[0]


def test_embedded_uscc_check_failure_is_a_warning() -> None:
    value = make_licence_identifier("11100000000013338X001", "11430000006122244K", "7", 1)
    result = check_licence_identifier(value)
    assert result.valid, result.errors
    assert len(result.warnings) == 2
    assert result.warnings[0].startswith("type code's authority USCC check character mismatch")
    assert result.warnings[1].startswith("issuer code USCC check character mismatch")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L.ABC.000.X",
            "version must be 001 or higher",
        ),
        (
            f"{LICENCE_ID_ROOT}.11100000000013338W01.11430000006122244L.ABC.001.X",
            "type code must be 21 characters",
        ),
        (f"{LICENCE_ID_ROOT}.11100000000013338W0A1.11430000006122244L.ABC.001.X", "3-digit sequence"),
        (f"{LICENCE_ID_ROOT}.1110000000001333IW001.11430000006122244L.ABC.001.X", "not in the USCC alphabet"),
        (f"{LICENCE_ID_ROOT}.11100000000013338W001.1143000000612224L.ABC.001.X", "issuer code must be"),
        (f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L..001.X", "serial is empty"),
        (f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L.{'A' * 33}.001.X", "at most 32"),
        (
            f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L.AB-C.001.X",
            "serial must be uppercase",
        ),
        (
            f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L.ABC.001.XY",
            "check must be one character",
        ),
        (f"{LICENCE_ID_ROOT}.11100000000013338W001.11430000006122244L.ABC.001.X.Y", "extra fields"),
        ("", "root must be"),
    ],
)
def test_licence_identifier_errors(value: str, message: str) -> None:
    result = check_licence_identifier(value)
    assert not result.valid
    assert any(message in e for e in result.errors), result.errors


def test_citizen_id_rules() -> None:
    lower = check_citizen_id("11010519491231002x")
    assert not lower.valid
    assert lower.errors == ("citizen ID check character must be uppercase 'X', got lowercase 'x'",)
    body = "11010520300101001"
    future = check_citizen_id(body + citizen_id_check_char(body), today=date(2026, 1, 1))
    assert future.errors == ("citizen ID birth date '20300101' is in the future",)
    assert check_citizen_id(body + citizen_id_check_char(body), today=date(2030, 1, 1)).valid
    old = "11010518991231001"
    assert check_citizen_id(old + citizen_id_check_char(old)).errors == (
        "citizen ID birth date '18991231' is before 1900",
    )
    leap = "11010520000229001"
    assert check_citizen_id(leap + citizen_id_check_char(leap)).valid
    assert "digit" in check_citizen_id("1101051949123100AX").errors[0]


def test_recognise_ambiguous_and_unknown() -> None:
    # The "impossible date" vector is also a clean USCC (its GB 32100 check char is X), but
    # its USCC region "010519" is no real region while its citizen region "110105" is.
    assert uscc_check_char("11010519491331002") == "X"
    assert recognise("11010519491331002X").kind == "citizen_id"
    # An all-digit USCC with a date-looking middle (19200101): clean USCC, failing citizen ID.
    clean = check_uscc("911101192001010042")
    assert (clean.valid, clean.warnings) == (True, ())
    assert not check_citizen_id("911101192001010042").valid
    assert recognise("911101192001010042").kind == "uscc"
    assert recognise("11100000000013338W").kind == "uscc"
    unknown = recognise("ABC")
    assert unknown.kind == "unknown"
    assert not unknown.valid
    assert unknown.errors
    assert recognise("1.2.3").kind == "licence_identifier"


def test_to_json_shape() -> None:
    data = check_licence_identifier(VECTORS["licence_identifier"]["valid"][0]).to_json()
    assert list(data) == ["kind", "valid", "errors", "warnings", "parts"]
    assert data["kind"] == "licence_identifier"
    assert data["valid"] is True
    assert data["errors"] == []
    assert data["warnings"] == []
    assert data["parts"]["version"] == "001"
    assert json.loads(json.dumps(data)) == data


def test_primitives_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="0-9A-Z"):
        mod37_36_check_char("abc")
    with pytest.raises(ValueError, match="USCC alphabet"):
        uscc_check_char("1110000000001333I")
    with pytest.raises(ValueError, match="17"):
        uscc_check_char("111")
    with pytest.raises(ValueError, match="digit"):
        citizen_id_check_char("1101051949123100A")
    with pytest.raises(ValueError, match="17"):
        citizen_id_check_char("1101")
    good = ("11100000000013338W001", "11430000006122244L", "ABC", 1)
    for i, bad in [
        (0, "11100000000013338W01"),
        (1, "1143000000612224"),
        (2, "abc"),
        (2, ""),
        (3, 0),
        (3, 1000),
    ]:
        args = list(good)
        args[i] = bad
        with pytest.raises(ValueError):
            make_licence_identifier(*args)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        make_licence_identifier(*good[:3], True)  # type: ignore[arg-type]


def test_checks_never_raise_on_non_strings() -> None:
    for check in (check_licence_identifier, check_citizen_id, check_uscc, recognise):
        result = check(None)  # type: ignore[arg-type]
        assert not result.valid
        assert "string" in result.errors[0]


# --------------------------------------------------------------------------------------------
# Holder codes
# --------------------------------------------------------------------------------------------


def test_holder_code_types_table() -> None:
    assert sorted(HOLDER_CODE_TYPES) == sorted(
        [
            "001",
            "099",
            "111",
            "114",
            "118",
            "120",
            "115",
            "119",
            "122",
            "411",
            "412",
            "413",
            "414",
            "511",
            "516",
            "999",
        ]
    )
    assert all(name and name.isascii() for name in HOLDER_CODE_TYPES.values())


def test_check_holder_code() -> None:
    citizen = check_holder_code("111", "11010519491231002X")
    assert citizen.kind == "citizen_id"
    assert citizen.valid
    assert citizen.parts["code_type"] == "111"
    assert citizen.parts["birth_date"] == "19491231"
    assert not check_holder_code("111", "110105194912310021").valid
    uscc = check_holder_code("001", "11100000000013338X")
    assert (uscc.kind, uscc.valid, len(uscc.warnings)) == ("uscc", True, 1)
    assert not check_holder_code("001", "1110000000001333IW").valid
    passport = check_holder_code("414", "E12345678")
    assert (passport.kind, passport.valid) == ("holder_code", True)
    assert passport.parts == {"code_type": "414", "code_type_name": "Ordinary passport"}
    assert not check_holder_code("999", "").valid
    assert not check_holder_code("999", "   ").valid
    assert check_holder_code("999", "A" * 64).valid
    assert "length" in check_holder_code("999", "A" * 65).errors[0]
    assert not check_holder_code("099", "AB\nC").valid
    unknown = check_holder_code("123", "X")
    assert (unknown.kind, unknown.valid) == ("holder_code", False)
    assert "unknown" in unknown.errors[0]


# --------------------------------------------------------------------------------------------
# MOD 37,36: a literal reference, and what it does and does not detect
# --------------------------------------------------------------------------------------------


def _ref_state(data: str, p: int = 36) -> int:
    """domain.md §2, literally: the running value p after reading ``data``."""
    for c in data:
        t = (p + MOD37_36_ALPHABET.index(c)) % 36
        if t == 0:
            t = 36
        p = (2 * t) % 37
    return p


def _ref_check(data: str) -> str:
    return MOD37_36_ALPHABET[(37 - _ref_state(data)) % 36]


def _blind_spot(p: int, a: str, b: str) -> bool:
    """True when swapping adjacent a, b read in state p leaves the MOD 37,36 state unchanged."""
    va, vb = MOD37_36_ALPHABET.index(a), MOD37_36_ALPHABET.index(b)
    return {va, vb} == {(18 - p) % 36, (19 - p) % 36}


@given(st.text(alphabet=MOD37_36_ALPHABET, max_size=80))
def test_mod37_36_matches_reference(data: str) -> None:
    assert mod37_36_check_char(data) == _ref_check(data)


def test_mod37_36_exhaustive_detection() -> None:
    """Every single substitution is detected; exactly one adjacent transposition per state is not."""
    alphabet = MOD37_36_ALPHABET
    for p in range(1, 37):
        after = {c: _ref_state(c, p) for c in alphabet}
        assert len(set(after.values())) == 36  # substitution: state stays distinct
        blind = {
            frozenset((a, b))
            for a in alphabet
            for b in alphabet
            if a != b and _ref_state(a + b, p) == _ref_state(b + a, p)
        }
        assert blind == {frozenset((alphabet[(18 - p) % 36], alphabet[(19 - p) % 36]))}
    # The state after the data maps to distinct check characters, so nothing is lost at the end.
    assert len({alphabet[(37 - p) % 36] for p in range(1, 37)}) == 36


def test_known_undetected_transposition() -> None:
    """A gold vector whose issuer digits '54' -> '45' keeps the licence check char F."""
    original = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"
    swapped = "1.2.156.3005.2.11100000000013338W032.11220000013544451J.2430599.001.F"
    assert check_licence_identifier(original).valid
    result = check_licence_identifier(swapped)
    assert result.valid  # not caught by MOD 37,36 ...
    assert any("issuer code USCC check character mismatch" in w for w in result.warnings)  # ... only warned


USCC_CHARS = st.text(alphabet=USCC_ALPHABET, min_size=18, max_size=18)
TYPE_CODES = st.builds(lambda u, n: u + f"{n:03d}", USCC_CHARS, st.integers(0, 999))
ISSUERS = USCC_CHARS | st.integers(0, 999_999).map(lambda n: f"{n:06d}")
SERIALS = st.text(alphabet=MOD37_36_ALPHABET, min_size=1, max_size=32)
VERSIONS = st.integers(1, 999)


def _fields(identifier: str) -> list[str]:
    return identifier[len(LICENCE_ID_ROOT) + 1 :].split(".")


def _rebuild(fields: list[str], data: str) -> str:
    """Re-cut the check-covered string ``data`` at the original field lengths."""
    out, pos = [], 0
    for f in fields[:4]:
        out.append(data[pos : pos + len(f)])
        pos += len(f)
    return ".".join([LICENCE_ID_ROOT, *out, fields[4]])


@given(TYPE_CODES, ISSUERS, SERIALS, VERSIONS)
def test_generated_identifiers_round_trip(type_code: str, issuer: str, serial: str, version: int) -> None:
    value = make_licence_identifier(type_code, issuer, serial, version)
    result = check_licence_identifier(value)
    assert result.valid, result.errors
    assert (result.parts["type_code"], result.parts["issuer_code"], result.parts["serial"]) == (
        type_code,
        issuer,
        serial,
    )
    assert int(result.parts["version"]) == version
    assert recognise(value) == result


@given(TYPE_CODES, ISSUERS, SERIALS, VERSIONS, st.data())
def test_any_single_substitution_is_detected(
    type_code: str, issuer: str, serial: str, version: int, data: st.DataObject
) -> None:
    value = make_licence_identifier(type_code, issuer, serial, version)
    fields = _fields(value)
    covered = "".join(fields[:4])
    i = data.draw(st.integers(0, len(covered) - 1), label="position")
    new = data.draw(st.sampled_from(MOD37_36_ALPHABET).filter(lambda c: c != covered[i]), label="char")
    result = check_licence_identifier(_rebuild(fields, covered[:i] + new + covered[i + 1 :]))
    assert not result.valid
    assert any(e.startswith("check character mismatch") for e in result.errors), result.errors


@given(TYPE_CODES, ISSUERS, SERIALS, VERSIONS, st.data())
def test_adjacent_transpositions_detected_outside_the_blind_spot(
    type_code: str, issuer: str, serial: str, version: int, data: st.DataObject
) -> None:
    value = make_licence_identifier(type_code, issuer, serial, version)
    fields = _fields(value)
    covered = "".join(fields[:4])
    pairs = [i for i in range(len(covered) - 1) if covered[i] != covered[i + 1]]
    if not pairs:
        return
    i = data.draw(st.sampled_from(pairs), label="position")
    swapped = covered[:i] + covered[i + 1] + covered[i] + covered[i + 2 :]
    result = check_licence_identifier(_rebuild(fields, swapped))
    caught = any(e.startswith("check character mismatch") for e in result.errors)
    assert caught != _blind_spot(_ref_state(covered[:i]), covered[i], covered[i + 1])


def test_module_exports_exist() -> None:
    for name in ids.__all__:
        assert hasattr(ids, name), name
