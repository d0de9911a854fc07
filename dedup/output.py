"""One set of output options for every command: a rich table for people, JSON/CSV/Markdown (and
XLSX) for programs and colleagues. Data goes to stdout or ``--out``; messages go to stderr."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from dedup.errors import DedupError
from dedup.models import Document, Link, Passage
from dedup.safeio import atomic_write, clean_for_terminal


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"
    xlsx = "xlsx"


@dataclass
class Table:
    """A titled table: what the terminal, CSV, Markdown and spreadsheet outputs show."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    links: dict[int, list[str | None]] = field(default_factory=dict)  # column index -> per-row hyperlink


# --- JSON shapes (documented in the README; keep them stable) -------------------------------------


def document_json(d: Document) -> dict[str, Any]:
    return {"id": d.id, "title": d.title, "organisation": d.organisation, "year": d.year, "source": d.source}


def passage_json(p: Passage) -> dict[str, Any]:
    return {
        "id": p.id,
        "text": p.text,
        "page": p.page,
        "page_end": p.page_end or p.page,
        "kind": p.kind,
        "heading": p.heading,
        "label": p.label,
        "document": document_json(p.document),
    }


def link_json(link: Link) -> dict[str, Any]:
    return {"a": passage_json(link.a), "b": passage_json(link.b), "score": round(link.score, 4), "type": link.type}


# --- rendering -----------------------------------------------------------------------------------


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


#: First characters that make a spreadsheet program read a cell as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(s: str) -> str:
    """A text cell a spreadsheet will show as text: one starting like a formula gets a leading quote."""
    return "'" + s if s.startswith(FORMULA_START) else s


def _csv_cell(v: Any) -> str:
    return neutralise(v) if isinstance(v, str) else _cell(v)


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
            lines.append("| " + " | ".join(_md_escape(_cell(v)) for v in row) + " |")
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
            rt.add_row(*[Text(clean_for_terminal(_cell(v))) for v in row])
        console.print(rt)


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    from dedup.spreadsheet import write_workbook

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


def member_json(m: Any) -> dict[str, Any]:
    """A cluster member (dedup.recurring.Member): its passage, link type, score, the body it counts
    as, and the same statement again in its document or in a version of it (``copies``)."""
    return {
        "passage": passage_json(m.passage),
        "type": m.type,
        "score": round(m.score, 4),
        "body": m.body,
        "copies": [{"id": p.id, "page": p.page, "document": document_json(p.document)} for p in m.copies],
    }


def cluster_json(c: Any) -> dict[str, Any]:
    """A recurring-recommendation cluster (dedup.recurring.Cluster). ``members`` say the same thing
    and alone set first, years, counts and labels; ``same_theme`` members only share the subject."""
    first = c.first.passage.document
    return {
        "id": c.id,
        "representative": c.representative.text,
        "representative_passage": passage_json(c.representative),
        "labels": list(c.labels),
        "scope": c.scope,
        "first": {
            "organisation": first.organisation,
            "body": c.first.body,
            "year": first.year,
            "document": document_json(first),
        },
        "years": list(c.years),
        "documents": c.documents,
        "confirmed_documents": c.documents,
        "organisations": c.organisations,
        "copies": c.copies,
        "members": [member_json(m) for m in c.evidence],
        "same_theme": [member_json(m) for m in c.theme],
    }


def _quote_json(quote: Any, draft_text: str) -> dict[str, Any] | None:
    if quote is None:
        return None
    return {
        "how": quote.how,
        "score": round(quote.score, 4),
        "draft_start": quote.draft_start,
        "draft_end": quote.draft_end,
        "draft_text": draft_text[quote.draft_start : quote.draft_end],
        "corpus_text": quote.corpus_text,
        "passages": [p.id for p in quote.passages],
    }


def draft_check_json(check: Any, most: int = 5) -> dict[str, Any]:
    """A draft check (dedup.draft.DraftCheck)."""
    return {
        "draft": {
            "source": check.source,
            "title": check.title,
            "pages": {str(n): t for n, t in sorted(check.pages.items())},
            "in_store": document_json(check.in_store) if check.in_store is not None else None,
            "excluded": [document_json(d) for d in check.excluded],
        },
        "summary": {
            "recommendations": len(check.recommendations),
            "repeated": len(check.repeated),
            "new": len(check.new),
            "most_repeated": [
                {
                    "text": p.draft.text,
                    "times": p.times,
                    "documents": len({m.passage.document.id for m in p.repeats}),
                    "organisations": len(
                        {
                            check.body_of.get(m.passage.document.organisation, m.passage.document.organisation)
                            for m in p.repeats
                            if m.passage.document.organisation
                        }
                    ),
                    "document_ids": sorted({m.passage.document.id for m in p.repeats}),
                }
                for p in check.most_repeated(most)
            ],
            "new_recommendations": [p.draft.text for p in check.new],
        },
        "passages": [
            {
                "text": p.draft.text,
                "page": p.draft.page,
                "page_end": p.draft.page_end or p.draft.page,
                "start": p.draft.start,
                "end": p.draft.end,
                "kind": p.draft.kind,
                "heading": p.draft.heading,
                "label": p.draft.label,
                "status": p.status,
                "times": p.times,
                "matches": [
                    {
                        "passage": passage_json(m.passage),
                        "score": round(m.score, 4),
                        "type": m.type,
                        "quote": _quote_json(m.quote, p.draft.text),
                        "answers": m.answers,
                    }
                    for m in p.matches
                ],
            }
            for p in check.passages
        ],
    }
