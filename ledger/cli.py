"""The `certledger` console command: a thin layer over the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated, Any

import typer
from rich.table import Table

from ledger import cli_archive, cli_licences, cli_serve
from ledger.catalog.cli import catalog_app
from ledger.cli_common import JsonOpt, emit_json, err, handles_errors, out
from ledger.settings import Settings, get_settings

__all__ = ["app", "emit_json", "err", "handles_errors", "main", "out"]

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="certledger: e-licence ledger",
)
chain_app = typer.Typer(no_args_is_help=True, help="Contracts, deployment and the chain node.")
config_app = typer.Typer(no_args_is_help=True, help="Effective settings.")
app.add_typer(chain_app, name="chain")
app.add_typer(config_app, name="config")
cli_licences.register(app)
cli_archive.register(app)
cli_serve.register(app)
app.add_typer(catalog_app, name="catalog")


@contextmanager
def chain_client(settings: Settings) -> Iterator[Any]:
    from ledger.chain.client import ChainClient

    client = ChainClient.from_settings(settings)
    try:
        yield client
    finally:
        client.close()


@config_app.command("show")
@handles_errors
def config_show(as_json: JsonOpt = False) -> None:
    """Print the effective settings, secrets masked."""
    shown = get_settings().masked()
    if as_json:
        emit_json(shown)
        return
    table = Table("setting", "value", title="certledger settings")
    for key, value in shown.items():
        table.add_row(key, "-" if value is None else str(value))
    out.print(table)


@chain_app.command("build")
@handles_errors
def chain_build() -> None:
    """Recompile contracts/src into contracts/artifacts (development only)."""
    from ledger.chain.compile import write_artifacts

    for path in write_artifacts():
        out.print(f"wrote {path}")


@chain_app.command("deploy")
@handles_errors
def chain_deploy(
    force: Annotated[
        bool, typer.Option("--force", help="Deploy anew even if a deployment is intact.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Deploy the contracts and write the address book into the data directory."""
    from ledger.chain.deploy import deploy, open_deployment
    from ledger.errors import DeploymentError

    settings = get_settings()
    with chain_client(settings) as client:
        deployment, fresh = None, True
        if not force:
            with suppress(DeploymentError):
                deployment, fresh = open_deployment(client, settings.data_dir).deployment, False
        if deployment is None:
            deployment = deploy(client, settings.signer(client.chain_id), settings.data_dir)
        if as_json:
            emit_json({"deployed": fresh, **deployment.to_json()})
        else:
            out.print("deployed" if fresh else "already deployed (intact; --force deploys anew)")
            print_deployment(deployment.to_json())


@chain_app.command("status")
@handles_errors
def chain_status(as_json: JsonOpt = False) -> None:
    """Check the recorded deployment against the chain; exit 1 when it is not intact."""
    from ledger.chain.deploy import open_deployment

    settings = get_settings()
    with chain_client(settings) as client:
        contracts = open_deployment(client, settings.data_dir)
        head = client.w3.eth.block_number
        if as_json:
            emit_json({"ok": True, "block": head, **contracts.deployment.to_json()})
        else:
            out.print(f"[green]deployment intact[/] on {client.description}, head block {head}")
            print_deployment(contracts.deployment.to_json())


@app.command("demo")
@handles_errors
def demo(as_json: JsonOpt = False) -> None:
    """Issue a realistic batch across the catalog, revoke one inside a batch, verify them all."""
    from ledger.demo import run_demo
    from ledger.services import Services

    with Services(get_settings()) as services:
        result = run_demo(services)
    if as_json:
        emit_json(result)
    else:
        print_deployment(result["address_book"])
        out.print(
            f"issued {result['issued']} licences of {result['types']} types in {result['batches']} batches; "
            f"revoked {result['revoked']}",
            soft_wrap=True,
        )
        table = Table("licence", "serial.version", "verification", title="verification of every licence")
        for r in result["results"]:
            failed = [c for c in r["checks"] if c["status"] in ("INVALID", "ERROR")]
            verdict = (
                "[green]VALID[/] (6 checks)"
                if r["valid"]
                else "[red]INVALID[/] " + "; ".join(f"{c['name']}: {c['detail']}" for c in failed)
            )
            table.add_row(r["type"], ".".join(r["identifier"].split(".")[-3:-1]), verdict)
        out.print(table)
        valid = sum(r["valid"] for r in result["results"])
        out.print(
            f"{valid} of {len(result['results'])} licences valid; the revoked one is INVALID on STATUS, as intended"
        )
        _print_window(result["window_case"])
        _print_archive(result["archive"])
    invalid = [r["identifier"] for r in result["results"] if not r["valid"]]
    archive = result["archive"]
    pinpointed = archive["audit_after_tampering"] is None or [
        f["archive_no"] for f in archive["audit_after_tampering"]["packages"]["failed"]
    ] == [archive["tampered_package"]]
    w = result["window_case"]
    window_ok = (
        w["pull"]["valid"]
        and w["replay"]["status"] == 409
        and w["pushed"]
        and w["archived"]
        and w["proof"]["ok"]
    )
    if invalid != [result["revoked"]] or not archive["audit"]["ok"] or not pinpointed or not window_ok:
        raise typer.Exit(1)


def _print_window(w: dict[str, Any]) -> None:
    ok = lambda flag: "[green]✓[/]" if flag else "[red]✗[/]"  # noqa: E731
    pull = w["pull"]
    lines = [
        f"window case for {w['matter']}: QR code in {w['qr']}, confirmation code {w['confirmation_code']}",
        f"{ok(True)} holder approved with a passkey; receipt is access-log entry {w['receipt_log_index']}",
        f"{ok(pull['valid'])} pulled {w['licence']}: "
        + ", ".join(f"{k} {v}" for k, v in pull["checks"].items())
        + f"; {len(pull['disclosed'])} fields disclosed, {len(pull['hidden'])} hidden"
        + ("; body stamped" if pull["stamped"] else ""),
        f"{ok(w['replay']['status'] == 409)} replayed pull refused ({w['replay']['status']}: {w['replay']['error']})",
        f"{ok(bool(w['history']['uses']))} holder history: {w['history']['consents']} consent(s), "
        + "; ".join(f"{u['at'][:19]} window {u['window']} {u['matter']}" for u in w["history"]["uses"]),
        f"{ok(bool(w['pushed']))} revocation pushed to window A12: "
        + ", ".join(f"{e['change']} (reason {e['reason']}, block {e['block']})" for e in w["pushed"]),
        f"{ok(bool(w['archived']))} case archived as {w['archived']}",
        f"{ok(w['proof']['ok'])} auditor: the pull is entry {w['proof']['index']} of the access log, proven against "
        f"its checkpoint of {w['proof']['size']} entries anchored in block {w['proof']['anchored_block']}",
    ]
    for line in lines:
        out.print(line, soft_wrap=True, highlight=False)


def _print_archive(archive: dict[str, Any]) -> None:
    def verdict(audit: dict[str, Any]) -> str:
        logs = ", ".join(
            f"{log['log']} log {log['size']} entries/{log['anchored_checkpoints']} anchored checkpoints"
            for log in audit["logs"]
        )
        head = "[green]PASS[/]" if audit["ok"] else "[red]FAIL[/]"
        return f"{head} ({logs}; {audit['packages']['checked']} packages checked)"

    out.print(
        f"archived {len(archive['packages'])} case files: {', '.join(archive['packages'])}", soft_wrap=True
    )
    out.print("audit: " + verdict(archive["audit"]), soft_wrap=True)
    if archive["tampered_package"]:
        after = archive["audit_after_tampering"]
        out.print(
            f"flipped one byte of {archive['tampered_package']} in the store; audit: " + verdict(after),
            soft_wrap=True,
        )
        for failed in after["packages"]["failed"]:
            reasons = failed["problems"] + [
                f"{f['property']} {f['item']}: {f['reason']}" for f in failed["failed"]
            ]
            out.print(
                f"  [red]{failed['archive_no']}[/]: " + "; ".join(reasons), soft_wrap=True, highlight=False
            )
        out.print("(the byte was restored afterwards: the archive is clean again)")


def print_deployment(book: dict[str, Any]) -> None:
    out.print(
        f"[bold]address book[/] (chain {book['chain_id']}, deployed {book['deployed_at']} by {book['deployer']})"
    )
    for name, c in book["contracts"].items():
        out.print(f"  {name:<16} {c['address']}  block {c['block']}  code {c['code_hash']}", soft_wrap=True)


def main() -> None:
    app()
