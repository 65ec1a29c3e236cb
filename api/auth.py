"""Bearer tokens (EdDSA JWTs) for every role, and the per-caller rate limiter.

Staff, auditors, issuers and admins get short-lived tokens from an admin (`certledger token`
or POST /api/tokens); holders get one by signing in with their passkey."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

import jwt

from archive.checkpoint import NoteSigner
from ledger.consent.errors import TooMany
from ledger.errors import LedgerError
from ledger.models import utcnow
from ledger.settings import Settings

AUDIENCE = "certledger-api"


class Role(StrEnum):
    ISSUER = "issuer"
    WINDOW = "window"
    HOLDER = "holder"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Unauthorised(LedgerError):
    status = 401


@dataclass(frozen=True)
class Principal:
    role: Role
    subject: str  # staff id, issuer USCC, holder key, ...
    window: str | None = None
    department: str | None = None


class Tokens:
    def __init__(self, settings: Settings) -> None:
        self.minutes = settings.token_minutes
        key = NoteSigner.from_file("certledger-api", settings.data_dir / "keys" / "api-token.pem").private_key
        self._key, self._public = key, key.public_key()
        self.issuer = settings.log_origin

    def issue(
        self,
        role: Role,
        subject: str,
        *,
        window: str | None = None,
        department: str | None = None,
        minutes: float | None = None,
    ) -> str:
        if role is Role.WINDOW and not (window and department):
            raise LedgerError("window: window staff tokens name a window and a department")
        now = utcnow()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": subject,
            "role": role.value,
            "iat": now,
            "exp": now + timedelta(minutes=minutes or self.minutes),
            "jti": secrets.token_urlsafe(8),
        }
        if window:
            claims["window"], claims["department"] = window, department
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
            role = Role(claims["role"])
        except (jwt.PyJWTError, KeyError, ValueError):
            raise Unauthorised("authorization: invalid or expired bearer token") from None
        return Principal(role, claims["sub"], claims.get("window"), claims.get("department"))


class RateLimiter:
    """A sliding one-minute window per (bucket, caller), in process memory."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, caller: str) -> None:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault((bucket, caller), deque())
            while hits and hits[0] < now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise TooMany(f"rate limit: at most {self.per_minute} per minute; try again shortly")
            hits.append(now)
