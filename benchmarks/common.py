"""Helpers shared by the benchmark scripts: where ../shared is, and a disk cache of embeddings."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def shared_dir() -> Path:
    d = Path(os.environ.get("DEDUP_SHARED", ROOT.parent / "shared"))
    if not d.exists():
        sys.exit(f"shared data not found at {d}; set DEDUP_SHARED to the folder holding eval/ and corpus/")
    return d


_EMBEDDER = None


def embedder():
    global _EMBEDDER
    if _EMBEDDER is None:
        from dedup.embed import SentenceTransformerEmbedder

        _EMBEDDER = SentenceTransformerEmbedder(tuned=tuned())
    return _EMBEDDER


def tuned() -> bool:
    """``DEDUP_BENCH_MODEL=tuned``: embed with the packaged MiniLM plus dedup's fine-tuned layers
    (``--model all-MiniLM-L6-v2+same-point-1``) instead of the default, untouched MiniLM."""
    return os.environ.get("DEDUP_BENCH_MODEL") == "tuned"


def embed_cached(texts: Sequence[str], tag: str = "minilm") -> np.ndarray:
    """Embeddings of ``texts`` with the packaged model, cached on disk under benchmarks/out/cache."""
    if tag == "minilm" and tuned():
        from dedup.embed import TUNED_LAYERS

        tag = "minilm-tuned-" + hashlib.sha256(TUNED_LAYERS.read_bytes()).hexdigest()[:10]
    h = hashlib.sha256(("\x00".join(texts) + tag).encode()).hexdigest()[:20]
    path = OUT / "cache" / f"{tag}-{h}.npy"
    if path.exists():
        return np.load(path)
    vecs = embedder().embed(list(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs
