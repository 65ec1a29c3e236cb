"""Streaming chunked AES-256-GCM envelopes for licence and archive bodies.

A body is encrypted under its own random 32-byte data key before it is stored anywhere, so
the stored bytes reveal nothing but their length; destroying the (wrapped) data key makes them
unrecoverable. The format is specified byte by byte in docs/encryption.md:

    header  = MAGIC "CLEN" || version 0x01 || chunk_size (uint32 BE) || nonce_prefix (8 bytes)
    chunk i = AES-256-GCM(key, nonce = nonce_prefix || uint32_be(i),
                          aad   = header || associated_data || uint32_be(i) || final_flag)

Every chunk but the last holds exactly `chunk_size` plaintext bytes; the last holds 0 to
`chunk_size - 1` bytes and has final_flag 0x01 (so an empty body, or one that is an exact
multiple of the chunk size, ends in an empty final chunk). Reordering, dropping, duplicating
or appending chunks, a different `associated_data` (document id and version) or any flipped
byte makes decryption fail.

`decrypt_stream` yields each chunk's plaintext as soon as that chunk authenticates: a caller
must not act on (publish, hash-commit, hand out) the output until the iterator has finished
without raising, because truncation or tampering further on is only detected then. `decrypt`
returns nothing unless the whole envelope authenticates.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.errors import StorageError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HEADER_SIZE",
    "KEY_SIZE",
    "MAGIC",
    "MAX_CHUNK_SIZE",
    "TAG_SIZE",
    "VERSION",
    "DecryptionError",
    "EnvelopeError",
    "decrypt",
    "decrypt_stream",
    "encrypt",
    "encrypt_stream",
    "new_data_key",
    "sealed_size",
]

MAGIC = b"CLEN"
VERSION = 1
KEY_SIZE = 32  # AES-256
NONCE_PREFIX_SIZE = 8
TAG_SIZE = 16
DEFAULT_CHUNK_SIZE = 65536
MAX_CHUNK_SIZE = 1 << 24  # 16 MiB: bounds the memory a (hostile) header can make us buffer
_HEADER = struct.Struct(">4sBI8s")
HEADER_SIZE = _HEADER.size  # 17
_TRAILER = struct.Struct(">IB")  # counter, final flag: the last 5 bytes of every chunk's AAD
_MAX_CHUNKS = 1 << 32  # the 4-byte counter; module-level so tests can lower it

Reason = Literal["format", "authentication", "truncated"]

_AUTH_FAILED = "authentication failed: wrong key, wrong associated data, or the ciphertext was altered"


class EnvelopeError(StorageError):
    """An envelope could not be produced or read (bad key, bad parameters, bad ciphertext)."""


class DecryptionError(EnvelopeError):
    """Ciphertext did not decrypt. `reason` is "format", "authentication" or "truncated".

    Messages never include plaintext, key material or ciphertext bytes.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        self.reason: Reason = reason
        super().__init__(message)


def new_data_key() -> bytes:
    """A fresh random AES-256 data key (32 bytes from the OS CSPRNG); one per document."""
    return os.urandom(KEY_SIZE)


def sealed_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """The exact envelope size for a plaintext of `plaintext_size` bytes."""
    problem = _chunk_size_problem(chunk_size)
    if problem:
        raise EnvelopeError(problem)
    chunks = plaintext_size // chunk_size + 1
    return HEADER_SIZE + plaintext_size + chunks * TAG_SIZE


def encrypt_stream(
    chunks: Iterable[bytes],
    key: bytes,
    associated_data: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    _nonce_prefix: bytes | None = None,
) -> Iterator[bytes]:
    """Encrypt plaintext given as pieces of any sizes; yields the header, then one sealed chunk at a time.

    `associated_data` is authenticated but not stored: pass the same bytes (for example the
    document id and version) to decrypt. Memory stays around one chunk. `_nonce_prefix` exists
    for test vectors only; never pass it in production code.
    """
    aead = _aead(key)
    problem = _chunk_size_problem(chunk_size)
    if problem:
        raise EnvelopeError(problem)
    ad = bytes(associated_data)
    if _nonce_prefix is None:
        nonce_prefix = os.urandom(NONCE_PREFIX_SIZE)
    elif len(_nonce_prefix) == NONCE_PREFIX_SIZE:
        nonce_prefix = bytes(_nonce_prefix)
    else:
        raise EnvelopeError(f"nonce prefix must be {NONCE_PREFIX_SIZE} bytes, got {len(_nonce_prefix)}")
    header = _HEADER.pack(MAGIC, VERSION, chunk_size, nonce_prefix)
    return _encrypt(chunks, aead, header, nonce_prefix, header + ad, chunk_size)


def _encrypt(
    pieces: Iterable[bytes], aead: AESGCM, header: bytes, nonce_prefix: bytes, aad_prefix: bytes, size: int
) -> Iterator[bytes]:
    yield header
    reader = _Reader(pieces)
    pack = _TRAILER.pack
    counter = 0
    while True:
        block = reader.take(size)
        final = len(block) < size
        if counter >= _MAX_CHUNKS:
            raise EnvelopeError(
                f"plaintext too long: more than {_MAX_CHUNKS} chunks of {size} bytes; use a larger chunk_size"
            )
        trailer = pack(counter, final)
        yield aead.encrypt(nonce_prefix + trailer[:4], block, aad_prefix + trailer)
        if final:
            return
        counter += 1


def decrypt_stream(chunks: Iterable[bytes], key: bytes, associated_data: bytes) -> Iterator[bytes]:
    """Decrypt an envelope given as pieces of any sizes; yields plaintext one chunk at a time.

    Raises DecryptionError (see its `reason`). Output already yielded is authentic, but the
    envelope is only known to be complete once the iterator ends without raising.
    """
    aead = _aead(key)
    return _decrypt(chunks, aead, bytes(associated_data))


def _decrypt(pieces: Iterable[bytes], aead: AESGCM, ad: bytes) -> Iterator[bytes]:
    reader = _Reader(pieces)
    header = bytes(reader.take(HEADER_SIZE))
    size, nonce_prefix = _parse_header(header)
    aad_prefix = header + ad
    record = size + TAG_SIZE
    pack = _TRAILER.pack
    counter = 0
    while True:
        sealed = reader.take(record)
        final = len(sealed) < record
        if final and not sealed:
            raise DecryptionError(
                "truncated",
                f"truncated: the final chunk is missing (the envelope ends after chunk {counter - 1})"
                if counter
                else "truncated: the final chunk is missing (the envelope has a header and no chunks)",
            )
        if counter >= _MAX_CHUNKS:
            raise DecryptionError("format", f"not a certledger envelope: more than {_MAX_CHUNKS} chunks")
        trailer = pack(counter, final)
        try:
            plain = aead.decrypt(nonce_prefix + trailer[:4], sealed, aad_prefix + trailer)
        except InvalidTag:
            raise DecryptionError("authentication", f"{_AUTH_FAILED} (chunk {counter})") from None
        yield plain
        if final:
            return
        counter += 1


def encrypt(
    data: bytes,
    key: bytes,
    associated_data: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    _nonce_prefix: bytes | None = None,
) -> bytes:
    """Encrypt a whole body held in memory; see encrypt_stream."""
    return b"".join(encrypt_stream((data,), key, associated_data, chunk_size, _nonce_prefix=_nonce_prefix))


def decrypt(data: bytes, key: bytes, associated_data: bytes) -> bytes:
    """Decrypt a whole envelope held in memory; returns only if every chunk authenticates."""
    return b"".join(decrypt_stream((data,), key, associated_data))


def _parse_header(header: bytes) -> tuple[int, bytes]:
    if not header:
        raise DecryptionError("format", "not a certledger envelope: the input is empty")
    seen = min(len(header), len(MAGIC))
    if header[:seen] != MAGIC[:seen]:
        raise DecryptionError("format", "not a certledger envelope: the magic bytes do not match")
    if len(header) > len(MAGIC) and header[len(MAGIC)] != VERSION:
        raise DecryptionError(
            "format",
            f"unsupported certledger envelope version {header[len(MAGIC)]} (this code reads version {VERSION})",
        )
    if len(header) < HEADER_SIZE:
        raise DecryptionError(
            "truncated",
            f"truncated: the envelope header is incomplete ({len(header)} of {HEADER_SIZE} bytes)",
        )
    _, _, size, nonce_prefix = _HEADER.unpack(header)
    problem = _chunk_size_problem(size)
    if problem:
        raise DecryptionError("format", f"not a certledger envelope: {problem}")
    return size, nonce_prefix


def _chunk_size_problem(size: int) -> str | None:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_CHUNK_SIZE:
        return f"chunk size {size!r} is out of range (1 to {MAX_CHUNK_SIZE})"
    return None


def _aead(key: bytes) -> AESGCM:
    if not isinstance(key, bytes | bytearray | memoryview) or len(key) != KEY_SIZE:
        got = f"{len(key)} bytes" if isinstance(key, bytes | bytearray | memoryview) else type(key).__name__
        raise EnvelopeError(f"data key must be {KEY_SIZE} bytes (AES-256), got {got}")
    return AESGCM(bytes(key))


class _Reader:
    """Re-chunks an iterable of byte strings into exact-size blocks with as few copies as possible.

    A block lying inside one input piece is returned as a memoryview slice of it (no copy);
    only blocks spanning pieces are assembled in a new buffer.
    """

    __slots__ = ("_it", "_view", "_pos", "_done")

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._it = iter(pieces)
        self._view = memoryview(b"")
        self._pos = 0
        self._done = False

    def _next_piece(self) -> bool:
        for piece in self._it:
            view = memoryview(piece)
            if view.ndim != 1 or view.itemsize != 1:
                view = view.cast("B")
            if len(view):
                self._view, self._pos = view, 0
                return True
        self._done = True
        self._view, self._pos = memoryview(b""), 0
        return False

    def take(self, n: int) -> memoryview | bytearray:
        """The next `n` bytes; fewer (possibly none) only when the input has ended."""
        view, pos = self._view, self._pos
        if len(view) - pos >= n:
            self._pos = pos + n
            return view[pos : pos + n]
        out = bytearray(view[pos:])
        while len(out) < n and not self._done and self._next_piece():
            view = self._view
            need = n - len(out)
            if len(view) >= need:
                out += view[:need]
                self._pos = need
                return out
            out += view
            self._pos = len(view)
        return out
