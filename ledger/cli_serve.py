"""`certledger serve` (the API on loopback) and `certledger token` (bearer tokens for staff)."""

from __future__ import annotations

from typing import Annotated

import typer

from ledger.cli_common import JsonOpt, emit_json, handles_errors, out
from ledger.settings import get_settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("token")(token)


@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="server processes. More than one needs the chain on a node (chain_url): the "
            "embedded chain belongs to one process. Each worker keeps its own rate limiter (so "
            "rate_limit_per_minute applies per worker), its own pull queue and its own "
            "checkpoint timer.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API (OpenAPI at /docs). Publishes log checkpoints on a timer."""
    import uvicorn

    from api.app import create_app
    from ledger.errors import ConfigError
    from ledger.services import Services

    settings = get_settings()
    if workers > 1 and settings.embedded:
        raise ConfigError(
            f"--workers {workers}: the embedded chain belongs to one process; set chain_url "
            "(a node) to run several workers, or serve with one"
        )
    with Services(settings) as services:
        services.contracts  # fail now, clearly, when nothing is deployed  # noqa: B018
        if workers == 1:
            app = create_app(services, checkpoint_timer=True)
            uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
            return
    # Several processes: each builds its own services and app (api.app.serve_app).
    uvicorn.run(
        "api.app:serve_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
    )


@handles_errors
def token(
    role: Annotated[str, typer.Argument(help="issuer, window, holder, auditor or admin")],
    subject: Annotated[str, typer.Argument(help="staff id, issuer USCC, auditor id, ...")],
    window: Annotated[str | None, typer.Option(help="window (terminal) of window staff")] = None,
    department: Annotated[str | None, typer.Option(help="department of window staff")] = None,
    minutes: Annotated[float | None, typer.Option(help="lifetime; default token_minutes")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mint a short-lived bearer token (an administrator's job)."""
    from api.auth import Role, Tokens
    from ledger.errors import ConfigError

    try:
        role_ = Role(role)
    except ValueError:
        raise ConfigError(f"role: expected one of {', '.join(r.value for r in Role)}") from None
    value = Tokens(get_settings()).issue(
        role_, subject, window=window, department=department, minutes=minutes
    )
    if as_json:
        emit_json({"token": value, "role": role_.value, "subject": subject})
    else:
        out.print(value, soft_wrap=True)
