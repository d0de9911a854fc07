"""One normalisation for every lexical comparison: Unicode NFKC, case folding, curly quotes folded,
and a word pattern that knows every script.

NFC and NFD spellings of a sentence, fullwidth and ASCII forms, ligatures ("ﬁ") and their letters
compare equal; Greek, Cyrillic or accented words are words, not gaps.
"""

from __future__ import annotations

import unicodedata

import regex

# A word: a letter or digit followed by letters, digits and combining marks (so NFD accents and the
# vowel signs of Indic scripts stay inside their word); an apostrophe joins "don't", "people's".
WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:'[\p{L}\p{M}]+)?")
# Letters only (with their combining marks): the content words of a text.
LETTERS = regex.compile(r"\p{L}[\p{L}\p{M}]*")

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})


def fold(text: str) -> str:
    """``text`` in the form every comparison uses: NFKC, case-folded, curly apostrophes straight."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)


def nfkc(text: str) -> str:
    """Compatibility forms (fullwidth letters, ligatures, non-breaking spaces) as their plain letters."""
    return unicodedata.normalize("NFKC", text)
