"""CARv1 (content-addressable archive) writing and reading, for the blocks of `unixfs`.

Layout: ``varint(len(header)) || header || section*`` where the header is the DAG-CBOR map
``{"roots": [CID, ...], "version": 1}`` (each CID as CBOR tag 42 over a byte string holding
0x00 followed by the binary CID) and each section is
``varint(len(cid) + len(data)) || cid || data``. See docs/blocks.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO

from ledger.errors import StorageError
from ledger.storage.cid import CID, encode_varint, read_varint
from ledger.storage.unixfs import Block

MAX_HEADER = 1 << 20  # a header of more than 1 MiB is not one we wrote or want
MAX_SECTION = 1 << 23  # blocks are at most 1-2 MiB; 8 MiB leaves room and stops absurd lengths

_CID_TAG = 42


# ----- minimal DAG-CBOR -----


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes((major << 5 | value,))
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes((major << 5 | extra,)) + value.to_bytes(size, "big")
    raise ValueError("CBOR integer too large")


def _cbor_text(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _cbor_head(3, len(raw)) + raw


def _cbor_cid(cid: CID) -> bytes:
    raw = b"\0" + cid.to_bytes()  # the 0x00 multibase "identity" prefix DAG-CBOR puts in front
    return _cbor_head(6, _CID_TAG) + _cbor_head(2, len(raw)) + raw


def encode_header(roots: Iterable[CID]) -> bytes:
    """The DAG-CBOR header; keys in canonical order (shorter first: "roots" before "version")."""
    roots = list(roots)
    out = bytearray(_cbor_head(5, 2))
    out += _cbor_text("roots") + _cbor_head(4, len(roots))
    for cid in roots:
        out += _cbor_cid(cid)
    out += _cbor_text("version") + _cbor_head(0, 1)
    return bytes(out)


class _Cbor:
    """Decoder for the DAG-CBOR subset a CAR header uses (ints, strings, lists, maps, tag 42)."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise StorageError("CAR header: truncated CBOR")
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def _head(self) -> tuple[int, int]:
        first = self._take(1)[0]
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info
        if info > 27:
            raise StorageError("CAR header: indefinite or reserved CBOR length")
        value = int.from_bytes(self._take(1 << (info - 24)), "big")
        return major, value

    def item(self, depth: int = 0) -> object:
        if depth > 16:
            raise StorageError("CAR header: CBOR nested too deeply")
        major, value = self._head()
        if major == 0:
            return value
        if major == 1:
            return -1 - value
        if major == 2:
            return self._take(value)
        if major == 3:
            try:
                return self._take(value).decode("utf-8")
            except UnicodeDecodeError:
                raise StorageError("CAR header: invalid UTF-8") from None
        if major == 4:
            return [self.item(depth + 1) for _ in range(value)]
        if major == 5:
            out: dict[object, object] = {}
            for _ in range(value):
                key = self.item(depth + 1)
                if not isinstance(key, str) or key in out:
                    raise StorageError("CAR header: map keys must be distinct strings")
                out[key] = self.item(depth + 1)
            return out
        if major == 6:
            inner = self.item(depth + 1)
            if value != _CID_TAG or not isinstance(inner, bytes) or inner[:1] != b"\0":
                raise StorageError(f"CAR header: unsupported CBOR tag {value}")
            return CID.from_bytes(inner[1:])
        if major == 7 and value in (20, 21, 22):
            return {20: False, 21: True, 22: None}[value]
        raise StorageError(f"CAR header: unsupported CBOR item (major type {major})")


def decode_header(raw: bytes) -> list[CID]:
    """The roots of a CARv1 header; StorageError unless it is {"roots": [CID...], "version": 1}."""
    dec = _Cbor(raw)
    header = dec.item()
    if dec.pos != len(raw):
        raise StorageError("CAR header: trailing bytes")
    if not isinstance(header, dict) or header.get("version") != 1:
        raise StorageError("not a CARv1 header (version must be 1)")
    roots = header.get("roots")
    if not isinstance(roots, list) or not roots or not all(isinstance(r, CID) for r in roots):
        raise StorageError("CAR header: roots must be a non-empty list of CIDs")
    return roots  # type: ignore[return-value]


# ----- CAR -----


def write_car(root: CID, blocks: Iterable[Block], out: BinaryIO) -> None:
    """Write a CARv1 with one root and the given blocks in the order given (streaming)."""
    header = encode_header([root])
    out.write(encode_varint(len(header)) + header)
    for block in blocks:
        cid = block.cid.to_bytes()
        out.write(encode_varint(len(cid) + len(block.data)))
        out.write(cid)
        out.write(block.data)


def _read_exact(inp: BinaryIO, n: int, what: str) -> bytes:
    data = inp.read(n)
    if len(data) != n:
        raise StorageError(f"CAR: truncated {what}")
    return data


def read_car(inp: BinaryIO, verify: bool = True) -> tuple[list[CID], Iterator[Block]]:
    """Read a CARv1: the roots now, the blocks lazily, each checked against its CID."""
    length = read_varint(inp)
    if length is None:
        raise StorageError("CAR: empty input")
    if not 0 < length <= MAX_HEADER:
        raise StorageError(f"CAR: implausible header length {length}")
    roots = decode_header(_read_exact(inp, length, "header"))
    return roots, _sections(inp, verify)


def _sections(inp: BinaryIO, verify: bool) -> Iterator[Block]:
    while True:
        length = read_varint(inp)
        if length is None:
            return
        if not 0 < length <= MAX_SECTION:
            raise StorageError(f"CAR: implausible section length {length}")
        section = _read_exact(inp, length, "section")
        cid, end = CID.decode_prefix(section)
        data = section[end:]
        if verify:
            cid.verify(data)
        yield Block(cid, data)
