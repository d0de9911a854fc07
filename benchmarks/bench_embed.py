"""Embedding speed on text without repeats, and STS-B quality: dedup's embedders against a bare
``SentenceTransformer.encode`` (fp32, batch 64) in the same process.

Run:  .venv/bin/python benchmarks/bench_embed.py [--n 1500] [--repeats 2]

Texts: the first ``n`` distinct STS-B train sentences (no repeats, so de-duplication gains nothing).
Quality: Spearman of the cosine against STS-B dev gold. Times are the best of ``repeats`` runs, CPU
(user + system of this process, all threads) and wall.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import shared_dir  # noqa: E402


def sts(split: str) -> list[list[str]]:
    with open(shared_dir() / "eval" / "stsb" / f"sts-{split}.csv", encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


def main() -> None:
    from scipy.stats import spearmanr

    from dedup.embed import OnnxEmbedder, SentenceTransformerEmbedder

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    texts = list(dict.fromkeys(r[5] for r in sts("train")))[: args.n]
    torch_embedder = SentenceTransformerEmbedder()
    bare = torch_embedder.model

    def encode(t: list[str]) -> np.ndarray:
        return np.asarray(bare.encode(t, batch_size=64, normalize_embeddings=True, convert_to_numpy=True))

    methods = {
        "bare `SentenceTransformer.encode` (fp32, batch 64)": encode,
        "dedup PyTorch embedder (fp32)": torch_embedder.embed,
        "dedup ONNX Runtime embedder (int8, default when installed)": OnnxEmbedder().embed,
    }
    dev = sts("dev")
    gold = [float(r[4]) for r in dev]
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeats):
        for name, fn in methods.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn(texts)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            old = best.get(name, (np.inf, np.inf))
            best[name] = (min(old[0], cpu), min(old[1], wall))
    base_cpu, base_wall = best[next(iter(methods))]
    print(f"{len(texts)} distinct STS-B train sentences (no repeats)\n")
    print("| method | CPU s | wall s | × bare encode (CPU) | × bare (wall) | STS-B dev Spearman |")
    print("|---|---|---|---|---|---|")
    for name, fn in methods.items():
        va, vb = fn([r[5] for r in dev]), fn([r[6] for r in dev])
        rho = spearmanr((va * vb).sum(axis=1), gold).correlation
        cpu, wall = best[name]
        print(f"| {name} | {cpu:.1f} | {wall:.1f} | {base_cpu / cpu:.2f}× | {base_wall / wall:.2f}× | {rho:.4f} |")


if __name__ == "__main__":
    main()
