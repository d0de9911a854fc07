"""A PDF page's words put in order and cut into blocks.

* running headers/footers (rows in the top/bottom band of the page that repeat at the same
  height on several pages, digits normalised) and bare page numbers are removed;
* the words are put in reading order by a recursive cut on whitespace: a vertical
  gutter that (almost) no word crosses splits a region into columns, read left then right;
  rows that do cross it (a full-width title above two columns) become bands of their own;
* lines are grouped into paragraphs where the vertical gap is clearly larger than the page's
  usual line gap, or where the style changes (heading font) or a list marker starts a line;
* hyphenated line breaks are joined ("commis-/sioning" -> "commissioning") unless the hyphen is
  a real one (the hyphenated form occurs elsewhere in the document, a known prefix such as
  "self-" or "well-", or digits on both sides).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from dedup.models import Block, BlockKind
from dedup.text import BULLET_CHARS, GLUED_BULLETS, HYPHENS, NUMBER_MARKER, clean, join_lines, word_key

_PAGE_NUM_RE = re.compile(
    r"^(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
_NUMERIC_TOKEN_RE = re.compile(r"^[-–(£$€<>~+]*\d[\d.,:%*)]*[%)*]?$")

# ----- thresholds (PDF points, or multiples of a font size where a name says "sizes") ---------------
# Set on the sample corpus and the West Sussex PDFs (tests/test_extract.py, tests/test_westsussex.py).

#: A gap between two words of a line wider than this (points) is a space; kerning sets letters closer.
WORD_SPACE = 0.6
#: Punctuation closer than this (sizes) to the word before belongs to it: "word ." is "word.".
PUNCT_GAP = 0.3
#: Below this font size a word is too small to measure gaps by: footnote marks, chart labels.
MIN_FONT_SIZE = 4.0
#: A word whose middle is within this (points) of a row's top and bottom is on that row.
ROW_TOLERANCE = 1

#: Running headers and footers live in this share of the page height at its top and bottom.
RUNNING_BAND = 0.12
#: Words this far apart (sizes) in that band are separate pieces (a title left, a page number right).
RUNNING_PIECE_GAP = 2.5
#: A piece is running when it recurs on this many pages (documents of up to RUNNING_SHORT_DOC pages:
#: RUNNING_MIN_PAGES_SHORT): once could be a heading, a running header is on most pages.
RUNNING_MIN_PAGES = 3
RUNNING_MIN_PAGES_SHORT = 2
RUNNING_SHORT_DOC = 4
#: ... at the same height: tops are bucketed this many points wide, a piece within a bucket of the
#: height it recurs at, and dropped within RUNNING_TOLERANCE points of it (pages shift a little).
RUNNING_BUCKET = 3
RUNNING_TOLERANCE = 4

#: A side of a gutter where more than this share of the words are numbers is a table's column, not text.
NUMERIC_SIDE = 0.4
#: Regions narrower than this (points) or of fewer items are not cut into columns.
MIN_CUT_WIDTH = 100
MIN_CUT_ITEMS = 6
#: A gutter is at least this wide: MIN_GUTTER points, or GUTTER_SIZES font sizes.
MIN_GUTTER = 9.0
GUTTER_SIZES = 1.0
#: Gutters are looked for between these shares of a region's width (not in its margins).
GUTTER_FROM = 0.15
GUTTER_TO = 0.85
#: A line takes this many font sizes of height (to count the rows of a region).
LINE_PITCH = 1.2
#: Items that may cross a gutter: a share of the region's rows, at least MIN_CROSSINGS (a title
#: or two across the columns, anywhere) ...
CROSSINGS_STRICT = 0.1
MIN_CROSSINGS = 3
#: ... or, when they all lie above or below the columns, this share (full-width lines above and
#: below text that wraps a figure).
CROSSINGS_LOOSE = 0.4
#: Candidate gutters tried: the CUT_LEVELS least crossed coverage levels, the CUT_RUNS widest at each.
CUT_LEVELS = 6
CUT_RUNS = 3
#: A column side has a left margin: rows starting within MARGIN_TOLERANCE points of one another,
#: at least MIN_ALIGNED_SHARE of its rows, once it has MIN_COLUMN_ROWS rows.
MARGIN_TOLERANCE = 4
MIN_ALIGNED_SHARE = 0.2
MIN_COLUMN_ROWS = 3
#: With one short side (a caption beside the text), the gutter must be clear for this many gutters' width.
CLEAR_GUTTER = 1.5
#: Regions are cut at most this deep.
MAX_CUT_DEPTH = 12
#: A vertical gap larger than this (sizes) splits a region into stretches read one after another.
STRETCH_GAP = 1.2

#: A word this much larger (times the row's median size) than the rest of its row may be a side heading.
SIDE_HEADING_SIZE = 1.2
#: ... set apart from the body text by this (sizes), and under its heading by less than it.
SIDE_HEADING_GAP = 0.8
#: Font sizes differing by less than this (points) are the same size.
SAME_SIZE = 0.5

#: Cells of a borderless table row are separated by gaps wider than this (sizes).
CELL_GAP = 1.2
#: A paragraph with no word of at least this many letters is chart debris (axis ticks, lone numbers).
MIN_WORD_LETTERS = 4

#: The usual line gap of a page is the median of gaps up to USUAL_GAP_MAX sizes between lines of the
#: same size (at least MIN_GAPS of them; else DEFAULT_GAP sizes) ...
USUAL_GAP_MAX = 2.5
MIN_GAPS = 3
DEFAULT_GAP = 0.25
#: ... and a paragraph breaks where the gap exceeds it by PARAGRAPH_GAP sizes (at least
#: PARAGRAPH_GAP_MIN points): clearly more than the usual leading, which varies within a paragraph.
PARAGRAPH_GAP = 0.35
PARAGRAPH_GAP_MIN = 2.0
#: A line whose font size changes by this much (points) from the line before starts a paragraph.
STYLE_SIZE_CHANGE = 0.8
#: A line is bold when this share of its characters is, plain when at most PLAIN_LINE is.
BOLD_LINE = 0.9
PLAIN_LINE = 0.1
#: A line this far (sizes) above the one before jumped back up the page: another region.
JUMP_BACK = 0.5
#: A line left of its list item's first line by more than this (points) ends the item.
ITEM_INDENT = 3
#: The body font size when a document has no text to measure, and the share of bold characters
#: from which the body itself is bold (then bold alone makes no heading).
DEFAULT_BODY_SIZE = 10.0
BOLD_BODY = 0.6

#: A heading has at most HEADING_MAX_LINES lines and HEADING_MAX_WORDS words, and is set at least
#: HEADING_SIZE times the body size, or HEADING_SIZE_STEP points larger when it has at most
#: SHORT_HEADING_WORDS words; or bold in a plain body.
HEADING_MAX_LINES = 3
HEADING_MAX_WORDS = 20
HEADING_SIZE = 1.15
HEADING_SIZE_STEP = 0.8
SHORT_HEADING_WORDS = 8


@dataclass
class Word:
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
class RuledTable:
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
    words: list[Word]
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
        prev: Word | None = None
        for w in ws:
            if prev is not None:
                gap = w.x0 - prev.x1
                if gap > WORD_SPACE and not (w.text[0] in ".,;:!?)]" and gap < PUNCT_GAP * w.size):
                    parts.append(" ")
            parts.append(w.text)
            prev = w
        self.text = "".join(parts)


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]
    tables: list[RuledTable] = field(default_factory=list)


# ----- running headers / footers --------------------------------------------------------------


def _norm_row(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _zone_segments(page: Page) -> list[tuple[str, float, list[Word]]]:
    """Rows in the top and bottom 12% of the page, split where words are far apart."""
    band = page.height * RUNNING_BAND
    zone = [w for w in page.words if w.bottom <= band or w.top >= page.height - band]
    segments: list[tuple[str, float, list[Word]]] = []
    for row in group_rows(zone):
        row.sort(key=lambda w: w.x0)
        current: list[Word] = [row[0]]
        for w in row[1:]:
            if w.x0 - current[-1].x1 > RUNNING_PIECE_GAP * max(w.size, current[-1].size, MIN_FONT_SIZE):
                segments.append(_segment(current))
                current = []
            current.append(w)
        segments.append(_segment(current))
    return segments


def _segment(words: list[Word]) -> tuple[str, float, list[Word]]:
    return " ".join(w.text for w in words), min(w.top for w in words), words


def group_rows(words: list[Word]) -> list[list[Word]]:
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        if rows:
            last = rows[-1]
            ref_top = min(x.top for x in last)
            ref_bottom = max(x.bottom for x in last)
            if ref_top - ROW_TOLERANCE <= w.mid <= ref_bottom + ROW_TOLERANCE:
                last.append(w)
                continue
        rows.append([w])
    return rows


def _remove_running(pages: list[Page]) -> None:
    """Remove page numbers and rows repeated at the same height at the top/bottom of pages."""
    n = len(pages)
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    per_page: list[list[tuple[str, float, list[Word]]]] = []
    for page in pages:
        segs = _zone_segments(page)
        per_page.append(segs)
        for text, top, _ in segs:
            seen[_norm_row(text)].append((page.number, top))
    needed = RUNNING_MIN_PAGES_SHORT if n <= RUNNING_SHORT_DOC else RUNNING_MIN_PAGES
    running: dict[str, list[float]] = {}
    for key, hits in seen.items():
        if not any(c.isalnum() for c in key) and key.strip("#") == "":
            continue
        # cluster by height: a running header sits at (nearly) the same y on every page
        tops = Counter(round(t / RUNNING_BUCKET) for _, t in hits)
        for bucket, _count in tops.most_common():
            near = {p for p, t in hits if abs(t / RUNNING_BUCKET - bucket) <= 1.0}
            if len(near) >= needed and len(near) >= min(n, 2):
                running.setdefault(key, []).append(bucket * RUNNING_BUCKET)
    for page, segs in zip(pages, per_page, strict=True):
        drop: set[int] = set()
        for text, top, words in segs:
            key = _norm_row(text)
            if _PAGE_NUM_RE.match(text.strip()) or any(abs(top - y) <= RUNNING_TOLERANCE for y in running.get(key, [])):
                drop.update(id(w) for w in words)
        if drop:
            page.words = [w for w in page.words if id(w) not in drop]


# ----- reading order -----------------------------------------------------------------------

Box = Any  # Word | RuledTable; both have x0, x1, top, bottom


def _is_numeric_side(items: list[Box]) -> bool:
    words = [b for b in items if isinstance(b, Word)]
    if not words:
        return False
    numeric = sum(1 for w in words if _NUMERIC_TOKEN_RE.match(w.text))
    return numeric / len(words) > NUMERIC_SIDE


def _vertical_cut(items: list[Box], size: float) -> tuple[float, list[Box]] | None:
    """Find a column gutter: an x-range in the middle of the region few items cross.

    Returns the cut x and the items crossing it (those become full-width bands), or ``None``.
    """
    import numpy as np

    rx0 = min(b.x0 for b in items)
    rx1 = max(b.x1 for b in items)
    width = rx1 - rx0
    if width < MIN_CUT_WIDTH or len(items) < MIN_CUT_ITEMS:
        return None
    n = int(width) + 2
    diff = np.zeros(n + 1, dtype=np.int32)
    starts = np.array([int(b.x0 - rx0) for b in items])
    ends = np.array([int(b.x1 - rx0) + 1 for b in items])
    np.add.at(diff, starts, 1)
    np.add.at(diff, np.minimum(ends, n), -1)
    cov = np.cumsum(diff)[:n]
    gap = int(max(MIN_GUTTER, GUTTER_SIZES * size))
    lo, hi = int(width * GUTTER_FROM), int(width * GUTTER_TO) - gap
    if hi <= lo:
        return None
    # max coverage in every window of `gap` points starting in [lo, hi]
    windows = np.lib.stride_tricks.sliding_window_view(cov, gap)[lo:hi]
    wmax = windows.max(axis=1)
    # rows in the region, to judge how many crossings are tolerable
    height = max(b.bottom for b in items) - min(b.top for b in items)
    rows = max(1.0, height / max(size * LINE_PITCH, 1.0))
    strict = max(MIN_CROSSINGS, int(rows * CROSSINGS_STRICT))  # a title or two across the columns, anywhere
    loose = max(strict, int(rows * CROSSINGS_LOOSE))  # full-width lines above/below text that wraps a figure
    levels = sorted({int(v) for v in np.unique(wmax) if v <= loose})
    tried: set[int] = set()
    for level in levels[:CUT_LEVELS]:
        at = np.flatnonzero(wmax <= level)
        runs = np.split(at, np.flatnonzero(np.diff(at) != 1) + 1)
        for run in sorted(runs, key=len, reverse=True)[:CUT_RUNS]:
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


def _peripheral(items: list[Box], crossing: list[Box]) -> bool:
    """True when every crossing item lies above or below all the others (no crossing mid-column)."""
    skip = {id(b) for b in crossing}
    others = [b for b in items if id(b) not in skip]
    if not others:
        return False
    top = min(b.top for b in others)
    bottom = max(b.bottom for b in others)
    return all(b.bottom <= top + 1 or b.top >= bottom - 1 for b in crossing)


def _columns_ok(items: list[Box], crossing: list[Box], cut: float, cov: Any, rx0: float, gap: int) -> bool:
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
        lefts = [min(b.x0 for b in row) for row in group_rows(side)]
        aligned = max(sum(1 for x in lefts if 0 <= x - m <= MARGIN_TOLERANCE) for m in lefts)
        if len(lefts) >= MIN_COLUMN_ROWS:
            if aligned < max(2, MIN_ALIGNED_SHARE * len(lefts)):
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
        if clear < CLEAR_GUTTER * gap:
            return False
    return not (_is_numeric_side(left) or _is_numeric_side(right))


def _bands(items: list[Box], crossing: list[Box]) -> list[list[Box]]:
    """Split items into horizontal bands: rows of crossing items, and the stretches between."""
    spans: list[list[float]] = []
    for b in sorted(crossing, key=lambda b: b.top):
        if spans and b.top <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], b.bottom)
        else:
            spans.append([b.top, b.bottom])
    bands: list[list[Box]] = [[] for _ in range(2 * len(spans) + 1)]
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


def _reading_order(items: list[Box], size: float, depth: int = 0) -> list[list[Box]]:
    """Recursive whitespace cut: regions (leaves) in reading order."""
    if len(items) < 2 or depth > MAX_CUT_DEPTH:
        return [items] if items else []
    cut = _vertical_cut(items, size)
    if cut is not None:
        x, crossing = cut
        if crossing:
            bands = _bands(items, crossing)
            if len(bands) > 1:
                out: list[list[Box]] = []
                for band in bands:
                    out.extend(_reading_order(band, size, depth + 1))
                return out
        else:
            left = [b for b in items if (b.x0 + b.x1) / 2 < x]
            right = [b for b in items if (b.x0 + b.x1) / 2 >= x]
            return _reading_order(left, size, depth + 1) + _reading_order(right, size, depth + 1)
    # no gutter: split at large horizontal gaps and try again inside each stretch
    ordered = sorted(items, key=lambda b: b.top)
    pieces: list[list[Box]] = [[ordered[0]]]
    bottom = ordered[0].bottom
    for b in ordered[1:]:
        if b.top - bottom > STRETCH_GAP * size:
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


#: A side label needs at least this many words of body text beside it in its row.
SIDE_LABEL_BODY_WORDS = 3


def _split_side_labels(rows: list[list[Word]]) -> list[list[Word]]:
    """Take a side label out of the body lines it sits level with, and put it above their paragraph.

    A label set in the margin in a larger font ("What we" / "mean" beside a paragraph, only a few
    points from it, too close for a column gutter) shares rows with the body text and would be read
    into its sentences ("We will work to interrupt the cycle What we of vulnerability by addressing
    the mean risk factors"). A run of words at the start of a row, clearly larger than the rest of
    the row (:data:`SIDE_HEADING_SIZE`), ending before the body words start, with at least
    :data:`SIDE_LABEL_BODY_WORDS` body words after it, is a label: its first line is moved above the
    paragraph its row belongs to (the rows above it that start at the same margin, a line pitch
    apart), and its next line joins it."""
    out: list[list[Word]] = []
    labels: list[tuple[list[Word], float]] = []  # a moved label's first line, and where it ended
    for row in rows:
        row = sorted(row, key=lambda w: w.x0)
        k = 0
        while k < len(row) and len(row) - k > SIDE_LABEL_BODY_WORDS:
            body_size = statistics.median(w.size for w in row[k + 1 :])
            if row[k].size < SIDE_HEADING_SIZE * body_size:
                break
            k += 1
        label, body = row[:k], row[k:]
        if (
            not label
            or any(w.size >= SIDE_HEADING_SIZE * statistics.median(x.size for x in body) for w in body)
            or max(w.x1 for w in label) > min(w.x0 for w in body)
        ):
            out.append(row)
            continue
        size = label[0].size
        recent = [(r, max(w.bottom for w in r)) for r in out[-3:]]  # a label row of its own just above
        for above, bottom in [*reversed(labels[-2:]), *reversed(recent)]:
            if (
                all(abs(x.size - size) < SAME_SIZE for x in above)
                and 0 <= min(w.top for w in label) - bottom < SIDE_HEADING_GAP * size
                and label[0].x0 <= max(x.x1 for x in above) + 2
                and max(w.x1 for w in label) >= min(x.x0 for x in above) - 2  # the two lines overlap
            ):
                # the label's next line: read after its first, wherever that was moved
                x0 = max(x.x1 for x in above) + 0.3 * size
                top = min(x.top for x in above)
                for w in label:
                    above.append(
                        dataclasses.replace(w, x0=x0, x1=x0 + w.x1 - w.x0, top=top, bottom=top + w.bottom - w.top)
                    )
                    x0 += w.x1 - w.x0 + 0.3 * size
                break
        else:
            # the paragraph of this row: rows above it starting at its margin, a line pitch apart
            left = min(w.x0 for w in body)
            height = max(w.bottom for w in body) - min(w.top for w in body)
            pos, top = len(out), min(w.top for w in body)
            while pos > 0:
                prev = out[pos - 1]
                prev_top = min(w.top for w in prev)
                if abs(min(w.x0 for w in prev) - left) > MARGIN_TOLERANCE or top - prev_top > LINE_PITCH * 1.5 * height:
                    break
                pos, top = pos - 1, prev_top
            label_height = max(w.bottom for w in label) - min(w.top for w in label)
            new_top = top - label_height - height
            moved = [dataclasses.replace(w, top=new_top, bottom=new_top + w.bottom - w.top) for w in label]
            out.insert(pos, moved)
            labels.append((moved, max(w.bottom for w in label)))
        out.append(body)
    return out


def _side_heading_words(rows: list[list[Word]]) -> list[list[Word]]:
    """Move the words of a side heading that wrapped beside body text back to its heading.

    A two-line side heading ("What we" / "mean") whose second line sits level with a body line would
    be read into that line ("We will work with our mean communities"). A word clearly larger than the
    rest of its row, set apart from it by a gap, and just under a row of its own size that it overlaps
    horizontally, is read at the end of that row."""
    out: list[list[Word]] = []
    for row in rows:
        body = statistics.median(w.size for w in row)
        moved = []
        for w in row:
            if w.size < SIDE_HEADING_SIZE * body or all(x.size >= SIDE_HEADING_SIZE * body for x in row):
                continue
            near_body = min(
                (abs(x.x0 - w.x1) if x.x0 >= w.x1 else abs(w.x0 - x.x1))
                for x in row
                if x.size < SIDE_HEADING_SIZE * body
            )
            if near_body < SIDE_HEADING_GAP * w.size:
                continue
            for back in range(1, min(3, len(out)) + 1):
                above = out[-back]
                if (
                    all(abs(x.size - w.size) < SAME_SIZE for x in above)
                    and 0 <= w.top - max(x.bottom for x in above) < SIDE_HEADING_GAP * w.size
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


def _lines_of(words: list[Word]) -> list[_Line]:
    rows = _side_heading_words(_split_side_labels(group_rows(words)))
    lines = [_Line(sorted(row, key=lambda w: w.x0)) for row in rows]
    # table-of-contents entries ("Foreword ........ 3") duplicate the headings: drop them
    return [ln for ln in lines if not _DOT_LEADER_RE.search(ln.text)]


def _marker_of(line: _Line) -> str | None:
    """The list marker a line starts with ('•', '1.', '(a)'...), or None."""
    first = line.words[0]
    t = first.text
    if len(line.words) > 1 and ((len(t) == 1 and (t in BULLET_CHARS or first.symbol)) or NUMBER_MARKER.match(t)):
        return t
    if len(t) > 1 and t[0] in GLUED_BULLETS and len(line.words) >= 1:
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
    cells: list[list[Word]] = [[line.words[0]]]
    for w in line.words[1:]:
        if w.x0 - cells[-1][-1].x1 > CELL_GAP * max(w.size, MIN_FONT_SIZE):
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
            style_change = abs(line.size - prev.size) >= STYLE_SIZE_CHANGE or (
                paras[-1].kind != "item"
                and (line.bold >= BOLD_LINE) != (prev.bold >= BOLD_LINE)
                and min(line.bold, prev.bold) <= PLAIN_LINE
            )
            new = (
                gap > gap_limit * (line.size / body_size if body_size else 1.0)
                or gap < -JUMP_BACK * line.size  # jumped back up: a different region
                or style_change
                or marker is not None
                or (paras[-1].kind == "item" and item_indent is not None and line.x0 < item_indent - ITEM_INDENT)
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
    if marker is None or not NUMBER_MARKER.match(marker):
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
    return any(sum(1 for c in tok if c.isalpha()) >= MIN_WORD_LETTERS for tok in text.split())


def _is_heading(para: _Para, body_size: float, body_bold: bool) -> bool:
    text = " ".join(ln.text for ln in para.lines)
    words = text.split()
    if len(para.lines) > HEADING_MAX_LINES or len(words) > HEADING_MAX_WORDS or len(text) < 3:
        return False
    if text[-1] in ".,;:" or not any(c.isalpha() for c in text):
        return False
    first = text.lstrip("\"'“‘(")[:1]
    if not first or first.islower():
        return False
    size = max(ln.size for ln in para.lines)
    bold = min(ln.bold for ln in para.lines) >= BOLD_LINE
    bigger = size >= body_size * HEADING_SIZE or (
        size >= body_size + HEADING_SIZE_STEP and len(words) <= SHORT_HEADING_WORDS
    )
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
            first = f"{marker} {rest}" if NUMBER_MARKER.match(marker) else rest
        lines[0] = first
    return clean(join_lines(lines, vocab))


def page_blocks(pages: list[Page]) -> list[Block]:
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
            vocab.add(word_key(w.text))
    body_size = size_count.most_common(1)[0][0] if size_count else DEFAULT_BODY_SIZE
    body_bold = total_chars > 0 and bold_chars / total_chars > BOLD_BODY

    blocks: list[Block] = []
    for page in pages:
        items: list[Box] = [*page.words, *page.tables]
        if not items:
            continue
        regions = _reading_order(items, body_size)
        region_lines: list[list[_Line] | RuledTable] = []
        gaps: list[float] = []
        for region in regions:
            tables = [b for b in region if isinstance(b, RuledTable)]
            words = [b for b in region if isinstance(b, Word)]
            lines = _lines_of(words) if words else []
            for a, b in zip(lines, lines[1:], strict=False):
                g = b.top - a.bottom
                if -1 < g < USUAL_GAP_MAX * body_size and abs(a.size - b.size) < SAME_SIZE:
                    gaps.append(g)
            entries: list[_Line | RuledTable] = sorted([*tables, *lines], key=lambda e: e.top)
            run: list[_Line] = []
            for entry in entries:
                if isinstance(entry, RuledTable):
                    if run:
                        region_lines.append(run)
                        run = []
                    region_lines.append(entry)
                else:
                    run.append(entry)
            if run:
                region_lines.append(run)
        usual = statistics.median(gaps) if len(gaps) >= MIN_GAPS else DEFAULT_GAP * body_size
        gap_limit = usual + max(PARAGRAPH_GAP_MIN, PARAGRAPH_GAP * body_size)
        for chunk in region_lines:
            if isinstance(chunk, RuledTable):
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
                if prev.kind in ("paragraph", "item") and (prev.text[-1:].isalpha() or prev.text[-1:] in "," + HYPHENS):
                    out[-back] = Block(prev.kind, join_lines([prev.text, b.text], vocab), prev.page)
                    merged = True
                break
            if merged:
                continue
        out.append(b)
    return out


_CAPTION_RE = re.compile(r"^(figure|fig\.|table|chart|graph|source|map|image)\b", re.IGNORECASE)
