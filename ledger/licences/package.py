"""The portable licence package: everything needed to verify a licence against any node of the
chain, without the issuer's database. Format: docs/licence-leaf.md."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ledger import merkle
from ledger.errors import ProofError, VerificationError
from ledger.licences.commitments import ALWAYS_DISCLOSED, FIELD_KEY, field_digest

FORMAT = "certledger.licence-package/1"
HEX64 = set("0123456789abcdef")


def _hex(value: object, what: str, size: int = 32) -> bytes:
    text = value.removeprefix("0x") if isinstance(value, str) else None
    if text is None or len(text) != 2 * size or not set(text) <= HEX64:
        raise VerificationError(f"{what}: expected {size} bytes as lowercase hex")
    return bytes.fromhex(text)


@dataclass(frozen=True)
class LicencePackage:
    fields: dict[str, dict[str, str]]  # name -> {"value", "salt"} or {"digest"} when hidden
    proof: merkle.InclusionProof
    root: bytes
    chain_id: int
    registry: str
    block: int | None = None
    transaction: str | None = None
    body_ref: str | None = None

    def disclosed(self) -> dict[str, str]:
        return {k: f["value"] for k, f in self.fields.items() if "value" in f}

    def digests(self) -> dict[str, bytes]:
        return {
            k: field_digest(k, f["value"], f["salt"]) if "value" in f else bytes.fromhex(f["digest"])
            for k, f in self.fields.items()
        }

    def redact(self, hide: list[str]) -> LicencePackage:
        """A copy with the named fields replaced by their digests (selective disclosure)."""
        fields = dict(self.fields)
        for name in hide:
            if name in ALWAYS_DISCLOSED:
                raise VerificationError(f"{name} cannot be hidden: verifiers need it")
            if name not in fields:
                raise VerificationError(f"{name}: no such field in this licence")
            if "value" in fields[name]:
                f = fields[name]
                fields[name] = {"digest": field_digest(name, f["value"], f["salt"]).hex()}
        return replace(self, fields=fields)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "fields": self.fields,
            "proof": self.proof.to_json(),
            "anchor": {
                "root": self.root.hex(),
                "chain_id": self.chain_id,
                "registry": self.registry,
                "block": self.block,
                "transaction": self.transaction,
            },
            "body": {"cid": self.body_ref} if self.body_ref else None,
        }

    @classmethod
    def from_json(cls, data: object) -> LicencePackage:
        """Parse and check the shape; every problem names its field."""
        if not isinstance(data, dict):
            raise VerificationError("package: not a JSON object")
        if data.get("format") != FORMAT:
            raise VerificationError(f"format: expected {FORMAT!r}, got {data.get('format')!r}")
        fields = data.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise VerificationError("fields: missing or empty")
        for name, f in fields.items():
            if not isinstance(name, str) or not FIELD_KEY.match(name):
                raise VerificationError(f"fields: {name!r} is not a field name")
            if not isinstance(f, dict) or not (set(f) == {"value", "salt"} or set(f) == {"digest"}):
                raise VerificationError(f"fields.{name}: expected {{value, salt}} or {{digest}}")
            if "value" in f:
                if not isinstance(f["value"], str):
                    raise VerificationError(f"fields.{name}.value: must be a string")
                _hex(f["salt"], f"fields.{name}.salt", 16)
            else:
                _hex(f["digest"], f"fields.{name}.digest")
        for name in ALWAYS_DISCLOSED:
            if "value" not in fields.get(name, {}):
                raise VerificationError(f"fields.{name}: must be disclosed")
        anchor = data.get("anchor")
        if not isinstance(anchor, dict):
            raise VerificationError("anchor: missing")
        try:
            proof = merkle.InclusionProof.from_json(data.get("proof"))
        except ProofError as exc:
            raise VerificationError(f"proof: {exc}") from None
        chain_id, registry = anchor.get("chain_id"), anchor.get("registry")
        if not isinstance(chain_id, int) or isinstance(chain_id, bool):
            raise VerificationError("anchor.chain_id: must be an integer")
        if not isinstance(registry, str) or len(registry) != 42 or not registry.startswith("0x"):
            raise VerificationError("anchor.registry: must be a 0x-prefixed address")
        block = anchor.get("block")
        if block is not None and (not isinstance(block, int) or isinstance(block, bool)):
            raise VerificationError("anchor.block: must be an integer")
        body = data.get("body")
        return cls(
            fields={k: dict(v) for k, v in fields.items()},
            proof=proof,
            root=_hex(anchor.get("root"), "anchor.root"),
            chain_id=chain_id,
            registry=registry,
            block=block,
            transaction=anchor.get("transaction"),
            body_ref=body.get("cid") if isinstance(body, dict) else None,
        )


def build_package(licence: Any, batch: Any, registry_address: str) -> LicencePackage:
    """The full (nothing hidden) package of an anchored licence from the issuer's database."""
    import json

    values = json.loads(licence.record)
    salts = json.loads(licence.salts)
    path = licence.proof or b""
    proof = merkle.InclusionProof(
        licence.leaf_index,
        batch.size,
        bytes(licence.leaf_hash),
        tuple(path[i : i + 32] for i in range(0, len(path), 32)),
    )
    return LicencePackage(
        fields={k: {"value": v, "salt": salts[k]} for k, v in values.items()},
        proof=proof,
        root=bytes(batch.root),
        chain_id=batch.chain_id,
        registry=registry_address,
        block=batch.block,
        transaction=batch.tx_hash,
        body_ref=licence.body_ref,
    )
