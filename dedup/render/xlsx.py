"""XLSX output with openpyxl: one sheet per table, frozen header row, sized columns, hyperlinks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from dedup.render.table import neutralise

if TYPE_CHECKING:
    from dedup.render.table import Table

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XLSX cannot hold
_SHEET_BAD = re.compile(r"[\[\]\:\*\?\/\\]")


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    # A cell starting with = + - @ (or tab, CR) would be read as a formula by spreadsheet programs.
    return neutralise(_ILLEGAL.sub("", str(v)))


def write_workbook(tables: Sequence[Table], path: Path | BinaryIO) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        ws = wb.create_sheet(_sheet_title(t.title, used))
        ws.append(list(t.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(t.rows, start=2):
            ws.append([_value(v) for v in row])
            for col, targets in t.links.items():
                target = targets[r - 2] if r - 2 < len(targets) else None
                if target:
                    c = ws.cell(row=r, column=col + 1)
                    c.hyperlink = target
                    c.font = Font(color="0563C1", underline="single")
        ws.freeze_panes = "A2"
        for i, name in enumerate(t.columns, start=1):
            longest = max([len(str(name))] + [len(str(row[i - 1] or "")) for row in t.rows[:500]])
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 80)
            if longest > 80:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(path)
