"""Salted per-field commitments and the licence leaf (format: docs/licence-leaf.md).

Each field gets its own random salt, so a holder can later hide a field (keeping only its
digest) and the leaf, hence the Merkle proof, still verifies.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from json.encoder import encode_basestring as _json_string  # type: ignore[attr-defined]

from ledger import merkle
from ledger.errors import VerificationError

LEAF_DOMAIN = b"certledger/licence/v1\x00"
SALT_BYTES = 16
FIELD_KEY = re.compile(r"^[A-Z][A-Z0-9_]*(\.[0-9]+)?$")
# Fields no package may hide: the verifier needs them to find the anchor and check the type.
ALWAYS_DISCLOSED = ("ZZBS", "ZZLXDM", "ZZBFJGDM")


def new_salts(keys: list[str]) -> dict[str, str]:
    raw = os.urandom(SALT_BYTES * len(keys))  # one system call for all fields
    return {k: raw[i * SALT_BYTES : (i + 1) * SALT_BYTES].hex() for i, k in enumerate(keys)}


def field_digest(key: str, value: str, salt: str) -> bytes:
    """SHA-256 of the RFC 8785 canonical form of {"k": key, "s": salt, "v": value}.

    The members are strings, the key is ASCII and the salt hex, so the canonical form is built
    directly with JSON string escaping (`", \\` and control characters only, as RFC 8785);
    byte-identical to the `rfc8785` package (tested), and ~10x faster.
    """
    canonical = '{"k":"' + key + '","s":"' + salt + '","v":' + _json_string(value) + "}"
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def canonical_record(fields: Mapping[str, str]) -> str:
    """RFC 8785 form of a flat record of strings with ASCII names (see `field_digest`)."""
    return "{" + ",".join(f'"{k}":{_json_string(fields[k])}' for k in sorted(fields)) + "}"


def field_digests(fields: Mapping[str, str], salts: Mapping[str, str]) -> dict[str, bytes]:
    return {k: field_digest(k, v, salts[k]) for k, v in fields.items()}


def leaf_entry(digests: Mapping[str, bytes] | list[bytes]) -> bytes:
    """Domain tag, then the field digests sorted bytewise (field names and order stay hidden)."""
    values = list(digests.values()) if isinstance(digests, Mapping) else list(digests)
    return LEAF_DOMAIN + b"".join(sorted(values))


def leaf_hash(fields: Mapping[str, str], salts: Mapping[str, str]) -> bytes:
    return merkle.leaf_hash(leaf_entry(field_digests(fields, salts)))


def check_field_key(key: str) -> None:
    if not FIELD_KEY.match(key):
        raise VerificationError(f"field name {key!r} is not of the form NAME or NAME.N")
