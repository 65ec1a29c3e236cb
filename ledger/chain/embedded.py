"""The embedded chain: an in-process EVM (eth-tester over py-evm) persisted in the data directory.

py-evm keeps its chain in any key-value database. `SQLiteKV` stores it in one SQLite file and
commits once per mined block, so a crash leaves the chain at its last complete block (py-evm's
keys are mostly content hashes: writes left uncommitted by a crash are unreferenced, never
corrupt). One process owns the chain at a time, enforced by an advisory lock whose file names
the owner.
"""

from __future__ import annotations

import ast
import fcntl
import json
import os
import sqlite3
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.db.backends.base import BaseDB
from eth.exceptions import TransactionNotFound as EVMTransactionNotFound
from eth.vm.forks import CancunVM
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_genesis_params
from eth_tester.backends.pyevm.serializers import serialize_transaction, serialize_transaction_receipt
from eth_tester.exceptions import TransactionFailed, TransactionNotFound
from eth_utils import to_wei
from web3 import EthereumTesterProvider
from web3.providers.eth_tester.defaults import API_ENDPOINTS, static_return

from ledger.chain.keys import DEV_ACCOUNT_COUNT, dev_account
from ledger.errors import ChainLockedError

EMBEDDED_CHAIN_ID = 1337
CACHE_ENTRIES = 200_000


class SQLiteKV(BaseDB):
    """A py-evm key-value database in SQLite; writes become durable at `commit()`."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
        )
        self._conn.execute("BEGIN")
        self._cache: dict[bytes, bytes] = {}

    def __getitem__(self, key: bytes) -> bytes:
        # py-evm reads the same trie nodes over and over: a read cache saves most queries.
        try:
            return self._cache[key]
        except KeyError:
            pass
        row = self._conn.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        self._remember(key, row[0])
        return row[0]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._conn.execute("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (key, value))
        self._remember(key, value)

    def __delitem__(self, key: bytes) -> None:
        self._cache.pop(key, None)
        if self._conn.execute("DELETE FROM kv WHERE k = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        if key in self._cache:
            return True
        return self._conn.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone() is not None

    def _remember(self, key: bytes, value: bytes) -> None:
        if len(self._cache) >= CACHE_ENTRIES:
            self._cache.clear()  # crude but bounded; the working set refills at once
        self._cache[key] = value

    def is_empty(self) -> bool:
        return self._conn.execute("SELECT 1 FROM kv LIMIT 1").fetchone() is None

    def commit(self) -> None:
        self._conn.execute("COMMIT")
        self._conn.execute("BEGIN")

    def close(self) -> None:
        self._cache.clear()
        self._conn.execute("ROLLBACK")
        self._conn.close()


class ChainLock:
    """An exclusive advisory lock on the chain directory, released when the process ends."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "OWNER"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 4096).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ChainLockedError(
                f"the embedded chain in {self.path.parent} is in use by another process "
                f"({owner}); stop it, or point CERTLEDGER_CHAIN_URL at a node"
            ) from None
        owner = {"pid": os.getpid(), "command": " ".join(sys.argv)[:200], "since": int(time.time())}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(owner).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def _chain_class(chain_id: int) -> type[MiningChain]:
    # eth-tester's own chain class, re-declared to fix the chain id and the fork (Cancun, as
    # the contracts' evmVersion) and to keep the gas limit constant, as eth-tester does.
    from eth.consensus import ConsensusApplier, NoProofConsensus

    vm_config = ConsensusApplier(NoProofConsensus).amend_vm_configuration(((0, CancunVM),))

    class EmbeddedChain(MiningChain):  # type: ignore[misc]
        vm_configuration = vm_config

        def create_header_from_parent(self, parent_header: Any, **params: Any) -> Any:
            params["gas_limit"] = parent_header.gas_limit
            return super().create_header_from_parent(parent_header, **params)

        def get_transaction_builder(self) -> Any:
            return super().get_vm().get_transaction_builder()

    EmbeddedChain.chain_id = chain_id
    return EmbeddedChain


class PersistentBackend(PyEVMBackend):
    """eth-tester's py-evm backend over an existing (or new) on-disk chain database."""

    def __init__(self, kv: SQLiteKV, chain_id: int) -> None:  # no super(): it would reset
        self._kv = kv
        self.account_keys = ()  # no node-held keys: everything is signed by the client
        chain_class = _chain_class(chain_id)
        db = AtomicDB(kv)
        if kv.is_empty():
            genesis_state = {
                bytes.fromhex(dev_account(i).address[2:]): {
                    "balance": to_wei(1_000_000, "ether"),
                    "storage": {},
                    "code": b"",
                    "nonce": 0,
                }
                for i in range(DEV_ACCOUNT_COUNT)
            }
            self.chain = chain_class.from_genesis(db, get_default_genesis_params(), genesis_state)
            kv.commit()
        else:
            self.chain = chain_class(db)

    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = b"\x00" * 20) -> tuple[bytes, ...]:
        hashes = super().mine_blocks(num_blocks, coinbase)
        self._kv.commit()
        return hashes

    # eth-tester finds a transaction by scanning every block back from the head; py-evm keeps
    # a hash -> (block, index) lookup, so receipts stay O(1) as the chain grows.
    def _find_transaction(self, tx_hash: bytes) -> tuple[Any, Any, int]:
        pending = self.chain.get_block()
        for index, tx in enumerate(pending.transactions):
            if tx.hash == tx_hash:
                return pending, tx, index
        try:
            number, index = self.chain.chaindb.get_transaction_index(tx_hash)
        except EVMTransactionNotFound:
            raise TransactionNotFound(
                f"No transaction found for transaction hash: 0x{tx_hash.hex()}"
            ) from None
        block = self.chain.get_canonical_block_by_number(number)
        return block, block.transactions[index], index

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        block, tx, index = self._find_transaction(transaction_hash)
        pending = block.number == self.chain.get_block().number
        return serialize_transaction(block, tx, index, pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        block, tx, index = self._find_transaction(transaction_hash)
        pending = block.number == self.chain.get_block().number
        receipts = block.get_receipts(self.chain.chaindb)
        return serialize_transaction_receipt(block, receipts, tx, index, pending, self.chain.get_vm())

    def reset_to_genesis(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("the embedded chain is persistent; delete its directory to reset")


class _Reverted(Exception):
    def __init__(self, data: bytes) -> None:
        super().__init__("execution reverted")
        self.data = data


def _reverts_with_data(endpoint: Any) -> Any:
    def wrapped(tester: Any, params: Any) -> Any:
        try:
            return endpoint(tester, params)
        except TransactionFailed as exc:
            raw = exc.args[0] if exc.args else b""
            if isinstance(raw, Exception) and raw.args:  # eth-tester sometimes nests them
                raw = raw.args[0]
            if isinstance(raw, str) and raw[:2] in ("b'", 'b"'):  # eth_call stringifies them
                raw = ast.literal_eval(raw)
            raise _Reverted(raw if isinstance(raw, bytes) else b"") from None

    return wrapped


class EmbeddedProvider(EthereumTesterProvider):
    """A web3 provider over the persistent chain; requests are serialised (py-evm is not
    thread-safe) and the chain is closed and unlocked by `close()`."""

    def __init__(self, directory: Path, chain_id: int = EMBEDDED_CHAIN_ID) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._lock = ChainLock(directory)
        self._lock.acquire()
        try:
            self._kv = SQLiteKV(directory / "chain.sqlite")
            backend = PersistentBackend(self._kv, chain_id)
        except BaseException:
            self._lock.release()
            raise
        self._mutex = threading.RLock()
        # web3's tester endpoints answer eth_chainId with a constant; answer ours instead.
        endpoints = {namespace: dict(methods) for namespace, methods in API_ENDPOINTS.items()}
        endpoints["eth"]["chainId"] = static_return(chain_id)
        # Reverts leave as JSON-RPC errors carrying the revert data, as real nodes send them
        # (web3 would otherwise flatten them into a string), so one decoding path serves all.
        for name in ("call", "estimateGas"):
            endpoints["eth"][name] = _reverts_with_data(endpoints["eth"][name])
        super().__init__(EthereumTester(backend=backend), api_endpoints=endpoints)

    def make_request(self, method: Any, params: Any) -> Any:
        with self._mutex:
            try:
                return super().make_request(method, params)
            except _Reverted as revert:
                data = "0x" + revert.data.hex()
                error = {"code": 3, "message": "execution reverted", "data": data}
                return {"jsonrpc": "2.0", "id": 0, "error": error}

    def close(self) -> None:
        with self._mutex:
            if self._kv is not None:
                self._kv.close()
                self._kv = None
                self._lock.release()
