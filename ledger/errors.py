"""The project's one error hierarchy.

Third-party exceptions (web3, httpx, binascii) are caught where they enter and re-raised as
one of these, so callers and the CLI handle a single family.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Root of every certledger error."""

    def diagnostics(self) -> str:
        """Text for humans: what went wrong and, where known, what to do."""
        return str(self)


class ConfigError(LedgerError):
    """Settings are missing, malformed or unsafe."""


class ChainError(LedgerError):
    """The chain node is unreachable, refused a transaction, or a receipt timed out."""


class ContractRevert(ChainError):
    """A contract call reverted; `name` and `args` hold the decoded custom error."""

    def __init__(self, name: str, args: dict[str, object] | None = None, raw: str = "") -> None:
        self.name = name
        self.args_ = args or {}
        self.raw = raw
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_.items())
        super().__init__(f"{name}({shown})" if name else f"reverted: {raw}")


class ChainLockedError(ChainError):
    """Another process owns the embedded chain."""


class DeploymentError(ChainError):
    """No deployment, or the code at a recorded address does not match its artifact."""


class StorageError(LedgerError):
    """A body could not be stored or read."""


class VerificationError(LedgerError):
    """Something failed to verify."""


class ProofError(VerificationError):
    """A Merkle proof is malformed or does not lead to the expected root."""


class RootMismatchError(ProofError):
    """A proof was well formed but yields a different root than expected."""

    def __init__(self, expected: bytes, calculated: bytes) -> None:
        self.expected = expected
        self.calculated = calculated
        super().__init__(f"root mismatch: expected {expected.hex()}, calculated {calculated.hex()}")


class NotFound(LedgerError):
    """The thing asked for does not exist."""


def _show(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
