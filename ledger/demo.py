"""The demo's main job on the current chain: deploy if needed, anchor a sample batch, revoke
one licence inside it, and verify every licence of the batch from chain data."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from ledger import merkle
from ledger.chain.client import ChainClient
from ledger.chain.contracts import AnchoredLeaf, IssuerState, LeafStatus, code_hash
from ledger.chain.deploy import Contracts, deploy, open_deployment
from ledger.chain.keys import DEV_CHAIN_IDS, dev_account
from ledger.errors import ConfigError, DeploymentError, LedgerError
from ledger.settings import Settings

# A real type code (二级建造师注册证书) and its defining authority's USCC (GB/T 36902 catalog).
DEMO_TYPE_CODE = "11100000000013338W001"
DEMO_AUTHORITY_USCC = "11100000000013338W"
REASON_REVOKED = 7  # status code 07 吊销 (domain.md §4)


@dataclass(frozen=True)
class LeafCheck:
    index: int
    leaf_hash: str
    integrity: bool
    anchor: bool
    status: str

    @property
    def valid(self) -> bool:
        return self.integrity and self.anchor and self.status == LeafStatus.ACTIVE.name


def ensure_deployed(client: ChainClient, settings: Settings) -> tuple[Contracts, bool]:
    try:
        return open_deployment(client, settings.data_dir), False
    except DeploymentError:
        deploy(client, settings.signer(client.chain_id), settings.data_dir)
        return open_deployment(client, settings.data_dir), True


def run_demo(client: ChainClient, settings: Settings, batch_size: int = 8) -> dict[str, Any]:
    if client.chain_id not in DEV_CHAIN_IDS:
        raise ConfigError(
            f"the demo uses development keys and runs only on dev chains {sorted(DEV_CHAIN_IDS)}"
        )
    contracts, deployed_now = ensure_deployed(client, settings)
    registry = contracts.registry
    admin, issuer = settings.signer(client.chain_id), dev_account(1)
    type_hash = code_hash(DEMO_TYPE_CODE)
    if registry.issuer(issuer.address)[1] is IssuerState.UNREGISTERED:
        registry.register_issuer(admin, issuer.address, code_hash(DEMO_AUTHORITY_USCC), [type_hash])

    # Stand-ins for licence leaves: the licence pipeline (issuance) builds the real ones.
    entries = [json.dumps({"sample": i, "salt": secrets.token_hex(16)}).encode() for i in range(batch_size)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    root = merkle.root(leaves)
    anchored = registry.anchor_batch(issuer, type_hash, root, len(leaves))
    proofs = [
        AnchoredLeaf(
            root, merkle.InclusionProof(i, len(leaves), leaf, tuple(merkle.inclusion_proof(leaves, i)))
        )
        for i, leaf in enumerate(leaves)
    ]
    revoked_index = batch_size // 2
    revoked = registry.revoke(issuer, proofs[revoked_index], REASON_REVOKED)

    checks = [verify_leaf(contracts, leaf) for leaf in proofs]
    return {
        "chain_id": client.chain_id,
        "chain": client.description,
        "deployed_now": deployed_now,
        "address_book": contracts.deployment.to_json(),
        "batch": {
            "root": "0x" + root.hex(),
            "size": len(leaves),
            "block": anchored["blockNumber"],
            "gas_used": anchored["gasUsed"],
            "transaction": "0x" + bytes(anchored["transactionHash"]).hex(),
        },
        "revoked": {"index": revoked_index, "reason": REASON_REVOKED, "block": revoked["blockNumber"]},
        "checks": [c.__dict__ | {"valid": c.valid} for c in checks],
    }


def verify_leaf(contracts: Contracts, leaf: AnchoredLeaf) -> LeafCheck:
    """Integrity (leaf -> proof -> root), anchor and status, all from chain data.

    A batch record exists only if its issuer was authorised for its type when it was anchored
    (`anchorBatch` refuses otherwise), so the record itself proves the authorisation. The
    proof must be checked against the size stored with the batch: an RFC 9162 proof alone does
    not bind the tree size (docs/merkle.md)."""
    registry = contracts.registry
    batch = registry.batch(leaf.root)
    anchor = batch is not None and batch.type_hash == code_hash(DEMO_TYPE_CODE)
    try:
        leaf.proof.verify(leaf.root)
        integrity = batch is None or leaf.proof.size == batch.size
    except LedgerError:
        integrity = False
    status = registry.status(leaf.proof.leaf_hash).status.name
    return LeafCheck(leaf.proof.index, "0x" + leaf.proof.leaf_hash.hex(), integrity, anchor, status)
