"""Reading issue files: one JSON object or array, JSON Lines, or CSV (one holder per row).

Each entry comes with its line number (JSONL/CSV) or position (JSON array); a line that cannot
be parsed is yielded as the exception, so good lines go through and bad ones are reported.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ledger.errors import ConfigError

BASE_COLUMNS = {
    "type_code",
    "issuer_uscc",
    "serial",
    "number",
    "issue_date",
    "valid_from",
    "valid_until",
    "jurisdiction",
    "body",
    "supersedes",
}
HOLDER_COLUMNS = {"holder_name": "name", "holder_code": "code", "holder_code_type": "code_type"}

Entry = tuple[int, dict[str, Any] | Exception]


def read_entries(path: Path) -> Iterator[Entry]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _jsonl(path)
    elif suffix == ".csv":
        yield from _csv(path)
    elif suffix == ".json":
        yield from _json(path)
    else:
        raise ConfigError(f"{path}: expected a .json, .jsonl or .csv file")


def count_entries(path: Path) -> int | None:
    if path.suffix.lower() in (".jsonl", ".csv"):
        with open(path, "rb") as f:
            lines = sum(1 for line in f if line.strip())
        return lines - (1 if path.suffix.lower() == ".csv" else 0)
    return None


def _json(path: Path) -> Iterator[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not readable JSON ({exc})") from None
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, 1):
        yield i, item if isinstance(item, dict) else ValueError("not a JSON object")


def _jsonl(path: Path) -> Iterator[Entry]:
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                yield number, item if isinstance(item, dict) else ValueError("not a JSON object")
            except json.JSONDecodeError as exc:
                yield number, exc


def _csv(path: Path) -> Iterator[Entry]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            number = reader.line_num
            if None in row:
                yield number, ValueError("more cells than columns")
                continue
            entry: dict[str, Any] = {"face": {}}
            holder: dict[str, str] = {}
            unknown = []
            for column, value in row.items():
                value = (value or "").strip()
                if column in BASE_COLUMNS:
                    if value:
                        entry[column] = value
                elif column in HOLDER_COLUMNS:
                    holder[HOLDER_COLUMNS[column]] = value
                elif column.startswith("KZ_"):
                    if value:
                        entry["face"][column] = value
                else:
                    unknown.append(column)
            if unknown:
                yield number, ValueError(f"unknown columns {unknown}")
                continue
            entry["holders"] = [holder]
            yield number, entry
