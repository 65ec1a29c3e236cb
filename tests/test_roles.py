"""Every write of both contracts is refused for every wrong role (embedded and Hardhat)."""

from __future__ import annotations

import pytest
from chain_helpers import (
    ADMIN,
    AUTHORITY,
    ISSUER,
    OPERATOR,
    OTHER_ISSUER,
    STRANGER,
    TYPE_A,
    anchored,
    random_leaves,
)

from ledger import merkle
from ledger.chain.contracts import REGISTRAR_ROLE, code_hash
from ledger.chain.keys import dev_account
from ledger.errors import ContractRevert

LOG = code_hash("archive")
REGISTRAR = OTHER_ISSUER  # a registrar that is not admin, to tell the two roles apart

# For each write: who may call it, and the accounts that must be refused.
# roles: admin (DEFAULT_ADMIN_ROLE), registrar (REGISTRAR_ROLE), issuer (authorised for TYPE_A),
# operator (of LOG), stranger (nothing).
ACCOUNTS = {
    "admin": ADMIN,
    "registrar": REGISTRAR,
    "issuer": ISSUER,
    "operator": OPERATOR,
    "stranger": STRANGER,
}
WRITES = {
    # registry: role administration
    "grantRole": ("registry", "admin", lambda w: (REGISTRAR_ROLE, STRANGER.address)),
    "revokeRole": ("registry", "admin", lambda w: (REGISTRAR_ROLE, REGISTRAR.address)),
    # registry: issuers (registrar)
    "registerIssuer": ("registry", "registrar", lambda w: (STRANGER.address, AUTHORITY, [TYPE_A])),
    "grantTypes": ("registry", "registrar", lambda w: (ISSUER.address, [code_hash("x")])),
    "revokeTypes": ("registry", "registrar", lambda w: (ISSUER.address, [TYPE_A])),
    "suspendIssuer": ("registry", "registrar", lambda w: (ISSUER.address,)),
    "reinstateIssuer": ("registry", "registrar", lambda w: (w["suspended"],)),
    "removeIssuer": ("registry", "registrar", lambda w: (ISSUER.address,)),
    # registry: batches and status (an authorised issuer)
    "anchorBatch": ("registry", "issuer", lambda w: (TYPE_A, b"\x42" * 32, 3)),
    "suspend": ("registry", "issuer", lambda w: (w["leaf"], 2)),
    "reinstate": ("registry", "issuer", lambda w: (w["suspended_leaf"], 0)),
    "revoke": ("registry", "issuer", lambda w: (w["leaf"], 7)),
    "supersede": ("registry", "issuer", lambda w: (w["leaf"], w["successor"], 1)),
    # log anchor
    "registerLog": ("log_anchor", "admin", lambda w: (code_hash("other"), OPERATOR.address)),
    "setLogOperator": ("log_anchor", "admin", lambda w: (LOG, STRANGER.address)),
    "anchorCheckpoint": ("log_anchor", "operator", lambda w: (LOG, 10, b"\x07" * 32)),
}
CASES = [(fn, who) for fn, (_, allowed, _) in WRITES.items() for who in ACCOUNTS if who != allowed]


@pytest.fixture
def world(contracts):
    """Both contracts with one account in each role, a batch and a suspended licence."""
    registry, anchor_ = contracts.registry, contracts.log_anchor
    registry.grant_role(ADMIN, REGISTRAR_ROLE, REGISTRAR.address)
    # deploy() makes the deployer registrar too; here admin must be admin only
    registry.client.transact(ADMIN, registry.contract, "revokeRole", REGISTRAR_ROLE, ADMIN.address)
    registry.register_issuer(REGISTRAR, ISSUER.address, AUTHORITY, [TYPE_A])
    suspended = dev_account(8).address  # a second issuer, suspended
    registry.register_issuer(REGISTRAR, suspended, AUTHORITY, [TYPE_A])
    registry.suspend_issuer(REGISTRAR, suspended)
    leaves = random_leaves(4)
    registry.anchor_batch(ISSUER, TYPE_A, merkle.root(leaves), 4)
    registry.suspend(ISSUER, anchored(leaves, 1), 2)
    anchor_.register_log(ADMIN, LOG, OPERATOR.address)
    return {
        "contracts": contracts,
        "suspended": suspended,
        "leaf": anchored(leaves, 0).as_struct(),
        "suspended_leaf": anchored(leaves, 1).as_struct(),
        "successor": anchored(leaves, 2).as_struct(),
    }


# Only the error names matter here: which check refused the caller.
REFUSALS = {
    "AccessControlUnauthorizedAccount",
    "LicenceRegistryUnknownIssuer",
    "LicenceRegistryNotAuthorisedForType",
    "LogAnchorUnauthorisedOperator",
}


@pytest.mark.parametrize(("function", "caller"), CASES, ids=[f"{f}-by-{c}" for f, c in CASES])
def test_write_refused_for_wrong_role(world, function, caller):
    target, _, args = WRITES[function]
    contract = getattr(world["contracts"], target)
    with pytest.raises(ContractRevert) as caught:
        contract.client.transact(ACCOUNTS[caller], contract.contract, function, *args(world))
    assert caught.value.name in REFUSALS, caught.value


@pytest.mark.parametrize("function", list(WRITES))
def test_write_allowed_for_its_role(world, function):
    """The matrix's other half: the same call succeeds for the right role, so the refusals
    above are about the caller, not about the arguments."""
    target, allowed, args = WRITES[function]
    contract = getattr(world["contracts"], target)
    receipt = contract.client.transact(ACCOUNTS[allowed], contract.contract, function, *args(world))
    assert receipt["status"] == 1
