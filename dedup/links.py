"""Cross-document links over a store: candidates from the vectors, verified by the engine.

``find_links`` composes the stages (vectors → candidate pairs → verdicts → links);
``document_overlaps`` summarises links as which document repeats which, and how much.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.embed import Embedder, VectorSpace
from dedup.models import LINK_TYPES, Document, Link, LinkType, Passage, Verdict
from dedup.store import Store

#: Neighbours per passage taken from the index before verification.
DEFAULT_K = 10
#: Below this cosine a pair is not worth verifying (the engine never calls such pairs a match).
MIN_CANDIDATE_COSINE = 0.5
#: Link types that say "the same statement" (``related`` is only the same topic).
SAME_STATEMENT: tuple[LinkType, ...] = ("verbatim", "near-verbatim", "paraphrase")


def earlier_first(a: Passage, b: Passage) -> tuple[Passage, Passage]:
    """Order a pair so the passage from the earlier document comes first (then by document id)."""
    ka = (a.document.year or 9999, a.document.id, a.id)
    kb = (b.document.year or 9999, b.document.id, b.id)
    return (a, b) if ka <= kb else (b, a)


def verify_pairs(
    passages: Sequence[Passage], i: np.ndarray, j: np.ndarray, cos: np.ndarray, types: Iterable[LinkType]
) -> list[Link]:
    """Run the engine on candidate pairs (indices into ``passages``) and keep the wanted types."""
    from dedup.match import verdicts

    wanted = set(types)
    judged = verdicts([(passages[a].text, passages[b].text) for a, b in zip(i, j, strict=True)], cos)
    links = []
    for a, b, v in zip(i, j, judged, strict=True):
        if v.type is not None and v.type in wanted:
            first, second = earlier_first(passages[a], passages[b])
            links.append(Link(first, second, v.score, v.type))
    return links


#: Candidate pairs judged at a time by :func:`judge_in_blocks`: the texts and verdicts of one block of
#: pairs are held at once, never those of every pair of the corpus.
VERIFY_BLOCK = 32_768


def judge_in_blocks(
    texts: Sequence[str], i: np.ndarray, j: np.ndarray, cos: np.ndarray, block: int = VERIFY_BLOCK
) -> Iterator[tuple[int, list[Verdict]]]:
    """The engine's verdicts on candidate pairs ``(texts[i[k]], texts[j[k]])``, ``block`` pairs at a
    time: yields ``(offset, verdicts)`` with the verdicts of pairs ``offset ..``.

    Per-text features are computed once for every pair a text is in, as in one :func:`verdicts` call,
    but with pairs ordered by ``i`` (``i < j``, as :func:`~dedup.match.candidate_pairs` gives them) a
    text is never needed again once a block has passed its index: its features are freed then, so
    the caches hold the texts still to come, not the whole corpus."""
    from dedup.match import bulk, forget, verdicts

    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    if len(i) > 1 and (np.any(i[1:] < i[:-1]) or np.any(j <= i)):
        raise ValueError("judge_in_blocks takes pairs with i < j, sorted by i (as candidate_pairs gives them)")
    done = 0  # texts below this index are finished with
    with bulk():
        for lo in range(0, len(i), block):
            bi, bj = i[lo : lo + block], j[lo : lo + block]
            yield lo, verdicts([(texts[a], texts[b]) for a, b in zip(bi.tolist(), bj.tolist(), strict=True)],
                               cos[lo : lo + block])  # fmt: skip
            cut = int(bi[-1]) if lo + block < len(i) else len(texts)
            forget(texts[done:cut])
            done = max(done, cut)


def find_links(
    store: Store,
    embedder: VectorSpace,
    *,
    kind: str | None = None,
    types: Iterable[LinkType] = LINK_TYPES,
    min_score: float = 0.0,
    documents: Sequence[str] | None = None,
    k: int = DEFAULT_K,
    block: int = VERIFY_BLOCK,
) -> list[Link]:
    """All cross-document links between passages of the store, best first.

    ``kind`` limits both ends to one passage kind; ``documents`` keeps links touching those documents.
    Reads stored vectors only: ``embedder`` may be the store's record (:class:`dedup.index.StoredModel`).
    Candidate pairs are judged ``block`` at a time (:func:`judge_in_blocks`), from the passages'
    texts alone; only the linked passages are read whole.
    """
    from dedup.match import candidate_pairs

    with store.snapshot():
        ids, vectors = store.passage_vectors(embedder.name, embedder.dim, kind=kind)
        if len(ids) < 2:
            return []
        texts, doc_ids = store.passage_texts(ids)
        docs = {d.id: d for d in store.documents()}
    codes: dict[str, int] = {}
    groups = np.fromiter((codes.setdefault(d, len(codes)) for d in doc_ids), dtype=np.int64, count=len(doc_ids))
    del doc_ids
    # earlier_first over documents: (year, document id), as a rank per group
    ranked = sorted(codes, key=lambda d: (docs[d].year or 9999, d))
    rank = np.empty(len(codes), dtype=np.int64)
    rank[[codes[d] for d in ranked]] = np.arange(len(ranked))
    i, j, cos = candidate_pairs(vectors, groups, k=k, min_cosine=MIN_CANDIDATE_COSINE)
    del vectors
    if documents is not None:
        keep_docs = np.zeros(len(codes), dtype=bool)
        keep_docs[[codes[d] for d in {store.document(d).id for d in documents} if d in codes]] = True
        mask = keep_docs[groups[i]] | keep_docs[groups[j]]
        i, j, cos = i[mask], j[mask], cos[mask]
    wanted = set(types)
    first, second, scores, kinds = [], [], [], []  # of each link, block by block
    for lo, judged in judge_in_blocks(texts, i, j, cos, block):
        hit = [n for n, v in enumerate(judged) if v.type is not None and v.type in wanted and v.score >= min_score]
        a, b = i[lo + np.asarray(hit, dtype=np.int64)], j[lo + np.asarray(hit, dtype=np.int64)]
        swap = rank[groups[a]] > rank[groups[b]]  # the passage of the earlier document first
        first.append(np.where(swap, b, a))
        second.append(np.where(swap, a, b))
        scores.append(np.array([judged[n].score for n in hit], dtype=np.float64))
        kinds.append(np.array([LINK_TYPES.index(judged[n].type) for n in hit], dtype=np.int8))
    del texts
    if not first:
        return []
    pa, pb = ids[np.concatenate(first)], ids[np.concatenate(second)]
    score, kind_code = np.concatenate(scores), np.concatenate(kinds)
    order = np.lexsort((pb, pa, -score))  # best first, then by passage ids
    passages = store.passages_by_id(np.concatenate([pa, pb]).tolist())
    return [
        Link(passages[a], passages[b], s, LINK_TYPES[t])
        for a, b, s, t in zip(
            pa[order].tolist(), pb[order].tolist(), score[order].tolist(), kind_code[order].tolist(), strict=True
        )
    ]


@dataclass(frozen=True)
class Overlap:
    """How much two documents repeat each other."""

    a: Document
    b: Document
    links: int
    share_a: float  # share of a's passages with a same-statement link into b
    share_b: float  # and of b's into a

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)


def document_overlaps(links: Iterable[Link], documents: Sequence[Document]) -> list[Overlap]:
    """Document pairs ranked by the larger share of either document repeated in the other.

    Only same-statement links count (``related`` is the same topic, not a repeat).
    """
    covered: dict[tuple[str, str], tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for link in links:
        if link.type not in SAME_STATEMENT:
            continue
        a, b = link.a, link.b
        if a.document.id > b.document.id:
            a, b = b, a
        key = (a.document.id, b.document.id)
        covered[key][0].add(a.id)
        covered[key][1].add(b.id)
        counts[key] += 1
    docs = {d.id: d for d in documents}
    out = []
    for (da, db), (pa, pb) in covered.items():
        doc_a, doc_b = docs[da], docs[db]
        share_a, share_b = len(pa) / max(doc_a.passage_count, 1), len(pb) / max(doc_b.passage_count, 1)
        out.append(Overlap(doc_a, doc_b, counts[(da, db)], share_a, share_b))
    out.sort(key=lambda o: (-o.score, -o.links, o.a.id, o.b.id))
    return out


@dataclass(frozen=True)
class PairMatch:
    a: int  # index into the first text's passages
    b: int  # index into the second's
    score: float
    type: LinkType


@dataclass(frozen=True)
class TextComparison:
    """Two documents compared passage by passage."""

    passages_a: list[str]
    passages_b: list[str]
    matches: list[PairMatch]  # each passage of a with its best same-statement match in b
    source_a: str = "text"  # the file's name, or "text"
    source_b: str = "text"

    @property
    def share_a(self) -> float:
        return len({m.a for m in self.matches}) / max(len(self.passages_a), 1)

    @property
    def share_b(self) -> float:
        return len({m.b for m in self.matches}) / max(len(self.passages_b), 1)


def compare_passages(passages_a: Sequence[str], passages_b: Sequence[str], embedder: Embedder) -> TextComparison:
    """Each passage of ``a`` against every passage of ``b``: its best same-statement match, if any."""
    from dedup.match import verdicts

    if not passages_a or not passages_b:
        return TextComparison(list(passages_a), list(passages_b), [])
    va, vb = embedder.embed(list(passages_a)), embedder.embed(list(passages_b))
    sims = va @ vb.T
    k = min(5, len(passages_b))
    top = np.argsort(-sims, axis=1)[:, :k]
    pairs = [(r, int(c)) for r in range(len(passages_a)) for c in top[r] if sims[r, c] >= MIN_CANDIDATE_COSINE]
    judged = verdicts([(passages_a[r], passages_b[c]) for r, c in pairs], [sims[r, c] for r, c in pairs])
    best: dict[int, PairMatch] = {}
    for (r, c), v in zip(pairs, judged, strict=True):
        if v.type in SAME_STATEMENT and (r not in best or v.score > best[r].score):
            best[r] = PairMatch(r, c, v.score, v.type)
    return TextComparison(list(passages_a), list(passages_b), [best[r] for r in sorted(best)])


@dataclass(frozen=True)
class OrgMatrix:
    """Which organisation repeats which: ``counts[i][j]`` passages of ``organisations[i]`` said again,
    later, by ``organisations[j]``."""

    organisations: list[str]
    counts: list[list[int]]


def organisation_matrix(links: Iterable[Link], body_of: Callable[[str | None], str | None] | None = None) -> OrgMatrix:
    """Which organisation repeats which: ``counts[i][j]`` is the number of passages of organisation i
    said again, later, by organisation j (same-statement links); with ``body_of``, units count as the
    body they roll up to."""
    cache: dict[str | None, str | None] = {}

    def body(org: str | None) -> str | None:
        if body_of is None:
            return org
        if org not in cache:
            cache[org] = body_of(org)
        return cache[org]

    pairs: dict[tuple[str, str], set[int]] = {}
    for lk in links:
        oa, ob = body(lk.a.document.organisation), body(lk.b.document.organisation)
        if lk.type in SAME_STATEMENT and oa and ob:
            pairs.setdefault((oa, ob), set()).add(lk.a.id)
    orgs = sorted({o for pair in pairs for o in pair})
    return OrgMatrix(orgs, [[len(pairs.get((a, b), ())) for b in orgs] for a in orgs])
