"""Signing keys: from the environment, an encrypted keystore file, or the development mnemonic.

Transactions are always signed locally; node-unlocked accounts are never used.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ledger.errors import ConfigError

# DEVELOPMENT ONLY. Publicly known (Hardhat's default); funded on the embedded chain and the
# local Hardhat node. Never use on a real network: `Settings.signer()` refuses it there.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNT_COUNT = 20
DEV_CHAIN_IDS = frozenset({1337, 31337})

Account.enable_unaudited_hdwallet_features()


@cache
def dev_account(index: int) -> LocalAccount:
    """Development account `index` (m/44'/60'/0'/0/index), as Hardhat derives it."""
    if not 0 <= index < DEV_ACCOUNT_COUNT:
        raise ConfigError(f"dev account index must be 0..{DEV_ACCOUNT_COUNT - 1}, got {index}")
    return Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def from_private_key(key: str) -> LocalAccount:
    try:
        return Account.from_key(key)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"private_key: not a valid secp256k1 private key ({exc})") from None


def from_keystore(path: Path, password: str) -> LocalAccount:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"keystore: file {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"keystore: {path} is not JSON ({exc})") from None
    try:
        return Account.from_key(Account.decrypt(data, password))
    except ValueError:
        raise ConfigError(f"keystore: wrong password for {path}, or a damaged file") from None
