"""Reading DOCX, HTML and plain text/Markdown files, mapped onto the four block kinds of a PDF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dedup.errors import InputError
from dedup.limits import MB, Limits, too_big
from dedup.models import Block, BlockKind, Extracted
from dedup.text import DOCX_BULLETS, JUNK_TITLES, LIGATURES, TEXT_ITEM, clean, join_lines, word_key

# --------------------------------------------------------------------------------------------
# plain text / Markdown
# --------------------------------------------------------------------------------------------

_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
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
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(LIGATURES)
    vocab = {word_key(w) for w in text.split()}
    blocks: list[Block] = []

    def emit(kind: BlockKind, lines: list[str]) -> None:
        joined = clean(join_lines(lines, vocab)) if kind != "table" else "\n".join(lines)
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
                cells = [clean(c) for c in ln.strip().strip("|").split("|")]
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
                and not TEXT_ITEM.match(line)
            ):
                emit("heading", [line])
                current_kind, current = "heading", []  # swallow the underline on the next line
                continue
            if current_kind == "heading" and not current and _SETEXT_RE.match(line):
                current_kind = None
                continue
            item = TEXT_ITEM.match(line)
            if item and not _SETEXT_RE.match(line):
                flush(chunk_is_single)
                current_kind, current = "item", [item.group(1)]
                continue
            if current_kind is None:
                current_kind = "paragraph"
            current.append(line)
        flush(chunk_is_single)
    return blocks


def read_text(path: Path) -> str:
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
# DOCX
# --------------------------------------------------------------------------------------------


def check_docx_size(path: Path, limits: Limits) -> None:
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


def read_docx(path: Path) -> Extracted:
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
            text = clean(para.text)
            if text:
                kind = _docx_kind(para, text, style_name(child))
                blocks.append(Block(kind, text, page))
                vocab.update(word_key(w) for w in text.split())
            page += breaks
        elif tag == qn("w:tbl"):
            from docx.table import Table

            rows = _docx_table_rows(Table(child, document))
            if rows:
                blocks.append(Block("table", "\n".join(rows), page))
    props = document.core_properties
    metadata: dict[str, str] = {}
    if props.title and clean(props.title) and not JUNK_TITLES.search(clean(props.title)):
        metadata["title"] = clean(props.title)
    if props.author and clean(props.author):
        metadata["author"] = clean(props.author)
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
    if TEXT_ITEM.match(text) and text[:1] in DOCX_BULLETS:
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
            cells.append(clean(cell.text))
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


def read_html(path: Path) -> Extracted:
    from bs4 import BeautifulSoup

    raw = path.read_bytes()
    soup = BeautifulSoup(raw, "html.parser")
    metadata: dict[str, str] = {}
    if soup.title and soup.title.string and clean(soup.title.string):
        metadata["title"] = clean(soup.title.string)
    author = soup.find("meta", attrs={"name": re.compile(r"^(author|dc\.creator)$", re.I)})
    if author is not None and clean(str(author.get("content") or "")):
        metadata["author"] = clean(str(author.get("content")))
    root = soup.body or soup
    blocks = list(_html_blocks(root))
    return Extracted(blocks, 1, metadata)


def _html_blocks(root: Any) -> Iterator[Block]:
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    buffer: list[str] = []

    def flush() -> Iterator[Block]:
        text = clean(" ".join(buffer))
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
        return clean(" ".join(parts))

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
