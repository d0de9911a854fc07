"""Limits on what one input file may cost, each with a clear message and an option to raise it.

A hostile or accidental input (a 200 MB text file, a DOCX whose XML inflates to gigabytes, a single
line of 50 MB) must fail in seconds with one line, not run for minutes or exhaust memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 256  # bytes on disk, any format (--max-file-mb)
    max_chars: int = 5_000_000  # characters of text read from one file, about 2,000 pages (--max-chars)
    max_docx_xml_mb: float = 128  # uncompressed XML inside one DOCX (--max-docx-xml-mb)
    max_passages: int = 50_000  # passages cut from one document (--max-passages)

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * MB)


DEFAULT_LIMITS = Limits()


def too_big(what: str, value: float, limit: float, unit: str, option: str) -> str:
    """The one-line reason for a file over a limit, saying how to raise it."""
    return f"{what} {value:,.0f} {unit}, over the limit of {limit:,.0f}; split the file, or raise the limit with {option} N"
