"""The chain client on every backend: proofs on chain, deployment checks, nonces, concurrency,
reverts, events and the log anchor."""

from __future__ import annotations

import base64
import json
import shutil
import threading
from pathlib import Path

import pytest
from chain_helpers import ADMIN, ISSUER, OPERATOR, STRANGER, TYPE_A, anchor, random_leaves, with_issuer

from ledger import merkle
from ledger.chain.client import ChainClient
from ledger.chain.contracts import code_hash
from ledger.chain.deploy import address_book_path, deploy, open_deployment
from ledger.errors import ChainError, ContractRevert, DeploymentError

VECTORS = Path(__file__).parent / "vectors" / "rfc6962" / "inclusion"
INCLUSION = sorted(VECTORS.rglob("*.json"))


def test_rfc6962_inclusion_vectors_on_chain(contracts):
    """The contract's Merkle check is the project's one construction: every happy path of
    transparency-dev's vectors verifies on chain, every corrupted variant is rejected."""
    registry = contracts.registry
    assert len(INCLUSION) > 50
    for path in INCLUSION:
        case = json.loads(path.read_text())
        root, leaf = base64.b64decode(case["root"] or ""), base64.b64decode(case["leafHash"] or "")
        proof = [base64.b64decode(p) for p in case["proof"] or []]
        fits_abi = (
            all(len(h) == 32 for h in [root, leaf, *proof]) and case["leafIdx"] >= 0 and case["treeSize"] >= 0
        )
        if not fits_abi:
            assert case["wantErr"], f"{path.name}: a happy path must fit bytes32/uint256"
            continue  # a bytes32/uint256 ABI refuses it before the contract sees it
        ok = registry.client.call(
            registry.contract, "verifyInclusion", root, case["leafIdx"], case["treeSize"], leaf, proof
        )
        assert ok is not case["wantErr"], f"{path.relative_to(VECTORS)}: {case['desc']}"


def test_reset_chain_is_detected(settings, client, contracts):
    address = contracts.deployment.contracts["LicenceRegistry"].address
    book_path = address_book_path(settings.data_dir, client.chain_id)
    book = json.loads(book_path.read_text())
    # A reset chain: the recorded address holds no code any more.
    book["contracts"]["LicenceRegistry"]["address"] = "0x" + "00" * 19 + "01"
    book_path.write_text(json.dumps(book))
    with pytest.raises(DeploymentError) as caught:
        open_deployment(client, settings.data_dir)
    message = str(caught.value)
    assert f"chain {client.chain_id}" in message and "0x" + "00" * 19 + "01" in message
    assert "reset" in message
    # A wrong network or contract: code there, but not ours.
    book["contracts"]["LicenceRegistry"]["address"] = contracts.deployment.contracts["LogAnchor"].address
    book_path.write_text(json.dumps(book))
    with pytest.raises(DeploymentError, match="not the committed artifact"):
        open_deployment(client, settings.data_dir)
    assert address  # the original deployment was real


def test_embedded_chain_reset_on_disk_is_detected(tmp_path):
    from ledger.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data")
    with ChainClient.from_settings(settings) as client:
        deploy(client, ADMIN, settings.data_dir)
    shutil.rmtree(settings.chain_dir)  # someone wiped the chain, kept the address book
    with (
        ChainClient.from_settings(settings) as client,
        pytest.raises(DeploymentError, match="no contract code"),
    ):
        open_deployment(client, settings.data_dir)


def test_missing_deployment_names_the_chain(settings, client):
    with pytest.raises(DeploymentError, match=f"no deployment recorded for chain {client.chain_id}"):
        open_deployment(client, settings.data_dir)


def test_nonce_recovers_after_a_failed_send(client, contracts):
    with_issuer(contracts)
    registry = contracts.registry
    before = client.w3.eth.get_transaction_count(ISSUER.address, "pending")
    # Refused by the node at submission (intrinsic gas too low): the nonce was not used.
    with pytest.raises(ChainError):
        client.send(ISSUER, registry.anchor_call(TYPE_A, b"\x01" * 32, 1), gas=1_000)
    receipt = registry.anchor_batch(ISSUER, TYPE_A, b"\x02" * 32, 1)
    assert client.w3.eth.get_transaction(receipt["transactionHash"])["nonce"] == before


def test_nonce_recovers_after_a_dropped_transaction(client, contracts):
    with_issuer(contracts)
    manager = client.nonces(ISSUER.address)
    with manager.reserve() as lost:  # taken locally, never reaches the node: a dropped send
        pass
    with pytest.raises(ChainError, match="no receipt"):
        client.wait(b"\x99" * 32, timeout=0.3)  # waiting in vain resynchronises the nonces
    receipt = contracts.registry.anchor_batch(ISSUER, TYPE_A, b"\x03" * 32, 1)
    assert client.w3.eth.get_transaction(receipt["transactionHash"])["nonce"] == lost


def test_four_threads_send_concurrently_without_nonce_collision(client, contracts):
    with_issuer(contracts)
    registry = contracts.registry
    per_thread, receipts, failures = 15, [], []
    lock = threading.Lock()

    def worker(t: int) -> None:
        try:
            for i in range(per_thread):
                root = merkle.leaf_hash(f"thread-{t}-{i}".encode())
                r = registry.anchor_batch(ISSUER, TYPE_A, root, 1)
                with lock:
                    receipts.append(r)
        except Exception as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures
    nonces = sorted(client.w3.eth.get_transaction(r["transactionHash"])["nonce"] for r in receipts)
    assert len(nonces) == 4 * per_thread
    assert nonces == list(range(nonces[0], nonces[0] + 4 * per_thread))


def test_revert_of_a_mined_transaction_is_decoded(client, contracts):
    """With an explicit gas limit no estimate catches the revert: the transaction is mined
    with status 0, and the client replays it to name the custom error."""
    tx = contracts.registry.anchor_call(TYPE_A, b"\x04" * 32, 1)
    with pytest.raises(ContractRevert) as caught:
        client.wait(client.send(STRANGER, tx, gas=200_000))
    assert caught.value.name == "LicenceRegistryUnknownIssuer"
    assert caught.value.args_ == {"issuer": STRANGER.address}


def test_event_reader_walks_ranges_in_chunks(client, contracts):
    with_issuer(contracts)
    first = client.w3.eth.block_number
    roots = []
    for _ in range(9):
        leaves = random_leaves(2)
        anchor(contracts, leaves)
        roots.append(merkle.root(leaves))
    client.log_chunk_blocks = 2
    events = list(client.events(contracts.registry.contract.events.BatchAnchored(), from_block=first))
    assert [bytes(e["args"]["root"]) for e in events] == roots
    assert all(e["args"]["issuer"] == ISSUER.address for e in events)


def test_log_anchor_sizes_only_grow_and_history_is_readable(contracts):
    log_anchor = contracts.log_anchor
    log = code_hash("archive")
    log_anchor.register_log(ADMIN, log, OPERATOR.address)
    assert log_anchor.latest(log) is None
    anchored = [
        log_anchor.anchor_checkpoint(OPERATOR, log, n, merkle.leaf_hash(bytes([n]))) for n in (1, 5, 9)
    ]
    history = log_anchor.history(log)
    assert [(c.size, c.root_hash, c.block_number) for c in history] == [
        (n, merkle.leaf_hash(bytes([n])), r["blockNumber"]) for n, r in zip((1, 5, 9), anchored, strict=True)
    ]
    assert log_anchor.latest(log) == history[-1]
    assert log_anchor.for_size(log, 5) == history[1]
    assert log_anchor.for_size(log, 6) is None
    for size in (9, 4):  # a different root for an anchored size, or a shrinking log
        with pytest.raises(ContractRevert) as caught:
            log_anchor.anchor_checkpoint(OPERATOR, log, size, b"\x66" * 32)
        assert caught.value.name == "LogAnchorSizeNotIncreasing"
        assert (caught.value.args_["latestSize"], caught.value.args_["size"]) == (9, size)
    with pytest.raises(ContractRevert, match="LogAnchorUnknownLog"):
        log_anchor.anchor_checkpoint(OPERATOR, code_hash("nope"), 1, b"\x01" * 32)
    with pytest.raises(ContractRevert, match="LogAnchorLogExists"):
        log_anchor.register_log(ADMIN, log, OPERATOR.address)


@pytest.mark.hardhat
def test_two_processes_with_one_key_do_not_lose_a_send(hardhat_url, tmp_path):
    """Two clients (as two server workers) sending with one key: a nonce the other took first
    is re-read and the send goes through."""
    from ledger.settings import load_settings

    settings = load_settings(data_dir=tmp_path / "data", chain_url=hardhat_url)
    with ChainClient.from_settings(settings) as a, ChainClient.from_settings(settings) as b:
        to = {"to": STRANGER.address, "value": 1}
        first = a.wait(a.send(OPERATOR, to))  # a caches its next nonce, n + 1
        b.wait(b.send(OPERATOR, to))  # b reads the node's count: n + 1, mined
        third = a.wait(a.send(OPERATOR, to))  # a's cached n + 1 is taken: re-read, n + 2
        nonce = a.w3.eth.get_transaction(first["transactionHash"])["nonce"]
        assert a.w3.eth.get_transaction(third["transactionHash"])["nonce"] == nonce + 2
