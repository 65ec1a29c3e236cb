"""`certledger catalog`: load the seed files, list licence types and matters.

`handles_errors` and the consoles come from ledger.cli_common (which ledger.cli re-exports):
importing them from ledger.cli would be circular once ledger.cli registers `catalog_app`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlmodel import Session

from ledger.catalog import queries
from ledger.catalog.loader import DEFAULT_SEED_DIR, load_catalog
from ledger.cli_common import JsonOpt, handles_errors, out
from ledger.db import engine_for, session_scope
from ledger.errors import NotFound
from ledger.models import Matter
from ledger.settings import get_settings

catalog_app = typer.Typer(
    no_args_is_help=True, help="The licence catalog: licence types, authorities, matters."
)

TypeOpt = Annotated[
    str | None, typer.Option("--type", help="A licence type code: its face schema and matters.")
]
MatterOpt = Annotated[str | None, typer.Option("--matter", help="A matter code: its licence list.")]
SeedOpt = Annotated[
    Path, typer.Option("--seed-dir", help="Directory holding authorities.json, types.json, matters.json.")
]


@contextmanager
def catalog_session() -> Iterator[Session]:
    engine = engine_for(get_settings())
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@catalog_app.command("load")
@handles_errors
def catalog_load(seed_dir: SeedOpt = DEFAULT_SEED_DIR, as_json: JsonOpt = False) -> None:
    """Validate the seed files and upsert them into the database (idempotent)."""
    with catalog_session() as session:
        report = load_catalog(session, seed_dir)
    if as_json:
        emit_json(report.to_json())
        return
    table = Table(
        "table", "in seed", "inserted", "updated", "removed", title=f"catalog loaded from {report.seed_dir}"
    )
    for name, counts in report.tables().items():
        table.add_row(name, str(counts.total), str(counts.inserted), str(counts.updated), str(counts.removed))
    out.print(table)
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)
    for kind, codes in report.not_in_seed.items():
        out.print(f"[yellow]kept, not in seed:[/] {len(codes)} {kind}", highlight=False)
    out.print("catalog updated" if report.changed else "catalog already up to date")


@catalog_app.command("list")
@handles_errors
def catalog_list(type_code: TypeOpt = None, matter_code: MatterOpt = None, as_json: JsonOpt = False) -> None:
    """List licence types; --matter shows a matter's licence list, --type a type's schema and matters."""
    with catalog_session() as session:
        if matter_code is not None:
            _show_matter(session, matter_code, type_code, as_json)
        elif type_code is not None:
            _show_type(session, type_code, as_json)
        else:
            _show_types(session, as_json)


def _show_types(session: Session, as_json: bool) -> None:
    types = queries.list_types(session)
    if as_json:
        emit_json({"types": [t.model_dump() for t in types]})
        return
    if not types:
        raise NotFound("the catalog is empty: load it with `certledger catalog load`")
    table = Table(title=f"{len(types)} licence types ([green]*[/] = real code, the rest synthetic)")
    table.add_column("code", no_wrap=True, min_width=22)
    for column in ("name", "department", "holder", "sensitive", "validity"):
        table.add_column(column)
    for t in types:
        table.add_row(
            t.code + ("" if t.synthetic else "[green]*[/]"),
            t.name,
            t.department,
            t.holder_category,
            "[red]yes[/]" if t.sensitive else "no",
            t.validity_rule,
        )
    out.print(table)


def _show_type(session: Session, code: str, as_json: bool) -> None:
    licence_type = queries.get_type(session, code)
    issuers = queries.issuers_for(session, code)
    usage = [
        (matter, next(e for e in queries.licence_list(session, matter.code) if e.type_code == code))
        for matter in queries.list_matters(session, type_code=code)
    ]
    if as_json:
        emit_json(
            {
                "type": licence_type.model_dump(),
                "issuers": [a.model_dump() for a in issuers],
                "matters": [
                    {**m.model_dump(), "required": e.required, "fields": list(e.fields)} for m, e in usage
                ],
            }
        )
        return
    out.print(
        f"[bold]{licence_type.code}[/] {licence_type.name}  ({licence_type.department}, {licence_type.level}, "
        f"{licence_type.holder_category}, validity {licence_type.validity_rule}"
        f"{', PIPL sensitive' if licence_type.sensitive else ''}"
        f"{', synthetic' if licence_type.synthetic else ', real code'})",
        soft_wrap=True,
        highlight=False,
    )
    schema = Table("field", "label", "type", "required", "values", title="face schema")
    for f in licence_type.face_schema:
        schema.add_row(
            f["name"], f["label"], f["type"], "yes" if f["required"] else "no", " / ".join(f.get("enum", []))
        )
    out.print(schema)
    out.print("issued by: " + ("; ".join(f"{a.name} ({a.uscc})" for a in issuers) or "-"), soft_wrap=True)
    matters = Table(title=f"matters using this type: {len(usage)}")
    matters.add_column("matter", no_wrap=True)
    for column in ("name", "department", "required", "fields"):
        matters.add_column(column)
    for matter, entry in usage:
        matters.add_row(
            matter.code,
            matter.name,
            matter.department,
            "yes" if entry.required else "no",
            " ".join(entry.fields),
        )
    out.print(matters)


def _show_matter(session: Session, code: str, type_code: str | None, as_json: bool) -> None:
    matter = queries.get_matter(session, code)
    entries = queries.licence_list(session, code)
    if type_code is not None:
        queries.get_type(session, type_code)
        entries = [e for e in entries if e.type_code == type_code]
        if not entries:
            raise NotFound(f"matter {code} ({matter.name}) does not need licence type {type_code}")
    if as_json:
        emit_json({"matter": matter.model_dump(), "licences": [e.to_json() for e in entries]})
        return
    flags = [label for label, on in _flags(matter) if on]
    out.print(
        f"[bold]{matter.code}[/] {matter.name}  ({matter.department}{''.join(', ' + f for f in flags)})",
        soft_wrap=True,
        highlight=False,
    )
    table = Table(title="licence list (用证清单)")
    table.add_column("type code", no_wrap=True, min_width=21)
    for column in ("name", "required", "sensitive", "fields"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.type_code,
            e.type_name,
            "yes" if e.required else "no",
            "[red]yes[/]" if e.sensitive else "no",
            " ".join(e.fields),
        )
    out.print(table)


def _flags(matter: Matter) -> list[tuple[str, bool]]:
    return [
        ("全程网办", matter.online),
        ("跨区通办", matter.cross_district),
        ("政务晓屋", matter.self_service),
    ]
