"""Everything a command needs, built lazily from the settings and closed in one place."""

from __future__ import annotations

from functools import cached_property

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger.chain.client import ChainClient
from ledger.chain.deploy import Contracts, open_deployment
from ledger.issuers import IssuerKeys
from ledger.settings import Settings
from ledger.storage import BodyStore, open_store


class Services:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        from ledger.db import engine_for

        return engine_for(self.settings)

    @cached_property
    def store(self) -> BodyStore:
        return open_store(self.settings)

    @cached_property
    def client(self) -> ChainClient:
        return ChainClient.from_settings(self.settings)

    @cached_property
    def contracts(self) -> Contracts:
        return open_deployment(self.client, self.settings.data_dir)

    @cached_property
    def keys(self) -> IssuerKeys:
        return IssuerKeys.from_settings(self.settings, self.client.chain_id)

    @cached_property
    def registrar(self) -> LocalAccount:
        return self.settings.signer(self.client.chain_id)

    def anchorer(self, batch_size: int | None = None):  # type: ignore[no-untyped-def]
        from ledger.licences.anchoring import Anchorer

        return Anchorer(
            self.engine,
            self.client,
            self.contracts,
            self.keys,
            batch_size=batch_size or self.settings.batch_size,
            window_seconds=self.settings.batch_window_seconds,
        )

    @cached_property
    def bodies(self):  # type: ignore[no-untyped-def]
        from ledger.licences.bodies import LicenceBodies, open_keyring

        passphrase = self.settings.keyring_passphrase
        keyring = open_keyring(
            self.settings.keyring_path, passphrase.get_secret_value() if passphrase else None
        )
        return LicenceBodies(self.store, keyring)

    @cached_property
    def logs(self):  # type: ignore[no-untyped-def]
        """The named logs, their checkpoints anchored with the registrar's key."""
        from archive.logs import Logs

        return Logs(self.engine, self.settings, anchor=self.contracts.log_anchor, operator=self.registrar)

    @cached_property
    def archive(self):  # type: ignore[no-untyped-def]
        from archive.records import Archive

        return Archive(self.engine, self.bodies, self.logs, self.settings.data_dir / "keys")

    def issuance(self):  # type: ignore[no-untyped-def]
        from ledger.licences.issuance import Issuance

        return Issuance(
            self.engine, self.bodies, max_body=self.settings.max_body_bytes, settings=self.settings
        )

    def body_opener(self):  # type: ignore[no-untyped-def]
        """Opens the body of a licence issued here (from the database, store and keyring)."""
        from sqlmodel import Session

        from ledger.errors import NotFound
        from ledger.licences.status import find_licence

        def open_body(package):  # type: ignore[no-untyped-def]
            identifier = package.disclosed()["ZZBS"]
            with Session(self.engine) as session:
                licence = find_licence(session, identifier)
            if package.body_ref and package.body_ref != licence.body_ref:
                raise NotFound(f"the package names another body than {identifier}'s")
            return self.bodies.open_licence(licence)

        return open_body

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "client" in self.__dict__:
            self.client.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
