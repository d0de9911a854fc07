"""Turn a document file into clean, ordered :class:`~dedup.models.Block` objects.

PDF is the format that matters most and gets the most care:

* words are built from pdfium's characters exactly as pdfplumber's ``extract_words`` (font size
  and name) would build them from pdfminer's, ~3x faster end to end; ruled tables go through
  pdfplumber's table finder on pdfium's vector paths; pages pdfium cannot stand in for (turned
  or offset page boxes, pdfium errors) are read by pdfplumber itself;
* running headers/footers (rows in the top/bottom band of the page that repeat at the same
  height on several pages, digits normalised) and bare page numbers are removed;
* ruled tables found by ``page.find_tables()`` become ``table`` blocks and their words leave the prose;
* the remaining words are put in reading order by a recursive cut on whitespace: a vertical
  gutter that (almost) no word crosses splits a region into columns, read left then right;
  rows that do cross it (a full-width title above two columns) become bands of their own;
* lines are grouped into paragraphs where the vertical gap is clearly larger than the page's
  usual line gap, or where the style changes (heading font) or a list marker starts a line;
* hyphenated line breaks are joined ("commis-/sioning" -> "commissioning") unless the hyphen is
  a real one (the hyphenated form occurs elsewhere in the document, a known prefix such as
  "self-" or "well-", or digits on both sides).

DOCX, HTML and plain text/Markdown are mapped onto the same four block kinds.
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dedup.errors import InputError, UnsupportedFormat
from dedup.limits import DEFAULT_LIMITS, MB, Limits, too_big
from dedup.models import Block, BlockKind, Extracted

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".docx", ".html", ".htm", ".txt", ".md", ".markdown")

_ALL_READ = ".pdf .docx .html .txt .md .csv .jsonl"

_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


# --------------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------------


def extract(path: Path, limits: Limits = DEFAULT_LIMITS) -> Extracted:
    """Read ``path`` and return its blocks in reading order, its page count and metadata.

    Raises :class:`InputError` (or its subclass :class:`UnsupportedFormat`) with a one-line
    message that says what is wrong and what to do.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".jsonl"):
        raise UnsupportedFormat(
            str(path), f"'{suffix}' holds rows, not a document; give it to the row importer, not to extract()"
        )
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise UnsupportedFormat(str(path), f"unsupported file type '{shown}'; dedup reads {_ALL_READ}")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(str(path), "file not found; check the path") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot read the file ({exc.strerror}); check its permissions") from None
    if path.is_dir():
        raise InputError(str(path), "is a directory, not a file; give the files inside it")
    if size == 0:
        raise InputError(str(path), "file is empty (0 bytes); re-export or re-download it")
    if size > limits.max_bytes:
        raise InputError(str(path), too_big("is", size / MB, limits.max_file_mb, "MB", "--max-file-mb"))
    if suffix in (".html", ".htm", ".txt", ".md", ".markdown") and size > 4 * limits.max_chars:
        raise InputError(str(path), too_big("holds more than", size / 4, limits.max_chars, "characters", "--max-chars"))

    if suffix == ".pdf":
        result = _extract_pdf(path)
    elif suffix == ".docx":
        _check_docx_size(path, limits)
        result = _extract_docx(path)
    elif suffix in (".html", ".htm"):
        result = _extract_html(path)
    else:
        text = _read_text(path)
        if len(text) > limits.max_chars:
            raise InputError(str(path), too_big("holds", len(text), limits.max_chars, "characters", "--max-chars"))
        if suffix in (".md", ".markdown"):
            text = strip_markdown(text)
        result = Extracted(blocks_from_text(text), 1, {})
    chars = sum(len(b.text) for b in result.blocks)
    if chars > limits.max_chars:
        raise InputError(str(path), too_big("holds", chars, limits.max_chars, "characters of text", "--max-chars"))
    if not result.blocks:
        raise InputError(str(path), "no text found in the file; check that it is the right document")
    year = _YEAR_RE.search(path.stem)
    if year:
        result.metadata["year_from_filename"] = year.group(1)
    return result


# --------------------------------------------------------------------------------------------
# text helpers shared by all formats
# --------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
_HYPHENS = "-\u00ad\u2010\u2011"
# Prefixes whose hyphen is (almost) always real when a word is broken right after them.
_HYPHEN_PREFIXES = frozenset(
    "self well non ex cross multi anti semi half long short high low mid one two three four five "
    "part full all first second third age life".split()
)
_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\u00a0": " "}
)


def _clean(text: str) -> str:
    """Collapse whitespace, expand ligatures, drop control/private-use characters."""
    text = text.translate(_LIGATURES)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Co", "Cf"))
    return _WS_RE.sub(" ", text).strip()


def _word_key(word: str) -> str:
    return word.strip(".,;:!?()[]{}\"'“”‘’").lower()


def _join_lines(lines: Sequence[str], vocab: set[str] | frozenset[str] = frozenset()) -> str:
    """Join wrapped lines with spaces, repairing words hyphenated across a line break."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out[-1] in _HYPHENS and len(out) >= 2:
            before = out[-2]
            after = line[0]
            if before.isdigit() and after.isdigit():  # "2007-" + "2011"
                out = out[:-1] + "-" + line
                continue
            if before.isalpha() and after.isalpha() and after.islower():
                head = out[:-1].rsplit(" ", 1)[-1]
                tail = line.split(" ", 1)[0]
                if _keep_hyphen(head, tail, vocab):
                    out = out[:-1] + "-" + line
                else:
                    out = out[:-1] + line
                continue
        out = out + " " + line
    return out


def _keep_hyphen(head: str, tail: str, vocab: set[str] | frozenset[str]) -> bool:
    h, t = _word_key(head), _word_key(tail)
    if "-" in h:  # already a compound ("mother-and-") -> keep
        return True
    hyphenated, joined = f"{h}-{t}", f"{h}{t}"
    if hyphenated in vocab and joined not in vocab:
        return True
    if joined in vocab:
        return False
    return h in _HYPHEN_PREFIXES


# --------------------------------------------------------------------------------------------
# plain text / Markdown
# --------------------------------------------------------------------------------------------

_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_TEXT_ITEM_RE = re.compile(r"^\s*(?:[-*+•●▪◦‣–]|\d{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxlc]{1,5}\)|\(\d{1,3}\))\s+(.*)$")
_SETEXT_RE = re.compile(r"^\s*(=+|-+)\s*$")
_MD_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


_TRAILING_MARKS = re.compile(r"(?:\s*(?:\[\w{1,4}\]|\(\d{1,3}\)|[\d¹²³⁴⁵⁶⁷⁸⁹⁰*†‡]+|[^\w\s.,;:!?]+))+$")


def _title_like(text: str) -> bool:
    """Short, capitalised, no sentence punctuation at the end: looks like a heading."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 90:
        return False
    # A sentence ends in punctuation, perhaps before a footnote mark, a closing quote or a symbol
    # ("... every quarter. [1]", '... of all ages."', "... waiting times. 🚀").
    core = _TRAILING_MARKS.sub("", text)
    if not core or core[-1] in ".,;:!?" or not any(c.isalpha() for c in text):
        return False
    first = text.lstrip("\"'“‘(")[:1]
    return bool(first) and (first.isupper() or first.isdigit())


_MD_QUOTE = re.compile(r"^(?:\s*>\s?)+")
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\3(?![\w*])")
_MD_CODE = re.compile(r"`([^`]*)`")


def strip_markdown(text: str) -> str:
    """Markdown's inline markup removed line by line (block quotes, emphasis, code, links and images
    keep their text); headings, list markers and tables are left for :func:`blocks_from_text`."""
    out = []
    for line in text.split("\n"):
        line = _MD_QUOTE.sub("", line)
        line = _MD_IMAGE_OR_LINK.sub(r"\1", line)
        line = _MD_CODE.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(4), line)
        out.append(line)
    return "\n".join(out)


def blocks_from_text(text: str, page: int = 1) -> list[Block]:
    """Split plain text or Markdown into blocks.

    Paragraphs are separated by blank lines; ``#`` headings (and underlined setext headings)
    and short title-like one-line paragraphs become ``heading``; ``-``, ``*``, ``•``, ``1.``,
    ``1)``, ``(a)`` lines become one ``item`` each (continuation lines joined); pipe tables become
    ``table``; everything else is a ``paragraph``.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LIGATURES)
    vocab = {_word_key(w) for w in text.split()}
    blocks: list[Block] = []

    def emit(kind: BlockKind, lines: list[str]) -> None:
        joined = _clean(_join_lines(lines, vocab)) if kind != "table" else "\n".join(lines)
        if joined:
            blocks.append(Block(kind, joined, page))

    chunks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            chunks[-1].append(line.rstrip())
        elif chunks[-1]:
            chunks.append([])
    for chunk in chunks:
        if not chunk:
            continue
        current_kind: BlockKind | None = None
        current: list[str] = []

        def flush(single: bool) -> None:
            nonlocal current_kind, current
            if current_kind is not None and current:
                kind = current_kind
                if kind == "paragraph" and len(current) == 1 and single and _title_like(current[0]):
                    kind = "heading"
                emit(kind, current)
            current_kind, current = None, []

        chunk_is_single = len(chunk) == 1
        table_rows = [ln for ln in chunk if ln.strip().startswith("|")]
        if len(table_rows) == len(chunk) and len(chunk) >= 2:
            rows = []
            for ln in chunk:
                if _MD_TABLE_SEP_RE.match(ln):
                    continue
                cells = [_clean(c) for c in ln.strip().strip("|").split("|")]
                rows.append(" | ".join(cells))
            emit("table", rows)
            continue
        for i, line in enumerate(chunk):
            heading = _MD_HEADING_RE.match(line)
            if heading:
                flush(chunk_is_single)
                emit("heading", [heading.group(2)])
                continue
            if (
                i + 1 < len(chunk)
                and _SETEXT_RE.match(chunk[i + 1])
                and current_kind is None
                and not _TEXT_ITEM_RE.match(line)
            ):
                emit("heading", [line])
                current_kind, current = "heading", []  # swallow the underline on the next line
                continue
            if current_kind == "heading" and not current and _SETEXT_RE.match(line):
                current_kind = None
                continue
            item = _TEXT_ITEM_RE.match(line)
            if item and not _SETEXT_RE.match(line):
                flush(chunk_is_single)
                current_kind, current = "item", [item.group(1)]
                continue
            if current_kind is None:
                current_kind = "paragraph"
            current.append(line)
        flush(chunk_is_single)
    return blocks


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise InputError(str(path), "not a text file (binary content); give the original document instead")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_SYMBOL_FONT_RE = re.compile(r"symbol|wingding|dingbat", re.IGNORECASE)
_BULLET_CHARS = set("•●▪■◦○◆◇►▶➢➤✓✔✗➔→·‣⁃∙−–-*\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0a8\uf06e\uf0e8\uf0a1\uf0b2")
_NUM_MARKER_RE = re.compile(r"^(?:\d{1,2}[.)]|[a-zA-Z][.)]|\([a-zA-Z0-9]{1,3}\)|[ivxIVX]{1,4}[.)])$")
_PAGE_NUM_RE = re.compile(
    r"^(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
_NUMERIC_TOKEN_RE = re.compile(r"^[-–(£$€<>~+]*\d[\d.,:%*)]*[%)*]?$")
_JUNK_TITLES = re.compile(
    r"^(untitled|document\d*|title|microsoft word.*|slide \d+|powerpoint presentation)$|\.(docx?|pdf|indd|pptx?|xlsx?|rtf)$",
    re.IGNORECASE,
)


@dataclass
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    symbol: bool

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Table:
    rows: list[str]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Line:
    words: list[_Word]
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    bold: float = 0.0
    text: str = ""

    def __post_init__(self) -> None:
        ws = self.words
        self.x0 = min(w.x0 for w in ws)
        self.x1 = max(w.x1 for w in ws)
        self.top = min(w.top for w in ws)
        self.bottom = max(w.bottom for w in ws)
        weights = [len(w.text) for w in ws]
        total = sum(weights) or 1
        sizes: Counter[float] = Counter()
        for w, wt in zip(ws, weights, strict=True):
            sizes[round(w.size, 1)] += wt
        self.size = max(sizes.items(), key=lambda kv: (kv[1], kv[0]))[0]
        self.bold = sum(wt for w, wt in zip(ws, weights, strict=True) if w.bold) / total
        if self.text:
            return
        parts: list[str] = []
        prev: _Word | None = None
        for w in ws:
            if prev is not None:
                gap = w.x0 - prev.x1
                if gap > 0.6 and not (w.text[0] in ".,;:!?)]" and gap < 0.3 * w.size):
                    parts.append(" ")
            parts.append(w.text)
            prev = w
        self.text = "".join(parts)


@dataclass
class _PageData:
    number: int
    width: float
    height: float
    words: list[_Word]
    tables: list[_Table] = field(default_factory=list)


def _pdf_error(path: Path, exc: BaseException) -> InputError:
    text = f"{type(exc).__name__} {exc}".lower()
    if "password" in text or "encrypt" in text:
        return InputError(str(path), "PDF is password-protected; save an unencrypted copy and ingest that")
    return InputError(
        str(path), "not a readable PDF (damaged or truncated); re-download it or re-save it from the original"
    )


def _extract_pdf(path: Path) -> Extracted:
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
        pages: list[_PageData | None] = []
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
    blocks = _pdf_blocks(done)
    return Extracted(blocks, len(done), metadata)


def _fill_with_pdfplumber(path: Path, pages: list[_PageData | None]) -> list[_PageData | None]:
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
        return _clean(str(value)) if value is not None else ""

    title = text(raw.get("Title"))
    if title and not _JUNK_TITLES.search(title):
        out["title"] = title
    author = text(raw.get("Author"))
    if author and author.lower() not in ("unknown", "user", "admin", "administrator"):
        out["author"] = author
    created = text(raw.get("CreationDate"))
    year = re.match(r"^(?:D:)?((?:19|20)\d{2})", created)
    if year:
        out["year"] = year.group(1)
    return out


# ----- reading a page: pdfium (fast path) ------------------------------------------------------
#
# pdfplumber/pdfminer set the layout code's expectations, so the pdfium reader rebuilds exactly
# what pdfplumber would have produced: characters with pdfminer's boxes (x0 at the glyph origin,
# bottom at the font's descent below the baseline, top one font size above the bottom), grouped
# into words with pdfplumber's rules (x/y tolerance 3; a space, or a change of font, size or
# orientation, ends a word), and vector paths split into pdfminer's lines, rects and curves.

_PDFPLUMBER_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_FPDF_PAGEOBJ_TEXT, _FPDF_PAGEOBJ_PATH, _FPDF_PAGEOBJ_FORM = 1, 2, 5
_FPDF_SEGMENT_BEZIERTO, _FPDF_SEGMENT_MOVETO = 1, 2
_SUBSET_TAG_RE = re.compile(r"^[A-Z]{6}\+")
_STANDARD_14 = frozenset(
    "Courier Courier-Bold Courier-BoldOblique Courier-Oblique Helvetica Helvetica-Bold "
    "Helvetica-BoldOblique Helvetica-Oblique Symbol Times-Bold Times-BoldItalic Times-Italic "
    "Times-Roman ZapfDingbats".split()
)
_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    """m then n (PDF row-vector convention, as pdfminer's ``mult_matrix(m, n)``)."""
    a, b, c, d, e, f = m
    a1, b1, c1, d1, e1, f1 = n
    return (
        a * a1 + b * c1,
        a * b1 + b * d1,
        c * a1 + d * c1,
        c * b1 + d * d1,
        e * a1 + f * c1 + e1,
        e * b1 + f * d1 + f1,
    )


def _obj_matrix(raw: Any, obj: Any) -> _Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _address(ptr: Any) -> int:
    import ctypes

    return int(ctypes.c_void_p.from_buffer(ptr).value or 0) if ptr else 0


def _font_of(
    raw: Any, obj: Any, cache: dict[int, tuple[str, float, str]], programs: dict[tuple[str, int], str]
) -> tuple[str, float, str]:
    """(base font name without subset tag, descent per unit font size (<= 0), subset tag or "")
    of a text object's font.

    pdfminer names a font by its full BaseFont ("ABCDEE+Calibri"), and a change of name ends a
    word. pdfium drops the subset tag from simple fonts (keeping it on CID fonts); it is recovered
    from the embedded font program where that carries it, else left unknown ("").
    """
    import ctypes

    font = raw.FPDFTextObj_GetFont(obj)
    if not font:
        return "", 0.0, ""
    key = _address(font)
    hit = cache.get(key)
    if hit is None:
        n = raw.FPDFFont_GetBaseFontName(font, None, 0)
        buf = ctypes.create_string_buffer(max(int(n), 1))
        if n:
            raw.FPDFFont_GetBaseFontName(font, buf, n)
        descent = ctypes.c_float(0.0)
        raw.FPDFFont_GetDescent(font, ctypes.c_float(1.0), ctypes.byref(descent))
        full = buf.value.decode("utf-8", "replace")
        tag = full[:6] if _SUBSET_TAG_RE.match(full) else _program_tag(raw, font, full, programs)
        tag = tag or f"#{key}"  # unknown: stands for this font alone
        down = -abs(float(descent.value))
        if full in _STANDARD_14 and not raw.FPDFFont_GetIsEmbedded(font):
            # pdfminer takes the standard fonts' metrics from Adobe's AFM files; pdfium from the
            # font it substitutes (Helvetica's descent: 0.207 against 0.224 of the size)
            from pdfminer.fontmetrics import FONT_METRICS

            down = -abs(float(FONT_METRICS[full][0].get("Descent", 0.0))) / 1000.0  # type: ignore[arg-type]
        hit = cache[key] = (_SUBSET_TAG_RE.sub("", full), down, tag)
    return hit


def _program_tag(raw: Any, font: Any, name: str, programs: dict[tuple[str, int], str]) -> str:
    """The subset tag in an embedded TrueType/OpenType font's PostScript name, or "" (cached per
    document by name and program size: pages share fonts)."""
    import ctypes

    size = ctypes.c_size_t(0)
    if not raw.FPDFFont_GetFontData(font, None, 0, ctypes.byref(size)) or not 12 <= size.value <= 20_000_000:
        return ""
    key = (name, int(size.value))
    if key not in programs:
        programs[key] = _read_program_tag(raw, font, int(size.value))
    return programs[key]


def _read_program_tag(raw: Any, font: Any, size: int) -> str:
    import ctypes
    import struct

    got = ctypes.c_size_t(0)
    data_buf = (ctypes.c_ubyte * size)()
    if not raw.FPDFFont_GetFontData(font, data_buf, size, ctypes.byref(got)):
        return ""
    data = bytes(data_buf)
    if data[:4] not in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
        return ""
    try:
        (tables,) = struct.unpack_from(">H", data, 4)
        for i in range(tables):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * i)
            if tag != b"name":
                continue
            _, count, strings = struct.unpack_from(">HHH", data, offset)
            for j in range(count):
                platform, _, _, name_id, length, at = struct.unpack_from(">HHHHHH", data, offset + 6 + 12 * j)
                if name_id != 6:
                    continue
                start = offset + strings + at
                raw_name = data[start : start + length]
                text = raw_name.decode("utf-16-be" if platform in (0, 3) else "latin-1", "replace")
                if _SUBSET_TAG_RE.match(text):
                    return text[:6]
            return ""
    except struct.error:
        return ""
    return ""


def _char_dict(
    text: str, x0: float, x1: float, y0: float, y1: float, height: float, upright: bool, font: tuple[str, str]
) -> dict[str, Any]:
    top, bottom = height - y1, height - y0
    return {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "upright": upright,
        "size": bottom - top,
        "fontname": font[0],
        "fonttag": font[1],
    }


def _char_box(
    m: _Matrix, size: float, descent: float, ox: float, oy: float, adv: float
) -> tuple[float, float, float, float]:
    """pdfminer's LTChar box, in PDF coordinates (x0, x1, y0, y1): the text-space box
    (0, descent)-(adv, descent + size) mapped by the char's matrix (all four corners)."""
    a, b, c, d = m[0], m[1], m[2], m[3]
    lo = descent * size
    hi = lo + size
    if b == 0 and c == 0:
        x0, x1, y0, y1 = ox, ox + a * adv, oy + d * lo, oy + d * hi
        return min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    xs = [a * u + c * v + ox for u in (0.0, adv) for v in (lo, hi)]
    ys = [b * u + d * v + oy for u in (0.0, adv) for v in (lo, hi)]
    return min(xs), max(xs), min(ys), max(ys)


def _reach(m: _Matrix, ox: float, oy: float, box: tuple[float, float, float, float]) -> float:
    """How far a box (left, right, bottom, top) reaches along the baseline from the origin, in
    text-space units."""
    a, b = m[0], m[1]
    norm = a * a + b * b
    if norm <= 1e-12:
        return 0.0
    left, right, bottom, top = box
    return max(0.0, max((x - ox) * a + (y - oy) * b for x in (left, right) for y in (bottom, top)) / norm)


@dataclass
class _PageObjects:
    text: dict[int, tuple[int, Any, _Matrix]] = field(default_factory=dict)  # address -> (order, obj, outer)
    paths: list[tuple[Any, _Matrix]] = field(default_factory=list)


def _collect_objects(raw: Any, page: Any) -> _PageObjects:
    """Text and path objects in content-stream order, with the matrix of the forms around them."""
    found = _PageObjects()

    def walk(count: int, get: Any, outer: _Matrix, depth: int) -> None:
        for i in range(count):
            obj = get(i)
            if not obj:
                continue
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == _FPDF_PAGEOBJ_TEXT:
                found.text[_address(obj)] = (len(found.text), obj, outer)
            elif kind == _FPDF_PAGEOBJ_PATH:
                found.paths.append((obj, outer))
            elif kind == _FPDF_PAGEOBJ_FORM and depth < 12:
                inner = _mul(_obj_matrix(raw, obj), outer)
                walk(
                    raw.FPDFFormObj_CountObjects(obj),
                    lambda k, o=obj: raw.FPDFFormObj_GetObject(o, k),
                    inner,
                    depth + 1,
                )

    walk(raw.FPDFPage_CountObjects(page), lambda k: raw.FPDFPage_GetObject(page, k), _IDENTITY, 0)
    return found


def _object_info(
    raw: Any,
    textpage: Any,
    i: int,
    objects: _PageObjects,
    key: int,
    fonts: dict[int, tuple[str, float, str]],
    programs: dict[tuple[str, int], str],
    widths: dict[tuple[int, float], dict[str, float]],
    height: float,
) -> tuple[Any, ...]:
    """What the chars of one text object share: stream order, matrix, font size, font, descent,
    orientation, the font's width table, and for unturned text the offsets giving top/bottom."""
    import ctypes

    obj = raw.FPDFText_GetTextObject(textpage, i)
    fm = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, i, fm)
    m: _Matrix = (fm.a, fm.b, fm.c, fm.d, fm.e, fm.f)
    size = ctypes.c_float(0.0)
    raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(size))
    fs = float(size.value)
    name, descent, tag = _font_of(raw, obj, fonts, programs)
    order = objects.text.get(key, (len(objects.text), None, _IDENTITY))[0]
    upright = 0 < m[0] * m[3] and m[1] * m[2] <= 0
    font = raw.FPDFTextObj_GetFont(obj)
    known = widths.setdefault((_address(font), fs), {})
    plain = m[1] == 0 and m[2] == 0 and m[0] != 0
    lo, hi = m[3] * descent * fs, m[3] * (descent * fs + fs)
    top_off, bottom_off = height - max(lo, hi), height - min(lo, hi)
    return order, m, fs, (name, tag), descent, upright, font, known, plain, top_off, bottom_off


def _pdfium_chars(
    raw: Any, textpage: Any, objects: _PageObjects, height: float, programs: dict[tuple[str, int], str]
) -> list[dict[str, Any]]:
    """pdfplumber-style char dicts, in content-stream order."""
    import ctypes

    fonts: dict[int, tuple[str, float, str]] = {}  # per page: font handles do not outlive it

    n = raw.FPDFText_CountChars(textpage)
    text = ""
    if n > 0:
        buf = (ctypes.c_ushort * (n + 1))()
        got = raw.FPDFText_GetText(textpage, 0, n, buf)
        text = bytes(buf)[: 2 * max(0, got - 1)].decode("utf-16-le", "replace")
    aligned = len(text) == n
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box = raw.FS_RECTF()
    p_ox, p_oy, p_box = ctypes.byref(ox), ctypes.byref(oy), ctypes.byref(box)
    gw = ctypes.c_float()
    p_gw = ctypes.byref(gw)
    tl, tr, tb, tt = (ctypes.c_double() for _ in range(4))
    p_l, p_r, p_b, p_t = (ctypes.byref(v) for v in (tl, tr, tb, tt))
    widths: dict[tuple[int, float], dict[str, float]] = {}
    per_obj: dict[int, tuple[Any, ...]] = {}
    out: list[dict[str, Any]] = []
    orders: list[tuple[int, int]] = []
    last_at: tuple[int, float, float] | None = None
    # an untyped twin of FPDFText_GetTextObject: it returns the object's address as an int, which
    # is all most chars need (the typed call plus a cast costs four times as much)
    object_at = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)(
        ctypes.cast(raw.FPDFText_GetTextObject, ctypes.c_void_p).value or 0
    )
    page_handle = ctypes.cast(textpage, ctypes.c_void_p).value
    get_origin, get_loose = raw.FPDFText_GetCharOrigin, raw.FPDFText_GetLooseCharBox
    for i in range(max(n, 0)):
        key = object_at(page_handle, i)
        if not key:
            continue  # a space or line break pdfium made up; pdfplumber has none
        ch = text[i] if aligned else chr(raw.FPDFText_GetUnicode(textpage, i))
        if ch in "\x02\ufffe":  # pdfium's marks for a line-end hyphen / a char without unicode
            ch = "-" if raw.FPDFText_GetUnicode(textpage, i) == 2 else ""
            if not ch:
                continue
        info = per_obj.get(key)
        if info is None:
            info = per_obj[key] = _object_info(raw, textpage, i, objects, key, fonts, programs, widths, height)
        order, m, fs, font, descent, upright, font_ptr, known, plain, top_off, bottom_off = info
        get_origin(textpage, i, p_ox, p_oy)
        get_loose(textpage, i, p_box)
        px, py = ox.value, oy.value
        # the advance: pdfium's loose box spans it, unless the glyph overhangs (italics, "f");
        # the font's width for the char is exact where it agrees with the box
        a = m[0]
        if plain:
            scale = a if a > 0 else -a
            loose = (box.right - px) / a if a > 0 else (px - box.left) / -a
            if loose < 0.0:
                loose = 0.0
        else:
            scale = math.hypot(a, m[1])
            loose = _reach(m, px, py, (box.left, box.right, box.bottom, box.top))
        width = known.get(ch)
        if width is None:
            width = -1.0
            if (
                font_ptr
                and len(ch) == 1
                and ord(ch) < 0x10000
                and raw.FPDFFont_GetGlyphWidth(font_ptr, ord(ch), fs, p_gw)
            ):
                width = float(gw.value)
            known[ch] = width
        adv = loose
        if width > 0 and (width - loose) * scale <= 0.01:
            if (loose - width) * scale <= 0.01:
                adv = width
            else:
                raw.FPDFText_GetCharBox(textpage, i, p_l, p_r, p_b, p_t)
                if _reach(m, px, py, (tl.value, tr.value, tb.value, tt.value)) >= loose - 0.01 / (scale or 1.0):
                    adv = width  # the glyph sticks out past its advance
        if not plain and m[1] and abs(a) < 1e-4 and abs(px - m[4]) < 1e-3:
            # a turned label whose matrix has a rounding residue (a = 7.5e-08 for a 90 degree turn):
            # the residue moves each origin by less than a float's step, but pdfminer's doubles keep
            # it, and it decides the order of the stacked letters; restore it
            px = m[4] + a * (py - m[5]) / m[1]
        here = (key, px, py)
        if here == last_at and out:
            # one glyph, several chars (a "ti" ligature): pdfminer has one char spanning the glyph
            adv = loose
            prev = out[-1]
            prev["x0"], prev["x1"], _, _ = _char_box(m, fs, descent, px, py, adv)
        last_at = here
        if plain:
            x0, x1 = (px, px + a * adv) if a > 0 else (px + a * adv, px)
            top, bottom = top_off - py, bottom_off - py
        else:
            x0, x1, y0, y1 = _char_box(m, fs, descent, px, py, adv)
            top, bottom = height - y1, height - y0
        out.append(
            {
                "text": ch,
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "upright": upright,
                "size": bottom - top,
                "fontname": font[0],
                "fonttag": font[1],
            }
        )
        orders.append((order, i))
    # pdfium drops text objects of zero width (a lone space shown with its own Tj); pdfminer keeps
    # them, and that space is what separates two words set closer than the 3pt word tolerance.
    for key, (order, obj, outer) in objects.text.items():
        if key in per_obj:
            continue
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        if not raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        if abs(right.value - left.value) >= 0.01:
            continue  # text pdfium chose to leave out for another reason (e.g. marked content)
        m = _mul(_obj_matrix(raw, obj), outer)
        fs = ctypes.c_float(0.0)
        raw.FPDFTextObj_GetFontSize(obj, ctypes.byref(fs))
        name, descent, tag = _font_of(raw, obj, fonts, programs)
        upright = 0 < m[0] * m[3] and m[1] * m[2] <= 0
        x0, x1, y0, y1 = _char_box(m, float(fs.value), descent, m[4], m[5], 0.0)
        out.append(_char_dict(" ", x0, x1, y0, y1, height, upright, (name, tag)))
        orders.append((order, -1))
    if any(a > b for a, b in zip(orders, orders[1:], strict=False)):
        ranked = sorted(range(len(out)), key=orders.__getitem__)
        out = [out[k] for k in ranked]
    return out


def _words_from_chars(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pdfplumber's ``extract_words(x_tolerance=3, y_tolerance=3, extra_attrs=["size", "fontname"])``.

    Runs of chars with the same orientation, size and font (in stream order) are split into lines
    (tops within 3pt, chained), each line sorted by x0 and cut into words at spaces and gaps > 3pt.
    Only upright words are returned (the caller drops the others anyway).
    """
    words: list[dict[str, Any]] = []
    for group in _runs(chars):
        if not group[0]["upright"]:
            continue
        cluster_of: dict[float, int] = {}
        last: float | None = None
        cid = -1
        for t in sorted({c["top"] for c in group}):
            if last is None or t > last + 3:
                cid += 1
            cluster_of[t] = cid
            last = t
        lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for c in group:
            lines[cluster_of[c["top"]]].append(c)
        for k in sorted(lines):
            current: list[dict[str, Any]] = []
            for c in sorted(lines[k], key=lambda c: c["x0"]):
                if c["text"].isspace():
                    if current:
                        words.append(_merge_chars(current))
                    current = []
                    continue
                if current:
                    prev = current[-1]
                    if c["x0"] < prev["x0"] or c["x0"] > prev["x1"] + 3 or abs(c["top"] - prev["top"]) > 3:
                        words.append(_merge_chars(current))
                        current = []
                current.append(c)
            if current:
                words.append(_merge_chars(current))
    return words


def _runs(chars: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive chars of one orientation, size and full font name (as pdfminer splits them).

    Where pdfium dropped a simple font's subset tag and the font program does not carry it, the
    tag stands in as the font's handle ("#<address>"): a different subset of the face, as pdfminer
    would see it. Except in Word's PDFs, which tag every subset "ABCDEE+" and pair a simple and a
    CID font of one face: where the page's fonts show that tag, a hidden tag is taken to be it.
    """
    shared = "ABCDEE" if any(c["fonttag"] == "ABCDEE" for c in chars) else None
    runs: list[list[dict[str, Any]]] = []
    key: tuple[bool, float, str, str] | None = None
    for c in chars:
        tag = c["fonttag"]
        if shared is not None and tag.startswith("#"):
            tag = shared
        here = (c["upright"], round(c["size"], 3), c["fontname"], tag)
        if here != key:
            runs.append([])
            key = here
        runs[-1].append(c)
    return runs


def _merge_chars(chars: list[dict[str, Any]]) -> dict[str, Any]:
    first = chars[0]
    return {
        "text": "".join(_PDFPLUMBER_LIGATURES.get(c["text"], c["text"]) for c in chars),
        "x0": min(c["x0"] for c in chars),
        "x1": max(c["x1"] for c in chars),
        "top": min(c["top"] for c in chars),
        "bottom": max(c["bottom"] for c in chars),
        "upright": first["upright"],
        "size": first["size"],
        "fontname": first["fontname"],
    }


@dataclass
class _Shapes:
    """Vector graphics as pdfminer classifies them (top-down coordinates)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    rects: list[dict[str, Any]] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)

    def edge_count(self) -> int:
        return len(self.lines) + 4 * len(self.rects) + sum(len(c["pts"]) - 1 for c in self.curves)

    def edges(self) -> list[dict[str, Any]]:
        from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges

        out = [line_to_edge(ln) for ln in self.lines]
        for r in self.rects:
            out.extend(rect_to_edges(r))
        for c in self.curves:
            out.extend(curve_to_edges(c))
        return out


def _shape_dict(pts: list[tuple[float, float]], height: float) -> dict[str, Any]:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    top = height - y1
    return {
        "x0": x0,
        "x1": x1,
        "y0": y0,
        "y1": y1,
        "top": top,
        "bottom": height - y0,
        "doctop": top,
        "width": x1 - x0,
        "height": y1 - y0,
        "pts": [(x, height - y) for x, y in pts],
    }


def _pdfium_shapes(raw: Any, objects: _PageObjects, height: float) -> _Shapes:
    """Split painted paths into subpaths and classify them like pdfminer's ``paint_path``.

    pdfminer keeps one point per operator (a curve's end point; ``h`` repeats the start), calls a
    two-point subpath a line and a closed axis-aligned four-sided one a rect, anything else a curve.
    """
    import ctypes

    shapes = _Shapes()
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    px, py = ctypes.c_float(), ctypes.c_float()
    for obj, outer in objects.paths:
        if (
            raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
            and not fill.value
            and not stroke.value
        ):
            continue  # a clipping path, never painted
        m = _mul(_obj_matrix(raw, obj), outer)
        a, b, c, d, e, f = m
        subpaths: list[list[tuple[str, tuple[float, float]]]] = []
        bezier = 0
        for k in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            if not seg or not raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(px), ctypes.byref(py)):
                continue
            x, y = float(px.value), float(py.value)
            pt = (a * x + c * y + e, b * x + d * y + f)
            kind = raw.FPDFPathSegment_GetType(seg)
            closes = bool(raw.FPDFPathSegment_GetClose(seg))
            if kind == _FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([("m", pt)])
                bezier = 0
                if closes:
                    subpaths[-1].append(("h", pt))
                continue
            start = subpaths[-1][0][1]
            if kind == _FPDF_SEGMENT_BEZIERTO:
                bezier += 1
                if bezier % 3:
                    continue  # control points: pdfminer keeps only the end point of "c"
                subpaths[-1].append(("c", pt))
            elif closes and pt == start:
                subpaths[-1].append(("h", start))  # pdfium writes "h" as a line back to the start
                continue
            else:
                subpaths[-1].append(("l", pt))
            if closes:
                subpaths[-1].append(("h", start))
        for sub in subpaths:
            shape = "".join(op for op, _ in sub)
            pts = [p for _, p in sub]
            if shape in ("ml", "mlh"):
                shapes.lines.append(_shape_dict(pts[:2], height))
            elif shape in ("mlllh", "mllll"):
                (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
                square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
                    y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
                )
                (shapes.rects if pts[0] == pts[4] and square else shapes.curves).append(_shape_dict(pts, height))
            elif len(pts) > 1 or shape != "m":
                shapes.curves.append(_shape_dict(pts, height))
    return shapes


class _TablePage:
    """Just enough of a pdfplumber page for its table finder: edges, chars and bbox."""

    def __init__(self, chars: list[dict[str, Any]], edges: list[dict[str, Any]], bbox: tuple[float, ...]) -> None:
        self.chars = chars
        self.edges = edges
        self.bbox = bbox

    def find_tables(self) -> list[Any]:
        from pdfplumber.table import TableFinder

        tables = list(TableFinder(self).tables)  # type: ignore[arg-type]  # duck-typed page
        for table in tables:
            # Table.extract tests every char of its page against every row; hand it only the
            # chars inside the table (the others can never fall in a cell)
            x0, top, x1, bottom = table.bbox
            inside = [
                c
                for c in self.chars
                if x0 <= (c["x0"] + c["x1"]) / 2 <= x1 and top <= (c["top"] + c["bottom"]) / 2 <= bottom
            ]
            table.page = _TablePage(inside, [], self.bbox)  # type: ignore[assignment]
        return tables


def _media_box(raw: Any, page: Any) -> tuple[float, float, float, float] | None:
    """The page's MediaBox (pdfplumber's page box), or None where pdfium cannot tell it apart."""
    import ctypes

    vals = [ctypes.c_float() for _ in range(4)]
    if raw.FPDFPage_GetMediaBox(page.raw, *(ctypes.byref(v) for v in vals)):
        left, bottom, right, top = (float(v.value) for v in vals)
        return min(left, right), min(bottom, top), abs(right - left), abs(top - bottom)
    # inherited from the page tree: pdfium's bounding box is MediaBox cut by any CropBox
    if raw.FPDFPage_GetCropBox(page.raw, *(ctypes.byref(v) for v in vals)):
        return None  # a CropBox of its own but an inherited MediaBox: the MediaBox is unknown
    bbox = page.get_bbox()
    left, bottom, right, top = (float(v) for v in bbox)
    return left, bottom, right - left, top - bottom


def _read_pdfium_page(doc: Any, index: int, programs: dict[tuple[str, int], str]) -> _PageData | None:
    """A page read with pdfium, or ``None`` where pdfplumber must read it instead."""
    import pypdfium2.raw as raw

    page = doc[index]
    try:
        if page.get_rotation() % 360:
            return None  # pdfminer turns rotated pages; keep its coordinates there
        box = _media_box(raw, page)
        if box is None or abs(box[0]) > 1e-3 or abs(box[1]) > 1e-3:
            return None  # an unknown or offset MediaBox: keep pdfplumber's coordinates
        width, height = box[2], box[3]
        textpage = page.get_textpage()
        try:
            objects = _collect_objects(raw, page.raw)
            chars = _pdfium_chars(raw, textpage.raw, objects, height, programs)
        finally:
            textpage.close()
        shapes = _pdfium_shapes(raw, objects, height)
    finally:
        page.close()
    tables: list[Any] = []
    if shapes.edge_count() >= 4:
        tables = _TablePage(chars, shapes.edges(), (0.0, 0.0, width, height)).find_tables()
    return _page_data(index + 1, (0.0, 0.0, width, height), _words_from_chars(chars), tables, shapes)


# ----- reading a page: pdfplumber (reference path) -------------------------------------------


def _read_page(page: Any, number: int) -> _PageData:
    tables = page.find_tables() if len(page.edges) >= 4 else []
    raw_words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)
    shapes = _Shapes(lines=[], rects=list(page.rects), curves=list(page.curves))
    return _page_data(number, tuple(float(v) for v in page.bbox), raw_words, tables, shapes)


def _page_data(
    number: int, bbox: tuple[float, ...], raw_words: list[dict[str, Any]], found: list[Any], shapes: _Shapes
) -> _PageData:
    x0, top, x1, bottom = bbox
    width, height = float(x1 - x0), float(bottom - top)
    tables: list[_Table] = []
    table_boxes: list[tuple[float, float, float, float]] = []
    for candidate in found:
        table = _table_from(candidate)
        if table is not None:
            tables.append(table)
            table_boxes.append(candidate.bbox)
    words: list[_Word] = []
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
        text = _clean(text)
        if not text:
            continue
        fontname = str(w.get("fontname", ""))
        words.append(
            _Word(
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
    return _PageData(number, width, height, _drop_superscripts(words), tables)


def _graphic_bullets(shapes: _Shapes, words: list[_Word], dx: float, dy: float) -> list[_Word]:
    """Bullets drawn as small vector shapes (dots, squares) just left of a line of text.

    They become '•' words so list detection treats them like bullet characters.
    """
    found = [
        o
        for o in (*shapes.curves, *shapes.rects)
        if 1.5 <= o["x1"] - o["x0"] <= 8
        and 1.5 <= o["bottom"] - o["top"] <= 8
        and 0.6 <= (o["x1"] - o["x0"]) / (o["bottom"] - o["top"]) <= 1.6
    ]
    if not found or len(found) > 400:
        return []
    centres = [((o["x0"] + o["x1"]) / 2, (o["top"] + o["bottom"]) / 2) for o in found]
    out: list[_Word] = []
    for o, (cx0, cy0) in zip(found, centres, strict=True):
        if sum(1 for x, y in centres if abs(x - cx0) < 10 and abs(y - cy0) < 10) > 1:
            continue  # part of an icon drawn from many small pieces, not a lone bullet
        sx1, cy = float(o["x1"]) - dx, (float(o["top"]) + float(o["bottom"])) / 2 - dy
        right = [w for w in words if w.top <= cy <= w.bottom and 0 <= w.x0 - sx1 <= 20]
        if not right:
            continue
        if any(
            w.x1 <= float(o["x0"]) - dx and w.top <= cy <= w.bottom and float(o["x0"]) - dx - w.x1 < 30 for w in words
        ):
            continue  # something just left of it: a chart marker or inline symbol, not a list bullet
        nearest = min(right, key=lambda w: w.x0)
        out.append(_Word("•", float(o["x0"]) - dx, sx1, nearest.top, nearest.bottom, nearest.size, False, True))
    return out


def _table_from(found: Any) -> _Table | None:
    """Keep a pdfplumber table only if it looks like data, not a decorative box."""
    try:
        rows = found.extract()
    except Exception:
        return None
    cleaned: list[list[str]] = []
    for row in rows:
        cells = [_clean(c or "") for c in row]
        if any(cells):
            cleaned.append(cells)
    ncols = max((len(r) for r in cleaned), default=0)
    multi = [r for r in cleaned if sum(1 for c in r if c) >= 2]
    if len(cleaned) < 2 or ncols < 2 or len(multi) < 2:
        return None  # one-cell boxes, banners, single rows: leave them to the prose reader
    filled = sum(1 for r in cleaned for c in r if c) / max(1, sum(len(r) for r in cleaned))
    if filled < 0.4:
        return None  # a chart's gridlines with a few scattered labels, not a table
    lines = [" | ".join(c for c in r) for r in cleaned]
    x0, top, x1, bottom = found.bbox
    return _Table(lines, float(x0), float(x1), float(top), float(bottom))


def _drop_superscripts(words: list[_Word]) -> list[_Word]:
    """Drop footnote reference numbers set small and raised right after a word ("year3")."""
    out: list[_Word] = []
    for w in words:
        prev = out[-1] if out else None
        if (
            prev is not None
            and w.text.replace(",", "").isdigit()
            and len(w.text) <= 5
            and w.size <= prev.size * 0.8
            and 0 <= w.x0 - prev.x1 < 1.5
            and w.bottom < prev.bottom - 0.15 * prev.size
            and prev.text[-1:].isalpha()
        ):
            prev.x1 = w.x1  # keep "year3." as "year." without a gap before the full stop
            continue
        out.append(w)
    return out


# ----- running headers / footers --------------------------------------------------------------


def _norm_row(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _zone_segments(page: _PageData) -> list[tuple[str, float, list[_Word]]]:
    """Rows in the top and bottom 12% of the page, split where words are far apart."""
    band = page.height * 0.12
    zone = [w for w in page.words if w.bottom <= band or w.top >= page.height - band]
    segments: list[tuple[str, float, list[_Word]]] = []
    for row in _group_rows(zone):
        row.sort(key=lambda w: w.x0)
        current: list[_Word] = [row[0]]
        for w in row[1:]:
            if w.x0 - current[-1].x1 > 2.5 * max(w.size, current[-1].size, 4.0):
                segments.append(_segment(current))
                current = []
            current.append(w)
        segments.append(_segment(current))
    return segments


def _segment(words: list[_Word]) -> tuple[str, float, list[_Word]]:
    return " ".join(w.text for w in words), min(w.top for w in words), words


def _group_rows(words: list[_Word]) -> list[list[_Word]]:
    rows: list[list[_Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if rows:
            last = rows[-1]
            ref_top = min(x.top for x in last)
            ref_bottom = max(x.bottom for x in last)
            if ref_top - 1 <= w.mid <= ref_bottom + 1:
                last.append(w)
                continue
        rows.append([w])
    return rows


def _remove_running(pages: list[_PageData]) -> None:
    """Remove page numbers and rows repeated at the same height at the top/bottom of pages."""
    n = len(pages)
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    per_page: list[list[tuple[str, float, list[_Word]]]] = []
    for page in pages:
        segs = _zone_segments(page)
        per_page.append(segs)
        for text, top, _ in segs:
            seen[_norm_row(text)].append((page.number, top))
    needed = 2 if n <= 4 else 3
    running: dict[str, list[float]] = {}
    for key, hits in seen.items():
        if not any(c.isalnum() for c in key) and key.strip("#") == "":
            continue
        # cluster by height: a running header sits at (nearly) the same y on every page
        tops = Counter(round(t / 3) for _, t in hits)
        for bucket, _count in tops.most_common():
            near = {p for p, t in hits if abs(t / 3 - bucket) <= 1.0}
            if len(near) >= needed and len(near) >= min(n, 2):
                running.setdefault(key, []).append(bucket * 3)
    for page, segs in zip(pages, per_page, strict=True):
        drop: set[int] = set()
        for text, top, words in segs:
            key = _norm_row(text)
            if _PAGE_NUM_RE.match(text.strip()) or any(abs(top - y) <= 4 for y in running.get(key, [])):
                drop.update(id(w) for w in words)
        if drop:
            page.words = [w for w in page.words if id(w) not in drop]


# ----- reading order -----------------------------------------------------------------------

_Box = Any  # _Word | _Table; both have x0, x1, top, bottom


def _is_numeric_side(items: list[_Box]) -> bool:
    words = [b for b in items if isinstance(b, _Word)]
    if not words:
        return False
    numeric = sum(1 for w in words if _NUMERIC_TOKEN_RE.match(w.text))
    return numeric / len(words) > 0.4


def _vertical_cut(items: list[_Box], size: float) -> tuple[float, list[_Box]] | None:
    """Find a column gutter: an x-range in the middle of the region few items cross.

    Returns the cut x and the items crossing it (those become full-width bands), or ``None``.
    """
    import numpy as np

    rx0 = min(b.x0 for b in items)
    rx1 = max(b.x1 for b in items)
    width = rx1 - rx0
    if width < 100 or len(items) < 6:
        return None
    n = int(width) + 2
    diff = np.zeros(n + 1, dtype=np.int32)
    starts = np.array([int(b.x0 - rx0) for b in items])
    ends = np.array([int(b.x1 - rx0) + 1 for b in items])
    np.add.at(diff, starts, 1)
    np.add.at(diff, np.minimum(ends, n), -1)
    cov = np.cumsum(diff)[:n]
    gap = int(max(9.0, 1.0 * size))
    lo, hi = int(width * 0.15), int(width * 0.85) - gap
    if hi <= lo:
        return None
    # max coverage in every window of `gap` points starting in [lo, hi]
    windows = np.lib.stride_tricks.sliding_window_view(cov, gap)[lo:hi]
    wmax = windows.max(axis=1)
    # rows in the region, to judge how many crossings are tolerable
    height = max(b.bottom for b in items) - min(b.top for b in items)
    rows = max(1.0, height / max(size * 1.2, 1.0))
    strict = max(3, int(rows * 0.1))  # a title or two across the columns, anywhere
    loose = max(strict, int(rows * 0.4))  # full-width lines above/below text that wraps a figure
    levels = sorted({int(v) for v in np.unique(wmax) if v <= loose})
    tried: set[int] = set()
    for level in levels[:6]:
        at = np.flatnonzero(wmax <= level)
        runs = np.split(at, np.flatnonzero(np.diff(at) != 1) + 1)
        for run in sorted(runs, key=len, reverse=True)[:3]:
            cut = rx0 + lo + (run[0] + run[-1] + gap) / 2.0
            if int(cut) in tried:
                continue
            tried.add(int(cut))
            crossing = [b for b in items if b.x0 < cut + gap / 2 and b.x1 > cut - gap / 2]
            if len(crossing) > strict and not _peripheral(items, crossing):
                continue
            if _columns_ok(items, crossing, cut, cov, rx0, gap):
                return cut, crossing
    return None


def _peripheral(items: list[_Box], crossing: list[_Box]) -> bool:
    """True when every crossing item lies above or below all the others (no crossing mid-column)."""
    skip = {id(b) for b in crossing}
    others = [b for b in items if id(b) not in skip]
    if not others:
        return False
    top = min(b.top for b in others)
    bottom = max(b.bottom for b in others)
    return all(b.bottom <= top + 1 or b.top >= bottom - 1 for b in crossing)


def _columns_ok(items: list[_Box], crossing: list[_Box], cut: float, cov: Any, rx0: float, gap: int) -> bool:
    """Check that the two sides of a candidate gutter look like columns of text."""
    skip = {id(b) for b in crossing}
    others = [b for b in items if id(b) not in skip]
    left = [b for b in others if (b.x0 + b.x1) / 2 < cut]
    right = [b for b in others if (b.x0 + b.x1) / 2 >= cut]
    if not left or not right:
        return False
    # a real column has several lines and a left margin: most lines start at (nearly) the same x.
    # One short side (a two-line figure caption beside the text) is accepted only across a wide,
    # clean gutter.
    columns = 0
    for side in (left, right):
        lefts = [min(b.x0 for b in row) for row in _group_rows(side)]
        aligned = max(sum(1 for x in lefts if 0 <= x - m <= 4) for m in lefts)
        if len(lefts) >= 3:
            if aligned < max(2, 0.2 * len(lefts)):
                return False
            columns += 1
    if columns == 0:
        return False
    if columns == 1:
        centre = int(cut - rx0)
        clear = 0
        for step in (-1, 1):
            i = centre
            while 0 <= i < len(cov) and cov[i] == 0:
                clear += 1
                i += step
        if clear < 1.5 * gap:
            return False
    return not (_is_numeric_side(left) or _is_numeric_side(right))


def _bands(items: list[_Box], crossing: list[_Box]) -> list[list[_Box]]:
    """Split items into horizontal bands: rows of crossing items, and the stretches between."""
    spans: list[list[float]] = []
    for b in sorted(crossing, key=lambda b: b.top):
        if spans and b.top <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b.bottom)
        else:
            spans.append([b.top, b.bottom])
    bands: list[list[_Box]] = [[] for _ in range(2 * len(spans) + 1)]
    for b in items:
        mid = (b.top + b.bottom) / 2
        idx = 0
        for i, (t, btm) in enumerate(spans):
            if mid < t:
                idx = 2 * i
                break
            if mid <= btm:
                idx = 2 * i + 1
                break
        else:
            idx = 2 * len(spans)
        bands[idx].append(b)
    return [b for b in bands if b]


def _reading_order(items: list[_Box], size: float, depth: int = 0) -> list[list[_Box]]:
    """Recursive whitespace cut: regions (leaves) in reading order."""
    if len(items) < 2 or depth > 12:
        return [items] if items else []
    cut = _vertical_cut(items, size)
    if cut is not None:
        x, crossing = cut
        if crossing:
            bands = _bands(items, crossing)
            if len(bands) > 1:
                out: list[list[_Box]] = []
                for band in bands:
                    out.extend(_reading_order(band, size, depth + 1))
                return out
        else:
            left = [b for b in items if (b.x0 + b.x1) / 2 < x]
            right = [b for b in items if (b.x0 + b.x1) / 2 >= x]
            return _reading_order(left, size, depth + 1) + _reading_order(right, size, depth + 1)
    # no gutter: split at large horizontal gaps and try again inside each stretch
    ordered = sorted(items, key=lambda b: b.top)
    pieces: list[list[_Box]] = [[ordered[0]]]
    bottom = ordered[0].bottom
    for b in ordered[1:]:
        if b.top - bottom > 1.2 * size:
            pieces.append([])
        pieces[-1].append(b)
        bottom = max(bottom, b.bottom)
    if len(pieces) == 1:
        return [items]
    out = []
    for piece in pieces:
        out.extend(_reading_order(piece, size, depth + 1))
    return out


# ----- lines, paragraphs, kinds ---------------------------------------------------------------


_DOT_LEADER_RE = re.compile(r"(?:\.\s?){5,}|…{2,}|(?:\s\.){4,}")


def _side_heading_words(rows: list[list[_Word]]) -> list[list[_Word]]:
    """Move the words of a side heading that wrapped beside body text back to its heading.

    A two-line side heading ("What we" / "mean") whose second line sits level with a body line would
    be read into that line ("We will work with our mean communities"). A word clearly larger than the
    rest of its row, set apart from it by a gap, and just under a row of its own size that it overlaps
    horizontally, is read at the end of that row."""
    out: list[list[_Word]] = []
    for row in rows:
        body = statistics.median(w.size for w in row)
        moved = []
        for w in row:
            if w.size < 1.2 * body or all(x.size >= 1.2 * body for x in row):
                continue
            near_body = min(
                (abs(x.x0 - w.x1) if x.x0 >= w.x1 else abs(w.x0 - x.x1)) for x in row if x.size < 1.2 * body
            )
            if near_body < 0.8 * w.size:
                continue
            for back in range(1, min(3, len(out)) + 1):
                above = out[-back]
                if (
                    all(abs(x.size - w.size) < 0.5 for x in above)
                    and 0 <= w.top - max(x.bottom for x in above) < 0.8 * w.size
                    and min(x.x0 for x in above) - 2 <= w.x0 <= max(x.x1 for x in above) + 2
                ):
                    # read as the heading's last word (the line it wrapped onto), not into the body line
                    x0 = max(x.x1 for x in above) + 0.3 * w.size
                    top = min(x.top for x in above)
                    above.append(
                        dataclasses.replace(w, x0=x0, x1=x0 + w.x1 - w.x0, top=top, bottom=top + w.bottom - w.top)
                    )
                    moved.append(w)
                    break
        rest = [w for w in row if not any(w is m for m in moved)]
        if rest:
            out.append(rest)
    return out


def _lines_of(words: list[_Word]) -> list[_Line]:
    lines = [_Line(sorted(row, key=lambda w: w.x0)) for row in _side_heading_words(_group_rows(words))]
    # table-of-contents entries ("Foreword ........ 3") duplicate the headings: drop them
    return [ln for ln in lines if not _DOT_LEADER_RE.search(ln.text)]


def _marker_of(line: _Line) -> str | None:
    """The list marker a line starts with ('•', '1.', '(a)'...), or None."""
    first = line.words[0]
    t = first.text
    if len(line.words) > 1 and ((len(t) == 1 and (t in _BULLET_CHARS or first.symbol)) or _NUM_MARKER_RE.match(t)):
        return t
    if len(t) > 1 and t[0] in "•●▪■◦➢➤\uf0b7\uf0a7" and len(line.words) >= 1:
        return t[0]
    if t == "o" and len(line.words) > 1 and line.words[1].text[:1].isupper():
        return t  # a second-level bullet set as the letter o ("o Teenagers and ...")
    return None


@dataclass
class _Para:
    lines: list[_Line]
    kind: BlockKind = "paragraph"


def _numeric_row(line: _Line) -> list[str] | None:
    """Cells of a line that looks like a borderless table row ("Total   11,310   100.0%"), else None.

    Cells are runs of words separated by wide gaps; the row must have at least two cells that are
    numbers (counts, rates, percentages), which prose lines and headings do not.
    """
    if len(line.words) < 2:
        return None
    cells: list[list[_Word]] = [[line.words[0]]]
    for w in line.words[1:]:
        if w.x0 - cells[-1][-1].x1 > 1.2 * max(w.size, 4.0):
            cells.append([])
        cells[-1].append(w)
    numeric = [c for c in cells if all(_NUMERIC_TOKEN_RE.match(w.text) for w in c) and sum(len(w.text) for w in c) >= 2]
    if len(cells) < 2 or len(numeric) < 2:
        return None
    return [" ".join(w.text for w in cell) for cell in cells]


def _paragraphs(lines: list[_Line], gap_limit: float, body_size: float) -> list[_Para]:
    paras: list[_Para] = []
    item_indent: float | None = None
    last_number: int | None = None
    for line in lines:
        marker = _marker_of(line)
        number = _marker_number(marker)
        if paras:
            prev = paras[-1].lines[-1]
            gap = line.top - prev.bottom
            if (
                number is not None
                and prev.text[-1:] not in ".:;!?"
                and number != (last_number or 0) + 1
                and gap <= gap_limit
            ):
                marker = number = None  # "... (CI 0.85-" / "91) and ..." is a wrapped line, not item 91
            # a bold line followed by a plain one (or the reverse) is a style break, except inside a
            # list item, whose bold lead-in often fills the first line
            style_change = abs(line.size - prev.size) >= 0.8 or (
                paras[-1].kind != "item"
                and (line.bold >= 0.9) != (prev.bold >= 0.9)
                and min(line.bold, prev.bold) <= 0.1
            )
            new = (
                gap > gap_limit * (line.size / body_size if body_size else 1.0)
                or gap < -0.5 * line.size  # jumped back up: a different region
                or style_change
                or marker is not None
                or (paras[-1].kind == "item" and item_indent is not None and line.x0 < item_indent - 3)
            )
            if not new:
                paras[-1].lines.append(line)
                continue
        paras.append(_Para([line], "item" if marker else "paragraph"))
        item_indent = line.x0 if marker else None
        if number is not None:
            last_number = number
    return paras


def _marker_number(marker: str | None) -> int | None:
    """The ordinal of a numbered marker ('3.' -> 3, '(b)' -> 2), None for bullets."""
    if marker is None or not _NUM_MARKER_RE.match(marker):
        return None
    core = marker.strip("().")
    if core.isdigit():
        return int(core)
    if len(core) == 1 and core.isalpha():
        return ord(core.lower()) - ord("a") + 1
    return None


def _split_tables(lines: list[_Line], gap_limit: float, body_size: float) -> list[_Para]:
    """Runs of two or more numeric rows become table paragraphs; the rest go to _paragraphs."""
    rows = [_numeric_row(ln) for ln in lines]
    out: list[_Para] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and rows[j] is not None:
            j += 1
        if j - i >= 2:
            table_lines = []
            for k in range(i, j):
                cells = rows[k] or []
                table_lines.append(_Line(lines[k].words, text=" | ".join(cells)))
            out.append(_Para(table_lines, "table"))
            i = j
            continue
        k = i + 1
        while k < len(lines) and not (rows[k] is not None and k + 1 < len(lines) and rows[k + 1] is not None):
            k += 1
        out.extend(_paragraphs(lines[i:k], gap_limit, body_size))
        i = k
    return out


def _meaningful(para: _Para) -> bool:
    """False for chart debris: axis ticks, rotated labels split into letters, lone numbers."""
    text = " ".join(ln.text for ln in para.lines)
    return any(sum(1 for c in tok if c.isalpha()) >= 4 for tok in text.split())


def _is_heading(para: _Para, body_size: float, body_bold: bool) -> bool:
    text = " ".join(ln.text for ln in para.lines)
    words = text.split()
    if len(para.lines) > 3 or len(words) > 20 or len(text) < 3:
        return False
    if text[-1] in ".,;:" or not any(c.isalpha() for c in text):
        return False
    first = text.lstrip("\"'“‘(")[:1]
    if not first or first.islower():
        return False
    size = max(ln.size for ln in para.lines)
    bold = min(ln.bold for ln in para.lines) >= 0.9
    bigger = size >= body_size * 1.15 or (size >= body_size + 0.8 and len(words) <= 8)
    if para.kind == "item" and not bigger:
        return False
    return bigger or (bold and not body_bold)


def _block_text(para: _Para, vocab: set[str]) -> str:
    lines = [ln.text for ln in para.lines]
    if para.kind == "item":
        marker = _marker_of(para.lines[0])
        first = lines[0]
        if marker and first.startswith(marker):
            rest = first[len(marker) :].strip()
            # a stray icon glyph read as a capital letter before the item's first word ("1. R Ensure ...")
            rest = re.sub(r"^[A-HJ-Z] (?=[A-Z][a-z])", "", rest)
            # keep numbering ("1.", "(a)") which carries meaning; drop bullet glyphs
            first = f"{marker} {rest}" if _NUM_MARKER_RE.match(marker) else rest
        lines[0] = first
    return _clean(_join_lines(lines, vocab))


def _pdf_blocks(pages: list[_PageData]) -> list[Block]:
    _remove_running(pages)
    # document body style: the size and boldness carrying most characters
    size_count: Counter[float] = Counter()
    bold_chars = total_chars = 0
    vocab: set[str] = set()
    for page in pages:
        for w in page.words:
            size_count[round(w.size, 1)] += len(w.text)
            total_chars += len(w.text)
            bold_chars += len(w.text) if w.bold else 0
            vocab.add(_word_key(w.text))
    body_size = size_count.most_common(1)[0][0] if size_count else 10.0
    body_bold = total_chars > 0 and bold_chars / total_chars > 0.6

    blocks: list[Block] = []
    for page in pages:
        items: list[_Box] = [*page.words, *page.tables]
        if not items:
            continue
        regions = _reading_order(items, body_size)
        region_lines: list[list[_Line] | _Table] = []
        gaps: list[float] = []
        for region in regions:
            tables = [b for b in region if isinstance(b, _Table)]
            words = [b for b in region if isinstance(b, _Word)]
            lines = _lines_of(words) if words else []
            for a, b in zip(lines, lines[1:], strict=False):
                g = b.top - a.bottom
                if -1 < g < 2.5 * body_size and abs(a.size - b.size) < 0.5:
                    gaps.append(g)
            entries: list[_Line | _Table] = sorted([*tables, *lines], key=lambda e: e.top)
            run: list[_Line] = []
            for entry in entries:
                if isinstance(entry, _Table):
                    if run:
                        region_lines.append(run)
                        run = []
                    region_lines.append(entry)
                else:
                    run.append(entry)
            if run:
                region_lines.append(run)
        usual = statistics.median(gaps) if len(gaps) >= 3 else 0.25 * body_size
        gap_limit = usual + max(2.0, 0.35 * body_size)
        for chunk in region_lines:
            if isinstance(chunk, _Table):
                blocks.append(Block("table", "\n".join(chunk.rows), page.number))
                continue
            for para in _split_tables(chunk, gap_limit, body_size):
                if para.kind == "table":
                    blocks.append(Block("table", "\n".join(ln.text for ln in para.lines), page.number))
                    continue
                if not _meaningful(para):
                    continue
                text = _block_text(para, vocab)
                if not text:
                    continue
                kind: BlockKind = "heading" if _is_heading(para, body_size, body_bold) else para.kind
                blocks.append(Block(kind, text, page.number))
    return _merge_broken(blocks, vocab)


def _merge_broken(blocks: list[Block], vocab: set[str] | frozenset[str] = frozenset()) -> list[Block]:
    """Rejoin a paragraph cut in two by a region boundary (a column break, text wrapping around a
    figure); a word hyphenated over the break is joined as over a line break."""
    out: list[Block] = []
    for b in blocks:
        if b.kind == "paragraph" and b.text[:1].islower():
            # the unfinished paragraph is the previous block, or the one before a figure caption
            merged = False
            for back in (1, 2):
                if len(out) < back:
                    break
                prev = out[-back]
                if prev.page != b.page:
                    break
                if _CAPTION_RE.match(prev.text):
                    continue
                if prev.kind in ("paragraph", "item") and (
                    prev.text[-1:].isalpha() or prev.text[-1:] in "," + _HYPHENS
                ):
                    out[-back] = Block(prev.kind, _join_lines([prev.text, b.text], vocab), prev.page)
                    merged = True
                break
            if merged:
                continue
        out.append(b)
    return out


_CAPTION_RE = re.compile(r"^(figure|fig\.|table|chart|graph|source|map|image)\b", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def _check_docx_size(path: Path, limits: Limits) -> None:
    """Refuse a DOCX whose parts inflate past the limit before any XML is parsed (a zip bomb); the
    sizes are those the zip declares, which Python's zip reader enforces while inflating."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            inflated = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the DOCX reader says so in its own words
    if inflated > limits.max_docx_xml_mb * MB:
        raise InputError(
            str(path),
            too_big("inflates to", inflated / MB, limits.max_docx_xml_mb, "MB of XML", "--max-docx-xml-mb"),
        )


def _extract_docx(path: Path) -> Extracted:
    import zipfile

    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(
            str(path), f"not a readable DOCX ({type(exc).__name__}); re-save it from Word as .docx"
        ) from None
    except Exception:
        raise InputError(str(path), "not a readable DOCX (damaged or not Word 2007+); re-save it as .docx") from None

    blocks: list[Block] = []
    page = 1
    body = document.element.body
    vocab: set[str] = set()
    names: dict[str | None, str] = {}

    def style_name(p: Any) -> str:
        """The paragraph's style name, looked up once per style id: python-docx's own lookup scans
        every style of the document for each paragraph (minutes for a long document)."""
        ps = p.find(qn("w:pPr") + "/" + qn("w:pStyle"))
        sid = ps.get(qn("w:val")) if ps is not None else None
        if sid not in names:
            from docx.enum.style import WD_STYLE_TYPE

            try:
                style = document.part.get_style(sid, WD_STYLE_TYPE.PARAGRAPH)
                names[sid] = (style.name if style is not None else "") or ""
            except (KeyError, ValueError):
                names[sid] = ""
        return names[sid]

    for child in body.iterchildren():
        tag = child.tag
        if tag == qn("w:p"):
            from docx.text.paragraph import Paragraph

            para = Paragraph(child, document)
            breaks = len(child.findall(".//" + qn("w:br") + "[@" + qn("w:type") + "='page']"))
            if child.find(qn("w:pPr") + "/" + qn("w:pageBreakBefore")) is not None:
                page += 1
            text = _clean(para.text)
            if text:
                kind = _docx_kind(para, text, style_name(child))
                blocks.append(Block(kind, text, page))
                vocab.update(_word_key(w) for w in text.split())
            page += breaks
        elif tag == qn("w:tbl"):
            from docx.table import Table

            rows = _docx_table_rows(Table(child, document))
            if rows:
                blocks.append(Block("table", "\n".join(rows), page))
    props = document.core_properties
    metadata: dict[str, str] = {}
    if props.title and _clean(props.title) and not _JUNK_TITLES.search(_clean(props.title)):
        metadata["title"] = _clean(props.title)
    if props.author and _clean(props.author):
        metadata["author"] = _clean(props.author)
    if props.created is not None and 1900 <= props.created.year < 2100:
        metadata["year"] = str(props.created.year)
    return Extracted(blocks, page, metadata)


def _docx_kind(para: Any, text: str, style: str) -> BlockKind:
    from docx.oxml.ns import qn

    lower = style.lower()
    if lower.startswith("heading") or lower in ("title", "subtitle"):
        return "heading"
    ppr = para._p.pPr
    if "list" in lower or (ppr is not None and ppr.find(qn("w:numPr")) is not None):
        return "item"
    if _TEXT_ITEM_RE.match(text) and text[:1] in "•●▪-–*":
        return "item"
    runs = [r for r in para.runs if r.text.strip()]
    if runs and all(r.bold for r in runs) and _title_like(text):
        return "heading"
    return "paragraph"


def _docx_table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat
                continue
            seen.add(id(cell._tc))
            cells.append(_clean(cell.text))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML_DROP = frozenset({"script", "style", "nav", "footer", "noscript", "template", "svg", "iframe", "form"})
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_BLOCKS = frozenset(
    "div section article main body html ul ol dl blockquote header aside figure figcaption details "
    "summary address center fieldset dd dt hr pre".split()
)


def _extract_html(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.string and _clean(soup.title.string):
        metadata["title"] = _clean(soup.title.string)
    author = soup.find("meta", attrs={"name": re.compile(r"^(author|dc\.creator)$", re.I)})
    if author is not None and _clean(str(author.get("content") or "")):
        metadata["author"] = _clean(str(author.get("content")))
    root = soup.body or soup
    blocks = list(_html_blocks(root))
    return Extracted(blocks, 1, metadata)


def _html_blocks(root: Any) -> Iterator[Block]:
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    buffer: list[str] = []

    def flush() -> Iterator[Block]:
        text = _clean(" ".join(buffer))
        buffer.clear()
        if text:
            yield Block("paragraph", text, 1)

    def text_of(node: Any, skip: frozenset[str] = frozenset()) -> str:
        parts: list[str] = []
        for d in node.descendants:
            if isinstance(d, NavigableString) and not isinstance(d, (Comment, Doctype, ProcessingInstruction)):
                hidden = False
                for parent in d.parents:
                    if parent is node:
                        break
                    if parent.name in _HTML_DROP or parent.name in skip:
                        hidden = True
                        break
                if not hidden:
                    parts.append(str(d))
        return _clean(" ".join(parts))

    def walk(node: Any) -> Iterator[Block]:
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                buffer.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _HTML_DROP or name in ("head", "title", "meta", "link"):
                continue
            if name in _HTML_HEADINGS:
                yield from flush()
                text = text_of(child)
                if text:
                    yield Block("heading", text, 1)
            elif name == "p":
                yield from flush()
                text = text_of(child)
                if text:
                    yield Block("paragraph", text, 1)
            elif name == "li":
                yield from flush()
                text = text_of(child, frozenset({"ul", "ol"}))
                if text:
                    yield Block("item", text, 1)
                for sub in child.find_all(["ul", "ol"], recursive=False):
                    yield from walk(sub)
            elif name == "table":
                yield from flush()
                rows = []
                for tr in child.find_all("tr"):
                    if tr.find_parent("table") is not child:
                        continue
                    cells = [text_of(c) for c in tr.find_all(["td", "th"], recursive=False)]
                    if any(cells):
                        rows.append(" | ".join(cells))
                if rows:
                    yield Block("table", "\n".join(rows), 1)
            elif name == "br":
                buffer.append(" ")
            elif name in _HTML_BLOCKS:
                yield from flush()
                yield from walk(child)
                yield from flush()
            else:
                buffer.append(text_of(child))
        # inline text left at the end of this container is flushed by the caller

    yield from walk(root)
    yield from flush()
