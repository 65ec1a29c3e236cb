"""Helpers for contract tests: named development accounts and sample batches."""

from __future__ import annotations

import os

from ledger import merkle
from ledger.chain.contracts import AnchoredLeaf, code_hash
from ledger.chain.deploy import Contracts
from ledger.chain.keys import dev_account

ADMIN = dev_account(0)  # deployer: admin and registrar
ISSUER = dev_account(1)
OTHER_ISSUER = dev_account(2)
OPERATOR = dev_account(3)
STRANGER = dev_account(9)

TYPE_A = code_hash("11100000000013338W001")
TYPE_B = code_hash("11100000MB03271699001")
AUTHORITY = code_hash("11100000000013338W")


def random_leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(os.urandom(24)) for _ in range(n)]


def anchored(leaves: list[bytes], index: int) -> AnchoredLeaf:
    proof = merkle.InclusionProof(
        index, len(leaves), leaves[index], tuple(merkle.inclusion_proof(leaves, index))
    )
    return AnchoredLeaf(merkle.root(leaves), proof)


def with_issuer(contracts: Contracts, types: list[bytes] | None = None) -> Contracts:
    contracts.registry.register_issuer(ADMIN, ISSUER.address, AUTHORITY, types or [TYPE_A])
    return contracts


def anchor(contracts: Contracts, leaves: list[bytes], type_hash: bytes = TYPE_A, signer=ISSUER) -> int:
    receipt = contracts.registry.anchor_batch(signer, type_hash, merkle.root(leaves), len(leaves))
    return receipt["blockNumber"]
