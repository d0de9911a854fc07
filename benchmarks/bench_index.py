"""Indexing throughput: ``SentenceTransformerEmbedder.embed`` vs a bare ``SentenceTransformer.encode``
of the same texts in the same run, and whether int8 dynamic quantisation keeps quality.

Run:  .venv/bin/python benchmarks/bench_index.py [--n 1200] [--repeats 2]

Texts are real sentences (STS-B test, ArgKP dev arguments, Clough & Stevenson answers) with 15%
repeated, as in real corpora where boilerplate recurs. Each timing is the best of ``--repeats`` runs
(the machine is shared). Quality of int8: STS-B *dev* Spearman of cosine, fp32 vs int8 (kept only if
the drop is under 0.005).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from common import OUT, embed_cached  # noqa: E402
from quality import clough_sentences, load_argkp, load_clough, load_sts, spearman  # noqa: E402

from dedup.embed import SentenceTransformerEmbedder  # noqa: E402


def corpus(n: int, dup_rate: float = 0.15, seed: int = 0) -> list[str]:
    sts = load_sts("test")
    pool = list(dict.fromkeys(sts.a + sts.b))
    pool += [t for t, _, _ in load_argkp("dev").args.values()]
    sents, _ = clough_sentences(load_clough())
    pool += [s for ss in sents.values() for s in ss]
    pool = list(dict.fromkeys(pool))
    rng = np.random.default_rng(seed)
    n_unique = int(round(n * (1 - dup_rate)))
    uniq = [pool[i] for i in rng.choice(len(pool), size=n_unique, replace=False)]
    texts = uniq + [uniq[i] for i in rng.integers(0, n_unique, size=n - n_unique)]
    return [texts[i] for i in rng.permutation(n)]


def best_of(fn, repeats: int) -> tuple[float, np.ndarray]:  # noqa: ANN001
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return best, np.asarray(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1200)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    import torch

    texts = corpus(args.n)
    lens = [len(t.split()) for t in texts]
    fp32 = SentenceTransformerEmbedder(quantize=False)
    int8 = SentenceTransformerEmbedder(quantize=True)
    bare_model = fp32.model
    for e in (fp32, int8):  # warm-up
        e.embed(texts[:32])

    def bare() -> np.ndarray:
        return bare_model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    rows = []
    t_bare, v_bare = best_of(bare, args.repeats)
    rows.append(("bare SentenceTransformer.encode (fp32, batch 64)", t_bare, v_bare))
    t_fp, v_fp = best_of(lambda: fp32.embed(texts), args.repeats)
    rows.append(("SentenceTransformerEmbedder.embed fp32 (dedup + length-sorted)", t_fp, v_fp))
    t_q, v_q = best_of(lambda: int8.embed(texts), args.repeats)
    rows.append(("SentenceTransformerEmbedder.embed int8 dynamic quantisation", t_q, v_q))

    print(f"\nIndexing throughput: {args.n} passages ({len(set(texts))} unique), mean {np.mean(lens):.1f} words, "
          f"torch threads {torch.get_num_threads()}, best of {args.repeats}\n")  # fmt: skip
    print("| method | seconds | passages/s | × bare | min cosine to bare |")
    print("|---|---|---|---|---|")
    lines = []
    for name, t, v in rows:
        agree = float(np.min(np.sum(v * v_bare, axis=1)))
        lines.append(f"| {name} | {t:.2f} | {args.n / t:.1f} | {t_bare / t:.2f}× | {agree:.4f} |")
    print("\n".join(lines))

    if not args.skip_quality:
        dev = load_sts("dev")
        c32 = np.sum(embed_cached(dev.a) * embed_cached(dev.b), axis=1)
        qa, qb = int8.embed(dev.a), int8.embed(dev.b)
        c8 = np.sum(qa * qb, axis=1)
        s32, s8 = spearman(c32, dev.y), spearman(c8, dev.y)
        print(f"\nSTS-B dev Spearman: fp32 {s32:.4f}, int8 {s8:.4f}, drop {s32 - s8:+.4f} "
              f"({'keep' if s32 - s8 < 0.005 else 'reject'} int8 by the < 0.005 rule)")  # fmt: skip
    OUT.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
