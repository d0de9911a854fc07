"""Check a new draft against the corpus: which of its passages were said before, where, how often.

The draft is parsed like any document but not stored; its passages are embedded, looked up in the
store's FAISS index, and the candidates verified by the engine.

A quotation is found whatever its cut (see :mod:`dedup.align`): a draft passage that appears word for
word (or nearly) inside one corpus passage, across two adjacent ones, or that contains a whole corpus
passage, is ``verbatim``/``near-verbatim`` with the aligned span given in :class:`Quote`. Sentences of
the draft's longer passages are looked up too, so a quoted sentence finds its source however the two
documents were cut into passages.

A draft that is already in the store (the same file, or the same path) is said so, and it and its
versions (:meth:`~dedup.store.Store.document_families`) are left out of the matches unless
``include_self`` is set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from dedup.align import (
    MIN_QUOTE_WORDS,
    NEAR_VERBATIM_QUOTE,
    Alignment,
    Stretch,
    containment,
    quote_alignment,
    shared_stretch,
    words,
)
from dedup.embed import Embedder
from dedup.ingest import Parsed, parse_file
from dedup.limits import DEFAULT_LIMITS, Limits
from dedup.links import MIN_CANDIDATE_COSINE, SAME_STATEMENT
from dedup.models import Document, LinkType, Passage, PassageDraft
from dedup.store import Store, file_hash, text_hash

#: Corpus passages looked up per draft passage before verification.
CHECK_K = 20
#: ... and per sentence of a longer draft passage (a sentence quoting or restating a corpus passage
#: finds it among its nearest few).
SENTENCE_K = 5

QuoteHow = Literal[
    "draft-in-corpus", "corpus-in-draft", "draft-across-passages", "sentences-in-corpus", "shared-stretch", "sentence"
]


@dataclass(frozen=True)
class Quote:
    """How a draft passage and the corpus overlap when one quotes the other.

    ``draft_start``/``draft_end`` are offsets into the draft passage's text, ``corpus_text`` the
    aligned corpus words, ``passages`` the corpus passages they come from (two adjacent ones when the
    quotation runs across a passage boundary)."""

    how: QuoteHow
    score: float
    draft_start: int
    draft_end: int
    corpus_text: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Match:
    passage: Passage
    score: float
    type: LinkType
    quote: Quote | None = None
    answers: bool = False  # the draft passage follows the draft's quotation of this corpus passage


@dataclass(frozen=True)
class DraftPassage:
    draft: PassageDraft
    matches: list[Match]  # best first; same-statement matches and related ones
    family: Mapping[str, str] = field(default_factory=dict)  # document id -> family (versions count once)

    @property
    def repeats(self) -> list[Match]:
        return [m for m in self.matches if m.type in SAME_STATEMENT]

    @property
    def times(self) -> int:
        """In how many earlier documents the passage was said before (versions of one document, such as
        a draft and its final or a summary and its full text, count once)."""
        return len({self.family.get(m.passage.document.id, m.passage.document.id) for m in self.repeats})

    @property
    def status(self) -> str:
        return "repeat" if self.repeats else "new"


@dataclass(frozen=True)
class DraftCheck:
    source: str
    title: str | None
    pages: dict[int, str]
    passages: list[DraftPassage]  # recommendations first, then the rest, each in reading order
    body_of: Mapping[str, str] = field(default_factory=dict)  # organisation -> the body it rolls up to
    in_store: Document | None = None  # the stored document this draft is (same file or same path)
    excluded: list[Document] = field(default_factory=list)  # left out of the matches: it and its versions

    @property
    def recommendations(self) -> list[DraftPassage]:
        return [p for p in self.passages if p.draft.kind == "recommendation"]

    @property
    def repeated(self) -> list[DraftPassage]:
        return [p for p in self.recommendations if p.repeats]

    @property
    def new(self) -> list[DraftPassage]:
        return [p for p in self.recommendations if not p.repeats]

    def most_repeated(self, n: int = 5) -> list[DraftPassage]:
        return sorted(self.repeated, key=lambda p: (-p.times, -p.repeats[0].score))[:n]


def _quote(draft: str, corpus: Passage, before: Passage | None, after: Passage | None) -> Quote | None:
    """The best quotation relation between a draft passage and a corpus passage (with its neighbours)."""
    found: list[tuple[float, Quote]] = []
    if words(draft) <= words(corpus.text):
        a = quote_alignment(draft, corpus.text)
        if a is not None:
            found.append(
                (a.score, Quote("draft-in-corpus", a.score, 0, len(draft), corpus.text[a.start : a.end], (corpus,)))
            )
    else:
        a = quote_alignment(corpus.text, draft)
        if a is not None:
            found.append((a.score, Quote("corpus-in-draft", a.score, a.start, a.end, corpus.text, (corpus,))))
    if not any(q.how == "draft-in-corpus" for _, q in found) and words(draft) >= MIN_QUOTE_WORDS:
        # Across a passage boundary: the draft passage inside this passage joined with a neighbour.
        for first, second in ((before, corpus), (corpus, after)):
            if first is None or second is None or first.document.id != second.document.id:
                continue
            joined = first.text + " " + second.text
            if containment(draft, joined) <= max(containment(draft, first.text), containment(draft, second.text)):
                continue
            a = quote_alignment(draft, joined)
            if a is not None and a.start < len(first.text) < a.end:
                found.append(
                    (
                        a.score,
                        Quote(
                            "draft-across-passages", a.score, 0, len(draft), joined[a.start : a.end], (first, second)
                        ),
                    )
                )
    if not found:
        shared = _shared_sentences(draft, corpus)
        if shared is not None:
            found.append((shared.score, shared))
    if not found:
        # A part of one quoted in the other with a few words changed ("In your Report, you raised that
        # <a part of the concern> ..."): neither text holds the other, nor a whole sentence of it.
        st = shared_stretch(draft, corpus.text)
        if st is not None and not _opposed_around(draft, corpus.text, st):
            found.append(
                (
                    st.score,
                    Quote(
                        "shared-stretch", st.score, st.a_start, st.a_end, corpus.text[st.b_start : st.b_end], (corpus,)
                    ),
                )
            )
    # The quotation covering most of the draft passage, then the closest.
    return max(found, key=lambda f: (f[1].draft_end - f[1].draft_start, f[0]))[1] if found else None


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    from dedup.segment import split_sentences

    return tuple(split_sentences(text))


def _shared_sentences(draft: str, corpus: Passage) -> Quote | None:
    """The longest run of consecutive draft sentences quoted in the corpus passage (neither text
    containing the other: a response that quotes a concern, then answers it)."""
    spans = _sentences(draft)
    if len(spans) < 2 or containment(corpus.text, draft) == 0.0 and containment(draft, corpus.text) == 0.0:
        return None
    best: list[tuple[int, int, Alignment]] = []
    run: list[tuple[int, int, Alignment]] = []
    for s, e in [*spans, (len(draft), len(draft))]:
        a = quote_alignment(draft[s:e], corpus.text) if e > s else None
        if a is not None:
            run.append((s, e, a))
            continue
        if run and run[-1][1] - run[0][0] > (best[-1][1] - best[0][0] if best else 0):
            best = run
        run = []
    if not best:
        return None
    score = min(a.score for _, _, a in best)
    lo, hi = min(a.start for _, _, a in best), max(a.end for _, _, a in best)
    return Quote("sentences-in-corpus", score, best[0][0], best[-1][1], corpus.text[lo:hi], (corpus,))


def _opposed_around(a: str, b: str, st: Stretch) -> bool:
    """Whether the sentences holding the stretch ``st`` of ``a`` and ``b`` are opposed: a shared stretch
    leaves out the words that differ, and a "not" just before it ("should not | publish waiting times
    ...") with them."""
    from dedup.match import opposed

    def widened(text: str, start: int, end: int) -> str:
        spans = [(s, e) for s, e in _sentences(text) if s < end and e > start] or [(start, end)]
        return text[min(start, spans[0][0]) : max(end, spans[-1][1])]

    return opposed(widened(a, st.a_start, st.a_end), widened(b, st.b_start, st.b_end))


def _quote_type(q: Quote, draft_text: str) -> LinkType | None:
    from dedup.match import opposed

    quoted = draft_text[q.draft_start : q.draft_end]
    if opposed(quoted, q.corpus_text):
        return None
    if q.score >= 1.0:
        return "verbatim"
    # Every other way of quoting keeps the near-verbatim cut; a shared stretch of an edited quotation
    # may fall below it (words left out or changed), and is the same statement reworded.
    return "near-verbatim" if q.score >= NEAR_VERBATIM_QUOTE or q.how != "shared-stretch" else "paraphrase"


def self_documents(store: Store, source: str, path: Path | None) -> tuple[Document | None, list[Document]]:
    """The stored document a draft is (the same file by content, or the same path), and its versions."""
    row = store.find_by_source(str(path.resolve()) if path is not None else source)
    if row is None and path is not None and path.is_file():
        row = store.find_by_hash(file_hash(path))
    if row is None:
        return None, []
    doc = store.document(row["id"])
    families = store.document_families(of=[doc.id])
    family = families.get(doc.id)
    members = store.documents_by_id(
        d for d, f in families.items() if family is not None and f == family and d != doc.id
    )
    others = sorted(members.values(), key=lambda d: (d.year is None, d.year or 0, d.id))  # as documents() orders
    return doc, [doc, *others]


def check_parsed(
    store: Store,
    embedder: Embedder,
    parsed: Parsed,
    source: str,
    *,
    k: int = CHECK_K,
    path: Path | None = None,
    include_self: bool = False,
    quotes: bool = True,
) -> DraftCheck:
    """Check parsed draft passages against the store. ``quotes=False`` judges whole passages only
    (no sentence look-ups, no quotation alignment): the check as it was, for benchmarks."""
    from dedup.index import search
    from dedup.match import verdicts

    in_store, versions = self_documents(store, source, path)
    excluded = [] if include_self else versions
    exclude = set(store.passage_ids([d.id for d in excluded]))

    drafts = parsed.passages
    # Queries: each passage, and each sentence of a passage of several (a quoted sentence then finds
    # its source even when the two documents cut their passages differently).
    owners: list[int] = []
    texts: list[str] = []
    first_query: list[int] = []
    sentence_of: dict[int, tuple[int, int]] = {}  # query row -> its sentence's span in the passage
    for r, d in enumerate(drafts):
        first_query.append(len(texts))
        owners.append(r)
        texts.append(d.text)
        spans = _sentences(d.text) if quotes else ()
        if len(spans) > 1:
            for s, e in spans:
                if words(d.text[s:e]) >= MIN_QUOTE_WORDS:
                    sentence_of[len(texts)] = (s, e)
                    owners.append(r)
                    texts.append(d.text[s:e])
    vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dim), np.float32)
    rows_p = np.asarray([row for row in range(len(texts)) if row not in sentence_of], dtype=np.int64)
    rows_s = np.asarray(sorted(sentence_of), dtype=np.int64)
    hits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for rows, kk in ((rows_p, k), (rows_s, SENTENCE_K)):
        if len(rows):
            sc, ix = search(store, vectors[rows], kk, exclude=exclude) if exclude else search(store, vectors[rows], kk)
            hits.update({int(row): (sc[n], ix[n]) for n, row in enumerate(rows)})
    best: dict[tuple[int, int], float] = {}
    by_sentence: list[tuple[int, int, float]] = []  # (query row, corpus passage id, cosine)
    for row, r in enumerate(owners):
        if row not in hits:
            continue
        for s, pid in zip(*hits[row], strict=True):
            if pid >= 0 and s >= MIN_CANDIDATE_COSINE:
                best[r, int(pid)] = max(best.get((r, int(pid)), -1.0), float(s))
                if row in sentence_of:
                    by_sentence.append((row, int(pid), float(s)))
    pairs = [(r, pid, cos) for (r, pid), cos in best.items()]
    pids = sorted({pid for _, pid, _ in pairs})
    near = store.adjacent(pids)
    neighbour_ids = {n for pid in pids for n in near.get(pid, (None, None)) if n is not None and n not in exclude}
    corpus = {p.id: p for p in store.passages(ids=set(pids) | neighbour_ids)} if pids else {}
    pairs = [t for t in pairs if t[1] in corpus]  # a passage removed by another process meanwhile
    by_sentence = [t for t in by_sentence if t[1] in corpus]
    pids = [pid for pid in pids if pid in corpus]
    # Whole-passage verdicts take the cosine of the two passages themselves, not of a sentence.
    stored = store.vectors_for_hashes(embedder.name, sorted({text_hash(corpus[p].text) for p in pids}), embedder.dim)
    cosines: list[float] = []
    for r, pid, cos in pairs:
        vec = stored.get(text_hash(corpus[pid].text))
        cosines.append(float(np.dot(vectors[first_query[r]], vec)) if vec is not None else cos)
    judged = verdicts([(drafts[r].text, corpus[pid].text) for r, pid, _ in pairs], cosines)
    found: dict[int, dict[tuple[int, ...], Match]] = {}
    for (r, pid, _), v in zip(pairs, judged, strict=True):
        text = drafts[r].text
        before, after = (corpus.get(n) if n is not None else None for n in near.get(pid, (None, None)))
        quote = _quote(text, corpus[pid], before, after) if quotes and v.type != "verbatim" else None
        qtype = _quote_type(quote, text) if quote is not None else None
        match: Match | None = None
        if quote is not None and qtype is not None and (v.type != "near-verbatim" or qtype == "verbatim"):
            match = Match(quote.passages[0], max(quote.score, v.score), qtype, quote)
        elif v.type is not None:
            match = Match(corpus[pid], v.score, v.type)
        if match is None:
            continue
        key = tuple(p.id for p in match.quote.passages) if match.quote else (pid,)
        old = found.setdefault(r, {}).get(key)
        if old is None or _rank(match) < _rank(old):
            found[r][key] = match
    # A sentence of a longer draft passage that restates a corpus passage on its own (a quotation
    # lightly edited: "could have been undertaken" for "could be undertaken").
    sentence_verdicts = verdicts(
        [(texts[row], corpus[pid].text) for row, pid, _ in by_sentence], [c for *_, c in by_sentence]
    )
    for (row, pid, _), v in zip(by_sentence, sentence_verdicts, strict=True):
        if v.type not in SAME_STATEMENT:
            continue
        r = owners[row]
        s, e = sentence_of[row]
        match = Match(corpus[pid], v.score, v.type, Quote("sentence", v.score, s, e, corpus[pid].text, (corpus[pid],)))
        old = found.setdefault(r, {}).get((pid,))
        if old is None or _TYPE_RANK[match.type] < _TYPE_RANK[old.type]:  # an aligned quotation stays
            found[r][(pid,)] = match
    if quotes:
        _link_answers(drafts, found, vectors, first_query, store, embedder)
    matched = {m.passage.document.id for ms in found.values() for m in ms.values()}
    family = store.document_families(of=matched) if found else {}
    out = []
    for r, d in enumerate(drafts):
        matches = sorted(found.get(r, {}).values(), key=lambda m: (*_rank(m), m.passage.document.year or 0))
        out.append(DraftPassage(d, matches, family))
    out.sort(key=lambda p: p.draft.kind != "recommendation")  # stable: reading order within each kind
    orgs = {m.passage.document.organisation for ms in found.values() for m in ms.values()}
    body_of = {o: store.body_of(o) or o for o in orgs if o}
    return DraftCheck(
        source, parsed.metadata.get("title"), parsed.pages, out, in_store=in_store, excluded=excluded, body_of=body_of
    )


_TYPE_RANK = {t: n for n, t in enumerate(("verbatim", "near-verbatim", "paraphrase", "related"))}

#: A quotation is *attributed* when the draft passage holding it has at least this many words of its own
#: around the quoted span ("You told us that ...", "The coroner was concerned that ..."): the mark of a
#: response, which quotes what it answers. A draft that only restates earlier recommendations as its
#: own (a strategy repeating a list) has none, and its passages answer nothing.
ATTRIBUTION_WORDS = 3

#: ... or when it quotes a whole paragraph of at least this many words (a coroner's concern copied as
#: it stands; a strategy's recommendations are one or two lines).
QUOTED_PARAGRAPH_WORDS = 40
#: A response answers one document (a report, a review): a draft whose attributed quotations come from
#: more than this many corpus documents draws on the literature, and nothing in it is an answer.
ANSWERED_DOCUMENTS = 2

#: A passage repeating what more than this many corpus documents say is boilerplate (a notice printed
#: on every document, a stock phrase), not a concern that the passages after it answer.
ANSWER_MAX_SOURCES = 3

#: Passages after a quotation linked to it as its answer, at most (a response quotes a concern, then
#: answers it in a few paragraphs; the next quotation starts the next answer).
ANSWER_PASSAGES = 6


def _rank(m: Match) -> tuple[float, float]:
    # an answer ranks after the repeats and before plain topical relations
    return (2.5 if m.answers else _TYPE_RANK[m.type]), -m.score


def _attributed(text: str, m: Match) -> bool:
    """Whether ``m`` quotes a corpus passage inside words of the draft's own (see ATTRIBUTION_WORDS)."""
    if m.type not in SAME_STATEMENT:
        return False
    if m.quote is None:  # a whole-passage restatement: attributed by words it adds, or a long concern
        return words(text) - words(m.passage.text) >= ATTRIBUTION_WORDS or words(text) >= QUOTED_PARAGRAPH_WORDS
    q = m.quote
    around = words(text[: q.draft_start]) + words(text[q.draft_end :])
    return around >= ATTRIBUTION_WORDS or words(text[q.draft_start : q.draft_end]) >= QUOTED_PARAGRAPH_WORDS


def _boilerplate(matches: list[Match]) -> bool:
    """Whether the repeats of one draft passage come from more than ANSWER_MAX_SOURCES documents."""
    return len({m.passage.document.id for m in matches if m.type in SAME_STATEMENT}) > ANSWER_MAX_SOURCES


def _link_answers(
    drafts: list[PassageDraft],
    found: dict[int, dict[tuple[int, ...], Match]],
    vectors: np.ndarray,
    first_query: list[int],
    store: Store,
    embedder: Embedder,
) -> None:
    """Link the passages that follow a quotation to the quoted corpus passages, as its answer.

    A response quotes an earlier document ("The coroner was concerned that ...") and answers it in
    the passages that follow, in words of its own: those passages rarely repeat the concern, but they
    answer it. They get an ``answers`` match (type ``related``) to each corpus passage the last
    quotation quoted, scored by the engine (graded), until the next quotation. A quotation is a
    passage repeating a corpus passage (verbatim, near-verbatim or paraphrase, whole or by its aligned
    span). Quotations in consecutive passages are one list of concerns answered together, and a passage
    quoting several concerns at once is answered for all of them: the answer is linked to each, ranked
    by how close it is to each. An answer that disagrees with the concern is linked too.

    Only a response links answers: a draft with at least one attributed quotation (words of its own
    around a quoted span). A strategy that restates earlier recommendations as its own, one per list
    item, answers nothing: its next item is a recommendation, not a reply. Nor does a passage
    repeating the corpus's boilerplate (said in more than :data:`ANSWER_MAX_SOURCES` documents)
    start an answer."""
    from dedup.match import verdicts

    answered = {
        m.passage.document.id
        for r, ms in found.items()
        if not _boilerplate(list(ms.values()))
        for m in ms.values()
        if _attributed(drafts[r].text, m)
    }
    if not answered or len(answered) > ANSWERED_DOCUMENTS:
        return  # not a response: nothing quoted as another's words, or drawn from many documents
    order = sorted(range(len(drafts)), key=lambda r: (drafts[r].page, drafts[r].start))
    quoted: list[Match] = []
    since = 0
    links: list[tuple[int, Match]] = []
    for r in order:
        own = [m for m in found.get(r, {}).values() if m.type in SAME_STATEMENT]
        if _boilerplate(own):
            quoted, since = [], 0  # the corpus's boilerplate (a notice on every document): no concern
            continue
        if own:
            if quoted and since == 0:
                # Quotations in consecutive passages ("1. ...", "2. ...", then the reply) are one list
                # of concerns, answered together: the answer is linked to each of them.
                seen = {m.passage.id for m in quoted}
                quoted = quoted + [m for m in own if m.passage.id not in seen]
            else:
                quoted = own
            since = 0
            continue
        since += 1
        if not quoted or since > ANSWER_PASSAGES:
            continue
        for m in quoted:
            if not any(x.passage.id == m.passage.id for x in found.get(r, {}).values()):
                links.append((r, m))
    if not links:
        return
    stored = store.vectors_for_hashes(
        embedder.name, sorted({text_hash(m.passage.text) for _, m in links}), embedder.dim
    )
    cosines = []
    for r, m in links:
        vec = stored.get(text_hash(m.passage.text))
        cosines.append(float(np.dot(vectors[first_query[r]], vec)) if vec is not None else 0.0)
    judged = verdicts([(drafts[r].text, m.passage.text) for r, m in links], cosines, graded=True)
    for (r, m), v in zip(links, judged, strict=True):
        # An answer that disagrees with the concern ("we do not accept that ...") answers it all the
        # same: polarity does not unlink it.
        found.setdefault(r, {})[(m.passage.id, -1)] = Match(m.passage, v.score, "related", answers=True)


def check_draft(
    store: Store,
    embedder: Embedder,
    path: Path,
    *,
    k: int = CHECK_K,
    limits: Limits = DEFAULT_LIMITS,
    include_self: bool = False,
) -> DraftCheck:
    """Check the draft at ``path`` (PDF, DOCX, HTML, TXT, MD) against the indexed store.

    A draft already in the store is left out of its own matches, with its versions, unless
    ``include_self``."""
    return check_parsed(store, embedder, parse_file(path, limits), str(path), k=k, path=path, include_self=include_self)
