"""Decide whether two passages say the same thing, and why.

The engine combines the embedding cosine with lexical evidence (word shingles, aligned token
ratios from ``rapidfuzz``) and a polarity guard into a :class:`~dedup.models.Verdict`:

* ``verbatim``      the same words, modulo case, punctuation and whitespace;
* ``near-verbatim`` mostly the same words with small edits;
* ``paraphrase``    the same meaning in different words;
* ``related``       the same topic, not the same statement;
* ``None``          no match.

Two texts that point in opposite directions about the same object ("reduce detentions" vs "increase
detentions", "should" vs "should not") are never a match: their verdict has ``opposed=True``, type
``None`` and a score capped at :data:`OPPOSED_MAX_SCORE`.

Array-only cores (:func:`verdicts`, :func:`candidate_pairs`) take texts and numpy arrays and are
unit-tested on tiny inputs; :func:`compare` is the model-dependent convenience.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from rapidfuzz import fuzz

from dedup.models import LinkType, Verdict
from dedup.text import FUNCTION_WORDS as _FUNCTION
from dedup.text import MARKER_OR_LABEL as _MARKER
from dedup.text import WORD, fold, polarity_stem

#: The polarity stem of a word, memoised: the guard stems every content word of every text (1.5 s of
#: 9 s of verdicts on a 10k-passage corpus), and a corpus has far fewer distinct words than words.
_stem = lru_cache(maxsize=1 << 17)(polarity_stem)

if TYPE_CHECKING:
    from dedup.embed import Embedder

# ------------------------------------------------------------------------------------------------
# Thresholds and calibration.
#
# The score is a logistic calibration over four interpretable features
#   [cosine, token-set ratio, word-3-shingle Jaccard, opposed]
# fitted by ``python -m benchmarks.quality --fit`` on STS-B *train* (soft labels score/5) and
# ArgKP *train* (argument/key-point match labels). No test or dev split was used for fitting.
# ------------------------------------------------------------------------------------------------

#: Logistic weights over [cosine, token_set_ratio, shingle_jaccard, opposed] and the intercept.
CALIBRATION_WEIGHTS: tuple[float, float, float, float] = (4.663, 1.113, -0.164, -0.879)
CALIBRATION_BIAS: float = -3.718

#: Word n-gram size of the shingles behind the Jaccard feature.
SHINGLE_SIZE = 3

#: Lexical evidence is the character edit similarity (rapidfuzz ``ratio`` on normalised text) raised
#: to ``1 / w``, ``w = min(1, shorter text's words / LEXICAL_FULL_WORDS)``: a 90% match between two
#: 8-word sentences is weak evidence ("a man plays a guitar" / "a man plays a flute"), between two
#: 40-word passages it is near-verbatim. The score is ``max(calibrated, lexical)``. 40 was chosen on the
#: bill-similarity tuning half (F1 label>=3) while keeping STS-B train Spearman (0.8155 -> 0.8168).
LEXICAL_FULL_WORDS = 40

#: ``near-verbatim``: edit similarity at least this, or word-3-shingle Jaccard at least
#: :data:`NEAR_VERBATIM_JACCARD`. F1-best thresholds for labels 3-4 ("almost identical") on the
#: bill-similarity tuning half were 0.925 (ratio) and 0.786 (Jaccard); rounded.
NEAR_VERBATIM_RATIO = 0.92
NEAR_VERBATIM_JACCARD = 0.8

#: ``paraphrase``: score at least this. F1-best on STS-B train for gold >= 4 ("mostly equivalent")
#: was 0.716, for ArgKP train argument/key-point matches 0.551; rounded to the STS value.
PARAPHRASE_SCORE = 0.7
#: ``related``: score at least this. F1-best on STS-B train for gold >= 2 ("share some details"): 0.343.
RELATED_SCORE = 0.35

#: ``related`` needs some shared phrasing once both texts have at least this many words: word-3-shingle
#: Jaccard above :data:`RELATED_MIN_SHINGLES`. Set on the bill-similarity tuning half (Spearman 0.917
#: -> 0.937 there, 0.910 -> 0.935 on the held-out half); 30 rather than 20 words leaves STS-B dev as it
#: was (0.8667; 0.8644 at 20) with the same bills result. Paraphrases (score >= 0.7) are never touched.
RELATED_MIN_WORDS = 30
RELATED_MIN_SHINGLES = 0.05

#: Opposed pairs get type ``None`` and their score is capped here (below :data:`RELATED_SCORE`).
OPPOSED_MAX_SCORE = 0.2

#: ``candidate_pairs`` uses exact ``IndexFlatIP`` up to this many vectors, an IVF index beyond (see
#: :func:`build_index`): lists of about ``LIST_SIZE`` vectors, ``NPROBE`` of them scanned a query,
#: k-means on ``TRAIN_PER_LIST`` rows a list. Recall against exact search: benchmarks/scale.py --recall.
FLAT_MAX = 20_000
LIST_SIZE = 100
NPROBE = 16
TRAIN_PER_LIST = 16
#: Rows per FAISS search call in ``candidate_pairs`` (bounds the k-NN result buffers).
SEARCH_CHUNK = 8192

# ------------------------------------------------------------------------------------------------
# Per-text features: computed once per text within a bulk call
# ------------------------------------------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])
#: The caches of the bulk call in progress (see :func:`bulk`), or None outside one.
_BULK: dict[str, dict[Any, Any]] | None = None


def _per_text(fn: _F) -> _F:
    """Memoise a per-text feature: in a :func:`bulk` call every text's features are computed once and
    kept until the call ends (a fixed-size LRU thrashed once a corpus had more distinct texts than its
    size: +39% time at 100k passages); outside one, a small LRU serves one-off comparisons."""
    small = lru_cache(maxsize=4096)(fn)
    name = fn.__qualname__

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        if _BULK is None:
            return small(*args)
        cache = _BULK.setdefault(name, {})
        try:
            return cache[args]
        except KeyError:
            out = cache[args] = fn(*args)
            return out

    return wrapper  # type: ignore[return-value]


def forget(texts: Iterable[str]) -> None:
    """Drop the features of ``texts`` from the caches of the :func:`bulk` call in progress: a caller
    that judges pairs block by block frees the texts it will not see again, so the caches hold the
    texts still to come rather than the whole corpus. Outside a bulk call, nothing to do."""
    if _BULK is None:
        return
    caches = list(_BULK.values())
    for text in texts:
        for t in {text, strip_marker(text)}:
            # the text, and its sentences (what :func:`opposed` and :func:`_signature` look at)
            for part in [t, *_SENTENCE_END.split(t)]:
                for key in ((part,), (part, SHINGLE_SIZE)):
                    for cache in caches:
                        cache.pop(key, None)


@contextmanager
def bulk(own: bool = False) -> Iterator[None]:
    """Within this block, per-text features (tokens, shingles, polarity) are computed once per text and
    freed at its end. Nested blocks share the outer one's caches, unless ``own``: then the block has
    caches of its own, freed at its end, and the outer ones are back after it (for features needed
    only inside the block, which would otherwise stay until the outer block ends)."""
    global _BULK
    if _BULK is not None and not own:
        yield
        return
    outer, _BULK = _BULK, {}
    try:
        yield
    finally:
        _BULK = outer


# ------------------------------------------------------------------------------------------------
# Normalisation and lexical features
# ------------------------------------------------------------------------------------------------


@_per_text
def _tokens(text: str) -> tuple[str, ...]:
    """Word tokens of the folded text (NFKC, case folding, curly quotes straight; any script);
    punctuation and whitespace dropped."""
    # interned: a corpus's texts share their words, and the cached token tuples then share the strings
    return tuple(map(sys.intern, WORD.findall(fold(text))))


def _norm(text: str) -> str:
    return " ".join(_tokens(text))


def strip_marker(text: str) -> str:
    """``text`` without a leading list marker or numbered label (the statement is what is compared)."""
    stripped = _MARKER.sub("", text, count=1)
    return stripped if stripped.strip() else text


@_per_text
def _shingles(text: str, n: int = SHINGLE_SIZE) -> frozenset[tuple[str, ...]]:
    toks = _tokens(text)
    if len(toks) < n:
        return frozenset([toks]) if toks else frozenset()
    return frozenset(toks[i : i + n] for i in range(len(toks) - n + 1))


def shingle_jaccard(a: str, b: str, n: int = SHINGLE_SIZE) -> float:
    """Jaccard of word ``n``-shingle sets, exact.

    Exact set Jaccard is cheaper than a MinHash estimate for one pair of passages; MinHash (datasketch)
    pays only for LSH candidate search over many long documents, which :func:`candidate_pairs` does
    with embeddings instead.
    """
    sa, sb = _shingles(a, n), _shingles(b, n)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def lexical_features(a: str, b: str) -> tuple[float, float, float]:
    """(token-set ratio, shingle Jaccard, edit ratio), each in [0, 1], on normalised text."""
    na, nb = _norm(a), _norm(b)
    tsr = fuzz.token_set_ratio(na, nb) / 100.0
    jac = shingle_jaccard(a, b)
    ratio = fuzz.ratio(na, nb) / 100.0
    return tsr, jac, ratio


# ------------------------------------------------------------------------------------------------
# Polarity guard
# ------------------------------------------------------------------------------------------------

_UP = {
    "increase", "increases", "increased", "increasing", "raise", "raises", "raised", "raising",
    "expand", "expands", "expanded", "expanding", "expansion", "grow", "grows", "growing", "growth",
    "more", "higher", "greater", "boost", "boosts", "boosted", "extend", "extends", "extended",
    "improve", "improves", "improved", "improving", "improvement", "strengthen", "strengthens",
    "strengthened", "start", "starts", "started", "starting", "begin", "begins", "began", "introduce",
    "introduces", "introduced", "introducing", "enable", "allow", "allows", "allowed", "permit",
    "permits", "permitted", "maximise", "maximize", "rise", "rises", "rising", "add", "adds", "added",
    "invest", "invests", "investing", "investment", "accelerate", "include", "includes", "included",
    "support", "supports", "supported", "encourage", "encourages", "encouraged", "open", "opens",
}  # fmt: skip
_DOWN = {
    "reduce", "reduces", "reduced", "reducing", "reduction", "decrease", "decreases", "decreased",
    "decreasing", "lower", "lowers", "lowered", "lowering", "cut", "cuts", "cutting", "shrink",
    "shrinks", "fewer", "less", "worsen", "worsens", "worsened", "worsening", "deteriorate",
    "deteriorates", "weaken", "weakens", "weakened", "stop", "stops", "stopped", "stopping", "end",
    "ends", "ended", "ending", "cease", "ceases", "ceased", "halt", "halts", "halted", "abolish",
    "abolished", "scrap", "scrapped", "withdraw", "withdrawn", "ban", "bans", "banned", "prohibit",
    "prohibits", "prohibited", "forbid", "minimise", "minimize", "fall", "falls", "falling", "remove",
    "removes", "removed", "disinvest", "slow", "exclude", "excludes", "excluded", "oppose", "opposes",
    "opposed", "discourage", "discourages", "discouraged", "close", "closes", "closed", "closing",
    "decline", "declines", "declining", "limit", "limits", "limited", "restrict", "restricts",
    "restricted",
}  # fmt: skip
#: Pairs whose polarity is not a contradiction of each other's direction ("improve" and "reduce harm").
#: Only a pair of words from these *same family* lists is compared: see ``_FAMILY``.
_FAMILY = {
    **dict.fromkeys(
        ["increase", "raise", "expand", "grow", "more", "higher", "greater", "boost", "extend", "rise", "add"]
        + ["reduce", "decrease", "lower", "cut", "shrink", "fewer", "less", "fall", "decline", "limit"]
        + ["restrict", "minimise", "minimize", "maximise", "maximize", "invest", "disinvest", "slow"]
        + ["accelerate", "growth", "expansion", "reduction", "investment", "remove", "scrap", "abolish"],
        "amount",
    ),
    **dict.fromkeys(
        ["improve", "improvement", "strengthen", "worsen", "deteriorate", "weaken"],
        "quality",
    ),
    **dict.fromkeys(
        ["start", "begin", "introduce", "open", "stop", "end", "cease", "halt", "close", "withdraw"],
        "phase",
    ),
    **dict.fromkeys(
        ["allow", "permit", "enable", "include", "support", "encourage"]
        + ["ban", "prohibit", "forbid", "exclude", "oppose", "discourage"],
        "permission",
    ),
}
_NEG = {"not", "no", "never", "cannot", "can't", "won't", "don't", "doesn't", "didn't", "shouldn't",
        "mustn't", "isn't", "aren't", "wasn't", "weren't", "nor", "without", "neither", "none", "nobody",
        "nothing", "hasn't", "haven't", "wouldn't", "couldn't", "needn't", "fail", "fails", "failed"}  # fmt: skip
#: Negation cues that are not negations ("not only ... but", "no doubt").
_NOT_NEG_NEXT = {"only", "just", "least", "merely", "doubt", "matter", "exception"}
#: Words following a direction word that are scanned for its object.
_OBJECT_WINDOW = 6


@lru_cache(maxsize=1 << 17)
def _anchor(w: str) -> bool:
    """Can ``w`` anchor a direction word's object? Content words only; no numbers or single letters."""
    return len(w) > 1 and not w.isdigit() and w not in _FUNCTION and w not in _NEG and _family_key(w) is None


def _family_key(w: str) -> tuple[str, str] | None:
    if w in _UP:
        pol = "+"
    elif w in _DOWN:
        pol = "-"
    else:
        return None
    base = w
    for cand in (w, _stem(w), _stem(w) + "e", w.rstrip("s"), w[:-1] if w.endswith("ed") else w):
        if cand in _FAMILY:
            base = cand
            break
    return _FAMILY.get(base, "other"), pol


#: Tokens allowed between a negation cue and the word it negates ("should not be reduced").
_AUX = {
    "be", "been", "being", "is", "are", "was", "were", "will", "would", "should", "shall", "must", "can",
    "could", "may", "might", "do", "does", "did", "have", "has", "had", "to", "get", "got", "any", "the",
    "a", "an", "further", "longer", "yet", "ever", "always", "currently", "routinely", "necessarily",
}  # fmt: skip


def _negated(toks: Sequence[str], i: int, quantifier: bool = True) -> bool:
    """Is token ``i`` negated: a cue up to 4 tokens before it with only auxiliaries in between?

    ``quantifier=False`` ignores "no"/"none"/"nobody" before a noun ("no patient should wait" is not a
    negated "patient").
    """
    for j in range(i - 1, max(-1, i - 5), -1):
        t = toks[j]
        if t in _NEG:
            nxt = toks[j + 1] if j + 1 < len(toks) else ""
            if nxt in _NOT_NEG_NEXT:
                return False
            if t in {"no", "none", "nobody", "nothing", "neither"} and nxt != "longer":
                # "no" negates the noun right after it only, and as a quantifier
                return quantifier and j + 1 == i
            return True
        if t not in _AUX:
            return False
    return False


def _negation_near(toks: Sequence[str], i: int, window: int = 6) -> bool:
    return any(t in _NEG for t in toks[max(0, i - window) : i])


@_per_text
def _directions(text: str) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(family, polarity, object stems) for each direction word, polarity flipped under negation."""
    toks = _tokens(text)
    out = []
    for i, t in enumerate(toks):
        fk = _family_key(t)
        if fk is None:
            continue
        fam, pol = fk
        if _negated(toks, i):
            pol = "-" if pol == "+" else "+"
        obj = frozenset(_stem(w) for w in toks[i + 1 : i + 1 + _OBJECT_WINDOW] if _anchor(w))
        # "the number of X should be reduced": the object comes before the verb.
        if not obj or i > 0 and toks[i - 1] in {"be", "been", "is", "are", "was", "were"}:
            obj = obj | frozenset(_stem(w) for w in toks[max(0, i - _OBJECT_WINDOW) : i] if _anchor(w))
        out.append((fam, pol, obj))
    return tuple(out)


@_per_text
def _negated_content(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(stems of content words under negation, stems of content words with no negation cue near)."""
    toks = _tokens(text)
    neg, pos = set(), set()
    cue = -(1 << 30)  # position of the last negation cue before token i
    for i, t in enumerate(toks):
        if not (t in _AUX or t in _NOT_NEG_NEXT or not _anchor(t)):
            # _negated needs a cue at most 4 tokens back, _negation_near one at most 6 back
            if i - cue <= 4 and _negated(toks, i, quantifier=False):
                neg.add(_stem(t))
            elif i - cue > 6:
                pos.add(_stem(t))
        if t in _NEG:
            cue = i
    return frozenset(neg), frozenset(pos)


#: Texts longer than this many words are checked sentence by sentence: each sentence against its
#: best-aligned sentence of the other text (token-set ratio at least :data:`OPPOSED_ALIGN_RATIO`);
#: sentences longer than this are not checked (a stray "not" 300 words away is no contradiction).
OPPOSED_MAX_WORDS = 60
OPPOSED_ALIGN_RATIO = 70.0
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+")


def opposed(a: str, b: str) -> bool:
    """Do ``a`` and ``b`` point in opposite directions about the same thing?

    Short texts are compared whole; longer ones sentence by sentence, each sentence of ``a`` with its
    best-aligned sentence of ``b``.

    Two checks, both anchored on a shared object so unrelated differences don't fire:

    * direction words of the same family (amount: increase/reduce/more/fewer; quality:
      improve/worsen; phase: start/stop; permission: allow/ban) with opposite polarity (negation
      flips it: "should not increase") whose following (or, in the passive, preceding) content
      words overlap;
    * a content word negated in one text ("should not detain", "no longer funded") and present
      without negation in the other.
    """
    if len(_tokens(a)) <= OPPOSED_MAX_WORDS and len(_tokens(b)) <= OPPOSED_MAX_WORDS:
        return _opposed_short(a, b)
    sents_b = [t for t in _SENTENCE_END.split(b) if 0 < len(_tokens(t)) <= OPPOSED_MAX_WORDS]
    if not sents_b:
        return False
    norm_b = [_norm(t) for t in sents_b]
    for sa in _SENTENCE_END.split(a):
        if not 0 < len(_tokens(sa)) <= OPPOSED_MAX_WORDS:
            continue
        ratios = [fuzz.token_set_ratio(_norm(sa), nb) for nb in norm_b]
        best = int(np.argmax(ratios))
        if ratios[best] >= OPPOSED_ALIGN_RATIO and _opposed_short(sa, sents_b[best]):
            return True
    return False


def _opposed_short(a: str, b: str) -> bool:
    da, db = _directions(a), _directions(b)
    for fam_a, pol_a, obj_a in da:
        for fam_b, pol_b, obj_b in db:
            if fam_a == fam_b and pol_a != pol_b and obj_a & obj_b:
                # the same direction and object also stated in b, e.g. both say "reduce X": not opposed
                if not any(f == fam_a and p == pol_a and o & obj_a for f, p, o in db) or not any(
                    f == fam_b and p == pol_b and o & obj_b for f, p, o in da
                ):
                    return True
    neg_a, pos_a = _negated_content(a)
    neg_b, pos_b = _negated_content(b)
    return bool(((neg_a - pos_a) & (pos_b - neg_b)) or ((neg_b - pos_b) & (pos_a - neg_a)))


#: Bits of the hashed word sets in :func:`_signature` (a Bloom-style filter: no false negatives).
_SIG_BITS = 256
_FAMILY_BIT = {"amount": 0, "quality": 1, "phase": 2, "permission": 3, "other": 4}


def _bits(words: frozenset[str] | set[str]) -> int:
    out = 0
    for w in words:
        out |= 1 << (hash(w) % _SIG_BITS)
    return out


@_per_text
def _signature(text: str) -> tuple[int, int, int, int, int]:
    """What :func:`opposed` could use of ``text``, over the whole text and each of its sentences:
    (families with an upward direction word, with a downward one, hashed objects of direction words,
    hashed negated content words, hashed content words). Two texts can only be opposed when these
    overlap (see :func:`may_be_opposed`)."""
    up = down = objects = negated = content = 0
    parts = [text, *(t for t in _SENTENCE_END.split(text) if 0 < len(_tokens(t)) <= OPPOSED_MAX_WORDS)]
    for part in parts:
        for fam, pol, obj in _directions(part):
            if pol == "+":
                up |= 1 << _FAMILY_BIT[fam]
            else:
                down |= 1 << _FAMILY_BIT[fam]
            objects |= _bits(obj)
        neg, pos = _negated_content(part)
        negated |= _bits(neg)
        content |= _bits(neg | pos)
    return up, down, objects, negated, content


def _words(x: int) -> list[int]:
    return [(x >> (64 * k)) & 0xFFFFFFFFFFFFFFFF for k in range(_SIG_BITS // 64)]


#: Texts whose signatures :func:`may_be_opposed` makes within one cache (freed after each block).
SIGNATURE_BLOCK = 4096


def may_be_opposed(texts: Sequence[str], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """A mask over the pairs ``(texts[i[k]], texts[j[k]])``: False where :func:`opposed` is surely
    False (no direction of one family pointing both ways with a shared object, and no word negated in
    one and stated in the other), True where it must be checked. Computed per text once, then per
    pair in numpy: the polarity guard ran in pure Python for every candidate pair (2.4M calls, 157 s of
    391 s at 100k passages)."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    if not len(i):
        return np.zeros(0, dtype=bool)
    # the texts used, in order, and each pair end's place among them (what np.unique's inverse gives,
    # without a sorted copy of every pair end)
    mark = np.zeros(max(int(i.max()), int(j.max())) + 1, dtype=bool)
    mark[i] = True
    mark[j] = True
    used = np.flatnonzero(mark)
    place = np.cumsum(mark) - 1
    del mark
    # the features behind the signatures (tokens, directions, negations of every text and each of its
    # sentences) are dropped once they are made: kept in a caller's bulk call they were the largest
    # thing `recurring --all` held (about 320 MB at 100k passages)
    sigs = []
    for lo in range(0, len(used), SIGNATURE_BLOCK):
        with bulk(own=True):
            sigs += [_signature(texts[t]) for t in used[lo : lo + SIGNATURE_BLOCK].tolist()]
    fam = np.array([(u, d) for u, d, *_ in sigs], dtype=np.int64).reshape(-1, 2)
    words = np.array([[*_words(o), *_words(ng), *_words(c)] for *_, o, ng, c in sigs], dtype=np.uint64)
    q = _SIG_BITS // 64
    obj, neg, cont = words[:, :q], words[:, q : 2 * q], words[:, 2 * q :]
    a, b = place[i], place[j]
    del place
    out = np.zeros(len(i), dtype=bool)
    for lo in range(0, len(i), 1 << 20):
        sa, sb = a[lo : lo + (1 << 20)], b[lo : lo + (1 << 20)]
        directions = ((fam[sa, 0] & fam[sb, 1]) | (fam[sa, 1] & fam[sb, 0])) != 0
        directions &= (obj[sa] & obj[sb]).any(axis=1)
        negation = (neg[sa] & cont[sb]).any(axis=1) | (neg[sb] & cont[sa]).any(axis=1)
        out[lo : lo + len(sa)] = directions | negation
    return out


# ------------------------------------------------------------------------------------------------
# Verdicts
# ------------------------------------------------------------------------------------------------


def _calibrated(cos: np.ndarray, tsr: np.ndarray, jac: np.ndarray, opp: np.ndarray) -> np.ndarray:
    w = CALIBRATION_WEIGHTS
    z = w[0] * cos + w[1] * tsr + w[2] * jac + w[3] * opp + CALIBRATION_BIAS
    return 1.0 / (1.0 + np.exp(-z))


def verdicts(
    pairs: Sequence[tuple[str, str]], cosines: np.ndarray | Sequence[float], *, graded: bool = False
) -> list[Verdict]:
    """Verdicts for many text pairs at once; ``cosines[k]`` is the embedding cosine of ``pairs[k]``.

    ``graded=True`` keeps the score of long, topically related passages that share no phrasing
    (normally no match, score 0): for measuring how much of one document another covers, where
    every aligned sentence's similarity counts, not only the matches."""
    cos = np.clip(np.asarray(cosines, dtype=np.float64).reshape(-1), -1.0, 1.0)
    if len(cos) != len(pairs):
        raise ValueError(f"got {len(pairs)} pairs but {len(cos)} cosines; pass one cosine per pair")
    with bulk():
        return _verdicts([(strip_marker(a), strip_marker(b)) for a, b in pairs], cos, graded)


def _verdicts(pairs: list[tuple[str, str]], cos: np.ndarray, graded: bool) -> list[Verdict]:
    n = len(pairs)
    tsr = np.empty(n)
    jac = np.empty(n)
    ratio = np.empty(n)
    same = np.zeros(n, dtype=bool)
    opp = np.zeros(n, dtype=bool)
    for k, (a, b) in enumerate(pairs):
        tsr[k], jac[k], ratio[k] = lexical_features(a, b)
        same[k] = _tokens(a) == _tokens(b) and bool(_tokens(a))
        opp[k] = not same[k] and opposed(a, b)
    short = np.array([min(len(_tokens(a)), len(_tokens(b))) for a, b in pairs], dtype=np.float64)
    weight = np.clip(short / LEXICAL_FULL_WORDS, 1e-3, 1.0)
    lexical = ratio ** (1.0 / weight)
    score = np.maximum(_calibrated(cos, tsr, jac, opp.astype(np.float64)), lexical)
    out = []
    for k in range(n):
        s = float(score[k])
        t: LinkType | None
        if not (_tokens(pairs[k][0]) and _tokens(pairs[k][1])):
            t, s = None, 0.0  # an empty text says nothing, so it repeats nothing
        elif same[k]:
            t, s = "verbatim", 1.0
        elif opp[k]:
            t, s = None, min(s, OPPOSED_MAX_SCORE)
        elif (ratio[k] >= NEAR_VERBATIM_RATIO or jac[k] >= NEAR_VERBATIM_JACCARD) and s >= RELATED_SCORE:
            t, s = "near-verbatim", max(s, PARAPHRASE_SCORE)
        elif s >= PARAPHRASE_SCORE:
            t = "paraphrase"
        elif not graded and short[k] >= RELATED_MIN_WORDS and jac[k] <= RELATED_MIN_SHINGLES:
            # Long passages that share almost no three-word phrase are not even "related": a long
            # restatement of the same point keeps some of its phrasing, and similar topic alone
            # (every section of a bill, every mental-health strategy) is no evidence of repetition.
            t, s = None, 0.0
        elif s >= RELATED_SCORE:
            t = "related"
        else:
            t = None
        out.append(Verdict(score=s, type=t, cosine=float(cos[k]), lexical=float(lexical[k]), opposed=bool(opp[k])))
    return out


def verdict(a: str, b: str, cosine: float) -> Verdict:
    """The verdict on one pair of texts whose embedding cosine is ``cosine``."""
    return verdicts([(a, b)], np.asarray([cosine]))[0]


def compare(a: str, b: str, embedder: Embedder) -> Verdict:
    """Embed two texts with ``embedder`` and judge them."""
    vecs = embedder.embed([a, b])
    return verdict(a, b, float(np.dot(vecs[0], vecs[1])))


# ------------------------------------------------------------------------------------------------
# Candidate pairs
# ------------------------------------------------------------------------------------------------


#: Where candidate search runs: ``auto`` (a GPU when FAISS was built with one, else the CPU), ``cpu``
#: or ``cuda`` (FAISS on the GPU, or exact search as a torch matrix product there). See :func:`set_device`.
SEARCH_DEVICE = "auto"


def set_device(device: str | None) -> None:
    """Run candidate search on ``device`` (``auto``, ``cpu`` or ``cuda``; None means ``auto``)."""
    global SEARCH_DEVICE
    if device not in (None, "auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {device!r}")
    SEARCH_DEVICE = device or "auto"


def _faiss_gpus() -> int:
    import faiss

    get = getattr(faiss, "get_num_gpus", None)
    return int(get()) if get is not None else 0


class TorchIndex:
    """Exact inner-product search as a blocked torch matrix product (on a CUDA device when FAISS has
    no GPU build): the ``search(queries, k)`` of a FAISS index, ids being row numbers."""

    def __init__(self, vectors: np.ndarray, device: str = "cuda", block_bytes: int = 1 << 30):
        import torch

        self.torch = torch
        self.device = device
        self.x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(device)
        self.ntotal = len(vectors)
        self.rows = max(1, block_bytes // max(1, 4 * self.ntotal))  # queries per block

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        torch = self.torch
        k = min(k, self.ntotal)
        sims_out = np.empty((len(queries), k), dtype=np.float32)
        ids_out = np.empty((len(queries), k), dtype=np.int64)
        q_all = np.ascontiguousarray(queries, dtype=np.float32)
        for lo in range(0, len(q_all), self.rows):
            q = torch.from_numpy(q_all[lo : lo + self.rows]).to(self.device)
            top = torch.topk(q @ self.x.T, k, dim=1)
            sims_out[lo : lo + len(q)] = top.values.cpu().numpy()
            ids_out[lo : lo + len(q)] = top.indices.cpu().numpy()
        return sims_out, ids_out


def build_index(vectors: np.ndarray) -> Any:
    """A FAISS inner-product index over L2-normalised rows (ids are row numbers).

    Exact ``IndexFlatIP`` up to :data:`FLAT_MAX` rows. Beyond, an IVF index whose lists hold about
    :data:`LIST_SIZE` vectors each (``nlist = n / LIST_SIZE``) searched with a fixed :data:`NPROBE`, its
    centroids found through an HNSW graph: a query costs the same at 30k and at 1M vectors. (Before, a
    fixed 16 of ``2 sqrt(n)`` lists were scanned: each query read about ``8 sqrt(n)`` vectors, and
    all-pairs search grew as n^1.5.) The k-means that places the centroids also assigns through HNSW,
    on ``TRAIN_PER_LIST`` sample rows a list, so training is linear in n too. Recall against exact
    search is measured by benchmarks/scale.py (``--recall``).
    """
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = x.shape
    gpus = _faiss_gpus() if SEARCH_DEVICE != "cpu" else 0
    if SEARCH_DEVICE == "cuda" and not gpus:
        return TorchIndex(x, "cuda")  # exact, on the GPU
    if n <= FLAT_MAX or gpus:
        flat = faiss.IndexFlatIP(d)
        flat.add(x)
        if gpus:  # exact search on the GPU: fast enough at any size that fits
            res = faiss.StandardGpuResources()
            on_gpu = faiss.index_cpu_to_gpu(res, 0, flat)
            on_gpu.referenced_objects = [res]  # type: ignore[attr-defined]
            return on_gpu
        return flat
    nlist = max(1, n // LIST_SIZE)
    rng = np.random.default_rng(0)
    sample = x[np.sort(rng.choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False))]
    kmeans = faiss.Clustering(d, nlist)
    kmeans.niter = 10
    kmeans.spherical = True
    kmeans.seed = 1234
    kmeans.min_points_per_centroid = 1
    kmeans.max_points_per_centroid = TRAIN_PER_LIST
    assign = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    kmeans.train(sample, assign)
    centroids = faiss.vector_to_array(kmeans.centroids).reshape(nlist, d)
    quantizer = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    quantizer.hnsw.efConstruction = 64
    quantizer.add(centroids)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    quantizer.hnsw.efSearch = 16  # adding: each row's one nearest centroid
    index.add(x)
    quantizer.hnsw.efSearch = 2 * NPROBE  # searching: the NPROBE nearest lists
    index.nprobe = NPROBE
    index.referenced_objects = [quantizer]  # type: ignore[attr-defined]  # the quantizer must outlive this
    return index


def candidate_pairs(
    vectors: np.ndarray,
    groups: np.ndarray | Sequence[int],
    k: int = 10,
    min_cosine: float = 0.5,
    *,
    prepare: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cross-group nearest-neighbour pairs: ``(i, j, cosine)`` with ``i < j`` and ``groups[i] != groups[j]``,
    ordered by ``(i, j)``; row numbers are int32 (int64 past 2**31 rows).

    ``vectors`` are L2-normalised rows (cosine = inner product); ``prepare``, if given, maps them to the
    rows actually searched (e.g. centred on their mean), made here so that on the IVF path the index
    holds the only copy of them. Each row keeps up to ``k`` neighbours
    from other groups with cosine at least ``min_cosine``; a pair found from both ends is returned once.
    Search runs in chunks of :data:`SEARCH_CHUNK` rows, so memory stays O(n·k), never O(n²); rows
    whose whole neighbour list falls in their own group are searched again with a wider list.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    g = np.asarray(groups)
    if x.ndim != 2:
        raise ValueError(f"vectors must be a 2-D array, got shape {x.shape}")
    if len(g) != len(x):
        raise ValueError(f"got {len(x)} vectors but {len(g)} groups; pass one group per row")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    n = len(x)
    # found pairs are held as int32 row numbers (4 bytes, not 8), and returned so
    idt = np.int32 if n < 2**31 else np.int64
    empty = (np.empty(0, idt), np.empty(0, idt), np.empty(0, np.float32))
    if n < 2:
        return empty
    if prepare is not None:
        x = np.ascontiguousarray(prepare(x), dtype=np.float32)
    index = build_index(x)
    rows_of: np.ndarray | None = x
    import faiss

    if isinstance(index, faiss.IndexIVFFlat):
        # the IVF lists hold an exact copy of every row: queries are read from it, and the prepared
        # rows (a centred copy, 1.5 kB a passage) are freed for the search and the merge, where with
        # the index's copy they were two of the peak's largest arrays
        index.make_direct_map()
        rows_of = None
        del vectors, x
    parts_i: list[np.ndarray] = []
    parts_j: list[np.ndarray] = []
    parts_c: list[np.ndarray] = []

    def search(index: Any, rows: np.ndarray, kk: int) -> np.ndarray:
        """Search ``rows`` with ``kk`` neighbours; return the rows that need a wider search."""
        kk = min(kk, n)
        sims, nbrs = index.search(index.reconstruct_batch(rows) if rows_of is None else rows_of[rows], kk)
        valid = (nbrs >= 0) & (sims >= min_cosine)
        nbrs_c = np.where(nbrs >= 0, nbrs, 0)
        keep = valid & (g[nbrs_c] != g[rows][:, None])
        # keep the first k cross-group neighbours of each row
        keep &= np.cumsum(keep, axis=1) <= k
        r, c = np.nonzero(keep)
        a, b = rows[r], nbrs[r, c]
        parts_i.append(np.minimum(a, b).astype(idt))
        parts_j.append(np.maximum(a, b).astype(idt))
        parts_c.append(sims[r, c])
        # rows that found fewer than k cross-group neighbours while their list was cut short
        found = keep.sum(axis=1)
        truncated = valid[:, -1] if kk < n else np.zeros(len(rows), dtype=bool)
        return rows[(found < k) & truncated]

    kk = min(n, 2 * k + 1)
    for lo in range(0, n, SEARCH_CHUNK):
        rows = np.arange(lo, min(n, lo + SEARCH_CHUNK))
        again = search(index, rows, kk)
        wide = kk
        while len(again) and wide < n:
            wide = min(n, wide * 4)
            again = search(index, again, wide)

    # the index holds its own copy of every vector (1.5 kB a passage): not needed past the search
    del index
    # one array at a time, each freed as soon as it is used: at 90 neighbours a passage (recurring)
    # these arrays are the largest thing a command holds
    key = np.concatenate(parts_i).astype(np.int64)
    parts_i.clear()
    if not len(key):
        return empty
    key *= n
    key += np.concatenate(parts_j)
    parts_j.clear()
    c = np.concatenate(parts_c).astype(np.float32, copy=False)
    parts_c.clear()
    order = np.lexsort((-c, key))  # each pair once, with the larger cosine of its two ends
    key, c = key[order], c[order]
    del order
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, c = key[first], c[first]
    del first
    # the two ends as int32 row numbers (as found), one int64 temporary at a time
    j = (key % n).astype(idt)
    key //= n
    return key.astype(idt), j, np.minimum(c, 1.0)


# ------------------------------------------------------------------------------------------------
# Documents
# ------------------------------------------------------------------------------------------------


def document_overlap(
    sentences_a: Sequence[str], vectors_a: np.ndarray, sentences_b: Sequence[str], vectors_b: np.ndarray
) -> float:
    """How much of document A restates document B, in [0, 1].

    The mean of two halves: the engine's sentence coverage (each sentence of A aligned to its nearest
    sentence of B by cosine, its verdict score weighted by its length in words) and the lexical
    containment of A's word 3-grams in B. On Clough & Stevenson this separates reused answers (cut,
    light and heavy revision) from independent ones better than either half alone (see
    benchmarks/quality.py; the combination was chosen on that set, which has no training split).
    """
    if not len(sentences_a) or not len(sentences_b):
        return 0.0
    sims = np.asarray(vectors_a, dtype=np.float32) @ np.asarray(vectors_b, dtype=np.float32).T
    best = sims.argmax(axis=1)
    vs = verdicts(
        [(sentences_a[r], sentences_b[best[r]]) for r in range(len(sentences_a))],
        sims[np.arange(len(best)), best],
        graded=True,
    )
    w = np.array([max(1, len(_tokens(s))) for s in sentences_a], dtype=np.float64)
    coverage = float(w @ np.array([v.score for v in vs]) / w.sum())
    grams_a = frozenset(g for s in sentences_a for g in _shingles(s, 3))
    grams_b = frozenset(g for s in sentences_b for g in _shingles(s, 3))
    containment = len(grams_a & grams_b) / max(1, len(grams_a))
    return (coverage + containment) / 2
