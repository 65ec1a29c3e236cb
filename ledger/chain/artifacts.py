"""Compiled contract artifacts, committed under contracts/artifacts/.

Running the service only reads these files; compiling is a development step
(`certledger chain build`, see `ledger.chain.compile`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_utils import keccak

from ledger.errors import DeploymentError

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
ARTIFACTS_DIR = CONTRACTS_DIR / "artifacts"
DEPLOYABLE = ("LicenceRegistry", "LogAnchor")


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes
    compiler: str
    source_hashes: dict[str, str]

    @property
    def code_hash(self) -> str:
        """keccak-256 of the runtime code: what `eth_getCode` must return at a deployment."""
        return "0x" + keccak(self.deployed_bytecode).hex()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Artifact:
        return cls(
            name=data["contractName"],
            abi=data["abi"],
            bytecode=bytes.fromhex(data["bytecode"].removeprefix("0x")),
            deployed_bytecode=bytes.fromhex(data["deployedBytecode"].removeprefix("0x")),
            compiler=data["compiler"]["version"],
            source_hashes=data["sourceHashes"],
        )


@cache
def load_artifact(name: str) -> Artifact:
    path = ARTIFACTS_DIR / f"{name}.json"
    try:
        return Artifact.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise DeploymentError(f"contract artifact {path} is missing; run `certledger chain build`") from None


def all_abis() -> list[dict[str, Any]]:
    """Every ABI entry of every deployable contract (for decoding reverts and events)."""
    return [entry for name in DEPLOYABLE for entry in load_artifact(name).abi]
