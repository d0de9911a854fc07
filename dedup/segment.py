"""Cut extracted blocks into passages and recognise recommendations.

Three jobs, all deterministic and offline:

* :func:`page_texts` rebuilds the text of each page from its blocks (joined by a blank line); every
  passage's ``start``/``end`` are offsets into these strings.
* :func:`segment` turns blocks into :class:`~dedup.models.PassageDraft` s of whole sentences
  (sentences come from :func:`split_sentences`, i.e. pysbd).
* :func:`classify` says whether a text is a ``"recommendation"`` (a recommendation, commitment or
  action) or ``"other"``, with a small explainable rule set (see ``_sentence_kind``).

Passage rules (see ``segment``):

* A heading ends the current passage; its text becomes ``heading`` of the passages below it (until the
  next heading, across pages). A heading is not a passage itself.
* A list item is its own passage (split by sentences only when it is longer than ``max_words``).
* A table block is one passage, cut after ``max_words`` words, always of kind ``"other"``.
* A paragraph is split into sentences and each sentence is classified. Consecutive sentences of the same
  kind form a run; runs are packed into passages of at most ``max_words`` words. So a recommendation
  sentence in the middle of a long paragraph of prose gets a passage of its own instead of being drowned
  in context. A very short "other" run (a connective sentence) is folded into the neighbouring run.
* A short or unfinished "other" paragraph continues into the next paragraph of the same page and section
  (a lead-in, or a paragraph the extractor broke in two), as long as the passage stays under ``max_words``.
* No passage starts a sentence in lower case where the text says where it belongs: a "sentence" pysbd
  split off before a lower-case word ("e.g. ...", an "o" bullet, a web address) stays with the one
  before it; a paragraph carries on over a page break, a footnote, a semicolon, or into the table row
  whose first cell wrapped; a heading that opens a sentence ("Life expectancy has increased but") is
  joined to the paragraph that ends it, and a fragment under a label heading ("PREVENTING WELL" +
  "risk of dementia is minimised.") carries the heading, as a list of fragments does. A quotation that
  starts in lower case is the source's own text and stays a passage of its own.
* A passage that runs over a page break has ``page_end``; otherwise its span indexes one page's text.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dedup.models import Block, PassageDraft, PassageKind
from dedup.text import LABEL as _LABEL
from dedup.text import LABEL_PREFIX as _LABEL_PREFIX
from dedup.text import LEAD_MARKERS as _LEAD
from dedup.text import LIST_MARK_ONLY as _LIST_MARK_ONLY
from dedup.text import NUMBERED as _NUMBERED
from dedup.text import NUMBERED_HEADING as _NUMBERED_HEADING
from dedup.text import keep_hyphen, word_key

BLOCK_SEPARATOR = "\n\n"

# A run of "other" sentences shorter than this many words inside a paragraph is folded into a neighbour.
MIN_RUN_WORDS = 8
# A paragraph passage shorter than this may continue into the next paragraph (same page and heading).
MIN_PASSAGE_WORDS = 25
# pysbd is super-linear on very long strings: longer texts are fed to it in pieces of about this size.
_CHUNK_CHARS = 5000

RECOMMENDATION: PassageKind = "recommendation"
OTHER: PassageKind = "other"


# --------------------------------------------------------------------------------------------------
# Page texts
# --------------------------------------------------------------------------------------------------


def _layout(blocks: list[Block]) -> tuple[dict[int, str], list[int]]:
    """Page texts and, for each block, the offset of its text inside its page's text."""
    parts: dict[int, list[str]] = {}
    lengths: dict[int, int] = {}
    offsets: list[int] = []
    for block in blocks:
        if block.page in parts:
            lengths[block.page] += len(BLOCK_SEPARATOR)
            parts[block.page].append(BLOCK_SEPARATOR)
        else:
            parts[block.page] = []
            lengths[block.page] = 0
        offsets.append(lengths[block.page])
        parts[block.page].append(block.text)
        lengths[block.page] += len(block.text)
    return {page: "".join(chunks) for page, chunks in parts.items()}, offsets


def page_texts(blocks: list[Block]) -> dict[int, str]:
    """Each page's text: the texts of that page's blocks, in order, joined by a blank line."""
    return _layout(blocks)[0]


# --------------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _language() -> Any:
    """pysbd's English, its abbreviation pass skipped on lines it cannot change.

    That pass (half of pysbd's time on short passages) tries each of its 188 abbreviations with
    regexes compiled on the fly, but only ever replaces a full stop right after an abbreviation that
    follows whitespace or starts the line. A line with no such "abbr." (one combined regex, any case,
    as pysbd matches) and none of the abbreviations that contain regex characters ("e.g", "u.s", which
    pysbd matches loosely, so they always take its own pass) comes out unchanged; every other line takes
    pysbd's own pass."""
    from pysbd.lang.english import English

    abbreviations = [a.strip() for a in English.Abbreviation.ABBREVIATIONS]
    literal = [a for a in abbreviations if re.escape(a) == a]
    loose = [a for a in abbreviations if re.escape(a) != a]
    period_after = re.compile(r"(?:^|\s)(?:" + "|".join(literal) + r")\.", re.IGNORECASE)

    class Replacer(English.AbbreviationReplacer):
        def search_for_abbreviations_in_string(self, text: str) -> str:
            lowered = text.lower()
            if period_after.search(text) is None and not any(a in lowered for a in loose):
                return text
            return str(super().search_for_abbreviations_in_string(text))

    class Language(English):
        AbbreviationReplacer = Replacer

    return Language


#: A text pysbd has nothing to decide in: no sentence-ending mark before its end, no line break, list
#: bullet, bracket, colon or semicolon; one sentence as it stands. pysbd's abbreviation and list rules
#: take most of its time (60% of an ingest of short passages); this text needs none of them.
_ONE_SENTENCE = re.compile(r"[^.!?\u2026\n\r\u2022;:()\[\]]*[.!?\u2026]?\s*")


def _pysbd_sentences(text: str) -> list[str]:
    """pysbd's sentences of ``text``.

    ``Segmenter.segment`` re-finds every sentence in the text with a fresh regex (slow, and it silently
    drops a sentence it cannot find); we map sentences back ourselves, so call its processor directly
    (with :func:`_language`, the same rules with a quicker abbreviation pass).
    """
    if _ONE_SENTENCE.fullmatch(text):
        return [text]
    from pysbd.processor import Processor

    return [str(s) for s in Processor(text, _language(), char_span=False).process()]


_LONE_NEWLINE = re.compile(r"(?<!\n)\n(?!\n)")


_LIKELY_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[A-Z0-9“\"(])")


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """Cut ``text`` into pieces pysbd handles quickly, at blank lines or sentence-like ends."""
    start = 0
    while len(text) - start > _CHUNK_CHARS:
        window = text[start : start + _CHUNK_CHARS]
        cut = window.rfind("\n\n")
        if cut < _CHUNK_CHARS // 2:
            ends = [m.end() for m in _LIKELY_END.finditer(window, _CHUNK_CHARS // 2)]
            cut = ends[-1] if ends else window.rfind(" ")
        if cut <= 0:
            cut = _CHUNK_CHARS
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def _nonspace_end(text: str, pos: int, count: int) -> int:
    """Offset just after the ``count``-th non-whitespace character at or after ``pos``."""
    seen = 0
    while pos < len(text) and seen < count:
        if not text[pos].isspace():
            seen += 1
        pos += 1
    return pos


def _raw_spans(text: str) -> list[tuple[int, int]]:
    """pysbd's sentences mapped back to offsets in ``text`` (gaps not yet repaired)."""
    # A lone line break inside a block is layout, not a sentence end: pysbd sees a space instead
    # (same length, so offsets are unchanged). Blank lines stay, and stay boundaries.
    norm = _LONE_NEWLINE.sub(" ", text)
    spans: list[tuple[int, int]] = []
    for base, piece in _chunks(norm):
        cursor = 0
        for sentence in _pysbd_sentences(piece):
            core = sentence.strip()
            if not core:
                continue
            found = piece.find(core, cursor)
            if found < 0 or found - cursor > len(sentence) + 10:
                # pysbd changed the text (it rarely does with clean=False): align on non-space characters.
                while cursor < len(piece) and piece[cursor].isspace():
                    cursor += 1
                found = cursor
                end = _nonspace_end(piece, found, sum(not c.isspace() for c in core))
            else:
                end = found + len(core)
            if end > found:
                spans.append((base + found, base + end))
                cursor = end
    return spans


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, by pysbd.

    Spans are in order, do not overlap, carry no leading or trailing whitespace, and together cover every
    non-whitespace character of ``text`` (anything pysbd drops is attached to the previous sentence).
    A bare list marker ("3.", "(b)", "•") is joined to the sentence after it.
    """
    if not text.strip():
        return []
    spans = _raw_spans(text)
    # Repair coverage: stretch each span to the start of the next one, so no text is lost.
    bounds = [s for s, _ in spans] + [len(text)]
    bounds[0] = 0
    repaired: list[tuple[int, int]] = []
    for i in range(len(spans)):
        start, end = bounds[i], max(spans[i][1], bounds[i + 1])
        start, end = _strip_span(text, start, min(end, bounds[i + 1]))
        if end > start:
            repaired.append((start, end))
    # Join bare list markers to the following sentence.
    merged: list[tuple[int, int]] = []
    for start, end in repaired:
        if merged and _LIST_MARK_ONLY.match(text[merged[-1][0] : merged[-1][1]]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _words(text: str) -> int:
    return len(text.split())


def _word_cut(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` at whitespace into pieces of at most ``max_words`` words.

    A cut goes, within the last quarter of a piece, after a word that ends a sentence (a run of
    quotations pysbd took for one sentence), else before a capitalised word, so that no piece starts
    in the middle of a phrase ("Drug and | alcohol services")."""
    words = [m.span() for m in re.finditer(r"\S+", text[start:end])]
    pieces = []
    first = 0
    while first < len(words):
        cut = min(first + max_words, len(words))
        if cut < len(words):
            window = range(cut, max(first + 1, cut - max_words // 4) - 1, -1)
            starts = [j for j in window if _SENTENCE_START.match(text, start + words[j][0])]
            ended = [j for j in starts if _ends_sentence(text[start + words[j - 1][0] : start + words[j - 1][1]])]
            cut = (ended or starts or [cut])[0]
        pieces.append((start + words[first][0], start + words[cut - 1][1]))
        first = cut
    return pieces


# A word that may start a sentence: a capital or a digit, perhaps after quotation marks or a bracket.
_SENTENCE_START = re.compile(r"[\"“‘'(\[]*[A-Z0-9]")


# --------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------

# Explicit recommendation wording: "Recommendation 3:", "We recommend", "it is recommended", "recommends that".
_EXPLICIT = re.compile(
    r"""(?:^(?:recommendation|action|key\s+action|priority|commitment)\s*\d+[a-z]?\b)
      | \bwe\s+(?:would\s+|strongly\s+|also\s+|therefore\s+)*recommend
      | \b(?:is|are|be)\s+(?:strongly\s+|also\s+)?recommended\b
      | \brecommend(?:s|ed)?\s+(?:that|the|a|an|all|to|further|more|increased|further|developing|using)\b
      | \brecommend(?:s|ed)?\s*:
      | \bproposals?\s+to\b | \bwe\s+propose\b | \b(?:is|are)\s+proposed\s+(?:that|to)\b""",
    re.I | re.X,
)

# Commitments by the authors or named bodies: a body committing itself to act ("we will", "the
# Council will", "we are committed to", "a crisis line will be established"), as opposed to
# recommending that someone should. One pattern serves the classifier and ``is_commitment``.
_BODY = (
    r"(?:we|the\s+(?:\w+\s+){0,2}(?:board|council|partnership|ccg|icb|trust|group|strategy|plan|system|"
    r"authority|commissioners|partners|government|nhs|department|service|alliance|organisation)|partners|"
    r"commissioners|this\s+(?:strategy|plan|partnership|board|action\s+plan)|our\s+(?:partners|organisations|"
    r"services|partnership))"
)
_COMMITMENT = re.compile(
    r"\b(?:are|is|remain|remains)\s+(?:fully\s+|firmly\s+)?committed\s+to\b"
    r"|\bwe\s+(?:also\s+|therefore\s+|now\s+)?(?:commit|pledge|intend|propose|aim|plan|want)\s+to\b"
    r"|\bwe\s+(?:are|remain)\s+(?:determined|going)\s+to\b"
    r"|\bour\s+(?:aim|ambition|priority|priorities|commitment|goal|vision)\s+(?:is|are|will\s+be)\s+(?:to|that)\b"
    r"|\bour\s+(?:commitment|pledge)s?\b"
    r"|\bwill\s+be\s+(?:developed|established|introduced|made\s+available|published|commissioned|set\s+up|"
    r"produced|implemented|rolled\s+out|embedded|expanded|strengthened|reviewed\s+(?:annually|regularly|every))\b"
    rf"|\b{_BODY}\s+(?:\w+ly\s+|also\s+|therefore\s+|now\s+)?(?:will|shall|are\s+going\s+to|intend\s+to|"
    r"plan\s+to|(?:are|is)\s+committed\s+to|commit\s+to|pledge\s+to|aim\s+to)\b(?!\s+not\s+be\s+able)",
    re.I,
)

# Modal obligations: "X should ...", "must", "needs to", "ought to".
_MODAL = re.compile(
    r"\b(?:should|must|ought\s+to|shall"
    r"|(?<!\bthe\s)(?<!\ba\s)(?<!\bno\s)(?<!\bany\s)(?<!\btheir\s)(?<!\bof\s)(?<!\bon\s)(?<!\bfor\s)"
    r"(?<!\bin\s)(?<!\bto\s)(?<!\bthis\s)(?<!\bclear\s)(?<!\bgreater\s)(?<!\bgrowing\s)needs?\s+to)\b"
    r"(?!\s+have\b)(?!\s+not\s+have\s+been\b)",
    re.I,
)
# ... but not "should they ...", "It should be noted that", "I must say", "should have been".
_MODAL_EXCLUDE = re.compile(
    r"^\s*should\b|[,;(]\s*should\s+(?:they|he|she|it|you|we|this|there|the|a|any)\b"
    r"|\bit\s+(?:should|must)\s+(?:also\s+)?be\s+(?:noted|remembered|borne\s+in\s+mind|stressed|emphasi[sz]ed|"
    r"highlighted|pointed\s+out|acknowledged|said|added|mentioned)\b"
    r"|\b(?:I|you|he|she)\s+(?:really\s+)?(?:should|must|need\s+to|ought)\b"
    # data caveats: "figures should be interpreted with caution"
    r"|\bshould\s+(?:\w+\s+)?be\s+(?:taken|interpreted|treated|viewed|read|used)\s+with\s+"
    r"(?:a\s+(?:degree|level)\s+of\s+|some\s+|great\s+|extreme\s+)?caution"
    r"|\bshould\s+(?:\w+\s+)?be\s+(?:viewed|regarded|treated|considered|seen)\s+as\s+(?:provisional|indicative|"
    r"an?\s+estimate|estimates|experimental)"
    # comparisons: "shorter than they should be"
    r"|\bthan\s+(?:they|it|we|he|she|this|these|those)\s+(?:should|must|need\s+to)\b"
    r"|\bshould\s+not\s+be\s+compared\b"
    # "the support they need to achieve ..." is a need, not an obligation
    r"|\b(?:support|help|care|information|skills|tools|services|resources|treatment)\s+(?:that\s+)?"
    r"(?:they|people|we|you|he|she|families|carers)\s+need\s+to\b",
    re.I,
)
# Reported views: "respondents felt that more should be done" is a finding, not the document's advice.
_REPORTED = re.compile(
    r"(?<!\bwe\s)\b(?:felt|feel|feels|thought|believed?|believes|suggest(?:ed|s|ions?)?|argued?|argues|said|"
    r"says|commented|expressed|wanted|wished|would\s+like|hoped|consensus|perceived|perception|told|advised|"
    r"articulated|discussed|(?:reported|views?|opinions?|concerns?|concerned|conclusion|decision|noted|agreed|"
    r"decided|proposed|required|requires|highlighted|stressed|emphasi[sz]ed|indicated|mentioned|described|considered|recognised|recognized|acknowledged)\s+"
    r"(?:(?:was|were|had|has|been|made|taken)\s+)*that"
    # an indirect question: "unclear as to whether this policy should apply", "confusion about who should"
    r"|whether|(?:about|as\s+to|on|decide|know|unclear|confusion|uncertain)\s+(?:who|what|when|how|where|which))\b",
    re.I,
)

_QUOTE_START = re.compile(r"^\s*[\"“‘'«]")
_QUESTION = re.compile(r"\?\s*[\"”’')\]]*\s*$")
_REFERENCE = re.compile(
    r"\bet\s+al\b|https?://|www\.|\bdoi\b|\bretrieved\s+from\b|\bISBN\b|\(\s*(?:19|20)\d\d\s*\)\s*[.,]"
    r"|^\s*\d{1,3}\s+[A-Z][a-z]+,\s+[A-Z]\.",
)
_META = re.compile(
    r"^\s*(?:this|the\s+following|these)\s+(?:chapter|section|report|document|table|figure|appendix|page)s?\b"
    r"|^\s*there\s+(?:are|were)\s+\d+\s+recommendations"
    r"|^\s*(?:figure|table|chart|source|note)s?\s*\d*\s*[:.]",
    re.I,
)
_STATISTIC = re.compile(
    r"\d\s?%|\bper\s?cent\b|\b(?:rate|rates|number|numbers|proportion|prevalence)\s+of\b.*\b(?:was|were|is|are|"
    r"increased|decreased|rose|fell)\b|\b\d{2,}(?:,\d{3})*\s+(?:people|patients|cases|deaths|children|adults|"
    r"young\s+people|referrals|admissions)\b",
    re.I,
)
# A full declarative sentence ("Individuals who self-harm have a higher risk ...", "The service is run
# by ...") states a fact even under an action heading; the heading vouches only for action phrases
# ("Joined up commissioning for ...", "More people receiving a diagnosis").
_DECLARATIVE = re.compile(
    r"^\W*(?:[\w'’\-]+\s+){1,8}?(?:is|are|has|have|can|may|tend|tends|remains?|appears?|shows?|indicates?)\b(?!\s+to\s+be\s+(?:developed|agreed))",
    re.I,
)
_PAST_DESCRIPTION = re.compile(r"\b(?:was|were|had\s+been|has\s+been)\b", re.I)

# Headings of sections whose items and short statements are actions.
_ACTION_HEADING = re.compile(
    r"\brecommend|\bactions?\b|\bpriorit(?:y|ies)\b|\bwhat\s+we\s+will\b|\bwe\s+will\b|\bhow\s+we\s+will\b"
    r"|\bour\s+(?:commitments?|pledges?|goals|aims|ambitions|objectives|plans?|intentions)\b|\bnext\s+steps\b"
    r"|\bkey\s+asks\b|\bcall(?:ing|s)?\s+for\b|\bareas?\s+(?:for|of)\s+focus\b|\bcommitments?\b|\bobjectives\b|\bwhat\s+needs\s+to\b"
    r"|\bwhat\s+(?:should|must)\b|\bthe\s+way\s+forward\b|\bimplementation\s+plan\b",
    re.I,
)
_NOT_ACTION_HEADING = re.compile(
    r"\b(?:issues?|challenges?|findings?|background|context|evidence|summary\s+of\s+(?:data|evidence)|"
    r"progress|achievements?|what\s+we\s+(?:heard|found|know))\b",
    re.I,
)

# Verbs that open an action bullet ("Develop a ...", "Ensure ...", "Improve access to ...").
_IMPERATIVES = frozenset(
    """
    address adopt agree align allocate assess audit build champion clarify co-produce coproduce collaborate
    collect commission communicate consider continue coordinate co-ordinate create deliver design develop
    embed empower enable encourage engage enhance ensure equip establish evaluate expand explore extend
    facilitate focus foster further gather generate give help identify implement improve include increase
    integrate introduce invest involve launch listen maintain make map maximise minimise mobilise
    monitor offer optimise pilot prioritise produce promote protect provide publish raise recognise
    recruit reduce refresh reinforce renew resource respond review roll scope seek set share
    simplify strengthen streamline support sustain tackle target train undertake update upskill use work
    incorporate keep adapt advocate apply broaden cascade challenge combine complete conduct connect deepen
    define disseminate educate eliminate formalise investigate link measure mitigate modernise nurture
    organise plan prepare redesign reform remove require restructure revise safeguard secure signpost
    standardise transform utilise widen
    employ appoint fund hire stop start end ban phase replace bring join open halve double cut abolish
    guarantee expect enforce
    """.split()
)
# Of those, the ones that are also common nouns ("Support for carers is ...", "Review of ...").
_NOUN_TOO = frozenset(
    "increase reduce review support work use target map audit share offer focus help "
    "commission design scope update launch pilot plan link challenge reform fund start end cut ban "
    "double open foster".split()
)
_NOUN_FOLLOWERS = re.compile(
    r"^\s*(?:of|in|for|is|was|are|were|has|had|from|levels?|rates?|services?|workers?|staff|team|groups?|"
    r"plans?|needs?|networks?|officers?|offered|provided|given|received|available|parents?|carers?|families|"
    r"children|care|placements?|and\s+\w+\s+(?:is|are|was|were))\b",
    re.I,
)


@dataclass(frozen=True)
class _Clue:
    kind: PassageKind
    rule: str


def _strip_lead(text: str) -> str:
    text = _LEAD.sub("", text, count=1)
    return text


def _first_word_imperative(body: str) -> bool:
    # A short title before a colon ("Improving services and support: Ensure people get ...") is skipped.
    body = re.sub(r"^[A-Z][\w,&'’ -]{0,60}:\s+(?=[A-Z])", "", body, count=1)
    match = re.match(r"\s*([A-Za-z][A-Za-z\-]*)(.*)", body, re.S)
    if not match:
        return False
    word, rest = match.group(1), match.group(2)
    if word == "To":  # an objective: "To support and strengthen primary care provision ..."
        match = re.match(r"\s+([a-z][a-z\-]*)(.*)", rest, re.S)
        if not match:
            return False
        word, rest = match.group(1).capitalize(), match.group(2)
    if not word[0].isupper():
        return False
    low = word.lower()
    if low not in _IMPERATIVES:
        return False
    if low in _NOUN_TOO and _NOUN_FOLLOWERS.match(rest):
        return False
    if low == "further":  # "Further develop ..." is an action, "Further, there was ..." is not
        follower = re.match(r"\s+([a-z]+)", rest)
        return follower is not None and follower.group(1) in _IMPERATIVES
    if low == "work" and not re.match(r"\s+(?:with|together|across|in\s+partnership|closely|to)\b", rest, re.I):
        return False
    # "Use of ..." / "Support for ..." style noun phrases, and a finite verb right after: "Support is ..."
    return not re.match(r"\s+(?:is|are|was|were|has|have|had|will|can|may)\b", rest, re.I)


def _explain(sentence: str, heading: str = "") -> _Clue:
    """Classify one sentence and name the rule that decided (for tests and debugging)."""
    text = " ".join(sentence.split())
    if _words(text) < 3:
        return _Clue(OTHER, "too short")
    if _QUESTION.search(text):
        return _Clue(OTHER, "question")
    if text.endswith(":") and _words(text) < 15:
        return _Clue(OTHER, "lead-in")
    if _REFERENCE.search(text):
        return _Clue(OTHER, "reference")
    body = _strip_lead(text)
    quoted = bool(_QUOTE_START.match(body))
    if re.match(r"(?:how|what|where|when|why)\s+we\s+will\b", body, re.I) and not _ends_sentence(body):
        return _Clue(OTHER, "title")
    if _COMMITMENT.search(body) and not (quoted and re.search(r"\bwe\b", body, re.I)):
        return _Clue(RECOMMENDATION, "commitment")
    if quoted:
        return _Clue(OTHER, "quotation")
    if _EXPLICIT.search(body):
        return _Clue(RECOMMENDATION, "explicit")
    if _LABEL.match(body):
        return _Clue(RECOMMENDATION, "label")
    for modal in _MODAL.finditer(body):
        if _MODAL_EXCLUDE.search(body[max(0, modal.start() - 40) : modal.end() + 40]):
            continue
        if _REPORTED.search(body[: modal.start()]):
            return _Clue(OTHER, "reported view")
        return _Clue(RECOMMENDATION, "modal")
    if _META.search(body):
        return _Clue(OTHER, "meta")
    if _first_word_imperative(body):
        return _Clue(RECOMMENDATION, "imperative")
    if (
        heading
        and _ACTION_HEADING.search(heading)
        and not _NOT_ACTION_HEADING.search(heading)
        and _words(body) <= 80
        and not _STATISTIC.search(body)
        and not _REPORTED.search(body)
        and not _PAST_DESCRIPTION.search(body)
        and not _DECLARATIVE.match(body)
        and not body[:1].islower()  # a fragment continuing an earlier line ("are offered an assessment ...")
        and "•" not in body[1:]  # bullets inside the text: an infographic's scattered labels
    ):
        return _Clue(RECOMMENDATION, "action heading")
    return _Clue(OTHER, "no cue")


def classify(text: str, heading: str = "") -> PassageKind:
    """``"recommendation"`` if ``text`` recommends or commits to an action, else ``"other"``.

    A text of several sentences is a recommendation when any of its sentences is. ``heading`` is the
    heading of the section the text sits in: under "Recommendations", "Actions", "Our priorities",
    "What we will do" and the like, a short statement counts as an action unless it is a statistic, a
    reported view or a description of the past.

    Rules, first match wins (per sentence): questions, short lead-ins ending in ":" and references are
    "other"; a commitment ("we will", "the Board will", "we are committed to") is a recommendation; a
    quotation (testimony) is "other"; explicit wording ("Recommendation 3", "we recommend", "it is
    recommended") is a recommendation; a modal obligation ("should", "must", "needs to", "ought to") is a
    recommendation unless it is a reported view ("respondents felt more should be done": the document
    reports an opinion, it does not recommend), a conditional ("should they"), a hedge ("it should be
    noted") or about the past ("should have"); a sentence opening with an imperative verb ("Develop",
    "Ensure", "Improve") is a recommendation; then the section heading rule above.
    """
    if not text.strip():
        return OTHER
    spans = split_sentences(text) if _words(text) > 12 else [(0, len(text))]
    for start, end in spans:
        if _explain(text[start:end], heading).kind == RECOMMENDATION:
            return RECOMMENDATION
    return OTHER


# --------------------------------------------------------------------------------------------------
# Segmentation
# --------------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    page: int
    start: int
    end: int
    kind: PassageKind
    heading: str
    words: int
    page_end: int = 0  # the last page, when the passage runs over a page break (``end`` indexes its text)
    text: str | None = None  # the passage's text when it is not one slice of a page (see ``segment``)
    label: str = ""  # "Recommendation 4": the numbered label the passage sits under


def _pack(spans: list[tuple[int, int]], counts: list[int], max_words: int) -> list[tuple[int, int, int]]:
    """Group consecutive spans into pieces of at most ``max_words`` words, sized evenly.

    Returns ``(first index, last index + 1, words)`` per piece.
    """
    total = sum(counts)
    if total <= max_words:
        return [(0, len(spans), total)]
    target = total / math.ceil(total / max_words)
    pieces: list[tuple[int, int, int]] = []
    first, words = 0, 0
    for i, count in enumerate(counts):
        if i > first and (words + count > max_words or words + count / 2 > target):
            pieces.append((first, i, words))
            first, words = i, 0
        words += count
    pieces.append((first, len(spans), words))
    return pieces


def _sentence_units(text: str, max_words: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text``, with any sentence over ``max_words`` cut at whitespace.

    A "sentence" that starts in lower case ("e.g. one-to-one support", a web address after "QS34",
    "o becoming better equipped" after an "o" bullet) is a false split: it stays with the sentence
    before it, while the two fit in ``max_words``."""
    units: list[tuple[int, int]] = []
    for start, end in split_sentences(text):
        if units and _LOWER_START.match(text[start:end]) and _words(text[units[-1][0] : end]) <= max_words:
            units[-1] = (units[-1][0], end)
            continue
        if _words(text[start:end]) > max_words:
            units.extend(_word_cut(text, start, end, max_words))
        else:
            units.append((start, end))
    return units


# Text that starts in lower case, after any punctuation, brackets or bullets: not a sentence start.
_LOWER_START = re.compile(r"^\W*[a-z]")


def _runs(text: str, units: list[tuple[int, int]], heading: str) -> list[tuple[PassageKind, list[int]]]:
    """Consecutive sentences of the same kind, with very short "other" runs folded into a neighbour.

    A numbered recommendation ("Recommendation 3: ...") always starts a new run, so two numbered
    recommendations in one paragraph never share a passage."""
    runs: list[tuple[PassageKind, list[int]]] = []
    fresh: set[int] = set()  # indices of runs that must not be merged into the run before them
    # The section heading ("Our recommendations") vouches for a block only when none of its sentences
    # carries its own cue; otherwise the sentences beside a cued one are context ("At present ...").
    own = [_explain(text[s:e]).kind for s, e in units]
    kinds = own if RECOMMENDATION in own else [_explain(text[s:e], heading).kind for s, e in units]
    for i, (start, end) in enumerate(units):
        kind = kinds[i]
        numbered = bool(_NUMBERED.match(text[start:end]))
        if runs and runs[-1][0] == kind and not numbered:
            runs[-1][1].append(i)
        else:
            if numbered:
                fresh.add(len(runs))
            runs.append((kind, [i]))

    def words(run: tuple[PassageKind, list[int]]) -> int:
        return sum(_words(text[units[i][0] : units[i][1]]) for i in run[1])

    folded: list[tuple[PassageKind, list[int]]] = []
    for n, run in enumerate(runs):
        if folded and run[0] == OTHER and words(run) < MIN_RUN_WORDS:
            folded[-1][1].extend(run[1])
        elif folded and n not in fresh and folded[-1][0] == OTHER and words(folded[-1]) < MIN_RUN_WORDS:
            folded[-1] = (run[0], folded[-1][1] + run[1])
        elif folded and n not in fresh and folded[-1][0] == run[0]:
            folded[-1][1].extend(run[1])
        else:
            folded.append(run)
    return folded


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?:;][\"”’')\]]*\s*$", text))


# A paragraph that ends mid-sentence continues on the next page when the next page opens with a
# lower-case word, or when it stopped on a comma, a hyphen or a word that cannot end a sentence.
_OPEN_END = re.compile(
    r"(?:[,\-\u00ad\u2010\u2011]|\b(?:the|a|an|and|or|of|to|in|on|for|with|by|from|as|at|that|which|who|"
    r"whose|their|our|its|is|are|was|were|be|will|should|must|can|not|this|these|those|into|across|between)"
    r")$",
    re.I,
)


# "Northmere County Council | 2015", "Department of Wellbeing | Every Life Matters": a header line,
# a few words either side of a bar, with no sentence end.
_RUNNING = re.compile(r"^[^|.!?:;]{2,80}\s\|\s[^|.!?:;]{2,80}$")


def _page_edges(blocks: list[Block]) -> set[int]:
    """Indices of the first and the last block with text on each page."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for i, b in enumerate(blocks):
        if b.text.strip():
            first.setdefault(b.page, i)
            last[b.page] = i
    return set(first.values()) | set(last.values())


def _label(text: str, following: str) -> bool:
    """Is ``text`` a label (a masthead "Northmere County Council | 2015", a caption) rather than the
    start of the paragraph ``following``: a few words, no sentence end, the next starting a sentence?"""
    return _words(text) <= MIN_RUN_WORDS and not _ends_sentence(text) and following.lstrip()[:1].isupper()


# A web address on its own (a long one may be broken over lines).
_WEB_ADDRESS = re.compile(r"^(?:https?://|www\.)\S+(?:\s\S+){0,4}$")


def _continues(first: Block, second: Block) -> bool:
    """Does ``second`` carry on the paragraph ``first`` left unfinished: on the next page (a lower-case
    start, or ``first`` stopped on a comma, a hyphen or a word like "and"), or on the same page (a
    lower-case start)? A sentence stopped on a semicolon ("...; there were few examples ...") goes on
    in lower case too. On one page, a table row whose first cell wrapped ("I would be worried that
    ... more likely to" + "attempt suicide | 53 | 26.2%") is one block with its table."""
    head, tail = first.text.rstrip(), second.text.lstrip()
    if not head or not tail or _LIST_MARK_ONLY.match(tail.split(" ", 1)[0]):
        return False
    if "table" in (first.kind, second.kind):
        return (
            second.page == first.page
            and first.kind in ("paragraph", "table")
            and second.kind in ("paragraph", "table")
            and bool(_LOWER_START.match(tail))
        )
    if first.kind not in ("paragraph", "item") or second.kind != "paragraph":
        return False
    if _WEB_ADDRESS.match(tail):  # "Retrieved from ONS:" + the address (in lower case) on the next page
        return head.endswith(":") and second.page in (first.page, first.page + 1)
    if _ends_sentence(head) and not (head.endswith(";") and tail[0].islower()):
        return False
    if second.page == first.page:  # a paragraph the extractor cut in two on one page
        return tail[0].islower()
    return second.page == first.page + 1 and (tail[0].islower() or bool(_OPEN_END.search(head)))


def _joiner(head: str, tail: str, vocab: frozenset[str]) -> tuple[int, str]:
    """How two pieces of one paragraph join over a page break: (characters of ``head`` kept, separator).

    A word hyphenated over the break is joined ("commis-" + "sioning"), unless the hyphen is a real
    one ("non-" + "governmental", or a hyphenated form the document uses elsewhere)."""
    head = head.rstrip()
    if len(head) >= 2 and head[-1] in "-\u00ad\u2010\u2011" and head[-2].isalpha() and tail[:1].isalpha():
        word = head[:-1].rsplit(" ", 1)[-1]
        if not tail[:1].islower() or keep_hyphen(word, tail.split(" ", 1)[0], vocab):
            return len(head), ""
        return len(head) - 1, ""
    return len(head), " "


@dataclass
class _Text:
    """The text of a paragraph as segmented: one block, or several joined over page breaks."""

    text: str
    pieces: list[tuple[int, int, int]]  # (position in ``text``, page, offset in that page's text)

    def locate(self, pos: int) -> tuple[int, int]:
        """(page, offset in that page's text) of the character at ``pos``."""
        for at, page, offset in reversed(self.pieces):
            if pos >= at:
                return page, offset + pos - at
        raise AssertionError("position before the text")  # pragma: no cover

    def draft(self, start: int, end: int, kind: PassageKind, heading: str, words: int) -> _Draft:
        page, first = self.locate(start)
        page_end, last = self.locate(end - 1)
        if page_end == page:
            return _Draft(page, first, last + 1, kind, heading, words)
        return _Draft(page, first, last + 1, kind, heading, words, page_end, self.text[start:end])


def _logical(blocks: list[Block], offsets: list[int], max_words: int = 200) -> list[tuple[Block, _Text]]:
    """Blocks with each paragraph that runs over a page break joined to its continuation (a table
    only while it stays within ``max_words``, past which a table passage is cut)."""
    vocab = frozenset(word_key(w) for b in blocks for w in b.text.split())
    out: list[tuple[Block, _Text]] = []
    edges = _page_edges(blocks)
    for i, (block, offset) in enumerate(zip(blocks, offsets, strict=True)):
        if not block.text.strip():
            continue
        if block.kind == "paragraph" and _RUNNING.match(block.text) and (i in edges or _words(block.text) <= 12):
            continue  # a header, footer or masthead line that extraction could not tell from repetition
        if (
            out
            and out[-1][0].kind == "heading"
            and block.kind == "paragraph"
            and block.page == out[-1][0].page
            and _LOWER_START.match(block.text)
            and _opens_sentence(out[-1][0].text)
            and not _WEB_ADDRESS.match(block.text.strip())
            and not _carried_over(out, block)
        ):
            # A paragraph whose first line was taken for a heading (a bold opening, an infographic's
            # "Life expectancy has increased but" + "considerable inequalities persist"): no section
            # starts in lower case, so it is one paragraph.
            prev, joined = out[-1]
            joined = _Text(joined.text + " " + block.text, [*joined.pieces, (len(joined.text) + 1, block.page, offset)])
            out[-1] = (Block("paragraph", joined.text, block.page), joined)
            continue
        # The paragraph this block carries on: the block before it, or, over a page break, the last
        # one before the previous page's footnotes.
        back = 1
        while (
            back < min(len(out), 4)
            and block.page == out[-back][0].page + 1
            and block.text[:1].islower()
            and _FOOTNOTE.search(out[-back][0].text)
            and out[-back - 1][0].page == out[-back][0].page
        ):
            back += 1
        while back > 1 and not _continues(out[-back][0], block):  # passed over a paragraph that looked like a note
            back -= 1
        if (
            out
            and _continues(out[-back][0], block)
            and not (
                "table" in (out[-back][0].kind, block.kind) and _words(out[-back][1].text + block.text) > max_words
            )
        ):
            prev, joined = out[-back]
            keep, sep = _joiner(joined.text, block.text, vocab)
            start = keep + len(sep)
            joined = _Text(joined.text[:keep] + sep + block.text, [*joined.pieces, (start, block.page, offset)])
            notes = out[len(out) - back + 1 :]
            out[len(out) - back :] = [(Block(prev.kind, joined.text, block.page), joined), *notes]
            continue
        out.append((block, _Text(block.text, [(0, block.page, offset)])))
    return out


# A footnote or reference at the foot of a page: "12 Journal of ...", "* includes ...", a citation.
_FOOTNOTE = re.compile(
    r"^\s*(?:\d{1,3}|[*†‡¹²³⁴⁵⁶⁷⁸⁹])\s*[A-Z\w]|\bet\s+al\b|https?://|www\.|\bdoi\b|\baccessed\b|\b(?:19|20)\d\d\s*;\s*\d",
    re.I,
)


def _carried_over(out: list[tuple[Block, _Text]], block: Block) -> bool:
    """Is ``block``, after a heading at the top of its page, the rest of the paragraph that the
    previous page left unfinished? Then it is neither the heading's sentence nor a fragment under it."""
    return (
        len(out) > 1
        and out[-1][0].kind == "heading"
        and out[-2][0].page == block.page - 1
        and _continues(out[-2][0], block)
    )


def _opens_sentence(heading: str) -> bool:
    """Can the heading be the first line of a sentence that goes on below it: it does not end one, is
    not a one-word label, a section title in capitals or a caption ("Figure 2.1, ...")? Long ones
    (a bold opening line) always can."""
    text = " ".join(heading.split())
    if _ends_sentence(text):
        return False
    if _words(text) >= MIN_RUN_WORDS:
        return True
    return _words(text) >= 2 and text != text.upper() and not _CAPTION.match(text)


_CAPTION = re.compile(r"^\W*(?:figure|table|chart|graph|map|box|source)\b", re.I)


def _label_of(text: str) -> str:
    """ "Recommendation 4" when the text starts with such a numbered label, else ""."""
    m = _LABEL_PREFIX.match(text)
    return m.group(1) if m else ""


def _announces_actions(lead: str, heading: str) -> bool:
    """ "We will:", "Our priorities are:", "High level areas for focus:" announce a list of actions."""
    body = lead.rstrip().rstrip(":")
    return _explain(body + ".", heading).kind == RECOMMENDATION or bool(
        _ACTION_HEADING.search(body[-80:]) and not _NOT_ACTION_HEADING.search(body[-80:])
    )


def _fragment(text: str) -> bool:
    """A list item that is no sentence of its own: it starts in lower case."""
    return bool(re.match(r"^\W*[a-z]", _LEAD.sub("", text, count=1)))


def _list_after(logical: list[tuple[Block, _Text]], n: int) -> list[int]:
    """Indices of the list items right after block ``n``."""
    out = []
    for i in range(n + 1, len(logical)):
        if logical[i][0].kind != "item":
            break
        out.append(i)
    return out


def _leads_in(text: str, first_item: str) -> bool:
    """Does the paragraph ``text`` introduce the list that follows: it ends with a colon, or stops
    mid-sentence before items that carry on its sentence in lower case ("... services such as")?"""
    tail = text.rstrip()
    return tail.endswith(":") or (not _ends_sentence(tail) and first_item.lstrip()[:1].islower())


def _paragraph_pieces(
    joined: _Text, text: str, units: list[tuple[int, int]], heading: str, max_words: int
) -> list[_Draft]:
    """A paragraph's runs of same-kind sentences, each packed into passages."""
    pieces: list[_Draft] = []
    for kind, indices in _runs(text, units, heading):
        spans = [units[i] for i in indices]
        counts = [_words(text[s:e]) for s, e in spans]
        for first, last, words in _pack(spans, counts, max_words):
            pieces.append(joined.draft(spans[first][0], spans[last - 1][1], kind, heading, words))
    return pieces


def _list_unit(
    lead: tuple[_Draft, str] | None,
    items: list[tuple[Block, _Text]],
    heading: str,
    lead_in: bool,
    max_words: int,
    context: str = "",
) -> list[_Draft]:
    """A lead-in and its list as one recommendation unit, up to ``max_words``; past it, each item on
    its own, carrying the lead-in (its text starts with the lead-in; its span is the item's).

    A list of lower-case fragments with no lead-in carries ``context`` (its heading) instead, so it
    reads as a statement."""
    parts: list[tuple[_Draft, str]] = [] if lead is None else [lead]
    kinds: list[PassageKind] = []
    for _, joined in items:
        start, end = _strip_span(joined.text, 0, len(joined.text))
        if end > start:
            part = joined.draft(start, end, OTHER, heading, _words(joined.text[start:end]))
            parts.append((part, joined.text[start:end]))
            kinds.append(classify(joined.text[start:end], heading))
    if not parts:
        return []
    total = sum(p.words for p, _ in parts)
    kind = RECOMMENDATION if lead_in or RECOMMENDATION in kinds else OTHER
    if total <= max_words:
        first, last = parts[0][0], parts[-1][0]
        last_page = last.page_end or last.page
        if last_page == first.page and not context:
            return [_Draft(first.page, first.start, last.end, kind, heading, total)]
        text = "\n\n".join(t for _, t in parts)
        if context:
            text = f"{context} {text}"
        crossed = last_page if last_page != first.page else 0
        return [_Draft(first.page, first.start, last.end, kind, heading, total, crossed, text)]
    out = []
    lead_text = context if lead is None else " ".join(lead[1].split())
    for (part, text), item_kind in zip(parts[1:] if lead is not None else parts, kinds, strict=True):
        item_kind = RECOMMENDATION if lead_in else item_kind
        words = part.words + (_words(lead_text) if lead_text else 0)
        if words > max_words:  # a long item keeps its own words only
            out.append(
                _Draft(part.page, part.start, part.end, item_kind, heading, part.words, part.page_end, part.text)
            )
            continue
        carried = f"{lead_text} {text}" if lead_text else text
        out.append(_Draft(part.page, part.start, part.end, item_kind, heading, words, part.page_end, carried))
    return out


def segment(blocks: list[Block], max_words: int = 200) -> list[PassageDraft]:
    """Cut ``blocks`` (one document, in reading order) into passages of whole sentences.

    See the module docstring for the rules. Every passage on one page satisfies
    ``page_texts(blocks)[p.page][p.start:p.end] == p.text``; a passage that runs over a page break
    has ``page_end`` set, starts at ``start`` on page ``page`` and ends at ``end`` on page ``page_end``.
    """
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    pages, offsets = _layout(blocks)
    drafts: list[_Draft] = []
    pending: _Draft | None = None  # the last paragraph passage, while it may still grow into the next block
    heading = ""
    label = ""
    lead_in = False  # the previous paragraph announced a list of actions ("We will:")

    def emit(draft: _Draft | None) -> None:
        if draft is not None and (draft.page_end or draft.end > draft.start):
            if not draft.label:
                draft.label = label
            drafts.append(draft)

    def text_of(d: _Draft) -> str:
        return d.text if d.text is not None else pages[d.page][d.start : d.end]

    logical = _logical(blocks, offsets, max_words)
    skip = 0  # blocks already taken into a list unit
    for n, (block, joined) in enumerate(logical):
        if n < skip:
            continue
        text = joined.text
        first_page = joined.pieces[0][1]
        if block.kind == "heading":
            emit(pending)
            pending = None
            numbered = _NUMBERED_HEADING.match(" ".join(text.split()))
            if numbered:  # "Recommendation 4": a label for what follows, within the same section
                label = " ".join(text.split()).rstrip(":.")
            else:
                heading, label = " ".join(text.split()), ""
            lead_in = False
            continue
        if pending is not None and ((pending.page_end or pending.page) != first_page or block.kind != "paragraph"):
            emit(pending)
            pending = None

        if block.kind == "table":
            start, end = _strip_span(text, 0, len(text))
            if _words(text) > max_words:
                end = start + [m.end() for m in re.finditer(r"\S+", text[start:end])][max_words - 1]
            emit(joined.draft(start, end, OTHER, heading, _words(text[start:end])))
            lead_in = False
            continue

        units = _sentence_units(text, max_words)
        if not units:
            continue

        # A list: its lead-in (the paragraph's last sentence, "This should include:") and its items.
        items = _list_after(logical, n)
        lead: tuple[_Draft, str] | None = None
        if block.kind == "paragraph" and items and _leads_in(text, logical[items[0]][1].text):
            ls, le = units[-1]
            lead = (joined.draft(ls, le, OTHER, heading, _words(text[ls:le])), text[ls:le])
            stripped = text[ls:le].rstrip()
            lead_in = stripped.endswith(":") and _announces_actions(stripped, heading)
            units = units[:-1]
        elif (
            block.kind == "item"
            and (n == 0 or logical[n - 1][0].kind != "item")
            and any(_fragment(logical[i][1].text) for i in [n, *items])
        ):
            # a list of fragments with no lead-in ("advocacy;", "crisis;"): the list is one unit
            items = [n, *items]
        else:
            items = []
        if lead is not None or items:
            emit(pending)
            pending = None
            if lead is not None and units:  # the paragraph's sentences before its lead-in
                for piece in _paragraph_pieces(joined, text, units, heading, max_words):
                    emit(piece)
            context = "" if lead is not None or not heading else heading.rstrip(":") + ":"
            for d in _list_unit(lead, [logical[i] for i in items], heading, lead_in, max_words, context):
                emit(d)
            skip = items[-1] + 1
            lead_in = False
            continue

        if block.kind == "item":
            # An item is one action, perhaps followed by sentences of context ("At present ...");
            # those become a passage of their own so the action is matched on its own words.
            item_runs = _runs(text, units, heading)
            if lead_in and item_runs[0][0] == OTHER:
                item_runs[0] = (RECOMMENDATION, item_runs[0][1])
            for kind, indices in item_runs:
                spans = [units[i] for i in indices]
                counts = [_words(text[s:e]) for s, e in spans]
                for first, last, words in _pack(spans, counts, max_words):
                    emit(joined.draft(spans[first][0], spans[last - 1][1], kind, heading, words))
            continue

        # A paragraph: runs of same-kind sentences, each packed into passages.
        pieces = _paragraph_pieces(joined, text, units, heading, max_words)
        if (
            n > 0
            and logical[n - 1][0].kind == "heading"
            and heading
            and _LOWER_START.match(text)
            and not _WEB_ADDRESS.match(text.strip())
            and not pieces[0].page_end
            and not _carried_over(logical[:n], block)
        ):
            # A fragment right under a heading that is a label ("PREVENTING WELL" + "risk of dementia
            # is minimised.", an infographic's "Estimated" + "living in a residential or nursing
            # home"): like a list of fragments, it carries the heading so that it reads as a statement.
            emit(pending)
            pending = None
            opening = pieces[0]
            pieces[0] = dataclasses.replace(opening, text=f"{heading.rstrip(':')}: {text_of(opening)}")
            for piece in pieces:
                emit(piece)
            lead_in = False
            continue
        if (
            pending is not None
            and pending.kind == OTHER
            and pieces[0].kind == OTHER
            and pending.heading == heading
            and pending.words + pieces[0].words <= max_words
            and not _label(text_of(pending), text)
        ):
            head = pieces[0]
            merged_text = None
            last_page = head.page_end or head.page
            if last_page != pending.page:  # over a page break, in either part: pending ends where head starts
                merged_text = text_of(pending) + pages[head.page][pending.end : head.start] + text_of(head)
            pieces[0] = _Draft(
                pending.page,
                pending.start,
                head.end,
                OTHER,
                heading,
                pending.words + head.words,
                last_page if last_page != pending.page else 0,
                merged_text,
            )
            pending = None
        emit(pending)
        for piece in pieces[:-1]:
            emit(piece)
        last_piece = pieces[-1]
        last_text = text_of(last_piece)
        if last_piece.kind == OTHER and (last_piece.words < MIN_PASSAGE_WORDS or not _ends_sentence(last_text)):
            pending = last_piece
        else:
            emit(last_piece)
            pending = None
        stripped = text.rstrip()
        lead_in = stripped.endswith(":") and _announces_actions(stripped, heading)
    emit(pending)

    return [
        PassageDraft(
            page=d.page,
            start=d.start,
            end=d.end,
            text=text_of(d),
            kind=d.kind,
            heading=d.heading,
            page_end=d.page_end or None,
            label=_label_of(text_of(d)) or d.label,
        )
        for d in drafts
    ]


def is_commitment(text: str) -> bool:
    """Does the text commit its author to an action ("We will open ...", "The Board will ...")?"""
    return bool(_COMMITMENT.search(text)) and not re.search(
        r"\b(?:will|shall)\s+not\s+be\s+(?:able|possible)\b", text, re.I
    )


#: Passages shorter than this many words ("Custody", "Recording of information") are labels, not statements.
MIN_STATEMENT_WORDS = 4


def is_statement(text: str) -> bool:
    """Is the passage a statement worth clustering, not a label or a lead-in ("... the following areas:")?"""
    stripped = text.strip()
    return _words(stripped) >= MIN_STATEMENT_WORDS and not stripped.endswith(":")
