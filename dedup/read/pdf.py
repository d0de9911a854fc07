"""Reading PDF files.

Words are built from pdfium's characters exactly as pdfplumber's ``extract_words`` (font size
and name) would build them from pdfminer's, ~3x faster end to end; ruled tables go through
pdfplumber's table finder on pdfium's vector paths; pages pdfium cannot stand in for (turned
or offset page boxes, pdfium errors) are read by pdfplumber itself. Ruled tables found by
``page.find_tables()`` become ``table`` blocks and their words leave the prose; the words go to
:func:`dedup.read.layout.page_blocks`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from dedup.errors import InputError
from dedup.models import Extracted
from dedup.read.layout import Page, RuledTable, Word, page_blocks
from dedup.read.pdfium import (
    Shapes,
    TablePage,
    collect_objects,
    media_box,
    pdfium_chars,
    pdfium_shapes,
    words_from_chars,
)
from dedup.text import JUNK_TITLES, PDF_DATE_YEAR, clean

#: Ruled tables and vector graphics are looked for on pages with at least this many edges (a box).
MIN_EDGES = 4
#: A bullet drawn as a shape (a dot, a square) is BULLET_MIN to BULLET_MAX points wide and high, and
#: about as wide as high (BULLET_RATIO); a page with more than MAX_DRAWN_BULLETS such shapes is a chart.
BULLET_MIN = 1.5
BULLET_MAX = 8
BULLET_RATIO = (0.6, 1.6)
MAX_DRAWN_BULLETS = 400
#: ... alone (no other such shape within BULLET_CROWD points: that is an icon drawn in pieces), with
#: its line's first word at most BULLET_TEXT_GAP points to its right and nothing within BULLET_CLEAR
#: points to its left (else a chart marker or an inline symbol).
BULLET_CROWD = 10
BULLET_TEXT_GAP = 20
BULLET_CLEAR = 30
#: A footnote number set small (at most SUPERSCRIPT_SIZE of the word before), raised (its bottom
#: SUPERSCRIPT_RAISE sizes above that word's), right after it (within SUPERSCRIPT_GAP points).
SUPERSCRIPT_SIZE = 0.8
SUPERSCRIPT_RAISE = 0.15
SUPERSCRIPT_GAP = 1.5
#: A ruled table whose cells are less than this share filled is a chart's gridlines, not a table.
MIN_TABLE_FILL = 0.4

_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_SYMBOL_FONT_RE = re.compile(r"symbol|wingding|dingbat", re.IGNORECASE)


def _pdf_error(path: Path, exc: BaseException) -> InputError:
    text = f"{type(exc).__name__} {exc}".lower()
    if "password" in text or "encrypt" in text:
        return InputError(str(path), "PDF is password-protected; save an unencrypted copy and ingest that")
    return InputError(
        str(path), "not a readable PDF (damaged or truncated); re-download it or re-save it from the original"
    )


def read_pdf(path: Path) -> Extracted:
    import pypdfium2

    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF" not in head:
        raise InputError(
            str(path), "not a readable PDF (damaged or truncated); re-download it or re-save it from the original"
        )
    # pdfium classifies damage and passwords reliably and cheaply, and reads the text layer ~50x
    # faster than pdfminer; pdfplumber is kept for the pages pdfium's geometry cannot stand in for.
    try:
        doc = pypdfium2.PdfDocument(str(path))
    except Exception as exc:  # pypdfium2.PdfiumError and friends
        raise _pdf_error(path, exc) from None
    try:
        n_pages = len(doc)
        if n_pages == 0:
            raise InputError(str(path), "PDF has no pages; re-export it from the original")
        metadata = _pdf_metadata(_pdfium_metadata(doc))
        pages: list[Page | None] = []
        programs: dict[tuple[str, int], str] = {}
        for index in range(n_pages):
            try:
                pages.append(_read_pdfium_page(doc, index, programs))
            except InputError:
                raise
            except Exception:  # a page pdfium cannot take apart: let pdfplumber try it
                pages.append(None)
    finally:
        doc.close()
    if any(p is None for p in pages):
        pages = _fill_with_pdfplumber(path, pages)
    done = [p for p in pages if p is not None]
    if not any(p.words or p.tables for p in done):
        raise InputError(
            str(path),
            "PDF has no text layer (scanned images); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`, "
            "and ingest the OCR'd copy",
        )
    blocks = page_blocks(done)
    return Extracted(blocks, len(done), metadata)


def _fill_with_pdfplumber(path: Path, pages: list[Page | None]) -> list[Page | None]:
    """Read the pages pdfium left out (``None``) with pdfplumber, the slow reference path."""
    import pdfplumber

    out = list(pages)
    try:
        with pdfplumber.open(str(path)) as pdf:
            for index, page in enumerate(pdf.pages):
                if index < len(out) and out[index] is None:
                    out[index] = _read_page(page, index + 1)
                page.close()
    except InputError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated exception types on damaged files
        raise _pdf_error(path, exc) from None
    return out


def _pdfium_metadata(doc: Any) -> dict[str, Any]:
    try:
        return dict(doc.get_metadata_dict(skip_empty=True))
    except Exception:
        return {}


def _pdf_metadata(raw: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}

    def text(value: Any) -> str:
        if isinstance(value, bytes):
            for enc in ("utf-16", "utf-8", "latin-1"):
                try:
                    value = value.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
        return clean(str(value)) if value is not None else ""

    title = text(raw.get("Title"))
    if title and not JUNK_TITLES.search(title):
        out["title"] = title
    author = text(raw.get("Author"))
    if author and author.lower() not in ("unknown", "user", "admin", "administrator"):
        out["author"] = author
    created = text(raw.get("CreationDate"))
    year = PDF_DATE_YEAR.match(created)
    if year:
        out["year"] = year.group(1)
    return out


def _read_pdfium_page(doc: Any, index: int, programs: dict[tuple[str, int], str]) -> Page | None:
    """A page read with pdfium, or ``None`` where pdfplumber must read it instead."""
    import pypdfium2.raw as raw

    page = doc[index]
    try:
        if page.get_rotation() % 360:
            return None  # pdfminer turns rotated pages; keep its coordinates there
        box = media_box(raw, page)
        if box is None or abs(box[0]) > 1e-3 or abs(box[1]) > 1e-3:
            return None  # an unknown or offset MediaBox: keep pdfplumber's coordinates
        width, height = box[2], box[3]
        textpage = page.get_textpage()
        try:
            objects = collect_objects(raw, page.raw)
            chars = pdfium_chars(raw, textpage.raw, objects, height, programs)
        finally:
            textpage.close()
        shapes = pdfium_shapes(raw, objects, height)
    finally:
        page.close()
    tables: list[Any] = []
    if shapes.edge_count() >= MIN_EDGES:
        tables = TablePage(chars, shapes.edges(), (0.0, 0.0, width, height)).find_tables()
    return _page_data(index + 1, (0.0, 0.0, width, height), words_from_chars(chars), tables, shapes)


# ----- reading a page: pdfplumber (reference path) -------------------------------------------


def _read_page(page: Any, number: int) -> Page:
    tables = page.find_tables() if len(page.edges) >= MIN_EDGES else []
    raw_words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)
    shapes = Shapes(lines=[], rects=list(page.rects), curves=list(page.curves))
    return _page_data(number, tuple(float(v) for v in page.bbox), raw_words, tables, shapes)


def _page_data(
    number: int, bbox: tuple[float, ...], raw_words: list[dict[str, Any]], found: list[Any], shapes: Shapes
) -> Page:
    x0, top, x1, bottom = bbox
    width, height = float(x1 - x0), float(bottom - top)
    tables: list[RuledTable] = []
    table_boxes: list[tuple[float, float, float, float]] = []
    for candidate in found:
        table = _table_from(candidate)
        if table is not None:
            tables.append(table)
            table_boxes.append(candidate.bbox)
    words: list[Word] = []
    for w in raw_words:
        if not w.get("upright", True):
            continue  # rotated labels on charts and side margins
        if w["x1"] < x0 or w["x0"] > x1 or w["bottom"] < top or w["top"] > bottom:
            continue  # outside the visible page
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        if any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in table_boxes):
            continue
        text = w["text"]
        if len(text) == 1 and unicodedata.category(text) == "Co":
            text = "•"  # symbol-font bullets live in the private-use area
        text = clean(text)
        if not text:
            continue
        fontname = str(w.get("fontname", ""))
        words.append(
            Word(
                text=text,
                x0=float(w["x0"]) - x0,
                x1=float(w["x1"]) - x0,
                top=float(w["top"]) - top,
                bottom=float(w["bottom"]) - top,
                size=float(w.get("size", 0.0)),
                bold=bool(_BOLD_RE.search(fontname)),
                symbol=bool(_SYMBOL_FONT_RE.search(fontname)),
            )
        )
    words.extend(_graphic_bullets(shapes, words, x0, top))
    for t in tables:
        t.x0 -= x0
        t.x1 -= x0
        t.top -= top
        t.bottom -= top
    return Page(number, width, height, _drop_superscripts(words), tables)


def _graphic_bullets(shapes: Shapes, words: list[Word], dx: float, dy: float) -> list[Word]:
    """Bullets drawn as small vector shapes (dots, squares) just left of a line of text.

    They become '•' words so list detection treats them like bullet characters.
    """
    found = [
        o
        for o in (*shapes.curves, *shapes.rects)
        if BULLET_MIN <= o["x1"] - o["x0"] <= BULLET_MAX
        and BULLET_MIN <= o["bottom"] - o["top"] <= BULLET_MAX
        and BULLET_RATIO[0] <= (o["x1"] - o["x0"]) / (o["bottom"] - o["top"]) <= BULLET_RATIO[1]
    ]
    if not found or len(found) > MAX_DRAWN_BULLETS:
        return []
    centres = [((o["x0"] + o["x1"]) / 2, (o["top"] + o["bottom"]) / 2) for o in found]
    out: list[Word] = []
    for o, (cx0, cy0) in zip(found, centres, strict=True):
        if sum(1 for x, y in centres if abs(x - cx0) < BULLET_CROWD and abs(y - cy0) < BULLET_CROWD) > 1:
            continue  # part of an icon drawn from many small pieces, not a lone bullet
        sx1, cy = float(o["x1"]) - dx, (float(o["top"]) + float(o["bottom"])) / 2 - dy
        right = [w for w in words if w.top <= cy <= w.bottom and 0 <= w.x0 - sx1 <= BULLET_TEXT_GAP]
        if not right:
            continue
        if any(
            w.x1 <= float(o["x0"]) - dx and w.top <= cy <= w.bottom and float(o["x0"]) - dx - w.x1 < BULLET_CLEAR
            for w in words
        ):
            continue  # something just left of it: a chart marker or inline symbol, not a list bullet
        nearest = min(right, key=lambda w: w.x0)
        out.append(Word("•", float(o["x0"]) - dx, sx1, nearest.top, nearest.bottom, nearest.size, False, True))
    return out


def _table_from(found: Any) -> RuledTable | None:
    """Keep a pdfplumber table only if it looks like data, not a decorative box."""
    try:
        rows = found.extract()
    except Exception:
        return None
    cleaned: list[list[str]] = []
    for row in rows:
        cells = [clean(c or "") for c in row]
        if any(cells):
            cleaned.append(cells)
    ncols = max((len(r) for r in cleaned), default=0)
    multi = [r for r in cleaned if sum(1 for c in r if c) >= 2]
    if len(cleaned) < 2 or ncols < 2 or len(multi) < 2:
        return None  # one-cell boxes, banners, single rows: leave them to the prose reader
    filled = sum(1 for r in cleaned for c in r if c) / max(1, sum(len(r) for r in cleaned))
    if filled < MIN_TABLE_FILL:
        return None  # a chart's gridlines with a few scattered labels, not a table
    lines = [" | ".join(c for c in r) for r in cleaned]
    x0, top, x1, bottom = found.bbox
    return RuledTable(lines, float(x0), float(x1), float(top), float(bottom))


def _drop_superscripts(words: list[Word]) -> list[Word]:
    """Drop footnote reference numbers set small and raised right after a word ("year3")."""
    out: list[Word] = []
    for w in words:
        prev = out[-1] if out else None
        if (
            prev is not None
            and w.text.replace(",", "").isdigit()
            and len(w.text) <= 5
            and w.size <= prev.size * SUPERSCRIPT_SIZE
            and 0 <= w.x0 - prev.x1 < SUPERSCRIPT_GAP
            and w.bottom < prev.bottom - SUPERSCRIPT_RAISE * prev.size
            and prev.text[-1:].isalpha()
        ):
            prev.x1 = w.x1  # keep "year3." as "year." without a gap before the full stop
            continue
        out.append(w)
    return out
