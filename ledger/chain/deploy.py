"""Deployment of the contracts and the address book that records it.

The address book lives in `<data_dir>/deployments/<chain id>.json`. Every component opens the
contracts through `open_deployment()`, which checks that the code at each recorded address is
exactly the committed artifact: a reset chain or a wrong network is one clear error.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.artifacts import DEPLOYABLE, load_artifact
from ledger.chain.client import ChainClient
from ledger.chain.contracts import REGISTRAR_ROLE, LicenceRegistry, LogAnchor
from ledger.errors import DeploymentError


@dataclass(frozen=True)
class DeployedContract:
    address: str
    block: int
    transaction: str
    code_hash: str


@dataclass(frozen=True)
class Deployment:
    chain_id: int
    deployer: str
    deployed_at: str
    contracts: dict[str, DeployedContract]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        try:
            return cls(
                chain_id=int(data["chain_id"]),
                deployer=data["deployer"],
                deployed_at=data["deployed_at"],
                contracts={k: DeployedContract(**v) for k, v in data["contracts"].items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DeploymentError(f"address book is malformed ({exc})") from None


@dataclass(frozen=True)
class Contracts:
    """The deployed contracts of one chain, checked against their artifacts."""

    deployment: Deployment
    registry: LicenceRegistry
    log_anchor: LogAnchor


def address_book_path(data_dir: Path, chain_id: int) -> Path:
    return data_dir / "deployments" / f"{chain_id}.json"


def deploy(client: ChainClient, signer: LocalAccount, data_dir: Path) -> Deployment:
    """Deploy both contracts with `signer` as admin and registrar; write the address book."""
    deployed: dict[str, DeployedContract] = {}
    for name in DEPLOYABLE:
        receipt = client.deploy(signer, name, signer.address)
        deployed[name] = DeployedContract(
            address=receipt["contractAddress"],
            block=receipt["blockNumber"],
            transaction="0x" + bytes(receipt["transactionHash"]).hex(),
            code_hash=load_artifact(name).code_hash,
        )
    registry = LicenceRegistry(client, deployed["LicenceRegistry"].address)
    registry.grant_role(signer, REGISTRAR_ROLE, signer.address)
    deployment = Deployment(
        chain_id=client.chain_id,
        deployer=signer.address,
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        contracts=deployed,
    )
    _write_atomic(address_book_path(data_dir, client.chain_id), deployment.to_json())
    return deployment


def load_deployment(client: ChainClient, data_dir: Path) -> Deployment:
    path = address_book_path(data_dir, client.chain_id)
    try:
        deployment = Deployment.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise DeploymentError(
            f"no deployment recorded for chain {client.chain_id} ({client.description}) "
            f"in {path.parent}; run `certledger chain deploy`"
        ) from None
    if deployment.chain_id != client.chain_id:
        raise DeploymentError(
            f"address book {path} is for chain {deployment.chain_id}, not {client.chain_id}"
        )
    return deployment


def check_deployment(client: ChainClient, deployment: Deployment) -> None:
    """Raise `DeploymentError` unless every address holds exactly its artifact's code."""
    for name, contract in deployment.contracts.items():
        code = client.code_at(contract.address)
        expected = load_artifact(name).code_hash
        if not code:
            raise DeploymentError(
                f"{name} at {contract.address} on chain {client.chain_id}: no contract code "
                f"there ({client.description}); the chain was reset or this is another network. "
                "Run `certledger chain deploy` to deploy anew."
            )
        if "0x" + keccak(code).hex() != expected:
            raise DeploymentError(
                f"{name} at {contract.address} on chain {client.chain_id}: the code there is "
                "not the committed artifact (another contract, or artifacts rebuilt since "
                "deployment). Run `certledger chain deploy` to deploy anew."
            )


def open_deployment(client: ChainClient, data_dir: Path) -> Contracts:
    deployment = load_deployment(client, data_dir)
    check_deployment(client, deployment)
    return Contracts(
        deployment=deployment,
        registry=LicenceRegistry(client, deployment.contracts["LicenceRegistry"].address),
        log_anchor=LogAnchor(client, deployment.contracts["LogAnchor"].address),
    )


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
