"""Embedding cache and FAISS index of a store, kept in step with its passages.

Vectors are cached in the store by (model, passage-text hash), so a passage is embedded once however
often it is re-ingested or repeated. The FAISS index file beside the store maps passage ids to
vectors; adding or removing documents updates it without re-embedding the rest.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from dedup.embed import Embedder, ProgressFn
from dedup.errors import ModelError
from dedup.store import Store


@dataclass(frozen=True)
class IndexStats:
    model: str
    embedded: int  # texts embedded in this run
    cached: int  # passages whose vector came from the cache
    added: int  # vectors added to the FAISS index
    removed: int  # vectors removed from it
    total: int  # vectors in the index now


def check_model(store: Store, embedder: Embedder) -> None:
    recorded = store.get_meta("model")
    if recorded is not None and recorded != embedder.name:
        hint = "" if embedder.name == "all-MiniLM-L6-v2" else f" --model {embedder.name}"
        raise ModelError(
            f"the store was indexed with model '{recorded}', not '{embedder.name}'; vectors of two models "
            f"cannot be mixed: run `dedup index --reindex{hint}` to re-embed everything with the new model, "
            f"or pass the store's model with --model"
        )


def ensure_index(
    store: Store,
    embedder: Embedder,
    *,
    progress: ProgressFn | None = None,
    on_total: ProgressFn | None = None,
) -> IndexStats:
    """Embed passages that have no cached vector, then bring the FAISS index up to date."""
    check_model(store, embedder)
    missing = store.missing_embeddings(embedder.name)
    if on_total:
        on_total(len(missing))
    if missing:
        vectors = embedder.embed([t for _, t in missing], progress=progress)
        store.put_embeddings(embedder.name, [h for h, _ in missing], vectors)
    store.set_meta("model", embedder.name)
    store.set_meta("dim", str(embedder.dim))
    added, removed, total = _sync_faiss(store, embedder.name, embedder.dim)
    return IndexStats(
        model=embedder.name,
        embedded=len(missing),
        cached=max(store.passage_count() - len(missing), 0),
        added=added,
        removed=removed,
        total=total,
    )


def reindex(store: Store, embedder: Embedder, **kwargs: Any) -> IndexStats:
    """Forget every cached vector and the FAISS index, then embed all passages with ``embedder``."""
    store.drop_embeddings()
    store.set_meta("model", None)
    if store.index_path.exists():
        store.index_path.unlink()
    return ensure_index(store, embedder, **kwargs)


def _new_index(dim: int) -> Any:
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def load_faiss(store: Store, dim: int) -> Any:
    import faiss

    path = store.index_path
    if path.exists():
        try:
            index = faiss.read_index(str(path))
            if index.d == dim:
                return index
        except RuntimeError:
            pass  # unreadable or partial: rebuilt below from the cached vectors
    return _new_index(dim)


def _sync_faiss(store: Store, model: str, dim: int) -> tuple[int, int, int]:
    import faiss

    index: Any = load_faiss(store, dim)
    have = set(faiss.vector_to_array(index.id_map).tolist()) if index.ntotal else set()
    ids, vectors = store.passage_vectors(model, dim)
    want = set(ids.tolist())
    stale = np.fromiter(have - want, dtype=np.int64)
    if len(stale):
        index.remove_ids(stale)
    new_mask = np.fromiter((i not in have for i in ids.tolist()), dtype=bool, count=len(ids))
    if new_mask.any():
        index.add_with_ids(np.ascontiguousarray(vectors[new_mask]), ids[new_mask])
    if len(stale) or new_mask.any() or not store.index_path.exists():
        tmp = store.index_path.with_suffix(".faiss.tmp")
        faiss.write_index(index, str(tmp))
        os.replace(tmp, store.index_path)
        for old in store.stale_index_files():
            old.unlink(missing_ok=True)
    return int(new_mask.sum()), len(stale), int(index.ntotal)


def search(
    store: Store, vectors: np.ndarray, k: int, *, exclude: Collection[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` passages of the store for each query vector: (scores, passage ids; -1 where none).

    Passages whose ids are in ``exclude`` are never returned (the search skips them, so ``k`` others
    still come back)."""
    dim = int(store.get_meta("dim") or vectors.shape[1])
    index = load_faiss(store, dim)
    if index.ntotal == 0 or len(vectors) == 0:
        return np.zeros((len(vectors), 0), np.float32), np.zeros((len(vectors), 0), np.int64)
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if exclude:
        import faiss

        batch = faiss.IDSelectorBatch(np.fromiter(exclude, dtype=np.int64))
        params = faiss.SearchParameters(sel=faiss.IDSelectorNot(batch))  # type: ignore[call-arg]
        scores, ids = index.search(x, min(k, index.ntotal), params=params)
        return scores, ids
    scores, ids = index.search(x, min(k, index.ntotal))
    return scores, ids
