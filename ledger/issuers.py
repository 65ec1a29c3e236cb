"""Issuing authorities on chain: one account per authority, its key, its registration.

Keys live in `<data_dir>/keys/`: encrypted keystores (`<USCC>.json`) when a keystore password
is configured, otherwise - on development chains only - a plaintext development keyring.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlmodel import Session, select

from ledger.chain.client import ChainClient
from ledger.chain.contracts import IssuerState, code_hash
from ledger.chain.deploy import Contracts
from ledger.chain.keys import DEV_CHAIN_IDS
from ledger.errors import ConfigError, NotFound
from ledger.models import Authority, IssuerGrant
from ledger.settings import Settings

DEV_KEYRING = "issuers-dev.json"
DEV_FUNDING_WEI = 100 * 10**18


class IssuerKeys:
    def __init__(self, directory: Path, chain_id: int, password: str | None) -> None:
        self.directory = directory
        self.chain_id = chain_id
        self.password = password
        self._cache: dict[str, LocalAccount] = {}
        if password is None and chain_id not in DEV_CHAIN_IDS:
            raise ConfigError(
                f"issuer keys on chain {chain_id} must be encrypted: set CERTLEDGER_KEYSTORE_PASSWORD"
            )

    @classmethod
    def from_settings(cls, settings: Settings, chain_id: int) -> IssuerKeys:
        password = settings.keystore_password.get_secret_value() if settings.keystore_password else None
        return cls(settings.data_dir / "keys", chain_id, password)

    def get(self, uscc: str) -> LocalAccount | None:
        if uscc in self._cache:
            return self._cache[uscc]
        key: str | None = None
        if self.password is None:
            key = self._dev_keyring().get(uscc)
        else:
            path = self.directory / f"{uscc}.json"
            if path.is_file():
                try:
                    key = Account.decrypt(json.loads(path.read_text()), self.password).hex()
                except ValueError:
                    raise ConfigError(f"keystore {path}: wrong password or damaged file") from None
        if key is None:
            return None
        self._cache[uscc] = Account.from_key(key)
        return self._cache[uscc]

    def get_or_create(self, uscc: str) -> LocalAccount:
        account = self.get(uscc)
        if account is not None:
            return account
        account = Account.create()
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.password is None:
            keyring = self._dev_keyring()
            keyring[uscc] = account.key.hex()
            _write_private(
                self.directory / DEV_KEYRING,
                {"warning": "DEVELOPMENT ONLY: plaintext keys for dev chains", "keys": keyring},
            )
        else:
            _write_private(self.directory / f"{uscc}.json", Account.encrypt(account.key, self.password))
        self._cache[uscc] = account
        return account

    def _dev_keyring(self) -> dict[str, str]:
        path = self.directory / DEV_KEYRING
        return json.loads(path.read_text())["keys"] if path.is_file() else {}


def register_issuer(
    session: Session,
    client: ChainClient,
    contracts: Contracts,
    keys: IssuerKeys,
    registrar: LocalAccount,
    uscc: str,
) -> LocalAccount:
    """Bind the authority's account on chain to its USCC hash and the types the catalog grants it."""
    if session.get(Authority, uscc) is None:
        raise NotFound(f"issuer {uscc}: not an authority in the catalog (run `certledger catalog load`)")
    type_codes = session.exec(select(IssuerGrant.type_code).where(IssuerGrant.issuer_uscc == uscc)).all()
    if not type_codes:
        raise NotFound(f"issuer {uscc}: the catalog grants it no licence types")
    account = keys.get_or_create(uscc)
    if (
        client.chain_id in DEV_CHAIN_IDS
        and client.w3.eth.get_balance(account.address) < DEV_FUNDING_WEI // 10
    ):
        client.wait(client.send(registrar, {"to": account.address, "value": DEV_FUNDING_WEI}))
    registry = contracts.registry
    type_hashes = [code_hash(t) for t in sorted(type_codes)]
    _, state = registry.issuer(account.address)
    if state is IssuerState.UNREGISTERED:
        registry.register_issuer(registrar, account.address, code_hash(uscc), type_hashes)
    else:
        missing = [t for t in type_hashes if not registry.is_authorised(account.address, t)]
        if missing and state is not IssuerState.REMOVED:
            registry.grant_types(registrar, account.address, missing)
    return account


def _write_private(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
