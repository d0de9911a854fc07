"""Reading CSV and JSONL tables: each row one document, its text and metadata in named columns."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dedup.errors import InputError
from dedup.limits import DEFAULT_LIMITS, MB, Limits, too_big
from dedup.models import Metadata
from dedup.text import LONE_SURROGATE, year_of

TABLE_SUFFIXES = {".csv", ".jsonl"}


@dataclass(frozen=True)
class TableColumns:
    """Which columns of a CSV/JSONL table hold each document's text and metadata."""

    text: str | None = None
    id: str | None = None
    org: str | None = None
    year: str | None = None
    date: str | None = None
    title: str | None = None


def read_table_rows(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[str], list[dict[str, str]]]:
    size = path.stat().st_size
    if size == 0:
        raise InputError(str(path), "file is empty (0 bytes); re-export or re-download it")
    if size > limits.max_bytes:
        raise InputError(str(path), too_big("is", size / MB, limits.max_file_mb, "MB", "--max-file-mb"))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "is not UTF-8 text; re-save the table as UTF-8") from exc
    if path.suffix.lower() == ".jsonl":
        rows: list[dict[str, str]] = []
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(str(path), f"line {n} is not valid JSON ({exc.msg}); fix or remove that line") from exc
            if not isinstance(obj, dict):
                raise InputError(str(path), f"line {n} is not a JSON object; each line must be one record")
            if "\\" in line and LONE_SURROGATE.search(json.dumps(obj, ensure_ascii=False)):
                raise InputError(
                    str(path),
                    f"line {n} holds an invalid character (a lone surrogate such as \\ud800, half of a UTF-16 pair); "
                    "fix that line",
                )
            rows.append({str(k): "" if v is None else str(v) for k, v in obj.items()})
        columns = list(dict.fromkeys(k for r in rows for k in r))
        return columns, rows
    try:
        reader = csv.DictReader(io.StringIO(text))
        rows = [{k: v or "" for k, v in r.items() if k is not None} for r in reader]
    except csv.Error as exc:
        raise InputError(str(path), f"is not a readable CSV ({exc}); check its quoting") from exc
    return list(reader.fieldnames or []), rows


def table_documents(
    path: Path, cols: TableColumns, limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[str, str, Metadata]]:
    """(row id, text, metadata) for each row of a table; raises InputError if a named column is missing."""
    columns, rows = read_table_rows(path, limits)
    text_col = cols.text or ("text" if "text" in columns else None)
    if text_col is None:
        raise InputError(
            str(path), f"no text column; pass --text-column with one of: {', '.join(columns) or '(no columns)'}"
        )
    for option, col in [
        ("--text-column", text_col),
        ("--id-column", cols.id),
        ("--org-column", cols.org),
        ("--year-column", cols.year),
        ("--date-column", cols.date),
        ("--title-column", cols.title),
    ]:
        if col is not None and col not in columns:
            raise InputError(str(path), f"has no column '{col}' ({option}); columns are: {', '.join(columns)}")
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        row_id = (row.get(cols.id, "") if cols.id else "").strip() or f"{path.stem}-{n}"
        if row_id in seen:
            raise InputError(str(path), f"id '{row_id}' appears twice in {cols.id or 'the rows'}; ids must be unique")
        seen.add(row_id)
        text = row.get(text_col, "").strip()
        if len(text) > limits.max_chars:
            raise InputError(
                str(path),
                f"row {row_id}: " + too_big("holds", len(text), limits.max_chars, "characters", "--max-chars"),
            )
        year_raw = row.get(cols.year) if cols.year else row.get(cols.date) if cols.date else None
        yield (
            row_id,
            text,
            Metadata(
                title=(row.get(cols.title) or "").strip() or None if cols.title else None,
                organisation=(row.get(cols.org) or "").strip() or None if cols.org else None,
                year=year_of(year_raw),
            ),
        )
