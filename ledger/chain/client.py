"""The one chain client: connection, local signing, nonces, fees, receipts, reverts, events.

The same code runs against the embedded chain, a Hardhat or Anvil node, and a Besu QBFT
network; only the provider differs.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi import abi as abi_codec
from eth_account.signers.local import LocalAccount
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from eth_utils.abi import collapse_if_tuple
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractEvent
from web3.exceptions import (
    ContractLogicError,
    TimeExhausted,
    Web3Exception,
    Web3RPCError,
)
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import EventData, TxReceipt

from ledger.chain.artifacts import load_artifact
from ledger.chain.errors import decode_revert
from ledger.chain.nonce import NonceManager
from ledger.errors import ChainError, ContractRevert
from ledger.settings import Settings

# Headroom over eth_estimateGas. Some nodes (Hardhat) estimate at the latest block's number,
# while the transaction runs in the next block: a history checkpoint keyed by block number is
# then updated in place in the estimate but written to a fresh slot (~20k gas) when mined.
GAS_MARGIN = 1.2
NONCE_ATTEMPTS = 3  # a send whose nonce another process took re-reads the count and retries
GAS_HEADROOM = 25_000
FEE_CACHE_SECONDS = 2.0
PRIORITY_FEE_WEI = 10**9


class ChainClient:
    """Wraps an explicit `Web3`. Build it with `from_settings()` (or `embedded()`/`connect()`)."""

    def __init__(
        self,
        w3: Web3,
        *,
        receipt_timeout: float = 60.0,
        gas_price_wei: int | None = None,
        log_chunk_blocks: int = 2_000,
        description: str = "",
    ) -> None:
        self.w3 = w3
        self.description = description or "chain"
        self.receipt_timeout = receipt_timeout
        self.log_chunk_blocks = log_chunk_blocks
        self._gas_price_wei = gas_price_wei
        self._nonces: dict[str, NonceManager] = {}
        self._nonces_lock = threading.Lock()
        self._fees: tuple[float, dict[str, int]] | None = None
        self.call_defaults: dict[str, Any] = {}
        self._abis: dict[tuple[str, str], _FunctionAbi] = {}
        try:
            self.chain_id: int = w3.eth.chain_id
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainError(f"cannot reach the chain node at {self.description}: {exc}") from None

    # ----- construction -----

    @classmethod
    def from_settings(cls, settings: Settings) -> ChainClient:
        if settings.embedded:
            return cls.embedded(settings)
        return cls.connect(settings.chain_url or "", settings=settings)

    @classmethod
    def embedded(cls, settings: Settings) -> ChainClient:
        from ledger.chain.embedded import EmbeddedProvider
        from ledger.chain.keys import dev_account

        provider = EmbeddedProvider(settings.chain_dir, settings.embedded_chain_id)
        client = cls(
            Web3(provider),
            receipt_timeout=settings.receipt_timeout,
            gas_price_wei=settings.gas_price_wei,
            log_chunk_blocks=settings.log_chunk_blocks,
            description=f"embedded chain in {settings.chain_dir}",
        )
        # eth-tester runs eth_call as a full transaction: it wants a funded sender.
        client.call_defaults = {"from": dev_account(0).address}
        return client

    @classmethod
    def connect(cls, url: str, *, settings: Settings | None = None) -> ChainClient:
        settings = settings or Settings(chain_url=url)
        w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 30}))
        client = cls(
            w3,
            receipt_timeout=settings.receipt_timeout,
            gas_price_wei=settings.gas_price_wei,
            log_chunk_blocks=settings.log_chunk_blocks,
            description=url,
        )
        if settings.chain_poa == "on" or (settings.chain_poa == "auto" and client._has_long_extra_data()):
            # QBFT/IBFT/Clique blocks carry > 32 bytes of extraData, which web3 rejects.
            w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        return client

    def _has_long_extra_data(self) -> bool:
        block = self.w3.provider.make_request("eth_getBlockByNumber", ["latest", False])
        extra = (block.get("result") or {}).get("extraData", "0x")
        return len(extra) > 2 + 64

    def close(self) -> None:
        close = getattr(self.w3.provider, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ChainClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- contracts -----

    def contract(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=load_artifact(name).abi)

    def code_at(self, address: str) -> bytes:
        return bytes(self.w3.eth.get_code(Web3.to_checksum_address(address)))

    def call(self, contract: Contract, function: str, *args: Any, block: int | str = "latest") -> Any:
        """A read-only call (eth_call), encoded and decoded here rather than through web3's
        contract machinery: verification is made of such calls and this halves their cost."""
        abi = self._function_abi(contract, function)
        data = abi.selector + abi_codec.encode(abi.input_types, list(args))
        params = {**self.call_defaults, "to": contract.address, "data": "0x" + data.hex()}
        tag = hex(block) if isinstance(block, int) else block
        try:
            response = self.w3.provider.make_request("eth_call", [params, tag])
        except Exception as exc:
            raise self._translate(exc) from None
        if "error" in response:
            error = response["error"]
            revert = error.get("data") if isinstance(error, dict) else None
            revert = revert.get("data") if isinstance(revert, dict) else revert
            if isinstance(revert, str) and len(revert) >= 10:
                raise decode_revert(revert)
            message = error.get("message", error) if isinstance(error, dict) else error
            raise ChainError(f"{self.description} refused eth_call {function}: {message}")
        values = abi_codec.decode(abi.output_types, bytes.fromhex(response["result"].removeprefix("0x")))
        values = tuple(_checksummed(v, o) for v, o in zip(values, abi.outputs, strict=True))
        return values[0] if len(values) == 1 else values

    def _function_abi(self, contract: Contract, function: str) -> _FunctionAbi:
        key = (contract.address, function)
        if key not in self._abis:
            entry = next(e for e in contract.abi if e.get("type") == "function" and e["name"] == function)
            input_types = [collapse_if_tuple(i) for i in entry["inputs"]]
            self._abis[key] = _FunctionAbi(
                selector=function_signature_to_4byte_selector(f"{function}({','.join(input_types)})"),
                input_types=input_types,
                output_types=[collapse_if_tuple(o) for o in entry["outputs"]],
                outputs=entry["outputs"],
            )
        return self._abis[key]

    # ----- transactions -----

    def nonces(self, account: str) -> NonceManager:
        with self._nonces_lock:
            if account not in self._nonces:
                self._nonces[account] = NonceManager(
                    lambda: self.w3.eth.get_transaction_count(account, "pending")  # type: ignore[arg-type]
                )
            return self._nonces[account]

    def transact(
        self, signer: LocalAccount, contract: Contract, function: str, *args: Any, gas: int | None = None
    ) -> TxReceipt:
        """Send one contract call and wait for it; a revert raises `ContractRevert`."""
        data = contract.encode_abi(function, args=list(args))
        return self.wait(self.send(signer, {"to": contract.address, "data": data}, gas=gas))

    def deploy(self, signer: LocalAccount, name: str, *args: Any) -> TxReceipt:
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*args).data_in_transaction
        return self.wait(self.send(signer, {"data": data}))

    def send(self, signer: LocalAccount, tx: dict[str, Any], *, gas: int | None = None) -> bytes:
        """Sign locally and submit; returns the transaction hash without waiting."""
        tx = {"from": signer.address, "value": 0, **tx}
        if gas is None:
            gas = self.estimate_gas(tx)
        fees = self.fee_fields()
        manager = self.nonces(signer.address)
        for attempt in range(NONCE_ATTEMPTS):
            try:
                with manager.reserve() as nonce:
                    payload = {**tx, **fees, "gas": gas, "nonce": nonce, "chainId": self.chain_id}
                    payload.pop("from")
                    raw = signer.sign_transaction(payload).raw_transaction
                    try:
                        return bytes(self.w3.eth.send_raw_transaction(raw))
                    except Exception as exc:
                        self._fees = None  # a fee rejection must not repeat
                        if attempt + 1 < NONCE_ATTEMPTS and _nonce_taken(exc):
                            raise _NonceTaken from None  # the reservation re-reads the node's count
                        raise self._translate(exc) from None
            except _NonceTaken:
                continue
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def send_many(
        self, signer: LocalAccount, txs: Sequence[dict[str, Any]], *, gas: int | None = None
    ) -> list[TxReceipt]:
        """Pipeline: sign and submit all, then wait for all. `gas` defaults to the first's estimate."""
        if not txs:
            return []
        gas = gas or self.estimate_gas({"from": signer.address, "value": 0, **txs[0]})
        hashes = [self.send(signer, tx, gas=gas) for tx in txs]
        return [self.wait(h) for h in hashes]

    def estimate_gas(self, tx: dict[str, Any]) -> int:
        try:
            estimate = self.w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        except Exception as exc:
            raise self._translate(exc) from None
        return int(estimate * GAS_MARGIN) + GAS_HEADROOM

    def fee_fields(self) -> dict[str, int]:
        """EIP-1559 fees from the latest base fee; legacy gas price where the network has none
        or where one is configured (0 on free-gas permissioned networks)."""
        if self._gas_price_wei is not None:
            return {"gasPrice": self._gas_price_wei}
        cached = self._fees
        if cached is not None and time.monotonic() - cached[0] < FEE_CACHE_SECONDS:
            return cached[1]
        try:
            base = self.w3.eth.get_block("latest").get("baseFeePerGas")
            if base is None:
                fees = {"gasPrice": int(self.w3.eth.gas_price)}
            else:
                tip = PRIORITY_FEE_WEI if base > 0 else 0
                fees = {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip}
        except Exception as exc:
            raise self._translate(exc) from None
        self._fees = (time.monotonic(), fees)
        return fees

    def wait(self, tx_hash: bytes, timeout: float | None = None) -> TxReceipt:
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=timeout or self.receipt_timeout, poll_latency=0.05
            )
        except TimeExhausted:
            # Possibly dropped: re-read nonces so that later sends do not queue behind a gap.
            with self._nonces_lock:
                for manager in self._nonces.values():
                    manager.resync()
            raise ChainError(
                f"no receipt for 0x{tx_hash.hex()} after {timeout or self.receipt_timeout:.0f} s "
                f"on {self.description}"
            ) from None
        except Exception as exc:
            raise self._translate(exc) from None
        if receipt["status"] != 1:
            raise self._replay_failure(receipt)
        return receipt

    def _replay_failure(self, receipt: TxReceipt) -> ChainError:
        tx = self.w3.eth.get_transaction(receipt["transactionHash"])
        call = {"from": tx["from"], "to": tx.get("to"), "data": tx["input"], "value": tx["value"]}
        try:
            self.w3.eth.call(call, block_identifier=receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except Exception as exc:
            return self._translate(exc)
        return ChainError(f"transaction 0x{bytes(receipt['transactionHash']).hex()} failed (out of gas?)")

    # ----- events -----

    def events(
        self,
        event: ContractEvent,
        from_block: int,
        to_block: int | None = None,
        argument_filters: dict[str, Any] | None = None,
    ) -> Iterator[EventData]:
        """Logs of `event` over any range, fetched in bounded chunks (halved when a node
        refuses a range as too large)."""
        last = self.w3.eth.block_number if to_block is None else to_block
        chunk = self.log_chunk_blocks
        start = from_block
        while start <= last:
            end = min(start + chunk - 1, last)
            try:
                logs = event.get_logs(from_block=start, to_block=end, argument_filters=argument_filters)
            except (Web3RPCError, ValueError) as exc:
                if chunk > 1 and _is_range_refusal(exc):
                    chunk = max(1, chunk // 2)
                    continue
                raise self._translate(exc) from None
            yield from logs
            start = end + 1

    # ----- errors -----

    def _translate(self, exc: Exception) -> ChainError:
        if isinstance(exc, ChainError):
            return exc
        if isinstance(exc, ContractLogicError):  # custom errors and panics included
            decoded = decode_revert(_revert_data(exc))
            return decoded if decoded.name else ContractRevert("", raw=exc.message or str(exc))
        if isinstance(exc, requests.RequestException | OSError):
            return ChainError(f"cannot reach the chain node at {self.description}: {exc}")
        if isinstance(exc, Web3RPCError):
            return ChainError(f"{self.description} refused: {exc.message or exc}")
        return ChainError(f"{type(exc).__name__}: {exc}")


class _NonceTaken(Exception):
    """Another sender with the same key (another server process) used this nonce first."""


# What nodes answer when another transaction already holds the nonce (Hardhat/geth, Besu). Not
# "already known": that is this very transaction, and sending it again under a new nonce would
# repeat the action.
NONCE_TAKEN = (
    "nonce too low",
    "nonce_too_low",
    "replacement transaction underpriced",
    "replacement_underpriced",
)


def _nonce_taken(exc: Exception) -> bool:
    text = str(getattr(exc, "message", None) or exc).lower()
    return any(marker in text for marker in NONCE_TAKEN)


@dataclass(frozen=True)
class _FunctionAbi:
    selector: bytes
    input_types: list[str]
    output_types: list[str]
    outputs: list[dict[str, Any]]


def _checksummed(value: Any, spec: dict[str, Any]) -> Any:
    """Addresses as web3 returns them (checksummed), inside tuples too."""
    kind = spec["type"]
    if kind == "address":
        return to_checksum_address(value)
    if kind == "tuple":
        return tuple(_checksummed(v, c) for v, c in zip(value, spec["components"], strict=True))
    return value


def _revert_data(exc: ContractLogicError) -> str | None:
    """Revert data wherever the node put it: a hex string, nested under "data" (Hardhat), or
    only inside the message text."""
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return data
    found = re.search(r"return data: (0x[0-9a-fA-F]+)", str(exc))
    return found.group(1) if found else None


def _is_range_refusal(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("too many", "limit", "range", "too large", "exceed"))
