"""Log and audit commands: `certledger log ...`, `certledger audit`."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ledger.cli_common import JsonOpt, emit_json, handles_errors, out
from ledger.settings import get_settings

log_app = typer.Typer(no_args_is_help=True, help="The verifiable logs (archive, access).")


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")
    app.command("audit")(handles_errors(audit))


@log_app.command("show")
@handles_errors
def log_show(
    name: Annotated[str, typer.Argument(help="archive or access")] = "archive", as_json: JsonOpt = False
) -> None:
    """The log's size, root and latest checkpoint."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        head = s.logs.log(name).head()
        latest = s.logs.latest_checkpoint(name)
        data = {
            "log": name,
            "origin": s.logs.origin(name),
            "size": head.size,
            "root": head.root.hex(),
            "verifier_key": s.logs.signer(name).verifier_key(),
            "checkpoint": None
            if latest is None
            else {
                "size": latest.size,
                "note": latest.note,
                "anchored_block": latest.anchored_block,
            },
        }
    if as_json:
        emit_json(data)
    else:
        out.print(f"{data['origin']}: {head.size} entries, root {data['root']}", soft_wrap=True)
        out.print(f"verifier key: {data['verifier_key']}", soft_wrap=True)
        if latest is not None:
            out.print(f"latest checkpoint (size {latest.size}, anchored in block {latest.anchored_block}):")
            out.print(latest.note, soft_wrap=True, highlight=False)


@log_app.command("checkpoint")
@handles_errors
def log_checkpoint(
    name: Annotated[str, typer.Argument(help="archive or access")] = "archive", as_json: JsonOpt = False
) -> None:
    """Sign and anchor a checkpoint of the log's current size (nothing if it did not grow)."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        published = s.logs.checkpoint(name)
    if as_json:
        emit_json(None if published is None else published.__dict__)
    elif published is None:
        out.print(f"{name}: no new entries since the last checkpoint")
    else:
        out.print(
            f"{name}: checkpoint at size {published.size}, anchored in block {published.anchored_block}"
        )


def audit(
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Audit the logs (signatures, consistency, on-chain anchors, recomputation). Exit 0 only when all pass."""
    from archive.audit_logs import audit_log
    from archive.logs import LOGS
    from ledger.services import Services

    with Services(get_settings()) as s:
        results = [audit_log(s.logs, name) for name in LOGS]
    data: dict[str, Any] = {"ok": all(r.ok for r in results), "logs": [r.to_json() for r in results]}
    if as_json:
        emit_json(data)
    else:
        table = Table("log", "entries", "checkpoints", "anchored", "result", title="audit")
        for r in results:
            verdict = (
                "[green]PASS[/]" if r.ok else "[red]FAIL[/] " + "; ".join(f.detail for f in r.findings[:3])
            )
            table.add_row(r.log, str(r.size), str(r.checkpoints), str(r.anchored), verdict)
        out.print(table)
    if report is not None:
        report.write_text(_html(data), encoding="utf-8")
    if not data["ok"]:
        raise typer.Exit(1)


def _html(data: dict[str, Any]) -> str:
    rows = []
    for log in data["logs"]:
        findings = "".join(
            f"<li><b>{html.escape(f['kind'])}</b>: {html.escape(f['detail'])}</li>" for f in log["findings"]
        )
        verdict = "PASS" if log["ok"] else "FAIL"
        rows.append(
            f"<tr><td>{html.escape(log['log'])}</td><td>{log['size']}</td><td>{log['checkpoints']}</td>"
            f"<td>{log['anchored_checkpoints']}</td><td class='{verdict}'>{verdict}<ul>{findings}</ul></td></tr>"
        )
    return (
        "<!doctype html><meta charset='utf-8'><title>certledger audit</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px 8px}"
        ".PASS{color:green}.FAIL{color:#b00}</style>"
        f"<h1>certledger audit: {'PASS' if data['ok'] else 'FAIL'}</h1>"
        "<table><tr><th>log</th><th>entries</th><th>checkpoints</th><th>anchored</th><th>result</th></tr>"
        + "".join(rows)
        + f"</table><pre>{html.escape(json.dumps(data, indent=2))}</pre>"
    )
