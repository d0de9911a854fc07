"""One set of output options for every command: a rich table for people, JSON/CSV/Markdown (and
XLSX) for programs and colleagues. Data goes to stdout or ``--out``; messages go to stderr."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dedup.errors import DedupError
from dedup.render.table import Format, Table, cell_text, neutralise
from dedup.safeio import atomic_write, clean_for_terminal

# --- rendering -----------------------------------------------------------------------------------


def _csv_cell(v: Any) -> str:
    return neutralise(v) if isinstance(v, str) else cell_text(v)


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c) for c in table.columns])
    for row in table.rows:
        w.writerow([_csv_cell(v) for v in row])
    return buf.getvalue()


def _md_escape(s: str) -> str:
    """A Markdown table cell: pipes and backslashes escaped, HTML shown as text, one line."""
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def to_markdown(tables: Sequence[Table]) -> str:
    parts = []
    for t in tables:
        lines = [f"## {_md_escape(t.title)}", "", "| " + " | ".join(_md_escape(c) for c in t.columns) + " |"]
        lines.append("|" + "|".join("---" for _ in t.columns) + "|")
        for row in t.rows:
            lines.append("| " + " | ".join(_md_escape(cell_text(v)) for v in row) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def print_rich(tables: Sequence[Table], console: Any) -> None:
    """Tables on a terminal: cells are plain text (no rich markup), without control characters or
    escape sequences (a title read from a document must not drive the terminal)."""
    from rich.table import Table as RichTable
    from rich.text import Text

    for t in tables:
        rt = RichTable(title=Text(clean_for_terminal(t.title)), show_lines=False, title_justify="left", expand=False)
        for c in t.columns:
            rt.add_column(Text(clean_for_terminal(c)), overflow="fold")
        for row in t.rows:
            rt.add_row(*[Text(clean_for_terminal(cell_text(v))) for v in row])
        console.print(rt)


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    from dedup.render.xlsx import write_workbook

    buf = io.BytesIO()  # built in memory: a failing disk then never meets a half-open zip file
    write_workbook(tables, buf)
    atomic_write(path, buf.getvalue())


_BY_SUFFIX = {".json": Format.json, ".csv": Format.csv, ".md": Format.md, ".xlsx": Format.xlsx}


def resolve_format(fmt: Format, out: Path | None) -> Format:
    """The format to write: as given, or from ``--out``'s extension when no format was asked for.

    Raises before any work is done when the combination cannot be written."""
    if fmt is Format.table and out is not None:
        fmt = _BY_SUFFIX.get(out.suffix.lower(), fmt)
    if fmt is Format.xlsx and out is None:
        raise DedupError("--format xlsx writes a file: add --out FILE.xlsx")
    if out is not None and out.exists() and out.is_dir():
        raise DedupError(f"{out} is a folder; give --out a file name, e.g. {out / 'report.csv'}")
    return fmt


def check_destinations(
    fmt: Format | None,
    out: Path | None,
    store: Path,
    inputs: Sequence[Path | str | None] = (),
    html: Path | None = None,
) -> None:
    """Refuse, before doing any work, an output that cannot be written (xlsx without --out, a folder)
    or that would overwrite the store or an input of this run."""
    from dedup.safeio import check_destination

    given = [Path(p) for p in inputs if p]
    if fmt is not None:
        resolve_format(fmt, out)
    for dest, option in ((out, "--out"), (html, "--html")):
        if dest is None:
            continue
        if dest.is_dir():
            raise DedupError(f"{option} {dest} is a folder; give a file name, e.g. {dest / 'report.html'}")
        check_destination(dest, store, given, option)
    if out is not None and html is not None and out.resolve() == html.resolve():
        raise DedupError("--out and --html name the same file; give them different names")


def emit(data: Any, tables: Sequence[Table], fmt: Format, out: Path | None, console: Any, csv_table: int = 0) -> None:
    """Write ``data`` (JSON) or ``tables`` in ``fmt`` to ``out`` or stdout.

    CSV holds one table, ``tables[csv_table]`` (a command's main one); JSON, Markdown and XLSX hold all.
    """
    fmt = resolve_format(fmt, out)
    if fmt is Format.xlsx:
        assert out is not None
        write_xlsx(tables, out)
        return
    if fmt is Format.table and out is None:
        print_rich(tables, console)
        return
    if fmt is Format.json:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt is Format.csv:
        text = to_csv(tables[csv_table])
    elif fmt is Format.md:
        text = to_markdown(tables)
    else:  # a table written to a file: plain text rendering
        from rich.console import Console

        buf = Console(file=io.StringIO(), width=160, no_color=True)
        print_rich(tables, buf)
        text = buf.file.getvalue()  # type: ignore[attr-defined]
    if out is not None:
        atomic_write(out, text)
        return
    if getattr(console, "is_terminal", False):
        text = clean_for_terminal(text)
    try:
        console.file.write(text)
    except OSError as exc:
        raise DedupError(f"cannot write to the standard output ({exc.strerror})") from exc


def json_chunks(key: str, items: Iterable[Any]) -> Iterator[str]:
    """``json.dumps({key: list(items)}, indent=2, ensure_ascii=False) + "\n"``, text for one item at a
    time: a list of any length is written without holding its whole text (or its items) in memory."""
    yield "{\n  " + json.dumps(key) + ": ["
    first = True
    for item in items:
        yield ("\n    " if first else ",\n    ") + json.dumps(item, indent=2, ensure_ascii=False).replace(
            "\n", "\n    "
        )
        first = False
    yield "]\n}\n" if first else "\n  ]\n}\n"


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """:func:`to_csv` of a table, text for one row at a time."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c) for c in columns])
    for row in rows:
        w.writerow([_csv_cell(v) for v in row])
        if buf.tell() > 1 << 16:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def emit_chunks(chunks: Iterable[str], out: Path | None, console: Any) -> None:
    """Write text produced piece by piece (:func:`json_chunks`, :func:`csv_chunks`) to ``out``
    (atomically, as :func:`emit` does) or to the console's file, as it is produced."""
    if out is not None:

        def write(path: Path) -> None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                for chunk in chunks:
                    f.write(chunk)

        atomic_write(out, write)
        return
    terminal = getattr(console, "is_terminal", False)
    try:
        for chunk in chunks:
            console.file.write(clean_for_terminal(chunk) if terminal else chunk)
    except OSError as exc:
        raise DedupError(f"cannot write to the standard output ({exc.strerror})") from exc
