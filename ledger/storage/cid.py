"""Content identifiers (CIDs) as IPFS writes them, restricted to what certledger produces.

Supported: CID version 1 with the codecs ``raw`` (0x55) and ``dag-pb`` (0x70), and CID
version 0 (implicitly dag-pb), always over a sha2-256 multihash (code 0x12, length 0x20).
Everything else is rejected with `StorageError`, as is any non-canonical encoding: a parsed
string or byte string always re-encodes to exactly itself.

Binary form (CIDv1): ``varint(version) || varint(codec) || 0x12 0x20 || digest[32]``.
Binary form (CIDv0): ``0x12 0x20 || digest[32]`` (34 bytes, no version or codec).
String form (CIDv1): ``"b" + base32(binary)``, RFC 4648 alphabet in lowercase, no padding.
String form (CIDv0): base58btc(binary), 46 characters starting with ``Qm``.
See docs/blocks.md.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from ledger.errors import StorageError

RAW = 0x55
DAG_PB = 0x70
SHA2_256 = 0x12
SHA2_256_LEN = 0x20

CODEC_NAMES = {RAW: "raw", DAG_PB: "dag-pb"}

_B32_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_MAX_VARINT_BYTES = 9  # multiformats caps unsigned varints at 63 bits, 9 bytes


# ----- unsigned varints (LEB128, as multiformats uses them) -----


def encode_varint(value: int) -> bytes:
    """The minimal unsigned LEB128 encoding of `value` (0 <= value < 2**63)."""
    if value < 0 or value >= 1 << 63:
        raise ValueError(f"varint out of range: {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(buf: bytes | bytearray | memoryview, offset: int = 0) -> tuple[int, int]:
    """Decode the unsigned varint at `buf[offset:]`; returns (value, offset after it).

    Raises StorageError when it is truncated, longer than 9 bytes, or not minimally encoded.
    """
    value = 0
    shift = 0
    pos = offset
    while True:
        if pos >= len(buf):
            raise StorageError("truncated varint")
        if pos - offset >= _MAX_VARINT_BYTES:
            raise StorageError("varint longer than 9 bytes")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte == 0 and pos - offset > 1:
                raise StorageError("varint is not minimally encoded")
            return value, pos


def read_varint(stream: BinaryIO) -> int | None:
    """Read one unsigned varint from a stream; None at a clean end of stream (no byte read)."""
    raw = bytearray()
    while True:
        byte = stream.read(1)
        if not byte:
            if raw:
                raise StorageError("truncated varint")
            return None
        raw += byte
        if not byte[0] & 0x80:
            return decode_varint(raw)[0]
        if len(raw) >= _MAX_VARINT_BYTES:
            raise StorageError("varint longer than 9 bytes")


# ----- base58btc (only for CIDv0) -----


def _b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    num = int.from_bytes(data, "big")
    chars = []
    while num:
        num, rem = divmod(num, 58)
        chars.append(_B58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(chars))


def _b58decode(text: str) -> bytes:
    num = 0
    for c in text:
        try:
            num = num * 58 + _B58_INDEX[c]
        except KeyError:
            raise StorageError(f"invalid base58btc character {c!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = num.to_bytes((num.bit_length() + 7) // 8, "big") if num else b""
    return b"\0" * zeros + body


# ----- the CID value -----


@dataclass(frozen=True)
class CID:
    """A CID over a sha2-256 digest: version 0 or 1, codec raw or dag-pb."""

    version: int
    codec: int
    digest: bytes  # the 32-byte sha2-256 digest (the multihash without its 2-byte prefix)

    def __post_init__(self) -> None:
        if self.version not in (0, 1):
            raise StorageError(f"unsupported CID version {self.version}")
        if self.codec not in CODEC_NAMES:
            raise StorageError(f"unsupported codec 0x{self.codec:x} (only raw 0x55 and dag-pb 0x70)")
        if self.version == 0 and self.codec != DAG_PB:
            raise StorageError("a CIDv0 is always dag-pb")
        if not isinstance(self.digest, bytes) or len(self.digest) != SHA2_256_LEN:
            raise StorageError("a sha2-256 digest is exactly 32 bytes")

    # --- construction ---

    @classmethod
    def for_block(cls, codec: int, data: bytes | bytearray | memoryview, version: int = 1) -> CID:
        """The CID of a block: sha2-256 of its bytes, tagged with `codec`."""
        return cls(version, codec, hashlib.sha256(data).digest())

    @classmethod
    def from_bytes(cls, raw: bytes | bytearray | memoryview) -> CID:
        """Parse a complete binary CID (trailing bytes are an error)."""
        cid, end = cls.decode_prefix(raw)
        if end != len(raw):
            raise StorageError(f"{len(raw) - end} trailing bytes after the CID")
        return cid

    @classmethod
    def decode_prefix(cls, raw: bytes | bytearray | memoryview, offset: int = 0) -> tuple[CID, int]:
        """Parse the binary CID starting at `raw[offset:]`; returns (cid, offset after it)."""
        raw = bytes(raw)
        if raw[offset : offset + 2] == bytes((SHA2_256, SHA2_256_LEN)):  # CIDv0: a bare multihash
            end = offset + 2 + SHA2_256_LEN
            if end > len(raw):
                raise StorageError("truncated CIDv0")
            return cls(0, DAG_PB, raw[offset + 2 : end]), end
        version, pos = decode_varint(raw, offset)
        if version != 1:
            raise StorageError(f"unsupported CID version {version}")
        codec, pos = decode_varint(raw, pos)
        if codec not in CODEC_NAMES:
            raise StorageError(f"unsupported codec 0x{codec:x} (only raw 0x55 and dag-pb 0x70)")
        code, pos = decode_varint(raw, pos)
        if code != SHA2_256:
            raise StorageError(f"unsupported multihash 0x{code:x} (only sha2-256 0x12)")
        length, pos = decode_varint(raw, pos)
        if length != SHA2_256_LEN:
            raise StorageError(f"sha2-256 digest length must be 32, got {length}")
        end = pos + length
        if end > len(raw):
            raise StorageError("truncated multihash digest")
        return cls(1, codec, raw[pos:end]), end

    @classmethod
    def parse(cls, text: str) -> CID:
        """Parse the string form: CIDv1 in base32 ("b..."), or a CIDv0 ("Qm...")."""
        if not isinstance(text, str) or not text:
            raise StorageError("empty CID string")
        if len(text) == 46 and text.startswith("Qm"):
            cid = cls.from_bytes(_b58decode(text))
            if cid.version != 0:
                raise StorageError(f"not a CIDv0: {text!r}")
        elif text[0] == "b":
            body = text[1:]
            if not body or not set(body) <= _B32_ALPHABET:
                raise StorageError(f"invalid base32 CID {text!r}")
            padded = body.upper() + "=" * (-len(body) % 8)
            try:
                raw = base64.b32decode(padded)
            except ValueError as exc:  # binascii.Error is a ValueError
                raise StorageError(f"invalid base32 CID {text!r}: {exc}") from None
            cid = cls.from_bytes(raw)
            if cid.version != 1:
                raise StorageError("a CIDv0 is never written in base32")
        else:
            raise StorageError(f"unsupported CID string {text[:60]!r} (expected base32 'b...' or 'Qm...')")
        if str(cid) != text:  # e.g. non-zero padding bits: not the canonical form
            raise StorageError(f"non-canonical CID string {text!r}")
        return cid

    # --- encoding ---

    @property
    def multihash(self) -> bytes:
        return bytes((SHA2_256, SHA2_256_LEN)) + self.digest

    def to_bytes(self) -> bytes:
        if self.version == 0:
            return self.multihash
        return encode_varint(1) + encode_varint(self.codec) + self.multihash

    def __bytes__(self) -> bytes:
        return self.to_bytes()

    def __str__(self) -> str:
        raw = self.to_bytes()
        if self.version == 0:
            return _b58encode(raw)
        return "b" + base64.b32encode(raw).decode("ascii").rstrip("=").lower()

    def __repr__(self) -> str:
        return f"CID({str(self)!r})"

    def to_v1(self) -> CID:
        return CID(1, self.codec, self.digest)

    def matches(self, data: bytes | bytearray | memoryview) -> bool:
        """True when `data` hashes to this CID's digest."""
        return hashlib.sha256(data).digest() == self.digest

    def verify(self, data: bytes | bytearray | memoryview) -> None:
        """Raise StorageError unless `data` is the block this CID names."""
        if not self.matches(data):
            raise StorageError(f"block does not match its CID {self}")
