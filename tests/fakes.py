"""Test fakes: ``hashing``, a deterministic embedder that needs no model (``--model hashing``,
``hashing-64``, ``Corpus(model="hashing")``), registered when this module is imported: by
tests/conftest.py in the test process, through ``DEDUP_EMBEDDERS=tests.fakes`` in the ``dedup``
processes tests start."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from dedup.embed import ProgressFn, register_embedder
from dedup.text import WORD, fold


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


def hashing(model: str) -> HashingEmbedder:
    """``hashing`` (256 dimensions) or ``hashing-DIM``."""
    return HashingEmbedder(int(model.split("-", 1)[1]) if "-" in model else 256)


register_embedder("hashing", hashing)
