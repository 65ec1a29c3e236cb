"""Network shapes that need care: QBFT blocks (Besu) and fixed or zero gas prices.

A Besu QBFT network cannot run here, so its JSON-RPC answers are served by a small stand-in
that returns a recorded-shape QBFT block (97+ bytes of extraData, base fee 0)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from chain_helpers import AUTHORITY, ISSUER, TYPE_A, with_issuer

from ledger.chain.client import ChainClient
from ledger.settings import load_settings

# RLP of QBFT's (vanity, validators, vote, round, seals): far longer than the 32 bytes of
# extraData that Ethereum mainnet allows and web3 enforces by default.
QBFT_EXTRA_DATA = "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549493917cadbace5dfce132b991732c6cda9bcc5b8a94b8e1d5ae3c4b4ba7b0e4da70ed0cf1d0f7e6aa4f94a2ed25d0a1ac3fc8e1b5e4a3eeda97d2f7f46b5a94c9f7d2d2e9c1c4a7a0d6e0b1f6a4a9b2e4d2e7a6c080c0"
BLOCK = {
    "number": "0x10",
    "hash": "0x" + "ab" * 32,
    "parentHash": "0x" + "cd" * 32,
    "nonce": "0x0000000000000000",
    "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
    "logsBloom": "0x" + "00" * 256,
    "transactionsRoot": "0x" + "11" * 32,
    "stateRoot": "0x" + "22" * 32,
    "receiptsRoot": "0x" + "33" * 32,
    "miner": "0x" + "44" * 20,
    "difficulty": "0x1",
    "totalDifficulty": "0x11",
    "extraData": QBFT_EXTRA_DATA,
    "size": "0x2a0",
    "gasLimit": "0x1fffffffffffff",
    "gasUsed": "0x0",
    "timestamp": "0x6560f000",
    "transactions": [],
    "uncles": [],
    "baseFeePerGas": "0x0",
    "mixHash": "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
}
ANSWERS = {
    "eth_chainId": "0x7e2",
    "eth_getBlockByNumber": BLOCK,
    "eth_gasPrice": "0x0",
    "eth_blockNumber": "0x10",
}


class _QbftStandIn(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps(
            {"jsonrpc": "2.0", "id": request["id"], "result": ANSWERS[request["method"]]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def qbft_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _QbftStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_qbft_blocks_are_read_with_the_extra_data_middleware(qbft_url):
    client = ChainClient.connect(qbft_url, settings=load_settings(chain_url=qbft_url))
    assert client.chain_id == 2018
    block = client.w3.eth.get_block("latest")
    assert bytes(block["proofOfAuthorityData"]).hex() == QBFT_EXTRA_DATA[2:]
    # a zero base fee (Besu free-gas network) gives zero fees, not a refusal
    assert client.fee_fields() == {"maxFeePerGas": 0, "maxPriorityFeePerGas": 0}


def test_without_the_middleware_qbft_blocks_are_refused(qbft_url):
    from web3.exceptions import ExtraDataLengthError

    client = ChainClient.connect(qbft_url, settings=load_settings(chain_url=qbft_url, chain_poa="off"))
    with pytest.raises(ExtraDataLengthError):
        client.w3.eth.get_block("latest")


def test_a_configured_gas_price_sends_legacy_transactions(settings):
    fixed = settings.model_copy(update={"gas_price_wei": 3 * 10**9})
    with ChainClient.from_settings(fixed) as client:
        from ledger.chain.deploy import deploy, open_deployment

        deploy(client, load_settings().signer(client.chain_id), fixed.data_dir)
        contracts = open_deployment(client, fixed.data_dir)
        receipt = with_issuer(contracts).registry.anchor_batch(ISSUER, TYPE_A, b"\x08" * 32, 1)
        tx = client.w3.eth.get_transaction(receipt["transactionHash"])
        assert (tx["type"], tx["gasPrice"]) == (0, 3 * 10**9)
        assert contracts.registry.issuer(ISSUER.address)[0] == AUTHORITY
