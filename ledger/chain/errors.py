"""Decoding of revert data into readable errors, custom errors by name and arguments."""

from __future__ import annotations

from typing import Any

from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from ledger.chain.artifacts import all_abis
from ledger.errors import ContractRevert

# Enum values in custom errors are shown by name; the orders follow the Solidity enums.
ENUMS = {
    "ILicenceRegistry.IssuerState": ("Unregistered", "Active", "Suspended", "Removed"),
    "ILicenceRegistry.LeafStatus": ("Active", "Suspended", "Revoked", "Superseded"),
}
_BUILTIN = {
    bytes.fromhex("08c379a0"): ("Error", [{"name": "message", "type": "string"}]),
    bytes.fromhex("4e487b71"): ("Panic", [{"name": "code", "type": "uint256"}]),
}


def _error_table() -> dict[bytes, tuple[str, list[dict[str, Any]]]]:
    table = dict(_BUILTIN)
    for entry in all_abis():
        if entry["type"] == "error":
            types = ",".join(collapse_if_tuple(i) for i in entry["inputs"])
            table[function_signature_to_4byte_selector(f"{entry['name']}({types})")] = (
                entry["name"],
                entry["inputs"],
            )
    return table


_TABLE: dict[bytes, tuple[str, list[dict[str, Any]]]] | None = None


def decode_revert(data: str | bytes | None) -> ContractRevert:
    global _TABLE
    if _TABLE is None:
        _TABLE = _error_table()
    raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else (data or b"")
    if len(raw) < 4 or raw[:4] not in _TABLE:
        return ContractRevert("", raw="0x" + raw.hex() if raw else "no revert data")
    name, inputs = _TABLE[raw[:4]]
    try:
        values = decode([collapse_if_tuple(i) for i in inputs], raw[4:])
    except Exception:  # malformed payload: still name the error
        return ContractRevert(name, raw="0x" + raw.hex())
    args: dict[str, object] = {}
    for spec, value in zip(inputs, values, strict=True):
        enum = ENUMS.get(spec.get("internalType", "").removeprefix("enum "))
        if enum and value < len(enum):
            value = enum[value]
        elif spec["type"] == "address":
            value = to_checksum_address(value)
        args[spec["name"]] = value
    return ContractRevert(name, args, raw="0x" + raw.hex())
