"""Embedding cache and FAISS index of a store, kept in step with its passages.

Vectors are cached in the store by (model, passage-text hash), so a passage is embedded once however
often it is re-ingested or repeated. The FAISS index file beside the store maps passage ids to
vectors; adding or removing documents updates it without re-embedding the rest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dedup.embed import Embedder, ProgressFn
from dedup.errors import Interrupted, ModelError
from dedup.safeio import atomic_write
from dedup.store import Store

#: Vectors are committed to the store every this many texts (about 10 s of CPU embedding), so a kill
#: loses at most one batch and a rerun resumes where the last one ended.
COMMIT_EVERY = 1024


@dataclass(frozen=True)
class IndexStats:
    model: str
    embedded: int  # texts embedded in this run
    cached: int  # passages whose vector came from the cache
    added: int  # vectors added to the FAISS index
    removed: int  # vectors removed from it
    total: int  # vectors in the index now


@dataclass(frozen=True)
class StoredModel:
    """The model a store's vectors were made with, as the store records it: enough to read and
    search those vectors without loading the model."""

    name: str
    dim: int


def stored_model(store: Store) -> StoredModel | None:
    """The store's record of its model, or None before anything was embedded."""
    name, dim = store.get_meta("model"), store.get_meta("dim")
    return StoredModel(name, int(dim)) if name and dim else None


def sync_index(store: Store) -> IndexStats | None:
    """Bring the FAISS file in line with the database from the cached vectors alone (after documents
    were removed, or when every passage is embedded already): no model is loaded. Passages without
    a vector stay out (:func:`ensure_index` embeds them). None when nothing was ever embedded."""
    recorded = stored_model(store)
    if recorded is None:
        return None
    added, removed, total = _sync_faiss(store, recorded.name, recorded.dim)
    return IndexStats(recorded.name, 0, store.passage_count(), added, removed, total)


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
    # Shortest first: each batch then holds texts of similar length (little padding), as embed() would.
    missing = sorted(store.missing_embeddings(embedder.name), key=lambda ht: len(ht[1]))
    if on_total:
        on_total(len(missing))
    if missing:
        # Recorded before the first batch, so a stopped run resumes with the same model.
        store.set_meta("model", embedder.name)
        store.set_meta("dim", str(embedder.dim))
    done = 0
    try:
        for lo in range(0, len(missing), COMMIT_EVERY):
            batch = missing[lo : lo + COMMIT_EVERY]
            vectors = embedder.embed([t for _, t in batch], progress=progress)
            store.put_embeddings(embedder.name, [h for h, _ in batch], vectors)  # committed: kept if stopped
            done += len(batch)
    except KeyboardInterrupt:
        # Counted in the store: the signal may land after a batch's COMMIT but before it was counted.
        with contextlib.suppress(Exception):
            done = len(missing) - len(store.missing_embeddings(embedder.name))
        raise Interrupted(
            f"embedding stopped; {done} of {len(missing)} new passage texts were embedded and saved: "
            "run the command again to resume from there"
        ) from None
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


# The index file: a header line, then the passage ids and the text hash of each vector (the
# fingerprint checked against the database), then FAISS's own bytes; a checksum covers all of it.
_MAGIC = b"DEDUP-FAISS 1\n"
_HASH_BYTES = 16  # text_hash is 32 hex digits


@dataclass
class LoadedIndex:
    index: Any
    ids: np.ndarray  # the passage id of each vector, in index order
    hash_bytes: np.ndarray  # (n, 16) uint8: the text hash of each vector, in index order
    trusted: bool  # the file was read whole and its checksum holds
    mapping: Any = None  # the memory-mapped file a read-only index's vectors live in (kept alive with it)

    @property
    def hashes(self) -> dict[int, str]:
        """passage id -> text hash of the vector the index holds for it."""
        return {int(i): h.tobytes().hex() for i, h in zip(self.ids, self.hash_bytes, strict=True)}


def _encode(index: Any, ids_all: np.ndarray, hashes_all: np.ndarray, model: str) -> Callable[[Path], None]:
    """A writer of the index file, streamed: the FAISS body goes to the file as FAISS writes it (never
    a copy in memory: 460 MB at 300k vectors), the checksum computed on the way, and the header, whose
    length does not depend on the checksum's value, rewritten with it at the end. ``ids_all`` (sorted)
    and ``hashes_all`` give each passage's text hash."""
    import faiss

    ids = faiss.vector_to_array(index.id_map).astype(np.int64) if index.ntotal else np.zeros(0, np.int64)
    hash_bytes = hashes_all[np.searchsorted(ids_all, ids)] if len(ids) else np.zeros((0, _HASH_BYTES), np.uint8)

    def header(checksum: str) -> bytes:
        return json.dumps({"model": model, "dim": int(index.d), "n": len(ids), "checksum": checksum}).encode()

    def write(path: Path) -> None:
        h = hashlib.blake2b(digest_size=16)
        with open(path, "wb") as f:
            f.write(_MAGIC + header("0" * 32) + b"\n")

            def sink(part: bytes) -> None:
                h.update(part)
                f.write(part)

            sink(ids.tobytes())
            sink(np.ascontiguousarray(hash_bytes).tobytes())
            faiss.write_index(index, faiss.PyCallbackIOWriter(sink))  # type: ignore[attr-defined]
            f.seek(len(_MAGIC))
            f.write(header(h.hexdigest()))

    return write


def _empty(dim: int) -> LoadedIndex:
    return LoadedIndex(_new_index(dim), np.zeros(0, np.int64), np.zeros((0, _HASH_BYTES), np.uint8), False)


def load_index(store: Store, dim: int, model: str | None = None, *, mapped: bool = False) -> LoadedIndex:
    """The FAISS index of ``store`` with the text hash of each vector, or an empty one when the file
    is missing, unreadable, from another model or dimension, or fails its checksum (then it is rebuilt
    from the cached vectors, with no re-embedding).

    The checksum is computed reading the file in chunks. ``mapped``: the index is read-only and its
    vectors stay in the memory-mapped file (FAISS zero-copy read, ``IO_FLAG_MMAP_IFC``), so loading
    costs no memory and a search pages in only what it reads; else the index owns a copy it may
    change."""
    import faiss

    try:
        f = open(store.index_path, "rb")  # noqa: SIM115 - closed below; the mapping outlives it
    except OSError:
        return _empty(dim)
    with f:
        try:
            head = f.read(len(_MAGIC) + 4096)
            if not head.startswith(_MAGIC):
                return _empty(dim)  # an older plain FAISS file, or garbage: rebuilt
            nl = head.index(b"\n", len(_MAGIC))
            header = json.loads(head[len(_MAGIC) : nl])
            n, at = int(header["n"]), nl + 1
            body_at = at + (8 + _HASH_BYTES) * n
            if (
                os.fstat(f.fileno()).st_size <= body_at
                or int(header["dim"]) != dim
                or (model is not None and header["model"] != model)
            ):
                return _empty(dim)
            f.seek(at)
            h = hashlib.blake2b(digest_size=16)
            while chunk := f.read(1 << 22):  # ids, hashes and FAISS body, as _encode checksummed them
                h.update(chunk)
            if h.hexdigest() != header["checksum"]:
                return _empty(dim)
            data = np.memmap(f, dtype=np.uint8, mode="r")  # the same file as checksummed (same descriptor)
            index: Any
            if mapped:
                body = data[body_at:]
                reader = faiss.ZeroCopyIOReader(faiss.swig_ptr(body), body.size)  # type: ignore[attr-defined]
                index = faiss.read_index(reader, faiss.IO_FLAG_MMAP_IFC)
            else:  # read straight from the file into the index's own memory (one copy; it may be changed)
                f.seek(body_at)
                index = faiss.read_index(faiss.PyCallbackIOReader(f.read), 0)  # type: ignore[attr-defined]
        except (ValueError, KeyError, TypeError, RuntimeError, OSError):
            return _empty(dim)
    ids = np.frombuffer(data, dtype=np.int64, count=n, offset=at)
    hash_bytes = np.frombuffer(data, dtype=np.uint8, count=_HASH_BYTES * n, offset=at + 8 * n).reshape(n, _HASH_BYTES)
    if index.ntotal != n or not np.array_equal(faiss.vector_to_array(index.id_map), ids):
        return _empty(dim)
    if mapped:
        return LoadedIndex(index, ids, hash_bytes, True, data)
    return LoadedIndex(index, ids.copy(), hash_bytes.copy(), True)


def load_faiss(store: Store, dim: int) -> Any:
    return load_index(store, dim).index


def _sync_faiss(store: Store, model: str, dim: int) -> tuple[int, int, int]:
    """Bring the index file in line with the database: vectors whose passage is gone, or whose
    passage id now holds another text (a database restored from a backup reuses ids), are removed;
    missing ones are added; an unreadable or corrupted file is rebuilt. Written atomically under a
    unique temporary name, so concurrent writers never collide."""
    current = load_index(store, dim, model, mapped=True)  # costs no memory: the file's vectors stay on disk
    if _agrees(store, current, model):
        return 0, 0, int(current.index.ntotal)  # in step: no vector is read
    del current
    loaded = load_index(store, dim, model)
    index = loaded.index
    with store.snapshot():  # one state of the database for the comparison and the vectors read
        ids_all, hashes_all = store.passage_hash_arrays(model)
        # What the file holds that the database no longer has (passage gone, or its id reused for
        # another text), and what the database has that the file lacks; as arrays, not a dict a passage.
        held = np.searchsorted(ids_all, loaded.ids)
        inside = held < len(ids_all)
        same = np.zeros(len(loaded.ids), dtype=bool)
        same[inside] = (ids_all[held[inside]] == loaded.ids[inside]) & (
            hashes_all[held[inside]] == loaded.hash_bytes[inside]
        ).all(axis=1)
        stale = loaded.ids[~same]
        if len(stale):
            index.remove_ids(stale)
        new = np.ones(len(ids_all), dtype=bool)
        new[held[same]] = False
        if new.any():
            # block by block into room made first: the vectors are never all in memory beside the
            # index's own copy, and the index's storage is not regrown (two copies while it moves)
            _reserve(index, int(new.sum()))
            for ids, vectors in store.iter_passage_vectors(model, dim):
                mask = new[np.searchsorted(ids_all, ids)]
                if mask.any():
                    index.add_with_ids(np.ascontiguousarray(vectors[mask]), ids[mask])
    if len(stale) or new.any() or not loaded.trusted:
        atomic_write(store.index_path, _encode(index, ids_all, hashes_all, model))
        for old in store.stale_index_files():
            old.unlink(missing_ok=True)
    return int(new.sum()), len(stale), int(index.ntotal)


def _reserve(index: Any, extra: int) -> None:
    """Make room in ``index`` (an ``IndexIDMap2`` over a flat index) for ``extra`` more vectors at once.
    FAISS grows a flat index's storage as a ``std::vector`` (``resize``): adding in blocks, the final
    regrowth holds the old and the new storage together, twice the vectors. Resizing to the final size
    and back keeps the capacity (a ``std::vector`` never shrinks on ``resize``), so the blocks fill it
    in place."""
    import faiss

    flat: Any = faiss.downcast_index(index.index)
    codes = getattr(flat, "codes", None)
    if codes is None or not codes.is_owned:
        return
    size = int(flat.ntotal) * int(flat.code_size)
    codes.resize(size + extra * int(flat.code_size))
    codes.resize(size)


def search(
    store: Store, vectors: np.ndarray, k: int, *, exclude: Collection[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` passages of the store for each query vector: (scores, passage ids; -1 where none).

    Passages whose ids are in ``exclude`` are never returned (the search skips them, so ``k`` others
    still come back)."""
    dim = int(store.get_meta("dim") or vectors.shape[1])
    model = store.get_meta("model")
    loaded = load_index(store, dim, model, mapped=True)
    if model and not _agrees(store, loaded, model):
        _sync_faiss(store, model, dim)  # the file and the database disagree: repaired, then read again
        loaded = load_index(store, dim, model, mapped=True)
    index = loaded.index
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


def _agrees(store: Store, loaded: LoadedIndex, model: str) -> bool:
    """The index holds exactly the database's embedded passages, each with its current text (compared
    as arrays: 24 bytes a passage, no Python object each)."""
    if not loaded.trusted:
        return False
    ids, hash_bytes = store.passage_hash_arrays(model)
    if len(ids) != len(loaded.ids):
        return False
    order = np.argsort(loaded.ids, kind="stable")
    return bool(np.array_equal(loaded.ids[order], ids) and np.array_equal(loaded.hash_bytes[order], hash_bytes))
