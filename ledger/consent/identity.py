"""The identity check before a passkey is bound to a holder (实名核验).

Production plugs in the real-name authentication service (e.g. the public-security ID check,
with face as one option among others); `DevelopmentIdentityCheck` accepts any valid holder code
with a name and is for development and the demo only."""

from __future__ import annotations

from typing import Protocol

from ledger import identifiers
from ledger.consent.errors import Invalid
from ledger.licences.issuance import holder_key


class IdentityCheck(Protocol):
    def verify(self, code_type: str, code: str, name: str) -> str:
        """The holder key of a verified person or organisation; raises Invalid otherwise."""
        ...


class DevelopmentIdentityCheck:
    def verify(self, code_type: str, code: str, name: str) -> str:
        if (
            code_type not in identifiers.HOLDER_CODE_TYPES
            or not identifiers.check_holder_code(code_type, code).valid
        ):
            raise Invalid("code: not a valid holder code of this type")
        if not name.strip():
            raise Invalid("name: required")
        return holder_key(code_type, code)
