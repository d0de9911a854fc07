"""Find a quotation inside a longer text, whatever its cut.

A draft often quotes an earlier document without cutting it where the earlier document's passages
were cut: a sentence lifted out of a long paragraph, a recommendation running over two of the earlier
passages, or a whole earlier recommendation inside a longer paragraph of the draft ("The review
recommended that ... We accept this and will ..."). Whole-passage scores miss these, since the shorter
text is only a part of the longer one.

:func:`quote_alignment` finds where a quotation sits in a text with rapidfuzz's
``partial_ratio_alignment`` over normalised words (case, punctuation and whitespace aside) and maps the
aligned window back to character offsets of the original text, snapped to whole words.

:func:`shared_stretch` finds a partial, edited quotation, where each text holds only a part of the
other ("In your Report, you raised that <a part of the concern, a few words changed>. We ..."): the
stretch of both texts in which they share runs of several words, from rapidfuzz's LCS alignment of
their words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from dedup.text import ASCII_WORD as _WORD

#: A quotation shorter than this many words is no evidence of repetition ("mental health services").
MIN_QUOTE_WORDS = 8
#: ``near-verbatim`` quotation: the aligned window's edit similarity (rapidfuzz partial ratio over
#: normalised words, 0-1) at least this; the same cut as whole passages (``match.NEAR_VERBATIM_RATIO``).
NEAR_VERBATIM_QUOTE = 0.92
#: Word-3-shingle containment of the quotation in the text below which no alignment is attempted
#: (a cheap filter: a near-verbatim quotation keeps most of its three-word phrases).
MIN_SHINGLE_CONTAINMENT = 0.4
#: A partial, edited quotation (:func:`shared_stretch`): the two texts share runs of at least this many
#: words in a row ...
MIN_RUN_WORDS = 4
#: ... at least this many words in such runs, within one stretch of each text ...
MIN_STRETCH_WORDS = 15
#: ... and the runs are at least this share of the two stretches' words together (Dice: 2 x shared /
#: words of both stretches; a quotation with a few words changed, left out or put in).
MIN_STRETCH_SHARE = 0.5


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


@dataclass(frozen=True)
class Stretch:
    """Where two texts share a stretch: ``a[a_start:a_end]`` and ``b[b_start:b_end]`` (whole words).

    ``score`` is the edit similarity of the two stretches (normalised words, 0-1), ``shared`` the words
    they share in runs of :data:`MIN_RUN_WORDS` or more."""

    score: float
    shared: int
    a_start: int
    a_end: int
    b_start: int
    b_end: int


def shared_stretch(a: str, b: str) -> Stretch | None:
    """The stretch of ``a`` and of ``b`` in which they share the most words in runs, or ``None``.

    Each text may hold only a part of the other: a response quoting a part of a concern with a few
    words changed, inside words of its own. The words of the two texts are aligned (longest common
    subsequence); runs of :data:`MIN_RUN_WORDS` or more aligned words in a row are kept; the chain of
    consecutive runs with the most shared words whose share of the two stretches is at least
    :data:`MIN_STRETCH_SHARE` is the stretch, when it shares at least :data:`MIN_STRETCH_WORDS` words
    and the two stretches do not each state figures the other lacks (a template filled with other
    numbers).
    """
    na, nb = _normal(a), _normal(b)
    sa, sb = _shingles(a), _shingles(b)
    # Runs of MIN_RUN_WORDS words sharing MIN_STRETCH_WORDS words share this many word 3-grams at least.
    if len(sa & sb) < MIN_STRETCH_WORDS * (MIN_RUN_WORDS - 2) // MIN_RUN_WORDS:
        return None
    wa, wb = na.text.split(), nb.text.split()
    grown = sorted({_maximal(m.a, m.b, m.size, wa, wb) for m in LCSseq.editops(wa, wb).as_matching_blocks()})
    runs: list[tuple[int, int, int]] = []  # (start in a, start in b, words), in order in both texts
    for r in grown:
        if r[2] < MIN_RUN_WORDS:
            continue
        if runs and _overlap(runs[-1], r):
            if r[2] > runs[-1][2] and (len(runs) < 2 or not _overlap(runs[-2], r)):
                runs[-1] = r  # two runs grown into each other: keep the longer
            continue
        runs.append(r)
    best: tuple[int, float, int, int] | None = None  # shared words, share, first run, last run
    for i in range(len(runs)):
        shared = 0
        for j in range(i, len(runs)):
            shared += runs[j][2]
            span = (runs[j][0] + runs[j][2] - runs[i][0]) + (runs[j][1] + runs[j][2] - runs[i][1])
            share = 2 * shared / span
            if (
                shared >= MIN_STRETCH_WORDS
                and share >= MIN_STRETCH_SHARE
                and (best is None or (shared, share) > best[:2])
            ):
                best = (shared, share, i, j)
    if best is None:
        return None
    shared, _, i, j = best
    a0, a1 = runs[i][0], runs[j][0] + runs[j][2] - 1
    b0, b1 = runs[i][1], runs[j][1] + runs[j][2] - 1
    if _other_figures(a[na.starts[a0] : na.ends[a1]], b[nb.starts[b0] : nb.ends[b1]]):
        return None
    score = fuzz.ratio(" ".join(wa[a0 : a1 + 1]), " ".join(wb[b0 : b1 + 1])) / 100.0
    return Stretch(round(score, 4), shared, na.starts[a0], na.ends[a1], nb.starts[b0], nb.ends[b1])


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*")


def _other_figures(a: str, b: str) -> bool:
    """Whether each stretch states a figure the other does not: a template sentence filled with other
    numbers ("a rate of 347.3 per 100,000" against "a rate of 231.3 per 100,000"), not a quotation."""
    fa = {f.replace(",", "") for f in _FIGURE.findall(a)}
    fb = {f.replace(",", "") for f in _FIGURE.findall(b)}
    return bool(fa - fb) and bool(fb - fa)


def _overlap(r: tuple[int, int, int], later: tuple[int, int, int]) -> bool:
    """Whether a later run (by its start in the first text) starts inside ``r`` in either text."""
    return later[0] < r[0] + r[2] or later[1] < r[1] + r[2]


def _maximal(a: int, b: int, size: int, wa: list[str], wb: list[str]) -> tuple[int, int, int]:
    """An aligned run ``wa[a:a+size] == wb[b:b+size]`` grown while the words before and after agree too:
    the alignment may have matched a word of the run elsewhere ("the" of "the system" with an earlier
    "the"), which cuts the run short."""
    while a > 0 and b > 0 and wa[a - 1] == wb[b - 1]:
        a, b, size = a - 1, b - 1, size + 1
    while a + size < len(wa) and b + size < len(wb) and wa[a + size] == wb[b + size]:
        size += 1
    return a, b, size


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
