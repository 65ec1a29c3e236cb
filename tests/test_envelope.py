"""Envelope encryption (ledger.crypto.envelope) and the KEK keyring (ledger.crypto.keyring)."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.crypto import envelope
from ledger.crypto.envelope import (
    HEADER_SIZE,
    TAG_SIZE,
    DecryptionError,
    EnvelopeError,
    decrypt,
    decrypt_stream,
    encrypt,
    encrypt_stream,
    new_data_key,
    sealed_size,
)
from ledger.crypto.keyring import Keyring, KeyringError, WrappedKey
from ledger.errors import StorageError

KEY = bytes(range(32))
AD = b"doc-42/v1"
CHUNK = 64  # small chunks keep the byte-level tests fast
RECORD = CHUNK + TAG_SIZE
FAST_SCRYPT = 1 << 14

FORMAT = "not a certledger envelope|unsupported certledger envelope version"
AUTH = "authentication failed: wrong key, wrong associated data, or the ciphertext was altered"
TRUNCATED = "truncated: the final chunk is missing"


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def records(sealed: bytes, chunk: int = CHUNK) -> tuple[bytes, list[bytes]]:
    body = sealed[HEADER_SIZE:]
    size = chunk + TAG_SIZE
    return sealed[:HEADER_SIZE], [body[i : i + size] for i in range(0, len(body), size)]


# ---- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_round_trip_sizes(size: int) -> None:
    data = os.urandom(size)
    sealed = encrypt(data, KEY, AD, CHUNK)
    assert len(sealed) == sealed_size(size, CHUNK) == HEADER_SIZE + size + (size // CHUNK + 1) * TAG_SIZE
    assert decrypt(sealed, KEY, AD) == data
    assert b"".join(decrypt_stream(pieces(sealed, 7), KEY, AD)) == data


def test_empty_plaintext_is_one_empty_final_chunk() -> None:
    sealed = encrypt(b"", KEY, AD)
    assert len(sealed) == HEADER_SIZE + TAG_SIZE
    assert decrypt(sealed, KEY, AD) == b""


def test_default_chunk_boundaries() -> None:
    chunk = envelope.DEFAULT_CHUNK_SIZE
    for size in (chunk - 1, chunk, chunk + 1):
        data = os.urandom(size)
        assert decrypt(encrypt(data, KEY, AD), KEY, AD) == data


def test_ten_mib_streaming_with_odd_pieces() -> None:
    data = os.urandom(10 * 1024 * 1024)
    key = new_data_key()
    out = list(encrypt_stream(pieces(data, 10_007), key, AD))
    sealed = b"".join(out)
    assert len(sealed) == sealed_size(len(data))
    # the encrypter emits the header, then one sealed chunk at a time (bounded memory)
    assert len(out[0]) == HEADER_SIZE
    assert max(len(c) for c in out) == envelope.DEFAULT_CHUNK_SIZE + TAG_SIZE
    plain = list(decrypt_stream(pieces(sealed, 4099), key, AD))
    assert max(len(c) for c in plain) == envelope.DEFAULT_CHUNK_SIZE
    assert b"".join(plain) == data
    assert decrypt(sealed, key, AD) == data


def test_streaming_accepts_bytes_like_pieces() -> None:
    data = os.urandom(3 * CHUNK + 10)
    parts = [bytearray(data[:50]), memoryview(data)[50:51], b"", data[51:]]
    sealed = b"".join(encrypt_stream(parts, KEY, AD, CHUNK))
    assert decrypt(sealed, KEY, AD) == data


def test_ciphertext_is_fresh_each_time_and_hides_the_plaintext() -> None:
    data = b"ZHANG San 110101199003077777" * 10
    a, b = encrypt(data, KEY, AD), encrypt(data, KEY, AD)
    assert a != b  # random nonce prefix
    assert b"ZHANG" not in a and b"110101" not in a
    assert decrypt(a, KEY, AD) == decrypt(b, KEY, AD) == data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=600),
    chunk=st.integers(1, 100),
    in_piece=st.integers(1, 200),
    out_piece=st.integers(1, 200),
)
def test_round_trip_property(data: bytes, chunk: int, in_piece: int, out_piece: int) -> None:
    sealed = b"".join(encrypt_stream(pieces(data, in_piece), KEY, AD, chunk))
    assert len(sealed) == sealed_size(len(data), chunk)
    assert b"".join(decrypt_stream(pieces(sealed, out_piece), KEY, AD)) == data


# ---- test vector (docs/encryption.md) -----------------------------------------------------

VECTOR_PLAINTEXT = b"certledger envelope test vector"
VECTOR_HEX = (
    "434c454e0100000010a0a1a2a3a4a5a6a7"
    "9d3c9cdc3d571642b20dfafce20050c6dde2e89793809f8b96292c70dfd8a948"
    "5cf3320400351ba5e3c6d45a1ee27cfaac666404f7bad7d8e6d5f08304e5de"
)


def test_vector_from_docs() -> None:
    prefix = bytes.fromhex("a0a1a2a3a4a5a6a7")
    sealed = encrypt(VECTOR_PLAINTEXT, KEY, AD, 16, _nonce_prefix=prefix)
    assert sealed.hex() == VECTOR_HEX
    assert decrypt(sealed, KEY, AD) == VECTOR_PLAINTEXT
    doc = (Path(__file__).resolve().parents[1] / "docs" / "encryption.md").read_text(encoding="utf-8")
    assert VECTOR_HEX[:34] in doc and VECTOR_HEX[34:98] in doc and VECTOR_HEX[98:] in doc


def test_vector_matches_plain_aesgcm() -> None:
    """The format, rebuilt from the spec with nothing but AES-GCM."""
    prefix = bytes.fromhex("a0a1a2a3a4a5a6a7")
    header = b"CLEN" + b"\x01" + (16).to_bytes(4, "big") + prefix
    aead = AESGCM(KEY)
    c0 = aead.encrypt(
        prefix + (0).to_bytes(4, "big"), VECTOR_PLAINTEXT[:16], header + AD + bytes(4) + b"\x00"
    )
    c1 = aead.encrypt(
        prefix + (1).to_bytes(4, "big"), VECTOR_PLAINTEXT[16:], header + AD + (1).to_bytes(4, "big") + b"\x01"
    )
    assert (header + c0 + c1).hex() == VECTOR_HEX


# ---- failures -----------------------------------------------------------------------------


def expect(reason: str, pattern: str, sealed: bytes, key: bytes = KEY, ad: bytes = AD) -> None:
    with pytest.raises(DecryptionError, match=pattern) as info:
        decrypt(sealed, key, ad)
    assert info.value.reason == reason
    assert isinstance(info.value, StorageError)


def test_wrong_key_and_wrong_associated_data() -> None:
    sealed = encrypt(b"secret body", KEY, AD)
    expect("authentication", AUTH, sealed, key=new_data_key())
    expect("authentication", AUTH, sealed, ad=b"doc-42/v2")
    expect("authentication", AUTH, sealed, ad=b"doc-43/v1")
    expect("authentication", AUTH, sealed, ad=b"")


def test_message_leaks_nothing() -> None:
    secret = b"Zhang San 110101199003077777"
    sealed = encrypt(secret, KEY, AD)
    with pytest.raises(DecryptionError) as info:
        decrypt(sealed, new_data_key(), AD)
    text = str(info.value)
    assert "Zhang" not in text and KEY.hex() not in text and sealed.hex()[40:60] not in text


def test_flipped_byte_in_header() -> None:
    sealed = bytearray(encrypt(os.urandom(3 * CHUNK), KEY, AD, CHUNK))
    for pos in range(HEADER_SIZE):
        bad = bytearray(sealed)
        bad[pos] ^= 0x01
        if pos < 4:
            expect("format", "not a certledger envelope: the magic bytes do not match", bytes(bad))
        elif pos == 4:
            expect("format", "unsupported certledger envelope version 0", bytes(bad))
        elif pos == 5:  # chunk size 0x01000040: above the 16 MiB limit
            expect("format", "not a certledger envelope: chunk size 16777280 is out of range", bytes(bad))
        else:  # chunk size (in range: the records mis-parse) and nonce prefix
            expect("authentication", AUTH, bytes(bad))


def test_chunk_size_out_of_range_in_header() -> None:
    sealed = bytearray(encrypt(b"x", KEY, AD, CHUNK))
    sealed[5] = 0xFF
    expect("format", "chunk size .* is out of range", bytes(sealed))
    sealed[5:9] = bytes(4)
    expect("format", "chunk size 0 is out of range", bytes(sealed))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_flipped_bit_fails(data: st.DataObject) -> None:
    sealed = encrypt(bytes(range(200)), KEY, AD, CHUNK)
    pos = data.draw(st.integers(0, len(sealed) - 1), label="position")
    bit = data.draw(st.integers(0, 7), label="bit")
    bad = bytearray(sealed)
    bad[pos] ^= 1 << bit
    with pytest.raises(DecryptionError) as info:
        decrypt(bytes(bad), KEY, AD)
    if pos < 5:  # magic, version
        assert info.value.reason == "format"
    elif pos < 9:  # chunk size: out of range, or in range and the records mis-parse
        assert info.value.reason in {"format", "authentication"}
    else:
        assert info.value.reason == "authentication"


def test_flipped_byte_in_middle_and_tag() -> None:
    sealed = encrypt(os.urandom(3 * CHUNK + 10), KEY, AD, CHUNK)
    middle = HEADER_SIZE + RECORD + CHUNK // 2  # inside chunk 1's ciphertext
    tag = HEADER_SIZE + 2 * RECORD - 1  # last byte of chunk 1's tag
    last_tag = len(sealed) - 1
    for pos, chunk in ((middle, 1), (tag, 1), (last_tag, 3)):
        bad = bytearray(sealed)
        bad[pos] ^= 0x80
        expect("authentication", rf"{AUTH} \(chunk {chunk}\)", bytes(bad))


def test_streaming_yields_nothing_from_a_bad_chunk() -> None:
    sealed = bytearray(encrypt(os.urandom(3 * CHUNK), KEY, AD, CHUNK))
    sealed[HEADER_SIZE + RECORD + 3] ^= 1  # chunk 1
    out = []
    with pytest.raises(DecryptionError, match=r"\(chunk 1\)"):
        for plain in decrypt_stream([bytes(sealed)], KEY, AD):
            out.append(plain)
    assert len(out) == 1  # chunk 0 only


def test_truncation_dropping_the_final_chunk() -> None:
    sealed = encrypt(os.urandom(3 * CHUNK + 10), KEY, AD, CHUNK)
    header, recs = records(sealed)
    assert len(recs) == 4
    expect("truncated", TRUNCATED, header + b"".join(recs[:3]))
    expect("truncated", TRUNCATED, header + recs[0])
    expect("truncated", TRUNCATED + r" \(the envelope has a header and no chunks\)", header)


def test_truncation_of_an_exact_multiple_drops_the_empty_final_chunk() -> None:
    sealed = encrypt(os.urandom(2 * CHUNK), KEY, AD, CHUNK)
    header, recs = records(sealed)
    assert [len(r) for r in recs] == [RECORD, RECORD, TAG_SIZE]
    expect("truncated", TRUNCATED, header + recs[0] + recs[1])


def test_cut_inside_a_chunk_fails_authentication() -> None:
    sealed = encrypt(os.urandom(3 * CHUNK + 10), KEY, AD, CHUNK)
    for cut in (1, 5, TAG_SIZE, 30):
        expect("authentication", AUTH, sealed[:-cut])


def test_truncated_or_foreign_header() -> None:
    sealed = encrypt(b"body", KEY, AD)
    expect("format", "not a certledger envelope: the input is empty", b"")
    expect("truncated", "truncated: the envelope header is incomplete", sealed[:3])
    expect("truncated", "truncated: the envelope header is incomplete", sealed[: HEADER_SIZE - 1])
    expect("format", "not a certledger envelope: the magic bytes do not match", b"%PDF-1.7\n" + bytes(40))
    expect("format", "not a certledger envelope", b"{")
    expect("format", "unsupported certledger envelope version 2", b"CLEN\x02" + sealed[5:])


def test_reordering_two_chunks() -> None:
    sealed = encrypt(os.urandom(3 * CHUNK + 10), KEY, AD, CHUNK)
    header, recs = records(sealed)
    expect("authentication", rf"{AUTH} \(chunk 0\)", header + recs[1] + recs[0] + recs[2] + recs[3])
    expect("authentication", rf"{AUTH} \(chunk 1\)", header + recs[0] + recs[2] + recs[1] + recs[3])


def test_appending_or_duplicating_chunks() -> None:
    sealed = encrypt(os.urandom(3 * CHUNK + 10), KEY, AD, CHUNK)
    header, recs = records(sealed)
    expect("authentication", AUTH, sealed + recs[0])
    expect("authentication", AUTH, sealed + recs[-1])
    expect("authentication", AUTH, sealed + b"\x00")
    expect("authentication", AUTH, header + recs[0] + recs[0] + recs[1] + recs[2] + recs[3])
    # an exact multiple ends in an empty final chunk; appending after it still fails
    exact = encrypt(os.urandom(2 * CHUNK), KEY, AD, CHUNK)
    expect("authentication", AUTH, exact + exact[HEADER_SIZE : HEADER_SIZE + RECORD])


def test_splicing_chunks_between_documents_fails() -> None:
    a = encrypt(os.urandom(2 * CHUNK + 1), KEY, AD, CHUNK)
    b = encrypt(os.urandom(2 * CHUNK + 1), KEY, AD, CHUNK)  # same key, other nonce prefix
    ha, ra = records(a)
    _, rb = records(b)
    expect("authentication", rf"{AUTH} \(chunk 1\)", ha + ra[0] + rb[1] + ra[2])


def test_chunk_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envelope, "_MAX_CHUNKS", 3)
    ok = encrypt(os.urandom(2 * CHUNK + 1), KEY, AD, CHUNK)  # three chunks: allowed
    with pytest.raises(EnvelopeError, match="plaintext too long: more than 3 chunks"):
        encrypt(os.urandom(3 * CHUNK), KEY, AD, CHUNK)  # four chunks (the last one empty)
    monkeypatch.setattr(envelope, "_MAX_CHUNKS", 2)
    expect("format", "more than 2 chunks", ok)


def test_bad_arguments() -> None:
    with pytest.raises(EnvelopeError, match="data key must be 32 bytes"):
        encrypt(b"x", b"short", AD)
    with pytest.raises(EnvelopeError, match="data key must be 32 bytes"):
        decrypt(b"x", os.urandom(16), AD)
    for size in (0, -1, envelope.MAX_CHUNK_SIZE + 1):
        with pytest.raises(EnvelopeError, match="chunk size"):
            encrypt(b"x", KEY, AD, size)
    with pytest.raises(EnvelopeError, match="nonce prefix must be 8 bytes"):
        encrypt(b"x", KEY, AD, _nonce_prefix=b"1234")
    assert len(new_data_key()) == 32 and new_data_key() != new_data_key()


# ---- keyring ------------------------------------------------------------------------------


def test_keyring_create_load_wrap_unwrap(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(path.read_text())
    assert "SECRET" in doc["_comment"] and "Never commit" in doc["_comment"]
    assert doc["active"] == ring.active_id and len(doc["keks"]) == 1

    data_key = new_data_key()
    wrapped = ring.wrap(data_key)
    assert wrapped.kek_id == ring.active_id and len(wrapped.wrapped) == 40
    assert data_key not in path.read_bytes()

    again = Keyring.load(path)
    assert again.active_id == ring.active_id
    text = wrapped.to_str()
    assert text.startswith(ring.active_id + ":")
    assert WrappedKey.from_str(text) == wrapped
    assert again.unwrap(WrappedKey.from_str(text)) == data_key
    assert "key=" not in repr(ring.keks[0]) and doc["keks"][0]["key"] not in repr(ring)


def test_keyring_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    Keyring.create(path)
    with pytest.raises(KeyringError, match="already exists"):
        Keyring.create(path)


def test_rotate_keeps_old_keks(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.create(path)
    first = ring.active_id
    data_key = new_data_key()
    old = ring.wrap(data_key)
    second = ring.rotate()
    assert second != first and ring.active_id == second
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    loaded = Keyring.load(path)
    assert loaded.active_id == second
    assert {k.id: k.retired is not None for k in loaded.keks} == {first: True, second: False}
    assert loaded.unwrap(old) == data_key
    new = loaded.wrap(data_key)
    assert new.kek_id == second and loaded.unwrap(new) == data_key
    moved = loaded.rewrap(old)
    assert moved.kek_id == second and loaded.unwrap(moved) == data_key

    loaded.remove(first)
    with pytest.raises(KeyringError, match=f"KEK '{first}' is not in keyring"):
        Keyring.load(path).unwrap(old)
    with pytest.raises(KeyringError, match="is the active KEK"):
        loaded.remove(second)


def test_unwrap_missing_kek(tmp_path: Path) -> None:
    ring = Keyring.create(tmp_path / "keyring.json")
    other = Keyring.create(tmp_path / "other.json")
    wrapped = other.wrap(new_data_key())
    with pytest.raises(KeyringError, match=f"KEK '{other.active_id}' is not in keyring"):
        ring.unwrap(wrapped)


def test_unwrap_corrupted_or_foreign_wrapped_key(tmp_path: Path) -> None:
    ring = Keyring.create(tmp_path / "keyring.json")
    wrapped = ring.wrap(new_data_key())
    bad = bytearray(wrapped.wrapped)
    bad[7] ^= 1
    with pytest.raises(KeyringError, match=f"wrapped key does not match KEK '{ring.active_id}'"):
        ring.unwrap(WrappedKey(wrapped.kek_id, bytes(bad)))
    with pytest.raises(KeyringError, match="wrapped key does not match KEK"):
        ring.unwrap(WrappedKey(wrapped.kek_id, wrapped.wrapped[:-8]))
    with pytest.raises(KeyringError, match="wrapped key does not match KEK"):
        ring.unwrap(WrappedKey(wrapped.kek_id, b"abc"))
    # same id, different key material (a keyring restored from the wrong backup)
    other = Keyring.create(tmp_path / "other.json")
    with pytest.raises(KeyringError, match="wrapped key does not match KEK"):
        ring.unwrap(WrappedKey(ring.active_id, other.wrap(new_data_key()).wrapped))


def test_wrapped_key_text_form() -> None:
    wrapped = WrappedKey("kek-20250101-0a1b2c3d", bytes(range(40)))
    assert WrappedKey.from_str(wrapped.to_str()) == wrapped
    for text in ("no-colon", ":AAAA", "bad id:AAAA", "kek-1:not base64!"):
        with pytest.raises(KeyringError, match="malformed wrapped key"):
            WrappedKey.from_str(text)


def test_wrap_rejects_wrong_size(tmp_path: Path) -> None:
    ring = Keyring.create(tmp_path / "keyring.json")
    with pytest.raises(KeyringError, match="data key must be 32 bytes"):
        ring.wrap(b"short")


def test_passphrase_protected_keyring(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.create(path, passphrase="correct horse", scrypt_n=FAST_SCRYPT)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_text()
    doc = json.loads(raw)
    assert doc["format"] == "certledger-keyring-sealed" and "SECRET" in doc["_comment"]
    assert ring.active_id not in raw  # nothing about the KEKs is readable
    data_key = new_data_key()
    wrapped = ring.wrap(data_key)

    with pytest.raises(KeyringError, match="wrong passphrase"):
        Keyring.load(path, passphrase="wrong horse")
    with pytest.raises(KeyringError, match="is passphrase-protected"):
        Keyring.load(path)
    loaded = Keyring.load(path, passphrase="correct horse")
    assert loaded.unwrap(wrapped) == data_key
    loaded.rotate()  # stays sealed under the same passphrase
    assert json.loads(path.read_text())["format"] == "certledger-keyring-sealed"
    assert Keyring.load(path, passphrase="correct horse").unwrap(wrapped) == data_key


def test_passphrase_added_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.create(path)
    wrapped = ring.wrap(KEY)
    with pytest.raises(KeyringError, match="not passphrase-protected, but a passphrase was given"):
        Keyring.load(path, passphrase="pw")
    ring.set_passphrase("pw", scrypt_n=FAST_SCRYPT)
    assert Keyring.load(path, passphrase="pw").unwrap(wrapped) == KEY
    ring.set_passphrase(None)
    assert Keyring.load(path).unwrap(wrapped) == KEY


def test_sealed_keyring_tampering(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    Keyring.create(path, passphrase="pw", scrypt_n=FAST_SCRYPT)
    doc = json.loads(path.read_text())
    ct = bytearray(base64.b64decode(doc["ciphertext"]))
    ct[0] ^= 1
    doc["ciphertext"] = base64.b64encode(bytes(ct)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyringError, match="wrong passphrase, or the file was altered"):
        Keyring.load(path, passphrase="pw")


def test_malformed_keyring_files(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    with pytest.raises(KeyringError, match="does not exist"):
        Keyring.load(path)
    path.write_text("not json")
    with pytest.raises(KeyringError, match="not valid JSON"):
        Keyring.load(path)
    path.write_text('{"format": "something-else"}')
    with pytest.raises(KeyringError, match="not a certledger keyring"):
        Keyring.load(path)
    good = tmp_path / "good.json"
    Keyring.create(good)
    doc = json.loads(good.read_text())
    doc["keks"][0]["key"] = "AAAA"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyringError, match="is not 32 bytes"):
        Keyring.load(path)
    doc = json.loads(good.read_text())
    doc["active"] = "kek-missing"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyringError, match="active KEK 'kek-missing' is not in it"):
        Keyring.load(path)


def test_save_is_atomic_and_private_despite_umask(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    old = os.umask(0)
    try:
        ring = Keyring.create(path)
        ring.rotate()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]  # no temporary files left


def test_envelope_with_wrapped_key_end_to_end(tmp_path: Path) -> None:
    """Encrypt a body, keep only the wrapped key; shredding the wrapped key loses the body."""
    ring = Keyring.create(tmp_path / "keyring.json")
    body = os.urandom(5000)
    data_key = new_data_key()
    column = ring.wrap(data_key).to_str()
    ad = b"licence:11010020250001/1"
    stored = encrypt(body, data_key, ad)
    del data_key
    assert decrypt(stored, ring.unwrap(WrappedKey.from_str(column)), ad) == body


def test_every_truncation_fails() -> None:
    sealed = encrypt(os.urandom(2 * CHUNK + 10), KEY, AD, CHUNK)
    for length in range(len(sealed)):
        with pytest.raises(DecryptionError) as info:
            decrypt(sealed[:length], KEY, AD)
        if length == 0:
            assert info.value.reason == "format"
        elif length < HEADER_SIZE or (length - HEADER_SIZE) % RECORD == 0:
            assert info.value.reason == "truncated"
        else:
            assert info.value.reason == "authentication"
