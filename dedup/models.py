"""Small frozen dataclasses for what crosses stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "item", "table"]
PassageKind = Literal["recommendation", "other"]
LinkType = Literal["verbatim", "near-verbatim", "paraphrase", "related"]
LINK_TYPES: tuple[LinkType, ...] = ("verbatim", "near-verbatim", "paraphrase", "related")

#: The version of the passage rules (dedup.segment). A document cut by older rules is cut again on the
#: next ingest even when its file has not changed (2: paragraphs over page breaks, lists kept with
#: their lead-ins, numbered labels).
SEGMENTER_VERSION = 2


@dataclass(frozen=True)
class Block:
    """A unit of cleaned text from one page: a heading, a paragraph, a list item or a table row block."""

    kind: BlockKind
    text: str
    page: int  # 1-based page number; 1 for formats without pages


@dataclass(frozen=True)
class Extracted:
    """What an extractor returns for one file: its blocks in reading order, and any metadata it found."""

    blocks: list[Block]
    page_count: int
    metadata: dict[str, str] = field(default_factory=dict)  # keys: title, author, year (strings)


@dataclass(frozen=True)
class PassageDraft:
    """A passage cut from a document before it has a store id.

    ``start``/``end`` are character offsets into the text of page ``page`` as built by
    :func:`dedup.segment.page_texts` (blocks of a page joined by blank lines). A passage that runs
    over a page break has ``page_end`` (its last page), and ``end`` is an offset into that page's text.
    """

    page: int
    start: int
    end: int
    text: str
    kind: PassageKind
    heading: str = ""
    page_end: int | None = None
    label: str = ""  # "Recommendation 4": the numbered label the passage carries or sits under


@dataclass(frozen=True)
class Metadata:
    """What is known of a document beyond its text: from the command line, a manifest, the file itself."""

    title: str | None = None
    organisation: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Document:
    id: str
    title: str | None
    organisation: str | None
    year: int | None
    source: str
    format: str
    content_hash: str
    passage_count: int = 0


@dataclass(frozen=True)
class Passage:
    id: int
    document: Document
    page: int
    start: int
    end: int
    text: str
    kind: PassageKind
    heading: str = ""
    page_end: int | None = None  # the last page when the passage runs over a page break
    label: str = ""  # "Recommendation 4": the numbered label the passage carries or sits under


@dataclass(frozen=True)
class Verdict:
    """The engine's judgement on two texts: a score in [0, 1] and a type, or ``None`` when no match."""

    score: float
    type: LinkType | None
    cosine: float
    lexical: float
    opposed: bool = False


@dataclass(frozen=True)
class Link:
    a: Passage
    b: Passage
    score: float
    type: LinkType
