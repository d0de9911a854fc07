"""Find a quotation inside a longer text, whatever its cut.

A draft often quotes an earlier document without cutting it where the earlier document's passages
were cut: a sentence lifted out of a long paragraph, a recommendation running over two of the earlier
passages, or a whole earlier recommendation inside a longer paragraph of the draft ("The review
recommended that ... We accept this and will ..."). Whole-passage scores miss these, since the shorter
text is only a part of the longer one.

:func:`quote_alignment` finds where a quotation sits in a text with rapidfuzz's
``partial_ratio_alignment`` over normalised words (case, punctuation and whitespace aside) and maps the
aligned window back to character offsets of the original text, snapped to whole words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from dedup.text import ASCII_WORD as _WORD

#: A quotation shorter than this many words is no evidence of repetition ("mental health services").
MIN_QUOTE_WORDS = 8
#: ``near-verbatim`` quotation: the aligned window's edit similarity (rapidfuzz partial ratio over
#: normalised words, 0-1) at least this; the same cut as whole passages (``match.NEAR_VERBATIM_RATIO``).
NEAR_VERBATIM_QUOTE = 0.92
#: Word-3-shingle containment of the quotation in the text below which no alignment is attempted
#: (a cheap filter: a near-verbatim quotation keeps most of its three-word phrases).
MIN_SHINGLE_CONTAINMENT = 0.4


@dataclass(frozen=True)
class _Normal:
    text: str  # lower-cased words joined by single spaces
    starts: tuple[int, ...]  # each word's offsets in the original text
    ends: tuple[int, ...]
    norm_starts: tuple[int, ...]  # each word's offset in ``text``


@lru_cache(maxsize=8192)
def _normal(text: str) -> _Normal:
    # Lower-case character by character so offsets stay those of the original text.
    low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text).replace("\u2019", "'").replace("\u2018", "'")
    starts, ends, norm_starts, words = [], [], [], []
    pos = 0
    for m in _WORD.finditer(low):
        starts.append(m.start())
        ends.append(m.end())
        norm_starts.append(pos)
        words.append(m.group())
        pos += len(m.group()) + 1
    return _Normal(" ".join(words), tuple(starts), tuple(ends), tuple(norm_starts))


def words(text: str) -> int:
    return len(_normal(text).starts)


@lru_cache(maxsize=8192)
def _shingles(text: str) -> frozenset[str]:
    w = _normal(text).text.split()
    if len(w) < 3:
        return frozenset([" ".join(w)]) if w else frozenset()
    return frozenset(" ".join(w[i : i + 3]) for i in range(len(w) - 2))


def containment(quote: str, text: str) -> float:
    """Share of the quotation's word 3-grams found in ``text``, in [0, 1]."""
    q = _shingles(quote)
    return len(q & _shingles(text)) / len(q) if q else 0.0


@dataclass(frozen=True)
class Alignment:
    """Where a quotation sits in a text: ``text[start:end]`` (whole words), with its similarity."""

    score: float  # 1.0: the quotation's words appear in order, unchanged
    start: int
    end: int

    @property
    def verbatim(self) -> bool:
        return self.score >= 1.0


def quote_alignment(quote: str, text: str, *, min_words: int = MIN_QUOTE_WORDS) -> Alignment | None:
    """Where ``quote`` appears in ``text``, word for word or nearly, or ``None``.

    ``None`` when the quotation has fewer than ``min_words`` words, is longer than the text, or its
    best-aligned window is less similar than :data:`NEAR_VERBATIM_QUOTE`.
    """
    q, t = _normal(quote), _normal(text)
    if len(q.starts) < min_words or len(q.text) > len(t.text):
        return None
    if containment(quote, text) < MIN_SHINGLE_CONTAINMENT:
        return None
    exact = f" {t.text} ".find(f" {q.text} ")
    if exact >= 0:
        first = t.norm_starts.index(exact)
        last = first + len(q.starts) - 1
        return Alignment(1.0, t.starts[first], _closing(quote, text, t.ends[last]))
    found = fuzz.partial_ratio_alignment(q.text, t.text, score_cutoff=NEAR_VERBATIM_QUOTE * 100)
    if found is None:
        return None
    # Snap the window to whole words: the first word that ends inside it, the last that starts inside it.
    first = next((i for i, s in enumerate(t.norm_starts) if s + (t.ends[i] - t.starts[i]) > found.dest_start), 0)
    last = max((i for i, s in enumerate(t.norm_starts) if s < found.dest_end), default=len(t.starts) - 1)
    if last < first:
        return None
    # The window has the quotation's length in characters; an edit that shortens or lengthens the
    # quotation shifts its ends by a word: keep the neighbouring word bounds that align best.
    words_t = t.text.split()
    candidates = [
        (fuzz.ratio(q.text, " ".join(words_t[i : j + 1])), -abs(i - first) - abs(j - last), i, j)
        for i in range(max(0, first - 1), min(len(words_t), first + 2))
        for j in range(max(i, last - 1), min(len(words_t), last + 2))
    ]
    _, _, first, last = max(candidates)
    return Alignment(round(found.score / 100.0, 4), t.starts[first], _closing(quote, text, t.ends[last]))


_CLOSING = ".,;:!?)]\"'\u201d\u2019"


def _closing(quote: str, text: str, end: int) -> int:
    """``end`` moved past the punctuation that closes the quotation in ``text`` when the quotation
    ends with punctuation too (so a quoted sentence keeps its full stop)."""
    tail = quote.rstrip()
    if not tail or tail[-1] not in _CLOSING:
        return end
    while end < len(text) and text[end] in _CLOSING:
        end += 1
    return end
