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


class Trainer:
    """The optimiser loop the training scripts share: AdamW over the given parameter groups, a linear
    warm-up over the first tenth of ``steps`` then a linear decay to zero, and a progress line every
    ``every`` steps."""

    def __init__(self, groups: list, lr: float, steps: int, every: int = 10) -> None:
        import time

        import torch

        self.opt = torch.optim.AdamW(groups, lr=lr)
        warm = max(1, steps // 10)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm))
        )
        self.steps, self.every, self.t0 = steps, every, time.time()

    def step(self, step: int, loss) -> None:
        import time

        loss.backward()
        self.opt.step()
        self.sched.step()
        self.opt.zero_grad()
        if step % self.every == 0 or step == self.steps - 1:
            print(
                f"step {step}/{self.steps} loss {loss.item():.3f} ({time.time() - self.t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
