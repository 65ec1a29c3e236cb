"""Encryption before storage: per-document data keys, streaming AES-256-GCM envelopes, and a
keyring of key-encryption keys that wraps the data keys. See docs/encryption.md."""

from ledger.crypto.envelope import (
    DecryptionError,
    EnvelopeError,
    decrypt,
    decrypt_stream,
    encrypt,
    encrypt_stream,
    new_data_key,
    sealed_size,
)
from ledger.crypto.keyring import Kek, Keyring, KeyringError, WrappedKey

__all__ = [
    "DecryptionError",
    "EnvelopeError",
    "Kek",
    "Keyring",
    "KeyringError",
    "WrappedKey",
    "decrypt",
    "decrypt_stream",
    "encrypt",
    "encrypt_stream",
    "new_data_key",
    "sealed_size",
]
