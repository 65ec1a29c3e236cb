"""Canonical forms of what the consent service signs and logs (format: docs/consent.md)."""

from __future__ import annotations

import hashlib
import hmac
import os
from base64 import b64encode
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

STATEMENT_FORMAT = "certledger.consent-statement/1"
RECEIPT_FORMAT = "certledger.consent-receipt/1"
USE_COPY_FORMAT = "certledger.use-copy/1"
CHALLENGE_DOMAIN = b"certledger/consent/v1\x00"


def canonical(value: Any) -> bytes:
    return rfc8785.dumps(value)


def challenge_for(statement: dict[str, Any]) -> bytes:
    """The WebAuthn challenge of a consent statement: the holder's passkey signs exactly it."""
    return hashlib.sha256(CHALLENGE_DOMAIN + canonical(statement)).digest()


def sign(document: dict[str, Any], key: Ed25519PrivateKey, key_id: str) -> dict[str, Any]:
    """`document` plus a `signature` over its canonical form without the signature."""
    body = {k: v for k, v in document.items() if k != "signature"}
    value = b64encode(key.sign(canonical(body))).decode()
    return {**body, "signature": {"alg": "Ed25519", "key_id": key_id, "value": value}}


def check_signature(document: dict[str, Any], public_key: Ed25519PublicKey) -> bool:
    from base64 import b64decode

    from cryptography.exceptions import InvalidSignature

    body = {k: v for k, v in document.items() if k != "signature"}
    try:
        public_key.verify(b64decode(document["signature"]["value"]), canonical(body))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True


def key_id(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


class HolderRefs:
    """Salted holder references (`hr1:` + 32 hex): what receipts, logs and archives carry instead of
    a holder code. An HMAC under a deployment secret, so they cannot be brute-forced from the
    small space of ID numbers."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
        self._secret = path.read_bytes()

    def ref(self, holder_key: str) -> str:
        return "hr1:" + hmac.new(self._secret, holder_key.encode(), hashlib.sha256).hexdigest()[:32]
