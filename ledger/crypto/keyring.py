"""Key-encryption keys (KEKs) in a keyring file, and wrapping of per-document data keys.

Each body is encrypted under its own data key (ledger.crypto.envelope); the data key is stored
only wrapped (RFC 3394 AES key wrap) under the keyring's active KEK, as `WrappedKey.to_str()`
text in a database column. Destroying that column value crypto-shreds the body.

The keyring file is JSON, written atomically with mode 0600. It is secret: never commit it,
never copy it into logs or tickets. Without a passphrase it is stored in the clear (acceptable
for development only); with one, the JSON is sealed with AES-256-GCM under a scrypt-derived key.
The file formats are described in docs/encryption.md.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from ledger.errors import StorageError

__all__ = ["DEFAULT_SCRYPT_N", "Kek", "Keyring", "KeyringError", "WrappedKey"]

FORMAT = "certledger-keyring"
SEALED_FORMAT = "certledger-keyring-sealed"
FILE_VERSION = 1
KEK_SIZE = 32  # AES-256
DATA_KEY_SIZE = 32
DEFAULT_SCRYPT_N = 1 << 17  # scrypt cost: 128 MiB and roughly half a second per load
_MIN_SCRYPT_N = 1 << 14
_SCRYPT_R = 8
_SCRYPT_P = 1
_SEALED_AAD = b"certledger/keyring/v1"
_COMMENT = (
    "SECRET: certledger key-encryption keys. Anyone holding this file and the stored data can "
    "read every encrypted body. Never commit it to version control, never copy it into logs, "
    "tickets or backups that are not themselves encrypted; keep it mode 0600."
)
_KEK_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyringError(StorageError):
    """The keyring file is missing, malformed or locked, or a data key cannot be (un)wrapped."""


@dataclass(frozen=True)
class Kek:
    """One key-encryption key. `retired` is when it stopped being the active KEK (ISO 8601 UTC)."""

    id: str
    created: str
    key: bytes = field(repr=False)
    retired: str | None = None


@dataclass(frozen=True)
class WrappedKey:
    """A data key wrapped under the KEK `kek_id` (RFC 3394; 40 bytes for a 32-byte data key)."""

    kek_id: str
    wrapped: bytes

    def to_str(self) -> str:
        """Compact text for a database column: `<kek_id>:<base64 of wrapped>`."""
        return f"{self.kek_id}:{base64.b64encode(self.wrapped).decode('ascii')}"

    @classmethod
    def from_str(cls, text: str) -> WrappedKey:
        kek_id, sep, encoded = text.rpartition(":")
        if not sep or not _KEK_ID.match(kek_id):
            raise KeyringError("malformed wrapped key: expected '<kek_id>:<base64>'")
        try:
            wrapped = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(
                f"malformed wrapped key for KEK {kek_id!r}: the base64 part is invalid"
            ) from None
        return cls(kek_id, wrapped)


class Keyring:
    """The KEKs in one keyring file. Changes (`rotate`, `remove`, `set_passphrase`) are saved at once."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        keks: list[Kek],
        active_id: str,
        *,
        passphrase: str | bytes | None = None,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> None:
        self.path = Path(path)
        self._keks = {k.id: k for k in keks}
        if len(self._keks) != len(keks):
            raise KeyringError(f"keyring {self.path} is malformed: duplicate KEK ids")
        if active_id not in self._keks:
            raise KeyringError(f"keyring {self.path} is malformed: active KEK {active_id!r} is not in it")
        self._active = active_id
        self._passphrase = _passphrase_bytes(passphrase)
        self._scrypt_n = scrypt_n

    def __repr__(self) -> str:
        sealed = "sealed" if self._passphrase is not None else "plaintext"
        return f"Keyring({str(self.path)!r}, {sealed}, active={self._active!r}, keks={list(self._keks)!r})"

    # ---- files ------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        passphrase: str | bytes | None = None,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> Keyring:
        """Write a new keyring with one fresh KEK; refuses to overwrite an existing file."""
        target = Path(path)
        if target.exists():
            raise KeyringError(
                f"keyring {target} already exists; refusing to overwrite it (that would lose keys)"
            )
        _check_scrypt_n(scrypt_n)
        kek = _new_kek()
        ring = cls(target, [kek], kek.id, passphrase=passphrase, scrypt_n=scrypt_n)
        ring.save()
        return ring

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, passphrase: str | bytes | None = None) -> Keyring:
        """Read a keyring file; a sealed one needs its passphrase."""
        source = Path(path)
        try:
            raw = source.read_bytes()
        except FileNotFoundError:
            raise KeyringError(f"keyring {source} does not exist (create one with Keyring.create)") from None
        except OSError as exc:
            raise KeyringError(f"keyring {source} cannot be read: {exc.strerror}") from None
        doc = _json_object(raw, source)
        fmt = doc.get("format")
        scrypt_n = DEFAULT_SCRYPT_N
        if fmt == SEALED_FORMAT:
            if passphrase is None:
                raise KeyringError(f"keyring {source} is passphrase-protected; a passphrase is needed")
            secret = _passphrase_bytes(passphrase)
            assert secret is not None
            scrypt_n, body = _unseal(doc, secret, source)
            doc = _json_object(body, source)
            if doc.get("format") != FORMAT:
                raise KeyringError(f"keyring {source} is malformed: the sealed content is not a keyring")
        elif fmt == FORMAT:
            if passphrase is not None:
                raise KeyringError(
                    f"keyring {source} is not passphrase-protected, but a passphrase was given; "
                    "load it without one and call set_passphrase() to protect it"
                )
        else:
            raise KeyringError(f"{source} is not a certledger keyring file (format {fmt!r})")
        keks, active = _parse_keyring(doc, source)
        return cls(source, keks, active, passphrase=passphrase, scrypt_n=scrypt_n)

    def save(self) -> None:
        """Write the keyring atomically (temporary file, fsync, rename) with mode 0600."""
        doc: dict[str, Any] = {
            "_comment": _COMMENT,
            "format": FORMAT,
            "version": FILE_VERSION,
            "active": self._active,
            "keks": [_kek_json(k) for k in self._keks.values()],
        }
        body = json.dumps(doc, indent=2).encode("utf-8") + b"\n"
        if self._passphrase is not None:
            body = json.dumps(_seal(body, self._passphrase, self._scrypt_n), indent=2).encode("utf-8") + b"\n"
        _write_private(self.path, body)

    def set_passphrase(self, passphrase: str | bytes | None, *, scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
        """Protect the file with a (new) passphrase, or store it in the clear with None; saves."""
        _check_scrypt_n(scrypt_n)
        self._passphrase = _passphrase_bytes(passphrase)
        self._scrypt_n = scrypt_n
        self.save()

    # ---- keys -------------------------------------------------------------------------

    @property
    def active_id(self) -> str:
        return self._active

    @property
    def keks(self) -> list[Kek]:
        return list(self._keks.values())

    def rotate(self) -> str:
        """Add a new active KEK; the old ones stay (marked retired) so old wrapped keys unwrap. Saves."""
        kek = _new_kek()
        while kek.id in self._keks:
            kek = _new_kek()
        old = self._keks[self._active]
        self._keks[old.id] = Kek(old.id, old.created, old.key, old.retired or _now())
        self._keks[kek.id] = kek
        self._active = kek.id
        self.save()
        return kek.id

    def remove(self, kek_id: str) -> None:
        """Delete a retired KEK for good (after every key wrapped under it was rewrapped). Saves.

        Everything still wrapped under it becomes unrecoverable.
        """
        if kek_id == self._active:
            raise KeyringError(f"KEK {kek_id!r} is the active KEK; rotate before removing it")
        if kek_id not in self._keks:
            raise KeyringError(f"KEK {kek_id!r} is not in keyring {self.path}")
        del self._keks[kek_id]
        self.save()

    def wrap(self, data_key: bytes) -> WrappedKey:
        """Wrap a 32-byte data key under the active KEK."""
        if not isinstance(data_key, bytes | bytearray) or len(data_key) != DATA_KEY_SIZE:
            got = (
                f"{len(data_key)} bytes"
                if isinstance(data_key, bytes | bytearray)
                else type(data_key).__name__
            )
            raise KeyringError(f"data key must be {DATA_KEY_SIZE} bytes, got {got}")
        return WrappedKey(self._active, aes_key_wrap(self._keks[self._active].key, bytes(data_key)))

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        """The data key inside `wrapped`; KeyringError if its KEK is absent or it does not match."""
        kek = self._keks.get(wrapped.kek_id)
        if kek is None:
            raise KeyringError(
                f"KEK {wrapped.kek_id!r} is not in keyring {self.path} (it holds {', '.join(self._keks)}); "
                "the data key cannot be unwrapped"
            )
        try:
            key = aes_key_unwrap(kek.key, bytes(wrapped.wrapped))
        except (InvalidUnwrap, ValueError):
            raise KeyringError(
                f"wrapped key does not match KEK {wrapped.kek_id!r}: it was wrapped under another key "
                "or the stored value is corrupted"
            ) from None
        if len(key) != DATA_KEY_SIZE:
            raise KeyringError(
                f"wrapped key under KEK {wrapped.kek_id!r} holds {len(key)} bytes, not a data key"
            )
        return key

    def rewrap(self, wrapped: WrappedKey) -> WrappedKey:
        """The same data key wrapped under the active KEK (for migrating off a retired KEK)."""
        if wrapped.kek_id == self._active:
            return wrapped
        return self.wrap(self.unwrap(wrapped))


# ---- helpers ------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_kek() -> Kek:
    now = datetime.now(UTC)
    return Kek(
        id=f"kek-{now:%Y%m%d}-{secrets.token_hex(4)}",
        created=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        key=secrets.token_bytes(KEK_SIZE),
    )


def _kek_json(kek: Kek) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": kek.id,
        "created": kek.created,
        "key": base64.b64encode(kek.key).decode("ascii"),
    }
    if kek.retired:
        out["retired"] = kek.retired
    return out


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        passphrase = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    if not passphrase:
        raise KeyringError("the keyring passphrase must not be empty")
    return bytes(passphrase)


def _check_scrypt_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < _MIN_SCRYPT_N or n & (n - 1):
        raise KeyringError(f"scrypt cost n must be a power of two of at least {_MIN_SCRYPT_N}, got {n!r}")


def _derive(passphrase: bytes, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _seal(body: bytes, passphrase: bytes, n: int) -> dict[str, Any]:
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(_derive(passphrase, salt, n)).encrypt(nonce, body, _SEALED_AAD)
    return {
        "_comment": _COMMENT,
        "format": SEALED_FORMAT,
        "version": FILE_VERSION,
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": n, "r": _SCRYPT_R, "p": _SCRYPT_P},
        "cipher": "AES-256-GCM",
        "nonce": _b64(nonce),
        "ciphertext": _b64(sealed),
    }


def _unseal(doc: dict[str, Any], passphrase: bytes, source: Path) -> tuple[int, bytes]:
    try:
        if doc["version"] != FILE_VERSION or doc["cipher"] != "AES-256-GCM":
            raise KeyringError(
                f"keyring {source} uses an unsupported version or cipher ({doc['version']!r}, {doc['cipher']!r})"
            )
        kdf = doc["kdf"]
        if kdf["name"] != "scrypt" or kdf["r"] != _SCRYPT_R or kdf["p"] != _SCRYPT_P:
            raise KeyringError(f"keyring {source} uses unsupported key-derivation parameters")
        n = kdf["n"]
        _check_scrypt_n(n)
        salt = base64.b64decode(kdf["salt"], validate=True)
        nonce = base64.b64decode(doc["nonce"], validate=True)
        sealed = base64.b64decode(doc["ciphertext"], validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError):
        raise KeyringError(f"keyring {source} is malformed: bad sealed-keyring fields") from None
    if len(nonce) != 12:
        raise KeyringError(f"keyring {source} is malformed: the nonce must be 12 bytes")
    try:
        return n, AESGCM(_derive(passphrase, salt, n)).decrypt(nonce, sealed, _SEALED_AAD)
    except InvalidTag:
        raise KeyringError(
            f"cannot open keyring {source}: wrong passphrase, or the file was altered"
        ) from None


def _json_object(raw: bytes, source: Path) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyringError(f"keyring {source} is not valid JSON") from None
    if not isinstance(doc, dict):
        raise KeyringError(f"keyring {source} is malformed: expected a JSON object")
    return doc


def _parse_keyring(doc: dict[str, Any], source: Path) -> tuple[list[Kek], str]:
    if doc.get("version") != FILE_VERSION:
        raise KeyringError(f"keyring {source} has unsupported version {doc.get('version')!r}")
    entries, active = doc.get("keks"), doc.get("active")
    if not isinstance(entries, list) or not entries or not isinstance(active, str):
        raise KeyringError(f"keyring {source} is malformed: it needs 'active' and a non-empty 'keks' list")
    keks = []
    for i, entry in enumerate(entries):
        try:
            kek_id, created, encoded = entry["id"], entry["created"], entry["key"]
            retired = entry.get("retired")
            if not (isinstance(kek_id, str) and _KEK_ID.match(kek_id)):
                raise ValueError
            if not isinstance(created, str) or not (retired is None or isinstance(retired, str)):
                raise ValueError
            key = base64.b64decode(encoded, validate=True)
        except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
            raise KeyringError(f"keyring {source} is malformed: KEK entry {i} is invalid") from None
        if len(key) != KEK_SIZE:
            raise KeyringError(f"keyring {source} is malformed: KEK {kek_id!r} is not {KEK_SIZE} bytes")
        keks.append(Kek(kek_id, created, key, retired))
    return keks, active


def _write_private(path: Path, body: bytes) -> None:
    """Atomically replace `path` with `body`, mode 0600 from the first byte written."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)  # mode 0600
    except OSError as exc:
        raise KeyringError(f"cannot write keyring {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise KeyringError(f"cannot write keyring {path}: {exc.strerror}") from None
    with contextlib.suppress(OSError):  # make the rename durable; not possible everywhere
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
