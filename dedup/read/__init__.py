"""Reading files: each format turned into clean, ordered :class:`~dedup.models.Block` objects.

PDF is the format that matters most and gets the most care: :mod:`dedup.read.pdfium` reads a page's
characters and vector paths, :mod:`dedup.read.pdf` turns them into the words of a page, and
:mod:`dedup.read.layout` puts the words in reading order and cuts them into lines, paragraphs and
kinds. :mod:`dedup.read.docs` maps DOCX, HTML and plain text/Markdown onto the same four block kinds;
:mod:`dedup.read.tables` reads CSV/JSONL tables, one row a document.
"""

from __future__ import annotations

from pathlib import Path

from dedup.errors import InputError, UnsupportedFormat
from dedup.limits import DEFAULT_LIMITS, MB, Limits, too_big
from dedup.models import Extracted
from dedup.read.docs import blocks_from_text, check_docx_size, read_docx, read_html, read_text, strip_markdown
from dedup.read.pdf import read_pdf
from dedup.text import YEAR

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".docx", ".html", ".htm", ".txt", ".md", ".markdown")

_ALL_READ = ".pdf .docx .html .txt .md .csv .jsonl"


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
        result = read_pdf(path)
    elif suffix == ".docx":
        check_docx_size(path, limits)
        result = read_docx(path)
    elif suffix in (".html", ".htm"):
        result = read_html(path)
    else:
        text = read_text(path)
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
    year = YEAR.search(path.stem)
    if year:
        result.metadata["year_from_filename"] = year.group(1)
    return result
