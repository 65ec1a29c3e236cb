"""Checkpoints in the C2SP signed-note form (docs/checkpoint.md).

    <origin>\\n<tree size, decimal>\\n<root hash, base64>\\n
    \\n
    — <key name> <base64(key id || Ed25519 signature)>\\n

The key id is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || public key), as the
C2SP signed-note specification defines for Ed25519; the signature covers the text before the
blank line, trailing newline included.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import VerificationError

SIGNATURE_PREFIX = "\u2014 "  # em dash, space
ED25519_ALGORITHM = b"\x01"  # the signed-note signature type byte for Ed25519


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def to_text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "" or not lines[0]:
            raise VerificationError(
                "checkpoint: expected origin, size and root lines, each ending in a newline"
            )
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size.startswith("0") and size != "0"):
            raise VerificationError(f"checkpoint: tree size {size!r} is not a decimal number")
        try:
            digest = base64.b64decode(root, validate=True)
        except ValueError:
            raise VerificationError("checkpoint: root hash is not base64") from None
        if len(digest) != 32:
            raise VerificationError(f"checkpoint: root hash has {len(digest)} bytes, not 32")
        return cls(origin, int(size), digest)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519_ALGORITHM + public_key).digest()[:4]


class NoteSigner:
    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not name or any(c.isspace() for c in name) or "+" in name:
            raise ValueError("key name: non-empty, no spaces or '+'")
        self.name = name
        self.private_key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @classmethod
    def from_file(cls, name: str, path: Path) -> NoteSigner:
        """The log's signing key, created (mode 0600) on first use."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise VerificationError(f"{path}: not an Ed25519 private key")
        return cls(name, key)

    def verifier_key(self) -> str:
        """The verifier key string: <name>+<key id hex>+<base64(0x01 || public key)>."""
        encoded = base64.b64encode(ED25519_ALGORITHM + self.public_key).decode()
        return f"{self.name}+{key_id(self.name, self.public_key).hex()}+{encoded}"

    def sign(self, checkpoint: Checkpoint) -> str:
        text = checkpoint.to_text()
        signature = self.private_key.sign(text.encode())
        blob = base64.b64encode(key_id(self.name, self.public_key) + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


def open_note(note: str, name: str, public_key: bytes) -> Checkpoint:
    """The checkpoint of a signed note, if `name`'s key signed it; raises VerificationError."""
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise VerificationError("signed note: no blank line between the text and the signatures")
    text += "\n"
    checkpoint = Checkpoint.from_text(text)
    wanted = key_id(name, public_key)
    for line in signatures.split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            continue
        signer, _, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            continue
        if signer != name or raw[:4] != wanted:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(raw[4:], text.encode())
        except InvalidSignature:
            raise VerificationError(f"signed note: the signature of {name} does not verify") from None
        return checkpoint
    raise VerificationError(f"signed note: no signature by {name}")
