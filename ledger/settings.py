"""One settings object for every component, from CERTLEDGER_* variables and an optional TOML file.

Precedence: explicit arguments, then environment variables, then the config file named by
CERTLEDGER_CONFIG (or ./certledger.toml when present). Obtain settings through
`get_settings()`, never at import time.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from eth_account.signers.local import LocalAccount
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ledger.errors import ConfigError

DEFAULT_CONFIG_FILE = Path("certledger.toml")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CERTLEDGER_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        Path(".certledger"), description="where embedded chain, store, database and deployments live"
    )
    chain_url: str | None = Field(None, description="JSON-RPC URL of a node; unset = the embedded chain")
    embedded_chain_id: int = Field(1337, description="chain id of the embedded chain")
    chain_poa: Literal["auto", "on", "off"] = Field(
        "auto", description="extraData (QBFT/IBFT/Clique) middleware: auto-detected by default"
    )
    gas_price_wei: int | None = Field(
        None, ge=0, description="force legacy transactions at this gas price (0 on free-gas networks)"
    )
    receipt_timeout: float = Field(60.0, gt=0, description="seconds to wait for a receipt")
    log_chunk_blocks: int = Field(2_000, gt=0, description="block range per eth_getLogs call")
    database_url: str | None = Field(None, description="SQLAlchemy URL; unset = SQLite in data_dir")
    ipfs_url: str | None = Field(None, description="Kubo RPC URL; unset = the embedded blockstore")
    batch_size: int = Field(10_000, gt=0, description="licences per anchored batch at most")
    batch_window_seconds: float = Field(
        0.0, ge=0, description="seal a smaller batch once its oldest licence waited this long (0: at once)"
    )
    max_body_bytes: int = Field(20 * 1024 * 1024, gt=0, description="largest licence body file accepted")
    private_key: SecretStr | None = Field(None, description="hex key signing this component's transactions")
    keystore: Path | None = Field(None, description="encrypted JSON keystore (alternative to private_key)")
    keystore_password: SecretStr | None = None
    keyring: Path | None = Field(
        None, description="key-encryption keyring; unset = keys/keyring.json in data_dir"
    )
    keyring_passphrase: SecretStr | None = Field(None, description="passphrase sealing the keyring file")
    log_origin: str = Field(
        "certledger.local/daxing",
        description="origin prefix of this deployment's logs (checkpoint first line)",
    )
    checkpoint_every: int = Field(
        1000, gt=0, description="publish a checkpoint after this many new log entries"
    )
    checkpoint_seconds: float = Field(60.0, gt=0, description="... or when the last one is this old")
    archive_fonds: str = Field("DX01", description="fonds code (全宗号) of this archive")
    archive_unit: str = Field("北京市大兴区政务服务中心", description="the archiving unit (封装包创建单位)")
    archivist: str = Field("certledger", description="who signs archival packages")
    archive_retention: dict[str, str] = Field(
        default_factory=dict, description="retention (Y10, Y30, YJ) per matter code; others get Y30"
    )
    dev_account: int = Field(0, ge=0, lt=20, description="development key index (dev chains only)")
    public_url: str = Field(
        "http://localhost:8000", description="base URL holders' phones reach (QR codes point here)"
    )
    rp_id: str = Field("localhost", description="WebAuthn relying-party id: the public URL's host name")
    rp_name: str = Field("certledger 电子证照用证授权", description="relying-party name shown by passkeys")
    request_minutes: float = Field(5.0, gt=0, description="how long a holder may answer a QR request")
    grant_minutes: float = Field(10.0, gt=0, description="how long an approved pull stays usable")
    token_minutes: float = Field(15.0, gt=0, description="lifetime of bearer tokens and holder sessions")
    consent_text_version: str = Field("2026-11", description="version of the consent text holders see")
    rate_limit_per_minute: int = Field(
        30, gt=0, description="requests per minute per caller on case, request and consent endpoints"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings]
        config = config_file()
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)

    @property
    def embedded(self) -> bool:
        return self.chain_url is None

    @property
    def chain_dir(self) -> Path:
        return self.data_dir / "chain"

    @property
    def deployments_dir(self) -> Path:
        return self.data_dir / "deployments"

    @property
    def keyring_path(self) -> Path:
        return self.keyring or self.data_dir / "keys" / "keyring.json"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'certledger.db'}"

    def signer(self, chain_id: int) -> LocalAccount:
        """The key signing this component's transactions; development keys only on dev chains."""
        from ledger.chain import keys

        if self.private_key is not None:
            return keys.from_private_key(self.private_key.get_secret_value())
        if self.keystore is not None:
            if self.keystore_password is None:
                raise ConfigError("keystore_password: required with keystore (CERTLEDGER_KEYSTORE_PASSWORD)")
            return keys.from_keystore(self.keystore, self.keystore_password.get_secret_value())
        if chain_id not in keys.DEV_CHAIN_IDS:
            raise ConfigError(
                f"no signing key configured for chain {chain_id}: set CERTLEDGER_PRIVATE_KEY or "
                "CERTLEDGER_KEYSTORE (development keys are refused outside dev chains "
                f"{sorted(keys.DEV_CHAIN_IDS)})"
            )
        return keys.dev_account(self.dev_account)

    def masked(self) -> dict[str, Any]:
        """Effective settings for display, secrets masked."""
        shown: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                value = "**********"
            elif isinstance(value, Path):
                value = str(value)
            shown[name] = value
        shown["database_url"] = _mask_url(self.effective_database_url)
        shown["config_file"] = str(config_file()) if config_file() else None
        return shown


def config_file() -> Path | None:
    named = os.environ.get("CERTLEDGER_CONFIG")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"CERTLEDGER_CONFIG: file {path} does not exist")
        return path
    return DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()


def _mask_url(url: str) -> str:
    # postgresql://user:secret@host/db -> postgresql://user:***@host/db
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return scheme + sep + rest
