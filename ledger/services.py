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

    def issuance(self):  # type: ignore[no-untyped-def]
        from ledger.licences.issuance import Issuance

        return Issuance(self.engine, self.store, max_body=self.settings.max_body_bytes)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
