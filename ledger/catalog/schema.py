"""Vocabulary of the catalog seed files, shared by the loader and the generator."""

from __future__ import annotations

import re

# Record fields every licence carries (GB/T 36903 as implemented; ledger/licences/record.py).
# A matter's licence list may name these besides the type's own KZ_* face fields.
BASE_FIELDS: frozenset[str] = frozenset(
    {
        "ZZMC",  # licence name
        "ZZLXDM",  # type code
        "ZZBH",  # printed licence number
        "ZZBS",  # licence identifier (GB/T 36904)
        "ZZBFJG",  # issuing authority
        "ZZBFJGDM",  # issuing authority code
        "ZZBFRQ",  # issue date
        "CZZT",  # holder name(s)
        "CZZTDM",  # holder code(s)
        "CZZTDMLXDM",  # holder code type(s)
        "ZZYXQQSRQ",  # validity start
        "ZZYXQJZRQ",  # validity end
        "XZQHDM",  # jurisdiction (GB/T 2260 region code)
    }
)

LEVELS: tuple[str, ...] = ("national", "provincial", "city", "district")
HOLDER_CATEGORIES: tuple[str, ...] = ("person", "organisation")
FIELD_TYPES: tuple[str, ...] = ("string", "date", "enum", "number")
FACE_FIELDS_MIN, FACE_FIELDS_MAX = 3, 8
MATTER_LICENCES_MIN, MATTER_LICENCES_MAX = 1, 4

VALIDITY_RULE = re.compile(r"long-term|years:[1-9][0-9]?")
FACE_FIELD_NAME = re.compile(r"KZ_[A-Z0-9_]{1,40}")
TYPE_SEQUENCE = re.compile(r"[0-9]{3}")
# Real matter codes' inner structure is open (domain reference §5): any short token.
MATTER_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.\-]{0,63}")

# The only licence type codes confirmed real (domain reference §5); everything else is synthetic.
REAL_TYPE_CODES: dict[str, str] = {
    "11100000000013338W001": "二级建造师注册证书",
    "11100000000013338W032": "建筑施工特种作业人员操作资格证书",
    "11100000MB03271699001": "不动产权证书",
    "11100000MB03271699022": "不动产登记证明",
}
REAL_AUTHORITY_USCCS: frozenset[str] = frozenset(code[:18] for code in REAL_TYPE_CODES)

SYNTHETIC_NOTE = (
    "Synthetic catalog data for development and tests. Only the four licence type codes "
    + ", ".join(f"{code} {name}" for code, name in REAL_TYPE_CODES.items())
    + " and their two defining authorities' USCCs are real; every other code, USCC and matter "
    'is synthetic (marked "synthetic": true) and must not be presented as official.'
)
