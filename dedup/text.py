"""Text rules shared by every stage: cleaning extracted text and joining its wrapped lines."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

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


def clean(text: str) -> str:
    """Collapse whitespace, expand ligatures, drop control/private-use characters."""
    text = text.translate(LIGATURES)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Co", "Cf"))
    return _WS_RE.sub(" ", text).strip()


def word_key(word: str) -> str:
    return word.strip(".,;:!?()[]{}\"'“”‘’").lower()


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


JUNK_TITLES = re.compile(
    r"^(untitled|document\d*|title|microsoft word.*|slide \d+|powerpoint presentation)$|\.(docx?|pdf|indd|pptx?|xlsx?|rtf)$",
    re.IGNORECASE,
)


#: Half of a UTF-16 pair on its own: no UTF-8 file can hold one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


def year_of(value: str | int | None) -> int | None:
    """A year from a value like ``2019``, ``"2019-03-04"``, ``"March 2019"``; None if there is none."""
    if value is None:
        return None
    m = _YEAR.search(str(value))
    return int(m.group(1)) if m else None
