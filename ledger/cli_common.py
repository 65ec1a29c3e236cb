"""Shared pieces of the command line: consoles, error handling, JSON output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from ledger.errors import LedgerError

P = ParamSpec("P")
R = TypeVar("R")
out = Console()
err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become one readable line on stderr and exit code 1, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LedgerError as exc:
            err.print(f"[bold red]error:[/] {exc.diagnostics()}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))
