"""WebAuthn on the server (py_webauthn): passkey enrolment and assertions, user verification
required (the phone's face, fingerprint or device PIN)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ledger.errors import LedgerError
from ledger.models import Passkey
from ledger.settings import Settings

TIMEOUT_MS = 120_000


class PasskeyError(LedgerError):
    """A credential that does not verify: forged, mismatched, replayed or malformed."""


class RelyingParty:
    def __init__(self, settings: Settings) -> None:
        self.rp_id = settings.rp_id
        self.rp_name = settings.rp_name
        parts = urlsplit(settings.public_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def registration_options(self, challenge: bytes, user_id: bytes, existing: list[str]) -> dict[str, Any]:
        options = generate_registration_options(
            rp_id=self.rp_id,
            rp_name=self.rp_name,
            user_id=user_id,
            user_name="holder",  # no personal data in the credential
            challenge=challenge,
            timeout=TIMEOUT_MS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in existing],
        )
        return json.loads(options_to_json(options))

    def verify_registration(self, credential: Any, challenge: bytes) -> tuple[str, bytes, int]:
        """(credential id, COSE public key, sign count) of a verified new credential."""
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                require_user_verification=True,
            )
        except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
            raise PasskeyError(
                f"credential: the passkey registration does not verify ({_short(exc)})"
            ) from None
        return bytes_to_base64url(verified.credential_id), verified.credential_public_key, verified.sign_count

    def assertion_options(self, challenge: bytes, credentials: list[str]) -> dict[str, Any]:
        options = generate_authentication_options(
            rp_id=self.rp_id,
            challenge=challenge,
            timeout=TIMEOUT_MS,
            allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in credentials],
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        return json.loads(options_to_json(options))

    def verify_assertion(
        self, credential: Any, challenge: bytes, passkeys: list[Passkey]
    ) -> tuple[Passkey, int]:
        """The holder's passkey that signed `challenge`, and its new sign count."""
        if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
            raise PasskeyError("assertion: expected a public-key credential with an id")
        known = {p.credential_id: p for p in passkeys}
        passkey = known.get(credential["id"])
        if passkey is None:
            raise PasskeyError("assertion: the credential is not one of this holder's passkeys")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=self.rp_id,
                expected_origin=self.origin,
                credential_public_key=bytes(passkey.public_key),
                credential_current_sign_count=passkey.sign_count,
                require_user_verification=True,
            )
        except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
            raise PasskeyError(f"assertion: the passkey signature does not verify ({_short(exc)})") from None
        return passkey, verified.new_sign_count


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
