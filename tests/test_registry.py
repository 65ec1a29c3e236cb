"""LicenceRegistry through the Python client, on the embedded chain and on Hardhat."""

from __future__ import annotations

import pytest
from chain_helpers import (
    ADMIN,
    AUTHORITY,
    ISSUER,
    OTHER_ISSUER,
    TYPE_A,
    TYPE_B,
    anchor,
    anchored,
    random_leaves,
    with_issuer,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger import merkle
from ledger.chain.contracts import IssuerState, LeafStatus
from ledger.errors import ContractRevert


def test_batch_anchor_records_issuer_type_size_and_block(contracts):
    with_issuer(contracts)
    leaves = random_leaves(5)
    block = anchor(contracts, leaves)
    batch = contracts.registry.batch(merkle.root(leaves))
    assert (batch.issuer, batch.type_hash, batch.size, batch.block_number) == (
        ISSUER.address,
        TYPE_A,
        5,
        block,
    )
    assert contracts.registry.batch(b"\x01" * 32) is None


def test_anchoring_the_same_root_twice_is_refused(contracts):
    with_issuer(contracts)
    leaves = random_leaves(3)
    anchor(contracts, leaves)
    with pytest.raises(ContractRevert) as caught:
        anchor(contracts, leaves)
    assert caught.value.name == "LicenceRegistryBatchExists"
    assert caught.value.args_["root"] == merkle.root(leaves)


def test_empty_batch_is_refused(contracts):
    with_issuer(contracts)
    with pytest.raises(ContractRevert, match="LicenceRegistryEmptyBatch"):
        contracts.registry.anchor_batch(ISSUER, TYPE_A, b"\x05" * 32, 0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 5_000), picks=st.lists(st.integers(0, 10**9), min_size=1, max_size=4))
@example(size=1, picks=[0])
@example(size=2, picks=[1])
@example(size=3, picks=[2])
@example(size=4_999, picks=[4_998, 2_048])
@example(size=5_000, picks=[4_999, 4_095])
def test_every_leaf_of_any_batch_verifies_on_chain(contracts, size, picks):
    registry = contracts.registry
    if registry.issuer(ISSUER.address)[1] is IssuerState.UNREGISTERED:
        with_issuer(contracts)
    leaves = random_leaves(size)
    anchor(contracts, leaves)
    for index in {p % size for p in picks}:
        leaf = anchored(leaves, index)
        leaf.proof.verify(leaf.root)  # the same construction off chain
        assert registry.verify_leaf(leaf)
        # a wrong index, a wrong leaf or a damaged path must not verify on chain
        root, path = leaf.root, list(leaf.proof.path)
        assert size == 1 or not on_chain(registry, (root, (index + 1) % size, leaves[index], path))
        assert not on_chain(registry, (root, index, merkle.leaf_hash(b"forged"), path))
        for k in range(len(path)):
            damaged = path[:k] + [bytes([path[k][0] ^ 1]) + path[k][1:]] + path[k + 1 :]
            assert not on_chain(registry, (root, index, leaves[index], damaged))
        assert not on_chain(registry, (root, index, leaves[index], path + [root]))


def on_chain(registry, struct) -> bool:
    return registry.client.call(registry.contract, "verifyLeaf", struct)


def test_revoke_one_leaf_inside_a_batch(contracts):
    with_issuer(contracts)
    leaves = random_leaves(9)
    anchor(contracts, leaves)
    receipt = contracts.registry.revoke(ISSUER, anchored(leaves, 4), 7)
    for i, leaf in enumerate(leaves):
        record = contracts.registry.status(leaf)
        if i == 4:
            assert (record.status, record.reason, record.block_number) == (
                LeafStatus.REVOKED,
                7,
                receipt["blockNumber"],
            )
        else:
            assert (record.status, record.block_number) == (LeafStatus.ACTIVE, 0)
    with pytest.raises(ContractRevert) as caught:
        contracts.registry.reinstate(ISSUER, anchored(leaves, 4), 0)
    assert caught.value.name == "LicenceRegistryInvalidTransition"
    assert (caught.value.args_["from"], caught.value.args_["to"]) == ("Revoked", "Active")


def test_status_change_needs_a_valid_inclusion_proof(contracts):
    with_issuer(contracts)
    leaves = random_leaves(6)
    anchor(contracts, leaves)
    outsider = random_leaves(6)
    wrong = anchored(outsider, 2)
    with pytest.raises(ContractRevert, match="LicenceRegistryUnknownBatch"):
        contracts.registry.revoke(ISSUER, wrong, 7)
    forged = type(wrong)(merkle.root(leaves), wrong.proof)
    with pytest.raises(ContractRevert, match="LicenceRegistryInvalidProof"):
        contracts.registry.revoke(ISSUER, forged, 7)


def test_status_at_an_earlier_block(contracts):
    with_issuer(contracts)
    leaves = random_leaves(4)
    anchored_at = anchor(contracts, leaves)
    leaf = anchored(leaves, 1)
    registry = contracts.registry
    suspended_at = registry.suspend(ISSUER, leaf, 2)["blockNumber"]
    reinstated_at = registry.reinstate(ISSUER, leaf, 0)["blockNumber"]
    revoked_at = registry.revoke(ISSUER, leaf, 7)["blockNumber"]
    h = leaves[1]
    assert registry.status(h, at_block=anchored_at).status is LeafStatus.ACTIVE
    assert registry.status(h, at_block=suspended_at - 1).status is LeafStatus.ACTIVE
    assert registry.status(h, at_block=suspended_at) == registry.status_history(h)[0]
    assert registry.status(h, at_block=suspended_at).status is LeafStatus.SUSPENDED
    assert registry.status(h, at_block=reinstated_at - 1).status is LeafStatus.SUSPENDED
    assert registry.status(h, at_block=reinstated_at).status is LeafStatus.ACTIVE
    at_revocation = registry.status(h, at_block=revoked_at)
    assert (at_revocation.status, at_revocation.reason, at_revocation.block_number) == (
        LeafStatus.REVOKED,
        7,
        revoked_at,
    )
    assert registry.status(h) == at_revocation
    assert [r.status for r in registry.status_history(h)] == [
        LeafStatus.SUSPENDED,
        LeafStatus.ACTIVE,
        LeafStatus.REVOKED,
    ]


def test_supersede_chain(contracts):
    with_issuer(contracts)
    registry = contracts.registry
    versions = []
    for _ in range(3):  # v1, v2, v3 of one licence, each anchored in its own batch
        leaves = random_leaves(3)
        anchor(contracts, leaves)
        versions.append(anchored(leaves, 0))
    registry.supersede(ISSUER, versions[0], versions[1], 1)
    registry.supersede(ISSUER, versions[1], versions[2], 1)
    chain = []
    current = versions[0].proof.leaf_hash
    while current is not None:
        chain.append(current)
        record = registry.status(current)
        current = record.successor
    assert chain == [v.proof.leaf_hash for v in versions]
    assert registry.status(versions[0].proof.leaf_hash).status is LeafStatus.SUPERSEDED
    assert registry.status(versions[2].proof.leaf_hash).status is LeafStatus.ACTIVE
    with pytest.raises(ContractRevert, match="LicenceRegistryInvalidTransition"):
        registry.supersede(ISSUER, versions[0], versions[2], 1)  # already superseded
    with pytest.raises(ContractRevert) as caught:
        registry.supersede(ISSUER, versions[2], versions[1], 1)  # successor is superseded
    assert caught.value.args_ == {"successor": versions[1].proof.leaf_hash, "status": "Superseded"}
    with pytest.raises(ContractRevert, match="LicenceRegistryInvalidSuccessor"):
        registry.supersede(ISSUER, versions[2], versions[2], 1)  # itself


def test_supersede_across_types_is_refused(contracts):
    with_issuer(contracts, [TYPE_A, TYPE_B])
    a, b = random_leaves(2), random_leaves(2)
    anchor(contracts, a, TYPE_A)
    anchor(contracts, b, TYPE_B)
    with pytest.raises(ContractRevert) as caught:
        contracts.registry.supersede(ISSUER, anchored(a, 0), anchored(b, 0), 1)
    assert caught.value.name == "LicenceRegistryTypeMismatch"
    assert caught.value.args_ == {"oldTypeHash": TYPE_A, "newTypeHash": TYPE_B}


def test_authorisation_history_survives_removal(contracts):
    registry = contracts.registry
    with_issuer(contracts)
    leaves = random_leaves(3)
    anchored_at = anchor(contracts, leaves)
    revoked_at = registry.revoke_types(ADMIN, ISSUER.address, [TYPE_A])["blockNumber"]
    with pytest.raises(ContractRevert) as caught:
        anchor(contracts, random_leaves(2))
    assert caught.value.name == "LicenceRegistryNotAuthorisedForType"
    assert caught.value.args_ == {"issuer": ISSUER.address, "typeHash": TYPE_A}
    removed_at = registry.remove_issuer(ADMIN, ISSUER.address)["blockNumber"]
    # What it anchored while authorised stays provable: batch, authorisation at that block.
    batch = registry.batch(merkle.root(leaves))
    assert batch.block_number == anchored_at
    assert registry.is_authorised(ISSUER.address, TYPE_A, at_block=anchored_at)
    assert not registry.is_authorised(ISSUER.address, TYPE_A, at_block=revoked_at)
    assert not registry.is_authorised(ISSUER.address, TYPE_A, at_block=removed_at)
    assert registry.verify_leaf(anchored(leaves, 2))
    assert registry.issuer(ISSUER.address) == (AUTHORITY, IssuerState.REMOVED)
    with pytest.raises(ContractRevert, match="LicenceRegistryIssuerNotActive"):
        registry.reinstate_issuer(ADMIN, ISSUER.address)


def test_never_authorised_type_cannot_be_anchored(contracts):
    with_issuer(contracts, [TYPE_A])
    with pytest.raises(ContractRevert, match="LicenceRegistryNotAuthorisedForType"):
        anchor(contracts, random_leaves(2), TYPE_B)
    assert not contracts.registry.is_authorised(ISSUER.address, TYPE_B, at_block=0)


def test_suspended_issuer_cannot_anchor_until_reinstated(contracts):
    registry = contracts.registry
    with_issuer(contracts)
    suspended_at = registry.suspend_issuer(ADMIN, ISSUER.address)["blockNumber"]
    with pytest.raises(ContractRevert) as caught:
        anchor(contracts, random_leaves(2))
    assert caught.value.name == "LicenceRegistryIssuerNotActive"
    assert caught.value.args_["state"] == "Suspended"
    assert not registry.is_authorised(ISSUER.address, TYPE_A, at_block=suspended_at)
    registry.reinstate_issuer(ADMIN, ISSUER.address)
    anchor(contracts, random_leaves(2))


def test_successor_department_may_manage_status(contracts):
    registry = contracts.registry
    with_issuer(contracts)
    leaves = random_leaves(2)
    anchor(contracts, leaves)
    registry.register_issuer(ADMIN, OTHER_ISSUER.address, AUTHORITY, [TYPE_A])
    registry.remove_issuer(ADMIN, ISSUER.address)
    registry.revoke(OTHER_ISSUER, anchored(leaves, 0), 3)
    assert registry.status(leaves[0]).status is LeafStatus.REVOKED


def test_anchor_gas_does_not_grow_with_batch_size(contracts):
    with_issuer(contracts)
    gas = [
        contracts.registry.anchor_batch(ISSUER, TYPE_A, merkle.leaf_hash(bytes([n % 256]) * 8), n)["gasUsed"]
        for n in (1, 100_000)
    ]
    assert abs(gas[0] - gas[1]) <= 64  # only the calldata bytes of the size differ
