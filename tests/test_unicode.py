"""Text is compared in one normal form (NFKC, case folding) with a word matcher that knows every
script: what looks the same to a reader is the same to dedup."""

from __future__ import annotations

import unicodedata

import pytest

from dedup.cluster import content_words
from dedup.match import shingle_jaccard, verdict
from dedup.store import org_key

SENTENCE = "Améliorer l'accès aux soins de santé mentale pour les jeunes d'ici à 2025."
GREEK = "Βελτίωση της πρόσβασης στις υπηρεσίες ψυχικής υγείας για τους νέους έως το 2025."


def test_nfc_and_nfd_forms_of_a_sentence_are_verbatim() -> None:
    nfc, nfd = unicodedata.normalize("NFC", SENTENCE), unicodedata.normalize("NFD", SENTENCE)
    assert nfc != nfd
    v = verdict(nfc, nfd, cosine=0.9)
    assert (v.type, v.score) == ("verbatim", 1.0)


def test_identical_greek_sentences_match_and_different_ones_do_not() -> None:
    v = verdict(GREEK, GREEK, cosine=1.0)
    assert (v.type, v.score) == ("verbatim", 1.0)
    assert shingle_jaccard(GREEK, GREEK.upper()) == 1.0  # final sigma and accents fold
    other = "Μείωση των κρατήσεων σε ψυχιατρικές κλινικές μέσα στα επόμενα πέντε χρόνια της στρατηγικής."
    assert shingle_jaccard(GREEK, other) == 0.0


def test_fullwidth_and_ligature_forms_equal_plain_ascii() -> None:
    plain = "Expand crisis services for young people by 2025."
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" for c in plain)
    assert verdict(plain, fullwidth, cosine=0.5).type == "verbatim"
    assert verdict("Define the offer", "De\ufb01ne the o\ufb00er", cosine=0.5).type == "verbatim"


@pytest.mark.parametrize(
    "a,b",
    [("ΥΠΗΡΕΣΊΕΣ υγείας", "υπηρεσίες ΥΓΕΊΑΣ"), ("Straße", "STRASSE"), ("ｎｈｓ", "NHS")],
)
def test_content_words_and_organisations_fold_case_and_width(a: str, b: str) -> None:
    assert content_words(a) == content_words(b)
    assert org_key(a) == org_key(b)


def test_clean_drops_control_format_and_private_use_characters_and_keeps_every_other() -> None:
    from dedup.text import clean

    # Every character of the Basic Multilingual Plane but surrogates and whitespace, each between
    # letters: exactly those of category Cc, Cf and Co go.
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and not chr(c).isspace()]
    text = "".join("a" + ch for ch in chars).translate(
        {0xFB00: "x", 0xFB01: "x", 0xFB02: "x", 0xFB03: "x", 0xFB04: "x"}
    )
    kept = "".join("a" + ("" if unicodedata.category(ch) in ("Cc", "Cf", "Co") else ch) for ch in chars)
    expected = kept.translate({0xFB00: "x", 0xFB01: "x", 0xFB02: "x", 0xFB03: "x", 0xFB04: "x"})
    assert clean(text) == expected
    assert clean("tab\there\nline \u00ad soft\u200bhyphen\ue000 end\x07") == "tab here line softhyphen end"
