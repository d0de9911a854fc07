"""Commands that judge candidate pairs block by block (issue 13) find what one pass over every pair
finds, whatever the block size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dedup.index import ensure_index
from dedup.ingest import ingest
from dedup.links import MIN_CANDIDATE_COSINE, find_links, judge_in_blocks, verify_pairs
from dedup.match import candidate_pairs, verdicts
from dedup.models import Link
from dedup.store import Store

from .conftest import CORPUS
from .fakes import HashingEmbedder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("streaming") / "dedup.db"
    with Store(path) as store:
        assert not ingest(store, [CORPUS]).failed
        ensure_index(store, HashingEmbedder(384))
    return path


def _all_at_once(store: Store, embedder: HashingEmbedder, kind: str | None = None) -> list[Link]:
    """find_links as it was before blocks: every Passage loaded, every pair judged in one call."""
    ids, vectors = store.passage_vectors(embedder.name, embedder.dim, kind=kind)
    by_id = {p.id: p for p in store.passages(kind=kind)}
    passages = [by_id[int(pid)] for pid in ids]
    codes: dict[str, int] = {}
    groups = np.fromiter((codes.setdefault(p.document.id, len(codes)) for p in passages), dtype=np.int64)
    i, j, cos = candidate_pairs(vectors, groups, k=10, min_cosine=MIN_CANDIDATE_COSINE)
    links = verify_pairs(passages, i, j, cos, ("verbatim", "near-verbatim", "paraphrase", "related"))
    return sorted(links, key=lambda lk: (-lk.score, lk.a.id, lk.b.id))


def _key(links: list[Link]) -> list[tuple[int, int, float, str]]:
    return [(lk.a.id, lk.b.id, lk.score, lk.type) for lk in links]


@pytest.mark.parametrize("kind", [None, "recommendation"])
def test_links_are_the_same_in_blocks_of_any_size(sample: Path, kind: str | None) -> None:
    embedder = HashingEmbedder(384)
    with Store(sample) as store:
        reference = _all_at_once(store, embedder, kind)
        assert len(reference) > 20  # the sample corpus has links to find
        for block in (1, 7, 10**6):
            found = find_links(store, embedder, kind=kind, block=block)
            assert _key(found) == _key(reference), block
            assert [(lk.a, lk.b) for lk in found] == [(lk.a, lk.b) for lk in reference]


def test_links_filters_match_the_unfiltered_links(sample: Path) -> None:
    embedder = HashingEmbedder(384)
    with Store(sample) as store:
        every = find_links(store, embedder, block=5)
        doc = every[0].b.document.id
        touching = find_links(store, embedder, documents=[doc], block=3)
        assert _key(touching) == _key([lk for lk in every if doc in (lk.a.document.id, lk.b.document.id)])
        strong = find_links(store, embedder, types=("verbatim", "near-verbatim"), min_score=0.8, block=2)
        expected = [lk for lk in every if lk.type in ("verbatim", "near-verbatim") and lk.score >= 0.8]
        assert _key(strong) == _key(expected)


def test_judge_in_blocks_gives_the_verdicts_of_one_call() -> None:
    texts = [
        "The Trust should reduce waiting times for CAMHS.",
        "The Trust should increase waiting times for CAMHS.",
        "The Trust should reduce waiting times for CAMHS.",
        "1. Commissioners should fund crisis cafés in every town.",
        "Commissioners should fund crisis cafes in every town.",
        "We will open a network of crisis cafés.",
    ]
    i = np.array([0, 0, 0, 1, 1, 2, 3, 3, 4])
    j = np.array([1, 2, 5, 2, 4, 3, 4, 5, 5])
    cos = np.linspace(0.5, 0.95, len(i))
    whole = verdicts([(texts[a], texts[b]) for a, b in zip(i, j, strict=True)], cos)
    for block in (1, 2, 4, 100):
        got = [v for _, vs in judge_in_blocks(texts, i, j, cos, block) for v in vs]
        assert got == whole, block
    with pytest.raises(ValueError, match="sorted"):
        next(judge_in_blocks(texts, j, i, cos))


def _top_k_each_whole(n: int, ei: np.ndarray, ej: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """_top_k_each as one sort over both ends of every edge (before it ranked a range of nodes at a time)."""
    ends = np.concatenate([ei, ej])
    edge = np.concatenate([np.arange(len(ei)), np.arange(len(ei))])
    order = np.lexsort((-np.concatenate([w, w]), ends))
    ends, edge = ends[order], edge[order]
    rank = np.arange(len(ends)) - np.searchsorted(ends, ends, side="left")
    keep = np.zeros(len(ei), dtype=bool)
    keep[edge[rank < k]] = True
    return keep


def test_top_k_each_in_node_ranges_keeps_the_edges_of_one_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup import cluster

    rng = np.random.default_rng(0)
    for trial in range(200):
        n, m, k = int(rng.integers(1, 40)), int(rng.integers(0, 300)), int(rng.integers(1, 6))
        ei, ej = rng.integers(0, n, m), rng.integers(0, n, m)
        if trial % 2:  # as the search gives them: ordered by first end (no sort needed at that end)
            ei.sort()
        w = rng.integers(0, 4, m) / 4  # many ties
        monkeypatch.setattr(cluster, "TOP_K_BLOCK", int(rng.integers(1, 40)))
        assert np.array_equal(cluster._top_k_each(n, ei, ej, w, k), _top_k_each_whole(n, ei, ej, w, k)), trial


def test_centred_vectors_in_blocks_are_those_of_the_whole_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup import cluster

    x = np.random.default_rng(1).normal(size=(257, 16)).astype(np.float32)
    x[5] = x.mean(axis=0)  # a row at the mean centres to zero
    whole = x.astype(np.float64) - x.astype(np.float64).mean(axis=0, keepdims=True)
    norms = np.linalg.norm(whole, axis=1, keepdims=True)
    expected = np.where(norms > 0, whole / np.where(norms > 0, norms, 1.0), 0.0).astype(np.float32)
    for block in (1, 10, 1000):
        monkeypatch.setattr(cluster, "CENTER_BLOCK", block)
        assert np.array_equal(cluster._centered(x), expected)


@pytest.mark.parametrize("block", [1, 7, 100_000])
def test_vectors_read_in_blocks_are_every_vector_in_id_order(sample: Path, block: int) -> None:
    embedder = HashingEmbedder(384)
    with Store(sample) as store:
        ids, vectors = store.passage_vectors(embedder.name, embedder.dim)
        parts = list(store.iter_passage_vectors(embedder.name, embedder.dim, block=block))
    assert all(len(p_ids) <= block for p_ids, _ in parts)
    assert np.array_equal(np.concatenate([p_ids for p_ids, _ in parts]), ids)
    assert np.array_equal(np.vstack([v for _, v in parts]), vectors)


def test_an_index_built_from_blocks_finds_what_the_vectors_find(sample: Path, tmp_path: Path) -> None:
    """The index file is written as FAISS streams it (never whole in memory): read back, it holds
    every passage with its own vector, and a rebuilt file is byte-identical."""
    from dedup.index import load_index, search

    embedder = HashingEmbedder(384)
    with Store(sample) as store:
        ids, vectors = store.passage_vectors(embedder.name, embedder.dim)
        loaded = load_index(store, embedder.dim, embedder.name)
        assert loaded.trusted and sorted(loaded.ids.tolist()) == ids.tolist()
        scores, found = search(store, vectors, 1)
        assert np.allclose(scores[:, 0], 1.0, atol=1e-5)  # each vector finds itself (or its verbatim twin)
        by_id = dict(zip(ids.tolist(), vectors, strict=True))
        assert all(np.allclose(by_id[int(f)], v) for f, v in zip(found[:, 0], vectors, strict=True))
        first = store.index_path.read_bytes()
        store.index_path.unlink()
        ensure_index(store, embedder)
        assert store.index_path.read_bytes() == first


def test_the_polarity_veto_in_blocks_vetoes_what_one_pass_vetoes_and_keeps_no_features(
    sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``recurring`` drops each text's features after the last pair that needs them, and makes the
    signatures a block of texts at a time: the same edges and vetoes, and nothing left cached."""
    from dedup import cluster, match

    embedder = HashingEmbedder(384)
    with Store(sample, create=False) as store:
        ids, vectors = store.passage_vectors(embedder.name, embedder.dim)
        by_id = {p.id: p for p in store.passages()}
    texts = [by_id[int(pid)].text for pid in ids]
    groups = [by_id[int(pid)].document.id for pid in ids]
    monkeypatch.setattr(cluster, "VETO_BLOCK", 10**9)
    monkeypatch.setattr(match, "SIGNATURE_BLOCK", 10**9)
    whole = cluster.similarity_graph(texts, vectors, groups)
    assert (whole[2] == cluster.VETO_WEIGHT).any()  # the sample corpus's opposite pairs are vetoed
    for block in (1, 3):
        monkeypatch.setattr(cluster, "VETO_BLOCK", block)
        monkeypatch.setattr(match, "SIGNATURE_BLOCK", block)
        with match.bulk():  # as inside find_recurring: the caller's caches
            got = cluster.similarity_graph(texts, vectors, groups)
            assert match._BULK is not None and not any(match._BULK.values())
        for a, b in zip(whole, got, strict=True):
            assert np.array_equal(a, b)
