"""Group passages that make the same point: sparse average-linkage clustering that resists chaining.

The core, :func:`cluster`, is array-only: it takes ``n`` items and a list of weighted edges (verified
similarities; a pair without an edge is taken as dissimilar, weight ``fill``) and merges,
greedily and best-first, the two clusters whose *average* pairwise weight is highest, while that average
is at least ``threshold``. Because the average runs over every pair of members, one strong link cannot
glue two groups together (A~B and B~C with A and C unrelated gives {A,B} + C an average of about half
the B~C weight): unlike connected components on a thresholded graph (single linkage), it does not chain.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dedup.match import bulk, candidate_pairs, forget, may_be_opposed, opposed
from dedup.text import LETTERS, fold
from dedup.text import STOPWORDS as _STOP
from dedup.text import stem as _stem

#: Default merge threshold of :func:`cluster` on the average pairwise weight (an array-level default;
#: passages are clustered with :data:`DEFAULT_TEXT_THRESHOLD`).
DEFAULT_THRESHOLD = 0.5


def _as_edges(
    n: int,
    edges_i: Sequence[int] | np.ndarray,
    edges_j: Sequence[int] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ei = np.asarray(edges_i, dtype=np.int64).reshape(-1)
    ej = np.asarray(edges_j, dtype=np.int64).reshape(-1)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if not (len(ei) == len(ej) == len(w)):
        raise ValueError(
            f"edges_i, edges_j and weights must have one entry per edge; got {len(ei)}, {len(ej)}, {len(w)}"
        )
    if len(ei) and (min(ei.min(), ej.min()) < 0 or max(ei.max(), ej.max()) >= n):
        raise ValueError(f"edge endpoints must be item indices in [0, {n}); check n and the edge arrays")
    if len(w) and not np.all(np.isfinite(w)):
        raise ValueError("edge weights must be finite numbers")
    return ei, ej, w


def _adjacency(n: int, ei: np.ndarray, ej: np.ndarray, w: np.ndarray) -> list[dict[int, float]]:
    """Symmetric adjacency, self-loops dropped, a repeated pair keeping its largest weight."""
    adj: list[dict[int, float]] = [{} for _ in range(n)]
    for a, b, x in zip(ei.tolist(), ej.tolist(), w.tolist(), strict=True):
        if a == b:
            continue
        old = adj[a].get(b)
        if old is None or x > old:
            adj[a][b] = x
            adj[b][a] = x
    return adj


def cluster(
    n: int,
    edges_i: Sequence[int] | np.ndarray,
    edges_j: Sequence[int] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    fill: float = 0.0,
    groups: Sequence[object] | np.ndarray | None = None,
    min_size: int = 2,
    min_groups: int = 2,
) -> list[list[int]]:
    """Clusters of items ``0..n-1`` by average linkage over a sparse weighted graph.

    ``edges_i[k]``, ``edges_j[k]``, ``weights[k]``: an edge and its similarity (higher is more alike;
    any finite number, a negative weight pushes its two ends apart). A pair without an edge counts as
    ``fill``. Two clusters merge, best first, while the average weight over all their cross pairs is
    at least ``threshold``; only clusters joined by at least one edge are ever compared.

    Returned clusters have at least ``min_size`` members and, when ``groups`` (one label per item, e.g.
    its document) is given, members from at least ``min_groups`` different groups. Members are sorted;
    clusters are sorted by size (largest first), then by their smallest member.
    """
    if n < 0:
        raise ValueError(f"n must be a non-negative item count, got {n}")
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    if not np.isfinite(threshold) or not np.isfinite(fill):
        raise ValueError("threshold and fill must be finite numbers")
    if groups is not None and len(groups) != n:
        raise ValueError(f"got {n} items but {len(groups)} groups; pass one group per item")
    ei, ej, w = _as_edges(n, edges_i, edges_j, weights)
    label = _average_linkage(n, ei, ej, w, threshold=threshold, fill=fill)

    order = np.argsort(label, kind="stable")  # members of each cluster in ascending order
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    parts = np.split(order, bounds) if n else []
    codes: dict[object, int] = {}
    code = None if groups is None else np.fromiter((codes.setdefault(g, len(codes)) for g in groups), np.int64, n)
    out = []
    for mem in parts:
        if len(mem) < min_size:
            continue
        if code is not None and len(np.unique(code[mem])) < min_groups:
            continue
        out.append(mem.tolist())
    out.sort(key=lambda m: (-len(m), m[0]))
    return out


def _dedup_edges(n: int, ei: np.ndarray, ej: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges as (lo, hi, weight) with lo < hi, self-loops dropped, a repeated pair keeping its largest weight."""
    lo, hi = np.minimum(ei, ej), np.maximum(ei, ej)
    keep = lo != hi
    lo, hi, w = lo[keep], hi[keep], w[keep]
    key = lo * max(n, 1) + hi
    order = np.lexsort((-w, key))
    key, lo, hi, w = key[order], lo[order], hi[order], w[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return lo[first], hi[first], w[first]


def _average_linkage(
    n: int, ei: np.ndarray, ej: np.ndarray, w: np.ndarray, *, threshold: float, fill: float
) -> np.ndarray:
    """The cluster of each item (the smallest item of its cluster) after best-first average linkage.

    Average linkage is *reducible*: merging two clusters never brings the result closer to a third
    than the nearer of the two was. So every pair of clusters that are each other's best partner
    (average at least ``threshold``) is merged in the same way by the sequential best-first algorithm,
    whatever the order, and all such pairs can be merged at once, in rounds over numpy arrays, until
    no pair is left at or above ``threshold`` (then the sequential algorithm stops too: the best
    pair overall is always mutual). A cluster with no edge at or above the threshold can never merge
    again (reducibility), so its edges leave the arrays: later rounds touch only the clusters still
    growing. Ties between equal averages go to the partner with the smallest item; the sequential
    algorithm this replaces (a heap over Python dicts, about 660 B and 20-30 us an edge) broke ties by
    cluster id, so exact ties may merge in another order (tests/test_cluster.py checks both agree on
    random graphs).
    """
    parent = np.arange(n, dtype=np.int64)  # cluster slot -> the slot it merged into (slot = smallest item)
    size = np.ones(n, dtype=np.float64)
    # End points as int32 (half the memory of the edge arrays) and each round's temporaries dropped as
    # soon as they are used: at 100k passages the first rounds hold millions of edges, and they were
    # the peak of `recurring --all`. The sums stay float64 and in the same order, so results do not move.
    slot = np.int32 if n < 2**31 else np.int64
    u, v, s = _dedup_edges(n, ei, ej, w)
    u, v = u.astype(slot), v.astype(slot)
    cnt: np.ndarray = np.ones(len(u), dtype=np.float64)
    while len(u):
        pairs = size[u] * size[v]
        avg = (s + fill * (pairs - cnt)) / pairs
        del pairs
        ok = avg >= threshold
        if not ok.any():
            break
        live = np.zeros(n, dtype=bool)
        live[u[ok]] = True
        live[v[ok]] = True
        keep = live[u] & live[v]  # edges of finished clusters are never needed again
        del live
        u, v, s, cnt, avg, ok = u[keep], v[keep], s[keep], cnt[keep], avg[keep], ok[keep]
        del keep
        # each cluster's best partner: highest average, then the smallest slot
        cu, cv, ca = u[ok], v[ok], avg[ok]
        del avg, ok
        end = np.concatenate([cu, cv])
        other = np.concatenate([cv, cu])
        order = np.lexsort((other, -np.concatenate([ca, ca]), end))
        del cu, cv, ca
        end, other = end[order], other[order]
        del order
        head = np.ones(len(end), dtype=bool)
        head[1:] = end[1:] != end[:-1]
        best = np.full(n, -1, dtype=np.int64)
        best[end[head]] = other[head]
        a = end[head]
        del end, other, head
        b = best[a]
        mutual = (best[b] == a) & (a < b)
        del best
        a, b = a[mutual], b[mutual]
        parent[b] = a
        size[a] += size[b]
        remap = np.arange(n, dtype=slot)
        remap[b] = a
        u, v = remap[u], remap[v]
        del remap
        inside = u == v
        u, v, s, cnt = u[~inside], v[~inside], s[~inside], cnt[~inside]
        del inside
        key, inv = np.unique(np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v), return_inverse=True)
        u, v = (key // n).astype(slot), (key % n).astype(slot)
        del key
        s = np.bincount(inv, weights=s, minlength=len(u))
        cnt = np.bincount(inv, weights=cnt, minlength=len(u))
        del inv
    while True:  # every item to the slot its cluster ended in
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def medoids(
    clusters: Sequence[Sequence[int]],
    edges_i: Sequence[int] | np.ndarray,
    edges_j: Sequence[int] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    *,
    fill: float = 0.0,
) -> list[int]:
    """The representative of each cluster: the member with the highest total weight to the others.

    A pair without an edge counts as ``fill``; ties go to the smallest index.
    """
    n = 1 + max((max(c) for c in clusters if len(c)), default=-1)
    n = max(n, 1 + int(max(np.max(edges_i, initial=-1), np.max(edges_j, initial=-1))))
    ei, ej, w = _as_edges(n, edges_i, edges_j, weights)
    adj = _adjacency(n, ei, ej, w)
    out = []
    for mem in clusters:
        if not len(mem):
            raise ValueError("a cluster must have at least one member")
        best, best_score = -1, -np.inf
        for i in sorted(mem):
            score = sum(adj[i].get(j, fill) for j in mem if j != i)
            if score > best_score:
                best, best_score = i, score
        out.append(best)
    return out


#: How much less central (mean cosine to the other members) a preferred representative may be than the medoid.
PREFER_MARGIN = 0.05


def representatives(
    clusters: Sequence[Sequence[int]], vectors: np.ndarray, prefer: Sequence[bool] | np.ndarray | None = None
) -> list[int]:
    """The medoid of each cluster by cosine: the member most similar, in total, to the other members.

    ``vectors`` are L2-normalised rows; ties go to the smallest index. With ``prefer`` (one flag per
    item), the medoid is chosen among a cluster's preferred members when it has any (e.g. concise
    recommendations rather than narrative), still by similarity to all members.
    """
    out = []
    for mem in clusters:
        idx = np.array(sorted(mem), dtype=np.int64)
        if not len(idx):
            raise ValueError("a cluster must have at least one member")
        sub = np.asarray(
            vectors[idx], dtype=np.float64
        )  # only the members: a whole-corpus copy per cluster was O(n) each
        totals = sub @ sub.sum(axis=0) - np.einsum("ij,ij->i", sub, sub)
        if prefer is not None:
            # a preferred member stands for the cluster only if it is nearly as central as the medoid
            mask = np.asarray([bool(prefer[i]) for i in idx]) & (totals >= totals.max() - PREFER_MARGIN * len(idx))
            if mask.any():
                totals = np.where(mask, totals, -np.inf)
        out.append(int(idx[int(np.argmax(totals))]))
    return out


# ------------------------------------------------------------------------------------------------
# From texts to clusters: candidate pairs -> corpus-relative similarity -> polarity veto -> clustering
# ------------------------------------------------------------------------------------------------

#: Nearest neighbours per passage kept as candidate edges (a pair beyond them counts as ``fill`` = 0,
#: i.e. as two passages with nothing in common).
DEFAULT_K = 30
#: Merge threshold for :func:`cluster_texts` on the *average* pair weight of two clusters (weights from
#: :func:`similarity_graph`: mostly 0-1, about 0 for unrelated passages). One setting for every
#: corpus, chosen by benchmarks/heldout.py on every training corpus together (PFD dev folds, ArgKP
#: train, the planted sample corpus): 0.16. Held out, each training fold picked 0.14-0.16, ArgKP train
#: 0.06 (a flat optimum: ArgKP dev F1 0.32-0.34 from 0.06 to 0.16).
DEFAULT_TEXT_THRESHOLD = 0.16
#: Candidates are the ``WIDEN * k`` nearest by cosine; each passage keeps its ``k`` best by weight.
WIDEN = 3
#: Pairs the polarity veto checks between freeing the features of texts it no longer needs.
VETO_BLOCK = 8192
#: Weight of a vetoed (opposed) pair: far below any merge threshold, so it pulls an average down.
VETO_WEIGHT = -3.0
#: A word in more than this share of the corpus's passages is boilerplate and carries no lexical weight.
MAX_DF = 0.5
#: Share of the lexical (TF-IDF) similarity in a pair's weight; the rest is the centred cosine.
#: benchmarks/heldout.py: the even mix beat either alone held out (PFD folds pair F1: cosine 0.20,
#: centred cosine 0.23, TF-IDF 0.25, the mix of the two 0.27, with dense average linkage).
LEXICAL_SHARE = 0.5

_WORD = LETTERS  # words of any script; text is folded (NFKC, case folding) first


def content_words(text: str) -> list[str]:
    """Lower-cased, crudely stemmed words of ``text`` without stopwords or words under three letters."""
    return [_stem(w) for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in _STOP]


def tfidf_matrix(texts: Sequence[str], max_df: float = MAX_DF) -> Any:
    """L2-normalised sublinear TF-IDF of each text's content words: a sparse CSR matrix, one row per
    text (float64; columns numbered in order of first use).

    Words in more than ``max_df`` of the texts (the corpus's boilerplate: "the Trust should", "risk")
    are dropped, so the lexical signal comes from what distinguishes passages within this corpus.
    Each text's word counts are kept as two compact arrays, not a dict per text (at 300k passages the
    dicts were about 1 GB, the peak of `recurring --all`'s TF-IDF stage).
    """
    from array import array

    from scipy.sparse import csr_matrix

    n = len(texts)
    vocab: dict[str, int] = {}
    words, counts = array("i"), array("i")  # each text's distinct words (first use first) and counts
    starts = array("q", [0])
    for t in texts:
        for w, k in Counter(content_words(t)).items():
            words.append(vocab.setdefault(w, len(vocab)))
            counts.append(k)
        starts.append(len(words))
    df = np.bincount(np.frombuffer(words, dtype=np.int32), minlength=len(vocab)).tolist() if len(words) else []
    limit = max_df * n
    idf = [math.log((1 + n) / (1 + d)) + 1.0 if d <= limit or n < 3 else 0.0 for d in df]
    column = [-1] * len(vocab)
    cols, vals = array("q"), array("d")
    indptr = np.zeros(n + 1, dtype=np.int64)
    ncols = 0
    for r in range(n):
        row = [
            (wid, (1.0 + math.log(k)) * idf[wid])
            for wid, k in zip(words[starts[r] : starts[r + 1]], counts[starts[r] : starts[r + 1]], strict=True)
            if idf[wid]
        ]
        norm = math.sqrt(sum(x * x for _, x in row))
        for wid, x in row:
            if column[wid] < 0:
                column[wid] = ncols
                ncols += 1
            cols.append(column[wid])
            vals.append(x / norm)
        indptr[r + 1] = len(cols)
    return csr_matrix(
        (np.frombuffer(vals, dtype=np.float64), np.frombuffer(cols, dtype=np.int64), indptr), shape=(n, ncols)
    )


def _pair_dots(m: Any, ei: np.ndarray, ej: np.ndarray, chunk: int = 1 << 17) -> np.ndarray:
    """Row dot products ``m[ei[k]] . m[ej[k]]`` of a CSR matrix, in chunks (bounded memory)."""
    out = np.zeros(len(ei), dtype=np.float64)
    for lo in range(0, len(ei), chunk):
        a, b = m[ei[lo : lo + chunk]], m[ej[lo : lo + chunk]]
        out[lo : lo + chunk] = np.asarray(a.multiply(b).sum(axis=1)).reshape(-1)
    return out


#: Rows centred at a time by :func:`_centered` (its float64 temporaries are this many rows, not n).
CENTER_BLOCK = 4096


def _centered(vectors: np.ndarray) -> np.ndarray:
    """Rows minus the corpus mean, re-normalised: what all passages share stops counting as similarity.

    Float32 rows out (what the search takes), computed in float64 ``CENTER_BLOCK`` rows at a time:
    the float64 copies of the whole matrix (three of them) were the peak of ``recurring`` at scale.
    The mean is summed row after row, as numpy sums a float64 matrix over its first axis."""
    x = np.asarray(vectors)
    n = len(x)
    total = np.zeros(x.shape[1:], dtype=np.float64)
    for lo in range(0, n, CENTER_BLOCK):
        for row in x[lo : lo + CENTER_BLOCK].astype(np.float64):
            total += row
    mean = total / n if n else total
    out = np.empty(x.shape, dtype=np.float32)
    for lo in range(0, n, CENTER_BLOCK):
        b = x[lo : lo + CENTER_BLOCK].astype(np.float64) - mean
        norms = np.linalg.norm(b, axis=1, keepdims=True)
        out[lo : lo + CENTER_BLOCK] = np.where(norms > 0, b / np.where(norms > 0, norms, 1.0), 0.0)
    return out


#: Edge ends ranked at a time by :func:`_top_k_each`.
TOP_K_BLOCK = 1 << 20


def _top_k_each(n: int, ei: np.ndarray, ej: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Mask of the edges among the ``k`` heaviest of at least one of their two ends (ties: an edge
    listed at its first end before one at its second, then by edge number).

    Ranked a range of nodes at a time (``TOP_K_BLOCK`` edge ends or so): one sort over both ends of
    every edge held ten arrays of 2m entries, the peak of ``recurring`` at scale."""
    keep = np.zeros(len(ei), dtype=bool)
    if not len(ei):
        return keep
    # each node's edges at their first end, in edge order, and at their second; edges as they come
    # from the search are already ordered by their first end. Sort orders as int32 (half of what two
    # int64 orders over every edge held).
    at = np.int32 if len(ei) < 2**31 else np.int64
    by_i = None if bool(np.all(ei[1:] >= ei[:-1])) else np.argsort(ei, kind="stable").astype(at)
    by_j = np.argsort(ej, kind="stable").astype(at)
    off_i = np.concatenate([[0], np.cumsum(np.bincount(ei, minlength=n))])
    off_j = np.concatenate([[0], np.cumsum(np.bincount(ej, minlength=n))])
    a = 0
    while a < n:
        b = a + 1  # nodes a..b-1, about TOP_K_BLOCK edge ends
        b = max(b, int(np.searchsorted(off_i + off_j, off_i[a] + off_j[a] + TOP_K_BLOCK, side="right")) - 1)
        b = min(b, n)
        first = np.arange(off_i[a], off_i[b], dtype=at) if by_i is None else by_i[off_i[a] : off_i[b]]
        edge = np.concatenate([first, by_j[off_j[a] : off_j[b]]])
        ends = np.concatenate([ei[first], ej[by_j[off_j[a] : off_j[b]]]])
        order = np.lexsort((-w[edge], ends))
        ends, edge = ends[order], edge[order]
        rank = np.arange(len(ends)) - np.searchsorted(ends, ends, side="left")
        keep[edge[rank < k]] = True
        a = b
    return keep


def similarity_graph(
    texts: Sequence[str],
    vectors: np.ndarray,
    groups: Sequence[object] | np.ndarray | None = None,
    *,
    k: int = DEFAULT_K,
    veto: Callable[[str, str], bool] | None = opposed,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate edges ``(i, j, weight)`` between passages, weighted on a fixed scale against the
    corpus's background (about 0 for unrelated passages, 1 for the same words), so one merge
    threshold serves every corpus.

    1. Vectors are centred on the corpus mean; each passage keeps its ``WIDEN * k`` nearest neighbours
       by centred cosine from other groups (documents); with ``groups=None`` every passage is its own
       group.
    2. Each pair is weighted ``(1 - LEXICAL_SHARE) * centred cosine + LEXICAL_SHARE * TF-IDF cosine``
       of content words (corpus boilerplate dropped); each passage keeps its ``k`` heaviest edges.
    3. Pairs that ``veto(a, b)`` rejects (by default the polarity guard :func:`dedup.match.opposed`:
       "reduce" vs "increase" detentions) get :data:`VETO_WEIGHT`.
    """
    x = np.asarray(vectors, dtype=np.float32)
    n = len(texts)
    if x.ndim != 2 or len(x) != n:
        raise ValueError(f"got {n} texts but vectors of shape {x.shape}; pass one vector row per text")
    g = np.arange(n) if groups is None else np.asarray(groups)
    if len(g) != n:
        raise ValueError(f"got {n} texts but {len(g)} groups; pass one group per text")
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    if n < 2:
        return empty
    _, g_codes = np.unique(g, return_inverse=True)
    # the centred copy of every vector (1.5 kB a passage) is made by the search, which frees it as soon
    # as its index holds the vectors
    ei, ej, cos = candidate_pairs(x, g_codes, k=WIDEN * k, min_cosine=-1.0, prepare=_centered)
    if not len(ei):
        return empty
    lex = _pair_dots(tfidf_matrix(texts), ei, ej)
    # (1 - LEXICAL_SHARE) * cos + LEXICAL_SHARE * lex, in place (the same operations, fewer arrays)
    w = cos.astype(np.float64)
    del cos
    w *= 1 - LEXICAL_SHARE
    lex *= LEXICAL_SHARE
    w += lex
    del lex
    keep = _top_k_each(n, ei, ej, w, k)
    ei, ej, w = ei[keep], ej[keep], w[keep]
    if veto is not None:
        check = np.flatnonzero(w > 0)
        if veto is opposed:  # only pairs the per-text signatures cannot rule out
            check = check[may_be_opposed(texts, ei[check], ej[check])]
        with bulk():
            # each text's features are dropped after the last pair that needs it (pairs come ordered
            # by their first end, so most texts are done with early): the features of every checked
            # text held at once were, with the signatures, the largest thing `recurring --all` kept
            last = np.full(n, -1, dtype=np.int64)
            np.maximum.at(last, ei[check], np.arange(len(check)))
            np.maximum.at(last, ej[check], np.arange(len(check)))
            order = np.flatnonzero(last >= 0)  # the checked texts, by the position of their last pair
            order = order[np.argsort(last[order], kind="stable")]
            done = last[order]
            freed = 0
            for pos, m in enumerate(check.tolist()):
                if veto(texts[ei[m]], texts[ej[m]]):
                    w[m] = VETO_WEIGHT
                if pos % VETO_BLOCK == VETO_BLOCK - 1 or pos == len(check) - 1:
                    upto = int(np.searchsorted(done, pos, side="right"))
                    forget(texts[t] for t in order[freed:upto].tolist())
                    freed = upto
    return ei.astype(np.int64), ej.astype(np.int64), w


def cluster_texts(
    texts: Sequence[str],
    vectors: np.ndarray,
    groups: Sequence[object] | np.ndarray | None = None,
    *,
    threshold: float = DEFAULT_TEXT_THRESHOLD,
    k: int = DEFAULT_K,
    veto: Callable[[str, str], bool] | None = opposed,
    min_size: int = 2,
    min_groups: int = 2,
) -> list[list[int]]:
    """Clusters of passages making the same point, each from at least ``min_groups`` groups.

    ``vectors``: one L2-normalised embedding per text; ``groups``: the document of each text (None:
    each text its own document). Composes :func:`similarity_graph` and :func:`cluster`; a pair outside
    the candidate graph counts as unrelated (weight 0). Use
    :func:`representatives` for each cluster's medoid.
    """
    ei, ej, w = similarity_graph(texts, vectors, groups, k=k, veto=veto)
    return cluster(
        len(texts), ei, ej, w, threshold=threshold, fill=0.0, groups=groups, min_size=min_size, min_groups=min_groups
    )
