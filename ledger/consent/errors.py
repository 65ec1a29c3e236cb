"""Refusals of the consent service. Each carries the HTTP status the API answers with; messages
name the field or rule and never echo personal data or whether a holder exists."""

from __future__ import annotations

from ledger.errors import LedgerError


class ConsentError(LedgerError):
    status = 400


class Invalid(ConsentError):
    """Malformed or inconsistent input (names the field)."""


class Forbidden(ConsentError):
    status = 403


class Unknown(ConsentError):
    status = 404


class Conflict(ConsentError):
    """The request or grant is no longer in a state that allows this (answered, used)."""

    status = 409


class Expired(ConsentError):
    status = 410


class TooMany(ConsentError):
    status = 429
