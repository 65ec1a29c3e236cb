"""The certledger HTTP API (FastAPI): consent-gated distribution for windows, holders, issuers,
auditors and admins. OpenAPI at /docs and /openapi.json. Every route states the roles it admits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.auth import RateLimiter, Tokens
from ledger.consent.errors import ConsentError
from ledger.consent.identity import DevelopmentIdentityCheck, IdentityCheck
from ledger.consent.service import ConsentService
from ledger.errors import ChainError, ConfigError, LedgerError, NotFound, StorageError, VerificationError
from ledger.services import Services

MAX_JSON_BYTES = 64 * 1024
log = logging.getLogger("certledger.api")


@dataclass
class AppState:
    services: Services
    consent: ConsentService
    tokens: Tokens
    limiter: RateLimiter
    identity: IdentityCheck


def status_of(exc: LedgerError) -> int:
    if isinstance(exc, ConsentError) or hasattr(exc, "status"):
        return int(exc.status)  # type: ignore[attr-defined]
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, VerificationError):
        return 400
    if isinstance(exc, ChainError | StorageError):
        return 503
    return 400


def create_app(
    services: Services, *, identity: IdentityCheck | None = None, checkpoint_timer: bool = False
) -> FastAPI:
    from api import auditor, holder, issuer, pages, window

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_publish_checkpoints(services)) if checkpoint_timer else None
        yield
        if task is not None:
            task.cancel()

    if identity is None:
        from ledger.chain.keys import DEV_CHAIN_IDS

        if services.client.chain_id not in DEV_CHAIN_IDS:
            raise ConfigError(
                "identity check: the development check (any valid code and a name) runs only on dev "
                f"chains {sorted(DEV_CHAIN_IDS)}; pass a real-name identity check to create_app"
            )
        identity = DevelopmentIdentityCheck()
    app = FastAPI(
        title="certledger",
        version="0.1.0",
        summary="Electronic licence distribution: windows pull licences after the holder consents by QR scan",
        lifespan=lifespan,
    )
    app.state.certledger = AppState(
        services=services,
        consent=ConsentService(services),
        tokens=Tokens(services.settings),
        limiter=RateLimiter(services.settings.rate_limit_per_minute),
        identity=identity,
    )

    @app.exception_handler(LedgerError)
    async def ledger_error(_request: Request, exc: LedgerError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # name the field, never echo the value (it may be a holder code)
        problems = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "problem": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid request body", "problems": problems}, status_code=422)

    @app.middleware("http")
    async def bounded_bodies(request: Request, call_next: Any) -> Any:
        limit = (
            services.settings.max_body_bytes * 2 if request.url.path == "/api/licences" else MAX_JSON_BYTES
        )
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse({"error": f"body: larger than {limit} bytes"}, status_code=413)
        if length is None and request.method in ("POST", "PUT", "PATCH"):
            # a chunked body declares no length: count it as it arrives
            size, chunks = 0, []
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    return JSONResponse({"error": f"body: larger than {limit} bytes"}, status_code=413)
                chunks.append(chunk)
            request._body = b"".join(chunks)  # BaseHTTPMiddleware hands the read body on to the route
        return await call_next(request)

    @app.get("/api/health", tags=["public"])
    def health() -> dict[str, Any]:
        return {"ok": True}

    for module in (window, holder, issuer, auditor, pages):
        app.include_router(module.router)
    return app


async def _publish_checkpoints(services: Services) -> None:
    """The service owns the checkpoint timer: publish every `checkpoint_seconds` when logs grew."""
    from archive.logs import LOGS

    period = max(1.0, min(services.settings.checkpoint_seconds, 60.0))
    while True:
        await asyncio.sleep(period)
        for name in LOGS:
            try:
                await asyncio.to_thread(services.logs.checkpoint, name, force=False)
            except LedgerError as exc:  # a node down must not stop the service; retried next tick
                log.warning("checkpoint of %s failed: %s", name, exc)
