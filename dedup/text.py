"""One source for the text rules every stage shares: tokens and normalisation, cleaning extracted
text, stems and stopwords, list markers and numbered labels, and years.

Where two stages read the same thing differently (a stemmer that strips "-ly" and one that does not,
a bullet that stands alone and one glued to its word) both rules are here, each named for its use
and with a line on why it differs: merging them would change what the stages find, and every figure
in BENCHMARKS.md was measured with them as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import regex

# --------------------------------------------------------------------------------------------------
# Tokens and normalisation
# --------------------------------------------------------------------------------------------------

#: A word: a letter or digit followed by letters, digits and combining marks (so NFD accents and the
#: vowel signs of Indic scripts stay inside their word); an apostrophe joins "don't", "people's".
#: NFC and NFD spellings of a sentence, fullwidth and ASCII forms, ligatures ("ﬁ") and their letters
#: compare equal after :func:`fold`; Greek, Cyrillic or accented words are words, not gaps.
WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:'[\p{L}\p{M}]+)?")
#: Letters only (with their combining marks): the content words of a text.
LETTERS = regex.compile(r"\p{L}[\p{L}\p{M}]*")
#: A word of lower-cased text for quotation alignment (dedup.align), which maps each word back to
#: character offsets of the original text and so cannot fold it first (NFKC changes lengths).
ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


def fold(text: str) -> str:
    """``text`` in the form every comparison uses: NFKC, case-folded, curly apostrophes straight."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)


def nfkc(text: str) -> str:
    """Compatibility forms (fullwidth letters, ligatures, non-breaking spaces) as their plain letters."""
    return unicodedata.normalize("NFKC", text)


def word_key(word: str) -> str:
    """A whitespace-separated word as a document's vocabulary knows it: lower case, no punctuation
    around it (used to tell a real hyphen from one that only breaks a line)."""
    return word.strip(".,;:!?()[]{}\"'“”‘’").lower()


# --------------------------------------------------------------------------------------------------
# Cleaning extracted text
# --------------------------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")
HYPHENS = "-\u00ad\u2010\u2011"
# Prefixes whose hyphen is (almost) always real when a word is broken right after them.
HYPHEN_PREFIXES = frozenset(
    "self well non ex cross multi anti semi half long short high low mid one two three four five "
    "part full all first second third age life".split()
)
LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\u00a0": " "}
)
#: Titles that document metadata carries by default rather than by intent.
JUNK_TITLES = re.compile(
    r"^(untitled|document\d*|title|microsoft word.*|slide \d+|powerpoint presentation)$|\.(docx?|pdf|indd|pptx?|xlsx?|rtf)$",
    re.IGNORECASE,
)
#: Half of a UTF-16 pair on its own: no UTF-8 file can hold one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


#: Every character but tab, line feed and printable ASCII: the only ones :func:`clean` may drop.
_NOT_PLAIN = re.compile("[^\t\n\x20-\x7e]")


def _drop_control(m: re.Match[str]) -> str:
    ch = m.group()
    return "" if unicodedata.category(ch) in ("Cc", "Co", "Cf") else ch


def clean(text: str) -> str:
    """Collapse whitespace, expand ligatures, drop control/private-use characters."""
    text = text.translate(LIGATURES)
    # only characters outside printable ASCII are looked up (a per-character loop over every
    # character took 7% of an ingest)
    text = _NOT_PLAIN.sub(_drop_control, text)
    return _WS_RE.sub(" ", text).strip()


def join_lines(lines: Sequence[str], vocab: set[str] | frozenset[str] = frozenset()) -> str:
    """Join wrapped lines with spaces, repairing words hyphenated across a line break."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
            continue
        if out[-1] in HYPHENS and len(out) >= 2:
            before = out[-2]
            after = line[0]
            if before.isdigit() and after.isdigit():  # "2007-" + "2011"
                out = out[:-1] + "-" + line
                continue
            if before.isalpha() and after.isalpha() and after.islower():
                head = out[:-1].rsplit(" ", 1)[-1]
                tail = line.split(" ", 1)[0]
                if keep_hyphen(head, tail, vocab):
                    out = out[:-1] + "-" + line
                else:
                    out = out[:-1] + line
                continue
        out = out + " " + line
    return out


def keep_hyphen(head: str, tail: str, vocab: set[str] | frozenset[str]) -> bool:
    h, t = word_key(head), word_key(tail)
    if "-" in h:  # already a compound ("mother-and-") -> keep
        return True
    hyphenated, joined = f"{h}-{t}", f"{h}{t}"
    if hyphenated in vocab and joined not in vocab:
        return True
    if joined in vocab:
        return False
    return h in HYPHEN_PREFIXES


# --------------------------------------------------------------------------------------------------
# Stems and stopwords
# --------------------------------------------------------------------------------------------------

#: Suffixes :func:`stem` strips (the first that fits, leaving at least four letters).
STEM_SUFFIXES: tuple[str, ...] = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")
#: The polarity guard's stems (dedup.match) keep "-ly": they decide whether two statements act on the
#: same object ("reduce waiting" / "increase waiting"), and the guard was calibrated on them as they
#: are (benchmarks/quality.py); stripping "-ly" there would change verdicts.
POLARITY_STEM_SUFFIXES: tuple[str, ...] = tuple(s for s in STEM_SUFFIXES if s != "ly")


def stem(word: str, suffixes: Sequence[str] = STEM_SUFFIXES) -> str:
    """A crude stem of a folded word: "commissioning" -> "commission", "services" -> "servic"."""
    for suf in suffixes:
        if len(word) > len(suf) + 3 and word.endswith(suf):
            return word[: -len(suf)]
    return word


def polarity_stem(word: str) -> str:
    """:func:`stem` as the polarity guard takes it (see :data:`POLARITY_STEM_SUFFIXES`)."""
    return stem(word, POLARITY_STEM_SUFFIXES)


#: English stopwords: left out of the content words whose TF-IDF weighs a pair (dedup.cluster).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each even ever every few for from
    further had has have having he her here hers him his how however i if in into is it its itself just
    may me might more most must my no nor not now of off on once only or other our ours out over own per
    same shall she should so some such than that the their theirs them then there these they this those
    through thus to too under until up upon us very was we were what when where whether which while who
    whom whose why will with within without would yet you your""".split()
)
#: Words that cannot be the object of a direction word ("reduce the number of ..."): function words
#: and the measures and people any statement may name. The polarity guard's own list, not
#: :data:`STOPWORDS`: negation cues ("not", "no") and direction words ("more") it weighs itself, and
#: it adds "number", "rate", "people".
FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "be", "been", "being", "is", "are",
        "was", "were", "will", "would", "should", "shall", "must", "can", "could", "may", "might", "do",
        "does", "did", "have", "has", "had", "that", "this", "these", "those", "it", "its", "their", "they",
        "we", "our", "with", "by", "as", "at", "from", "so", "such", "any", "all", "also", "further",
        "there", "than", "then", "which", "who", "whom", "whose", "what", "into", "about", "over", "under",
        "very", "much", "many", "number", "amount", "level", "levels", "rate", "rates", "use", "longer",
        "need", "needs", "continue", "continues", "i", "you", "he", "she", "his", "her", "them", "us",
        "people", "person",
    }
)  # fmt: skip
#: Articles: in "we will work with schools to [verb]" the word after "to" is the action, unless it is one.
ARTICLES = ("the", "a", "an")


# --------------------------------------------------------------------------------------------------
# List markers and numbered labels
#
# Each reader sees a marker in a different shape, so each has its pattern: a PDF word that is the
# marker alone, a text line that starts with one, a passage whose marker is to be skipped or stripped.
# --------------------------------------------------------------------------------------------------

#: A PDF word that is a bullet on its own (symbol-font bullets are mapped to "•" before this).
BULLET_CHARS = set("•●▪■◦○◆◇►▶➢➤✓✔✗➔→·‣⁃∙−–-*\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0a8\uf06e\uf0e8\uf0a1\uf0b2")
#: Bullets a PDF sets glued to their item's first word ("•Training"): fewer than :data:`BULLET_CHARS`,
#: since a word may start with a dash or an asterisk.
GLUED_BULLETS = "•●▪■◦➢➤\uf0b7\uf0a7"
#: A PDF word that is a numbered marker on its own: "1.", "a)", "(iv)", "ii.".
NUMBER_MARKER = re.compile(r"^(?:\d{1,2}[.)]|[a-zA-Z][.)]|\([a-zA-Z0-9]{1,3}\)|[ivxIVX]{1,4}[.)])$")
#: A plain-text line that is a list item, the item's text in group 1: "- x", "• x", "1. x", "(a) x".
TEXT_ITEM = re.compile(r"^\s*(?:[-*+•●▪◦‣–]|\d{1,3}[.)]|\(?[a-zA-Z][.)]|\([ivxlc]{1,5}\)|\(\d{1,3}\))\s+(.*)$")
#: Bullets that make a DOCX paragraph outside a list style an item when it starts with one.
DOCX_BULLETS = "•●▪-–*"
#: A word of a passage that is only a list marker: a sentence cannot end just before it.
LIST_MARK_ONLY = re.compile(r"^(?:\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-zA-Z]|[ivxIVX]{1,4})[.)]?\)?|[•\-–—*▪●◦\uf0b7])$")
#: Leading list markers and numbering to skip before looking at a passage's first word.
LEAD_MARKERS = re.compile(
    r"""^\s*(?:
        [•\-–—*▪●◦■□➢➤►✓o\uf0b7\uf0a7\uf0d8](?=\s)\s*
      | \(?\d{1,3}(?:\.\d{1,3}){0,3}[.):]?(?=\s)\s*
      | \(?[a-zA-Z]\)\s*
      | \(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)\)\s*
    )+""",
    re.X,
)
#: A list marker or a numbered label before the statement itself: "Recommendation 3:", "Action 2.",
#: "4.", "(b)", "iv)", "•". Documents number the same recommendation differently; it is still the
#: same, so the comparison (dedup.match) strips it.
MARKER_OR_LABEL = re.compile(
    r"^\s*(?:(?:recommendation|action|priority|commitment|objective|aim|goal)\s+\d+(?:\.\d+)*[a-z]?\s*[:.)\-–—]?"
    r"|\(?\d{1,3}(?:\.\d+)*[a-z]?[.)]|\(?[a-z]\)|\(?[ivx]{1,5}\)|[•●▪◦‣∙*\-–—])\s+",
    re.I,
)
#: A label, numbered or not, before a passage's first word: "Recommendation:", "Key actions 3 -".
LABEL = re.compile(
    r"^(?:recommendation|action|priority|commitment|objective|key\s+action)s?\s*\d*[a-z]?\s*[:.\-–—]\s*", re.I
)
#: "Recommendation 3:", "Action 2.", "Priority 4 -": a numbered statement always starts its own passage.
NUMBERED = re.compile(r"^\W*(?:recommendation|action|priority|commitment|objective)\s+\d+[a-z]?\b", re.I)
#: "Recommendation 4", "Action 2.1", "Priority 3: Crisis care" as a heading: a label, not a new section.
NUMBERED_HEADING = re.compile(
    r"^\W*(?:recommendation|action|priority|commitment|objective)\s+\d+(?:\.\d+)*[a-z]?\b(?:\s*[:.\-–—].{0,80})?$",
    re.I,
)
#: The numbered label a passage starts with, in group 1 ("Recommendation 4").
LABEL_PREFIX = re.compile(
    r"^\W*((?:recommendation|action|priority|commitment|objective)\s+\d+(?:\.\d+)*[a-z]?)\b", re.I
)


# --------------------------------------------------------------------------------------------------
# Years
# --------------------------------------------------------------------------------------------------

#: A year of the 1900s or 2000s standing alone (not inside a longer number), in group 1.
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
#: The earliest year a document's metadata may carry: earlier "years" in a file name, a manifest or a
#: date column are numbers of something else ("1923 responses").
EARLIEST_YEAR = 1950
#: The year of a PDF date ("D:20190304..."), whose digits run on.
PDF_DATE_YEAR = re.compile(r"^(?:D:)?((?:19|20)\d{2})")
#: The years a document covers, in its title: "2021-2024", "2020 to 2023", "2017-20".
YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:-|–|—|to)\s*((?:19|20)?\d\d)(?!\d)")
#: ``--years``: "2015-2020", "2015", "2015-", "-2020" (or "..", ":" between).
YEARS_OPTION = re.compile(r"\s*(\d{4})?\s*(?:-|\.\.|:)?\s*(\d{4})?\s*")


def year_of(value: str | int | None, earliest: int = EARLIEST_YEAR) -> int | None:
    """A year from a value like ``2019``, ``"2019-03-04"``, ``"March 2019"``: the first standing
    alone from ``earliest`` on; None if there is none."""
    if value is None:
        return None
    for m in YEAR.finditer(str(value)):
        if int(m.group(1)) >= earliest:
            return int(m.group(1))
    return None
