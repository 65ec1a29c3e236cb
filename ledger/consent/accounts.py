"""Holders' passkeys, sessions and PINs: enrolment after an identity check, single-use
challenges, assertion checks."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from ledger.consent.base import ConsentBase
from ledger.consent.errors import Conflict, Expired, Invalid, TooMany
from ledger.consent.passkeys import PasskeyError
from ledger.models import (
    ConsentRequest,
    HolderPin,
    Passkey,
    PasskeyChallenge,
    as_utc,
    utcnow,
)

PIN_ATTEMPTS = 5


class HolderAccounts(ConsentBase):
    # ----- enrolment and holder sessions -----

    def enrolment_options(self, holder_key: str) -> dict[str, Any]:
        """Passkey registration options for a holder whose identity was checked."""
        with self._session() as session:
            existing = [p.credential_id for p in self._passkeys(session, holder_key)]
            challenge = self._new_challenge(session, "enrol", holder_key)
        ref = self.refs.ref(holder_key)  # keyed, unlike a plain hash of the ID number
        user_id = hashlib.sha256(b"certledger/user\x00" + ref.encode()).digest()[:16]
        return self.rp.registration_options(challenge, user_id, existing)

    def enrol(self, credential: Any) -> str:
        """Verify a registration and bind the passkey to the holder; the holder reference."""
        challenge = _client_challenge(credential)
        with self._session() as session, session.begin():
            holder_key = self._take_challenge(session, challenge, "enrol")
            try:
                credential_id, public_key, count = self.rp.verify_registration(credential, challenge)
            except PasskeyError as exc:
                session.commit()  # the challenge stays spent
                raise Invalid(str(exc)) from None
            if session.get(Passkey, credential_id) is not None:
                raise Conflict("credential: this passkey is already enrolled")
            session.add(
                Passkey(
                    credential_id=credential_id,
                    holder_key=holder_key,
                    public_key=public_key,
                    sign_count=count,
                )
            )
        return self.refs.ref(holder_key)

    def set_pin(self, holder_key: str, pin: str) -> None:
        if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 12):
            raise Invalid("pin: 6 to 12 digits")
        salt = os.urandom(16)
        with self._session() as session, session.begin():
            row = session.get(HolderPin, holder_key) or HolderPin(
                holder_key=holder_key, pin_hash=b"", salt=b""
            )
            row.pin_hash, row.salt, row.failures = _pin_hash(pin, salt), salt, 0
            session.add(row)

    def session_options(self, holder_key: str) -> dict[str, Any]:
        with self._session() as session:
            credentials = self._allowed(session, holder_key)
            challenge = self._new_challenge(session, "session", holder_key)
        return self.rp.assertion_options(challenge, credentials)

    def _allowed(self, session: Session, holder_key: str) -> list[str]:
        """The holder's credential ids, or a stand-in, stable per holder, when none is enrolled:
        the answer does not tell who enrolled."""
        credentials = [p.credential_id for p in self._passkeys(session, holder_key)]
        if not credentials:
            decoy = hashlib.sha256(b"certledger/decoy\x00" + self.refs.ref(holder_key).encode()).digest()
            credentials = [bytes_to_base64url(decoy)]
        return credentials

    def open_session(self, credential: Any) -> str:
        """Verify a passkey assertion for a holder session; the holder key it proves."""
        challenge = _client_challenge(credential)
        with self._session() as session, session.begin():
            holder_key = self._take_challenge(session, challenge, "session")
            try:
                self._check_assertion(session, credential, challenge, holder_key)
            except Invalid:
                session.commit()  # the challenge stays spent
                raise
        return holder_key

    def _new_challenge(self, session: Session, purpose: str, holder_key: str) -> bytes:
        challenge = os.urandom(32)
        expires = utcnow() + timedelta(minutes=self.settings.request_minutes)
        session.add(
            PasskeyChallenge(challenge=challenge, purpose=purpose, holder_key=holder_key, expires_at=expires)
        )
        session.commit()
        return challenge

    def _take_challenge(self, session: Session, challenge: bytes, purpose: str) -> str:
        row = session.get(PasskeyChallenge, challenge)
        if row is None or row.purpose != purpose:
            raise Invalid("credential: unknown or already used challenge")
        session.delete(row)  # single use, even when the credential then fails
        session.flush()
        if as_utc(row.expires_at) < utcnow():
            raise Expired("credential: the challenge expired; start again")
        return row.holder_key

    def _passkeys(self, session: Session, holder_key: str) -> list[Passkey]:
        return list(session.execute(select(Passkey).where(Passkey.holder_key == holder_key)).scalars())

    def _check_assertion(
        self, session: Session, credential: Any, challenge: bytes, holder_key: str
    ) -> Passkey:
        try:
            passkey, count = self.rp.verify_assertion(
                credential, challenge, self._passkeys(session, holder_key)
            )
        except PasskeyError as exc:
            raise Invalid(str(exc)) from None
        passkey.sign_count = count
        session.add(passkey)
        return passkey

    def _check_pin(self, session: Session, request: ConsentRequest, holder_key: str, pin: str) -> None:
        row = session.get(HolderPin, holder_key)
        if row is None:  # the same answer as a wrong PIN: whether a PIN is set stays private
            session.add(request)
            session.commit()
            raise Invalid("pin: wrong PIN")
        if row.failures >= PIN_ATTEMPTS:
            raise TooMany("pin: locked after too many wrong PINs; use your passkey")
        if not isinstance(pin, str) or not hmac.compare_digest(
            _pin_hash(pin, bytes(row.salt)), bytes(row.pin_hash)
        ):
            row.failures += 1
            session.add(row)
            session.add(request)
            session.commit()
            raise Invalid("pin: wrong PIN")
        row.failures = 0
        session.add(row)


def _pin_hash(pin: str, salt: bytes) -> bytes:
    return hashlib.scrypt(pin.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _client_challenge(credential: Any) -> bytes:
    """The challenge a credential's clientDataJSON answers (checked again by py_webauthn)."""
    try:
        client = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        return base64url_to_bytes(client["challenge"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"credential: malformed clientDataJSON ({type(exc).__name__})") from None
