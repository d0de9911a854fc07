"""What every output shows: a titled table of cells, and the formats it can be written in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


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


def cell_text(v: Any) -> str:
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
