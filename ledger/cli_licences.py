"""Licence commands: check-id, issuer register, issue, anchor, status changes, export, verify."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ledger.cli_common import JsonOpt, emit_json, err, handles_errors, out, progress_bar
from ledger.errors import ChainError, ConfigError, LedgerError
from ledger.settings import get_settings

issuer_app = typer.Typer(no_args_is_help=True, help="Issuing authorities on chain.")
STATUS_STYLE = {"VALID": "green", "INVALID": "red", "SKIPPED": "dim", "ERROR": "yellow"}


def register(app: typer.Typer) -> None:
    app.add_typer(issuer_app, name="issuer")
    app.add_typer(storage_app, name="storage")
    app.add_typer(keys_app, name="keys")
    for command in (check_id, issue, anchor, export, verify, erase):
        app.command(command.__name__.replace("_", "-"))(handles_errors(command))
    for kind in ("suspend", "reinstate", "revoke"):
        app.command(kind, help=f"{kind.capitalize()} a licence (sent on chain once it is anchored).")(
            handles_errors(_status_command(kind))
        )


def check_id(value: str, as_json: JsonOpt = False) -> None:
    """Recognise a licence identifier, citizen ID or USCC and check it; exit 0 only when valid."""
    from ledger.identifiers import recognise

    result = recognise(value)
    if as_json:
        emit_json(result.to_json())
    else:
        colour = "green" if result.valid else "red"
        out.print(f"{result.kind}: [{colour}]{'valid' if result.valid else 'invalid'}[/]", soft_wrap=True)
        for e in result.errors:
            out.print(f"  error: {e}", soft_wrap=True)
        for w in result.warnings:
            out.print(f"  warning: {w}", soft_wrap=True)
    if not result.valid:
        raise typer.Exit(1)


@issuer_app.command("register")
@handles_errors
def issuer_register(
    uscc: Annotated[list[str] | None, typer.Argument(help="Issuing authorities (USCC); default: all")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Give issuing authorities a chain account and register them with the types the catalog grants."""
    from sqlmodel import Session, select

    from ledger.issuers import register_issuer
    from ledger.models import IssuerGrant
    from ledger.services import Services

    with Services(get_settings()) as s, Session(s.engine) as session:
        targets = uscc or sorted(set(session.exec(select(IssuerGrant.issuer_uscc)).all()))
        done = {}
        for code in targets:
            done[code] = register_issuer(session, s.client, s.contracts, s.keys, s.registrar, code).address
    if as_json:
        emit_json(done)
    else:
        for code, address in done.items():
            out.print(f"{code} -> {address}")


def issue(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".json, .jsonl or .csv")],
    bulk: Annotated[bool, typer.Option("--bulk", help="A file of many licences (JSONL or CSV).")] = False,
    no_anchor: Annotated[bool, typer.Option("--no-anchor", help="Store only; anchor later.")] = False,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Licences per anchored batch (default: settings).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Processes preparing licences (default: one per core with --bulk)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue licences: validate, commit, store, then anchor them in batches. Exit 1 if any line fails."""
    from ledger.licences.anchoring import AnchorReport
    from ledger.licences.issuance import CHUNK, IssueReport
    from ledger.licences.sources import count_entries, read_entries
    from ledger.services import Services

    if bulk and file.suffix.lower() not in (".jsonl", ".csv"):
        raise ConfigError(f"{file}: --bulk takes a .jsonl or .csv file")
    with Services(get_settings()) as s:
        issuance = s.issuance()
        report = IssueReport()
        total = count_entries(file)
        with progress_bar("issuing", total, quiet=as_json) as update:
            if workers is None:
                workers = (os.cpu_count() or 1) if bulk and (total or 0) > 2 * CHUNK else 0
            anchorer, early = (None, None) if no_anchor else (s.anchorer(batch_size), AnchorReport())
            overlap = (lambda: anchorer.anchor_full_batches(early)) if anchorer else None
            for done in issuance.issue_iter(
                read_entries(file), file.parent, report, workers=workers, between_chunks=overlap
            ):
                update(done)
        anchored = None
        if report.accepted_count and not no_anchor:
            anchored = s.anchorer(batch_size).run(force=s.settings.batch_window_seconds == 0)
            if early is not None:  # batches anchored while issuing count too
                for key in ("sealed", "anchored", "recovered", "licences"):
                    setattr(anchored, key, getattr(anchored, key) + getattr(early, key))
                anchored.errors = early.errors + anchored.errors
    result = {
        "accepted": report.accepted_count,
        "rejected": [{"line": r.line, "reason": r.reason} for r in report.rejected],
        "warnings": report.warnings,
        "identifiers": report.accepted if report.accepted_count <= 100 else None,
        "anchoring": anchored.__dict__ if anchored else None,
    }
    if as_json:
        emit_json(result)
    else:
        out.print(f"accepted {report.accepted_count}, rejected {len(report.rejected)}")
        for identifier in report.accepted[:20]:
            out.print(f"  {identifier}", soft_wrap=True)
        for r in report.rejected:
            err.print(f"  line {r.line}: {r.reason}", soft_wrap=True, highlight=False)
        for w in report.warnings[:20]:
            err.print(f"  warning: {w}", soft_wrap=True, highlight=False)
        if anchored:
            out.print(
                f"anchored {anchored.licences} licences in {anchored.anchored + anchored.recovered} batches"
            )
            for e in anchored.errors:
                err.print(f"  {e}", soft_wrap=True, highlight=False)
    if report.rejected or (anchored and anchored.errors):
        raise typer.Exit(1)


def anchor(
    batch_size: Annotated[int | None, typer.Option(min=1, help="Default: settings.")] = None,
    flush: Annotated[bool, typer.Option("--flush", help="Seal every waiting licence now.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Seal licences that are due into batches, anchor them, send queued status changes."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        report = s.anchorer(batch_size).run(force=flush or s.settings.batch_window_seconds == 0)
    if as_json:
        emit_json(report.__dict__)
    else:
        out.print(
            f"sealed {report.sealed}, anchored {report.anchored}, recovered {report.recovered} batches "
            f"({report.licences} licences); {report.actions} status changes sent"
        )
        for e in report.errors:
            err.print(f"  {e}", soft_wrap=True, highlight=False)
    if report.errors:
        raise typer.Exit(1)


def _status_command(kind: str):  # type: ignore[no-untyped-def]
    def command(
        identifier: str,
        reason: Annotated[
            int, typer.Option(help="Reason code (2 suspended, 3 cancelled, 7 revoked, ...)")
        ] = 0,
        as_json: JsonOpt = False,
    ) -> None:
        from sqlmodel import Session

        from ledger.licences.status import queue_change
        from ledger.models import ActionKind
        from ledger.services import Services

        default = {"suspend": 2, "reinstate": 1, "revoke": 7}[kind]
        with Services(get_settings()) as s:
            with Session(s.engine) as session:
                queue_change(session, identifier, ActionKind(kind.upper()), reason or default)
                session.commit()
            report = s.anchorer().run(force=False)
        if as_json:
            emit_json({"identifier": identifier, "action": kind, **report.__dict__})
        else:
            out.print(f"{kind}: {identifier} ({report.actions} change(s) sent)", soft_wrap=True)
        if report.errors:
            for e in report.errors:
                err.print(f"  {e}", soft_wrap=True, highlight=False)
            raise typer.Exit(1)

    command.__name__ = kind
    return command


def export(
    identifier: str,
    hide: Annotated[list[str] | None, typer.Option("--hide", help="Field to hide (repeatable).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
) -> None:
    """Write a licence's portable package (optionally with fields hidden) as JSON."""
    from sqlmodel import Session

    from ledger.licences.package import build_package
    from ledger.licences.status import find_licence
    from ledger.models import Batch, LicenceState
    from ledger.services import Services

    with Services(get_settings()) as s, Session(s.engine) as session:
        licence = find_licence(session, identifier)
        if licence.state is not LicenceState.ANCHORED:
            raise LedgerError(
                f"{identifier} is not anchored yet (state {licence.state.value}); run `certledger anchor`"
            )
        package = build_package(licence, session.get(Batch, licence.batch_id), s.contracts.registry.address)
    text = json.dumps(package.redact(hide or []).to_json(), ensure_ascii=False, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


def verify(
    target: Annotated[str, typer.Argument(help="A package file (.json) or a licence identifier")],
    at_block: Annotated[
        int | None, typer.Option("--at-block", min=0, help="Status as of this block.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Verify a licence: FORMAT, INTEGRITY, ANCHOR, STATUS, VALIDITY, BODY. Exit 0 only when valid."""
    from ledger.licences.verify import verify_package
    from ledger.services import Services

    settings = get_settings()
    with Services(settings) as s:
        data = _load_target(target, s)
        registry, problem = None, None
        try:
            registry = s.contracts.registry
        except ChainError as exc:  # unreachable or wrong chain: ERROR, never INVALID
            problem = str(exc)
        opener = s.body_opener() if (settings.data_dir / "store").exists() else None
        result = verify_package(
            data, registry=registry, chain_problem=problem, bodies=opener, at_block=at_block
        )
    if as_json:
        emit_json(result.to_json())
    else:
        title = f"{result.identifier or target}: " + (
            "[green]VALID[/]" if result.valid else "[red]NOT VALID[/]"
        )
        table = Table("check", "result", "detail", title=title)
        for c in result.checks:
            table.add_row(c.name, f"[{STATUS_STYLE[c.status.value]}]{c.status.value}[/]", c.detail)
        out.print(table)
    if not result.valid:
        raise typer.Exit(1)


def _load_target(target: str, s) -> object:  # type: ignore[no-untyped-def]
    path = Path(target)
    if path.suffix.lower() == ".json" or path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{target}: no such file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return {"unreadable": str(exc)}  # FORMAT will say INVALID
    from sqlmodel import Session

    from ledger.licences.package import build_package
    from ledger.licences.status import find_licence
    from ledger.models import Batch, LicenceState

    with Session(s.engine) as session:
        licence = find_licence(session, target)
        if licence.state is not LicenceState.ANCHORED:
            raise LedgerError(f"{target} is not anchored yet (state {licence.state.value})")
        batch = session.get(Batch, licence.batch_id)
        try:
            address = s.contracts.registry.address
        except ChainError:
            from ledger.chain.deploy import address_book_path

            book = json.loads(address_book_path(s.settings.data_dir, batch.chain_id).read_text())
            address = book["contracts"]["LicenceRegistry"]["address"]
        return build_package(licence, batch, address).to_json()


storage_app = typer.Typer(no_args_is_help=True, help="Licence bodies in the store (embedded or kubo).")


@storage_app.command("audit")
@handles_errors
def storage_audit(as_json: JsonOpt = False) -> None:
    """Check every stored body: retrievable, decrypts, matches its commitment. Exit 1 on problems."""
    from sqlalchemy import func, select

    from ledger.licences.bodies import audit
    from ledger.models import Licence
    from ledger.services import Services

    with Services(get_settings()) as s:
        with s.engine.connect() as conn:
            total = conn.execute(
                select(func.count(Licence.id)).where(Licence.body_ref.is_not(None))
            ).scalar_one()
        with progress_bar("auditing", total, quiet=as_json) as update:
            report = audit(s.engine, s.bodies, update)
    if as_json:
        emit_json(report.to_json())
    else:
        colour = "green" if report.clean else "red"
        out.print(
            f"[{colour}]checked {report.checked}[/]: {report.ok} intact, {report.erased} erased, "
            f"{len(report.missing)} missing, {len(report.corrupt)} corrupt"
        )
        for item in report.missing[:50]:
            out.print(f"  missing: {item}", soft_wrap=True)
        for item in report.corrupt[:50]:
            out.print(f"  corrupt: {item}", soft_wrap=True)
    if not report.clean:
        raise typer.Exit(1)


@storage_app.command("export-car")
@handles_errors
def storage_export_car(cid: str, output: Annotated[Path, typer.Option("-o", "--output")]) -> None:
    """Export a body's DAG from the embedded store as a CAR file (`ipfs dag import` reads it)."""
    from ledger.services import Services
    from ledger.storage import EmbeddedStore

    with Services(get_settings()) as s:
        if not isinstance(s.store, EmbeddedStore):
            raise ConfigError("export-car reads the embedded store; unset CERTLEDGER_IPFS_URL")
        with open(output, "wb") as f:
            s.store.export_car(cid, f)
    out.print(f"wrote {output}")


def erase(
    identifier: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded with the erasure).")],
    as_json: JsonOpt = False,
) -> None:
    """Crypto-shred a licence body: its data key is destroyed; the hash stays anchored."""
    from sqlmodel import Session

    from ledger.licences.bodies import erase as erase_body
    from ledger.services import Services

    with Services(get_settings()) as s, Session(s.engine) as session:
        licence = erase_body(session, s.store, identifier, reason)
        result = {"identifier": identifier, "erased_at": licence.erased_at, "reason": licence.erase_reason}
    if as_json:
        emit_json(result)
    else:
        out.print(f"erased the body of {identifier}: {reason}", soft_wrap=True)


keys_app = typer.Typer(no_args_is_help=True, help="The keyring of key-encryption keys.")


@keys_app.command("rotate")
@handles_errors
def keys_rotate(as_json: JsonOpt = False) -> None:
    """Start wrapping new data keys under a new KEK; older KEKs stay to unwrap older bodies."""
    from ledger.services import Services

    with Services(get_settings()) as s:
        keyring = s.bodies.keyring
        new_id = keyring.rotate()
        ids = [k.id for k in keyring.keks]
    if as_json:
        emit_json({"active": new_id, "keks": ids})
    else:
        out.print(f"active KEK is now {new_id}; {len(ids)} KEKs kept")
