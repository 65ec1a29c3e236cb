"""Log and audit commands: `certledger log ...`, `certledger audit`."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import func, select

from ledger.cli_common import JsonOpt, emit_json, handles_errors, out, progress_bar
from ledger.models import ArchiveRecord
from ledger.settings import get_settings

log_app = typer.Typer(no_args_is_help=True, help="The verifiable logs (archive, access).")
archive_app = typer.Typer(no_args_is_help=True, help="The electronic archive of case files.")


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")
    app.add_typer(archive_app, name="archive")
    app.command("audit")(handles_errors(audit))


def _record_json(record: Any, entry: Any = None) -> dict[str, Any]:
    data = {
        k: (str(v) if v is not None and not isinstance(v, int | bool | str) else v)
        for k, v in record.model_dump().items()
        if k != "body_key"
    }
    data["disposed"] = record.disposed_at is not None
    if entry is not None:
        data["log_entry"] = entry
    return data


@archive_app.command("add")
@handles_errors
def archive_add(
    case: Annotated[Path, typer.Argument(exists=True, help="CASE_DIR (with case.json) or CASE.json")],
    retention: Annotated[
        str | None, typer.Option(help="Y10, Y30 or YJ (permanent); default: the matter's, from settings")
    ] = None,
    fonds: Annotated[str | None, typer.Option(help="Fonds code (default: settings)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Archive a finished case: a signed BagIt package, encrypted, stored, logged, numbered."""
    from ledger.services import Services

    settings = get_settings()
    if retention is None:
        from archive.package import load_case

        retention = settings.archive_retention.get(load_case(case).matter_code, "Y30")
    with Services(settings) as s:
        record = s.archive.add(
            case,
            fonds=fonds or settings.archive_fonds,
            retention=retention,
            created_by=settings.archive_unit,
            archivist=settings.archivist,
        )
    if as_json:
        emit_json(_record_json(record))
    else:
        out.print(f"archived as {record.archive_no} ({record.size:,} bytes, log entry {record.log_index})")


@archive_app.command("show")
@handles_errors
def archive_show(archive_no: str, as_json: JsonOpt = False) -> None:
    """A package's record and its archive-log entry."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        record = s.archive.get(archive_no)
        data = _record_json(record, s.archive.log_entry(record))
    if as_json:
        emit_json(data)
    else:
        table = Table("field", "value", title=archive_no)
        for key, value in data.items():
            table.add_row(
                key, json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
            )
        out.print(table)


@archive_app.command("export")
@handles_errors
def archive_export(archive_no: str, output: Annotated[Path, typer.Option("-o", "--output")]) -> None:
    """Write the package as a BagIt bag directory (any BagIt tool validates it)."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        s.archive.export(archive_no, output)
    out.print(f"wrote {output}")


@archive_app.command("hold")
@handles_errors
def archive_hold(archive_no: str, release: Annotated[bool, typer.Option("--release")] = False) -> None:
    """Put a package under a legal hold (no disposal), or release it."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        s.archive.hold(archive_no, on=not release)
    out.print(f"{archive_no}: legal hold {'released' if release else 'on'}")


@archive_app.command("dispose")
@handles_errors
def archive_dispose(archive_no: str, reason: Annotated[str, typer.Option("--reason")]) -> None:
    """Dispose of a package after its retention period: a disposal log entry, the key shredded."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        s.archive.dispose(archive_no, reason)
    out.print(f"{archive_no}: disposed of ({reason})")


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
    since: Annotated[
        int | None, typer.Option("--since", help="Check log consistency from the checkpoint of this size on.")
    ] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report here.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Audit the logs (signatures, consistency, on-chain anchors, recomputation). Exit 0 only when all pass."""
    from archive.audit_logs import audit_log
    from archive.logs import LOGS
    from ledger.services import Services

    with Services(get_settings()) as s:
        results = [audit_log(s.logs, name, since=since) for name in LOGS]
        with s.engine.connect() as conn:
            total = conn.execute(select(func.count(ArchiveRecord.archive_no))).scalar_one()
        with progress_bar("auditing packages", total, quiet=as_json) as update:
            packages = s.archive.audit(update)
    failed = [p.to_json() for p in packages if not p.ok]
    data: dict[str, Any] = {
        "ok": all(r.ok for r in results) and not failed,
        "logs": [r.to_json() for r in results],
        "packages": {"checked": len(packages), "failed": failed},
    }
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
        colour = "green" if not failed else "red"
        out.print(f"[{colour}]packages: {len(packages)} checked, {len(failed)} failed[/]")
        for p in failed:
            reasons = p["problems"] + [f"{f['property']} {f['item']}: {f['reason']}" for f in p["failed"]]
            out.print(f"  {p['archive_no']}: " + "; ".join(reasons), soft_wrap=True, highlight=False)
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
        + "</table>"
        + f"<h2>packages: {data['packages']['checked']} checked, {len(data['packages']['failed'])} failed</h2><ul>"
        + "".join(
            f"<li class='FAIL'>{html.escape(p['archive_no'])}: "
            + html.escape(
                "; ".join(
                    p["problems"] + [f"{f['property']} {f['item']}: {f['reason']}" for f in p["failed"]]
                )
            )
            + "</li>"
            for p in data["packages"]["failed"]
        )
        + f"</ul><pre>{html.escape(json.dumps(data, indent=2, ensure_ascii=False))}</pre>"
    )
