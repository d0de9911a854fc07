"""dedup.cluster on tiny hand-made graphs and vectors: no chaining, groups, min_size, medoids, order."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.cluster import cluster, cluster_texts, medoids, representatives, similarity_graph


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_chain_does_not_glue_unrelated_ends() -> None:
    # A~B and B~C strongly, A and C unrelated (no edge): single linkage would give {A, B, C}.
    clusters = cluster(3, [0, 1], [1, 2], [0.9, 0.85], threshold=0.5)
    assert clusters == [[0, 1]]
    assert not any({0, 2} <= set(c) for c in clusters)


def test_long_chain_splits_into_local_pairs() -> None:
    # 0-1-2-3-4-5 a path of equal strong links: average linkage keeps pairs, never the whole path.
    n = 6
    clusters = cluster(n, list(range(n - 1)), list(range(1, n)), [0.9] * (n - 1), threshold=0.5)
    assert all(len(c) <= 2 for c in clusters)
    assert clusters  # something was found


def test_two_separated_groups_are_recovered() -> None:
    a, b = [0, 1, 2, 3], [4, 5, 6, 7]
    ei, ej, w = [], [], []
    for grp in (a, b):
        for x in grp:
            for y in grp:
                if x < y:
                    ei.append(x)
                    ej.append(y)
                    w.append(0.8)
    ei.append(3)  # one weak bridge between the groups
    ej.append(4)
    w.append(0.6)
    assert cluster(8, ei, ej, w, threshold=0.5) == [a, b]


def test_negative_weight_vetoes_a_merge() -> None:
    # 0~1 and 1~2 strong, but 0 and 2 opposed: the opposed pair keeps 2 out of {0, 1}.
    kept = cluster(3, [0, 1, 0], [1, 2, 2], [0.9, 0.85, 0.6], threshold=0.5)
    vetoed = cluster(3, [0, 1, 0], [1, 2, 2], [0.9, 0.85, -3.0], threshold=0.5)
    assert kept == [[0, 1, 2]]
    assert vetoed == [[0, 1]]


def test_min_size_filters_small_clusters() -> None:
    ei, ej, w = [0, 0, 1, 3], [1, 2, 2, 4], [0.9, 0.9, 0.9, 0.9]
    assert cluster(5, ei, ej, w, threshold=0.5, min_size=2) == [[0, 1, 2], [3, 4]]
    assert cluster(5, ei, ej, w, threshold=0.5, min_size=3) == [[0, 1, 2]]


def test_single_document_cluster_is_not_reported_when_groups_are_required() -> None:
    ei, ej, w = [0, 2], [1, 3], [0.9, 0.9]
    groups = ["doc1", "doc1", "doc1", "doc2"]
    assert cluster(4, ei, ej, w, threshold=0.5, groups=groups) == [[2, 3]]
    assert cluster(4, ei, ej, w, threshold=0.5, groups=groups, min_groups=1) == [[0, 1], [2, 3]]


def test_medoid_is_the_most_central_member() -> None:
    # 1 is linked strongly to both 0 and 2, which are only weakly linked to each other.
    ei, ej, w = [0, 1, 0], [1, 2, 2], [0.9, 0.9, 0.3]
    assert medoids([[0, 1, 2]], ei, ej, w) == [1]
    vecs = _unit([[1, 0.0], [1, 1], [0.0, 1]])
    assert representatives([[0, 1, 2]], vecs) == [1]


def test_output_order_is_deterministic_and_independent_of_edge_order() -> None:
    ei = np.array([0, 5, 6, 2, 1, 7])
    ej = np.array([1, 6, 7, 3, 3, 8])
    w = np.array([0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
    first = cluster(9, ei, ej, w, threshold=0.5)
    perm = np.random.default_rng(1).permutation(len(ei))
    second = cluster(9, ej[perm], ei[perm], w[perm], threshold=0.5)
    assert first == second
    assert first == sorted(first, key=lambda c: (-len(c), c[0]))
    assert all(c == sorted(c) for c in first)


def test_invalid_input_is_rejected_with_a_message() -> None:
    with pytest.raises(ValueError, match="one entry per edge"):
        cluster(3, [0], [1, 2], [0.5])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        cluster(3, [0], [3], [0.5])
    with pytest.raises(ValueError, match="one group per item"):
        cluster(3, [0], [1], [0.5], groups=["a"])


def _topic_corpus() -> tuple[list[str], np.ndarray, list[int]]:
    rng = np.random.default_rng(0)
    # like sentence embeddings, every passage shares a common direction (a corpus on one subject)
    common = 3 * rng.normal(size=128)
    centres = common + rng.normal(size=(3, 128))
    texts, rows, groups = [], [], []
    words = [
        ["ligature", "points", "ward", "anti", "fittings"],
        ["family", "carers", "views", "safety", "plan"],
        ["beds", "inpatient", "shortage", "admission", "waits"],
    ]
    for t in range(3):
        for d in range(4):
            texts.append(f"The trust should review {' '.join(words[t][d:] + words[t][:d])} number {d}")
            rows.append(centres[t] + 0.2 * rng.normal(size=128))
            groups.append(d)
    # filler passages, each unlike the others
    for f in range(12):
        texts.append(" ".join(f"{w}{'abcdefghijkl'[f]}" for w in ("alpha", "bravo", "charlie", "delta")))
        rows.append(common + rng.normal(size=128) * 2)
        groups.append(10 + f)
    vecs = np.asarray(rows, dtype=np.float32)
    return texts, vecs / np.linalg.norm(vecs, axis=1, keepdims=True), groups


def test_cluster_texts_recovers_topics_across_documents() -> None:
    texts, vecs, groups = _topic_corpus()
    clusters = cluster_texts(texts, vecs, groups, k=5)
    assert clusters == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


def test_cluster_texts_veto_keeps_opposed_passages_apart() -> None:
    texts, vecs, groups = _topic_corpus()

    def veto(a: str, b: str) -> bool:
        return {texts.index(a), texts.index(b)} == {0, 1}

    clusters = cluster_texts(texts, vecs, groups, k=5, veto=veto)
    assert not any({0, 1} <= set(c) for c in clusters)
    ei, ej, w = similarity_graph(texts, vecs, groups, k=5, veto=veto)
    opposed_edge = ((ei == 0) & (ej == 1)) | ((ei == 1) & (ej == 0))
    assert np.all(w[opposed_edge] < 0)


def test_cluster_texts_never_pairs_passages_of_one_document() -> None:
    texts, vecs, _ = _topic_corpus()
    one_doc = [0] * len(texts)
    assert cluster_texts(texts, vecs, one_doc, k=5) == []


def test_representative_prefers_flagged_members_only_when_they_are_central() -> None:
    from dedup.cluster import representatives

    v = np.array([[1.0, 0.0], [0.99, 0.05], [0.98, 0.08], [0.5, 0.85]])
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert representatives([[0, 1, 2, 3]], v) == [2]
    assert representatives([[0, 1, 2, 3]], v, prefer=[True, False, False, False]) == [0]  # nearly as central
    assert representatives([[0, 1, 2, 3]], v, prefer=[False, False, False, True]) == [2]  # an outlier: not chosen


def _reference_cluster(n, ei, ej, w, *, threshold, fill=0.0, groups=None, min_size=2, min_groups=2):  # type: ignore[no-untyped-def]
    """The sequential best-first algorithm (a heap over dicts) that the vectorised rounds replaced."""
    import heapq

    from dedup.cluster import _adjacency, _as_edges

    ei, ej, w = _as_edges(n, ei, ej, w)
    adj = _adjacency(n, ei, ej, w)

    # Cluster ids: 0..n-1 are the items; each merge makes a new id (a cluster never changes after it is
    # made, so a heap entry stays valid while both its ends are alive).
    members: list[list[int]] = [[i] for i in range(n)]
    alive = [True] * n
    # link[c][d] = (sum of edge weights between c and d, number of edges)
    link: list[dict[int, tuple[float, int]]] = [{b: (x, 1) for b, x in adj[a].items()} for a in range(n)]

    def average(c: int, d: int, s: float, m: int) -> float:
        pairs = len(members[c]) * len(members[d])
        return (s + fill * (pairs - m)) / pairs

    heap: list[tuple[float, int, int]] = []
    for a in range(n):
        for b, (s, m) in link[a].items():
            if a < b:
                avg = average(a, b, s, m)
                if avg >= threshold:
                    heap.append((-avg, a, b))
    heapq.heapify(heap)

    while heap:
        _, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]):
            continue
        c = len(members)
        members.append(members[a] + members[b])
        alive[a] = alive[b] = False
        alive.append(True)
        merged: dict[int, tuple[float, int]] = {}
        for src in (a, b):
            for x, (s, m) in link[src].items():
                if x in (a, b):
                    continue
                s0, m0 = merged.get(x, (0.0, 0))
                merged[x] = (s0 + s, m0 + m)
        link[a] = link[b] = {}
        link.append(merged)
        for x in sorted(merged):
            s, m = merged[x]
            link[x].pop(a, None)
            link[x].pop(b, None)
            link[x][c] = (s, m)
            avg = average(x, c, s, m)
            if avg >= threshold:
                heapq.heappush(heap, (-avg, x, c))

    out = []
    for c, mem in enumerate(members):
        if not alive[c] or len(mem) < min_size:
            continue
        if groups is not None and len({groups[i] for i in mem}) < min_groups:
            continue
        out.append(sorted(mem))
    out.sort(key=lambda m: (-len(m), m[0]))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_average_linkage_agrees_with_the_sequential_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 300))
    m = int(rng.integers(n, 8 * n))
    ei, ej = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.normal(0.3, 0.35, m)  # distinct floats: no exact ties
    w[rng.random(m) < 0.05] = -3.0  # vetoed pairs
    groups = rng.integers(0, max(2, n // 5), n)
    for threshold, fill in ((0.16, 0.0), (0.4, 0.0), (0.1, -0.05)):
        got = cluster(n, ei, ej, w, threshold=threshold, fill=fill, groups=groups)
        want = _reference_cluster(n, ei, ej, w, threshold=threshold, fill=fill, groups=groups)
        assert got == want


def test_tfidf_rows_are_normalised_sublinear_weights_without_the_corpus_boilerplate() -> None:
    import math

    from dedup.cluster import content_words, tfidf_matrix

    texts = [
        "Integrate mental health services with physical health services.",
        "Mental health crisis cafes should open at night.",
        "Mental health services for young people in schools.",
        "",
        "Crisis cafes, crisis lines and crisis teams.",
    ]
    m = tfidf_matrix(texts)
    assert m.shape[0] == len(texts)
    n = len(texts)
    words = [content_words(t) for t in texts]
    df = {w: sum(w in ws for ws in words) for ws in words for w in ws}
    for r, ws in enumerate(words):
        raw = {w: (1 + math.log(ws.count(w))) * (math.log((1 + n) / (1 + df[w])) + 1) for w in ws if df[w] <= n / 2}
        norm = math.sqrt(sum(x * x for x in raw.values()))
        row = m.getrow(r)
        assert sorted(row.data.tolist()) == pytest.approx(sorted(x / norm for x in raw.values()))
        if raw:
            assert float(row.multiply(row).sum()) == pytest.approx(1.0)
    # "mental" and "health" are in more than half the texts: boilerplate, no column carries them
    assert m.shape[1] == len({w for ws in words for w in ws if df[w] <= n / 2})
    assert tfidf_matrix([]).shape[0] == 0
