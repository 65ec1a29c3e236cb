"""The embedded chain: persistence across processes, crash safety, single ownership."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from chain_helpers import ADMIN, ISSUER, TYPE_A

from ledger import merkle
from ledger.chain.client import ChainClient
from ledger.chain.deploy import deploy, open_deployment
from ledger.chain.embedded import EmbeddedProvider
from ledger.errors import ChainLockedError
from ledger.settings import load_settings

WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from chain_helpers import ADMIN, AUTHORITY, ISSUER, TYPE_A
    from ledger import merkle
    from ledger.chain.client import ChainClient
    from ledger.chain.deploy import deploy, open_deployment
    from ledger.settings import load_settings

    settings = load_settings(data_dir=Path({data!r}))
    client = ChainClient.from_settings(settings)
    deploy(client, ADMIN, settings.data_dir)
    registry = open_deployment(client, settings.data_dir).registry
    registry.register_issuer(ADMIN, ISSUER.address, AUTHORITY, [TYPE_A])
    for i in range(100000):
        root = merkle.leaf_hash(str(i).encode())
        receipt = registry.anchor_batch(ISSUER, TYPE_A, root, 1)
        print(i, receipt["blockNumber"], flush=True)
    """
)


def test_kill_9_mid_writing_leaves_a_consistent_chain(tmp_path):
    data = tmp_path / "data"
    script = WRITER.format(tests=str(os.path.dirname(__file__)), data=str(data))
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    confirmed = []
    deadline = time.monotonic() + 120
    while len(confirmed) < 25 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        confirmed.append(tuple(int(x) for x in line.split()))
    writer.send_signal(signal.SIGKILL)  # no clean-up, no commit, no lock release
    writer.wait()
    assert len(confirmed) >= 25, "the writer did not get going"

    settings = load_settings(data_dir=data)
    with ChainClient.from_settings(settings) as client:  # the lock died with the process
        registry = open_deployment(client, settings.data_dir).registry
        head = client.w3.eth.block_number
        assert head >= confirmed[-1][1]
        for i, block in confirmed:  # every confirmed batch is there, in its block
            batch = registry.batch(merkle.leaf_hash(str(i).encode()))
            assert batch is not None and batch.block_number == block
        # and the chain goes on from where it stood
        receipt = registry.anchor_batch(ISSUER, TYPE_A, b"\x77" * 32, 1)
        assert receipt["blockNumber"] == client.w3.eth.block_number


def test_state_survives_reopening(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data")
    with ChainClient.from_settings(settings) as client:
        book = deploy(client, ADMIN, settings.data_dir)
        head = client.w3.eth.block_number
    with ChainClient.from_settings(settings) as client:
        assert client.w3.eth.block_number == head
        assert open_deployment(client, settings.data_dir).deployment == book
        assert client.w3.eth.get_transaction_count(ADMIN.address) == head


def test_one_owner_at_a_time_in_one_process_too(tmp_path):
    first = EmbeddedProvider(tmp_path / "chain")
    try:
        with pytest.raises(ChainLockedError) as caught:
            EmbeddedProvider(tmp_path / "chain")
        owner = json.loads(str(caught.value).split("(", 1)[1].rsplit(")", 1)[0])
        assert owner["pid"] == os.getpid()
    finally:
        first.close()
    EmbeddedProvider(tmp_path / "chain").close()  # released on close
