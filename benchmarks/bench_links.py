"""All cross-document links at scale: ``candidate_pairs`` + ``verdicts`` vs sentence-transformers'
``util.paraphrase_mining_embeddings`` on the same vectors, each in a fresh process (peak RSS is per run).

Run:  .venv/bin/python benchmarks/bench_links.py [--n 100000] [--k 10]

Vectors are clustered Gaussian noise, L2-normalised, 384-d: ``n / 20`` topic centres, each passage a
noisy copy of one centre (about 15% are near-duplicates of another passage), spread over ``n / 100``
documents. Texts for verification are synthetic: a topic's word list with random substitutions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIN_COSINE = 0.75


def make_data(n: int, dim: int = 384, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    n_topics = max(1, n // 20)
    centres = rng.normal(size=(n_topics, dim)).astype(np.float32)
    topic = rng.integers(0, n_topics, size=n)
    x = centres[topic] + rng.normal(scale=0.9, size=(n, dim)).astype(np.float32)
    dup = rng.random(n) < 0.15  # near-duplicates of an earlier passage of the same topic
    src = rng.integers(0, n, size=n)
    x[dup] = x[src[dup]] + rng.normal(scale=0.15, size=(int(dup.sum()), dim)).astype(np.float32)
    topic[dup] = topic[src[dup]]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    groups = rng.integers(0, max(2, n // 100), size=n)
    vocab = [f"w{i}" for i in range(5000)]
    texts = []
    for r in range(n):
        t = int(topic[r])
        words = [vocab[(t * 31 + j * 7) % 5000] for j in range(20)]
        for _ in range(4):
            words[int(rng.integers(0, 20))] = vocab[int(rng.integers(0, 5000))]
        texts.append(" ".join(words) + ".")
    for r in np.flatnonzero(dup):
        texts[r] = texts[src[r]].replace(" ", "  ", 1)
    return x, groups, texts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run(method: str, n: int, k: int) -> dict[str, float | int | str]:
    from dedup import match

    x, groups, texts = make_data(n)
    if method == "baseline":  # imports outside the timed region
        import torch
        from sentence_transformers import util
    else:
        import faiss  # noqa: F401
    base_rss = peak_rss_mb()
    t0 = time.perf_counter()
    if method == "baseline":
        pairs = util.paraphrase_mining_embeddings(torch.from_numpy(x), top_k=k, max_pairs=n * k)
        arr = np.array([(p[1], p[2], p[0]) for p in pairs if p[0] >= MIN_COSINE], dtype=np.float64).reshape(-1, 3)
        i, j, c = arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2]
        cross = groups[i] != groups[j]
        i, j, c = i[cross], j[cross], c[cross]
    else:
        if method == "engine-ivf":
            match.FLAT_MAX = 0
        elif method == "engine-flat":
            match.FLAT_MAX = 10**12
        i, j, c = match.candidate_pairs(x, groups, k=k, min_cosine=MIN_COSINE)
    t_pairs = time.perf_counter() - t0
    vs = match.verdicts([(texts[a], texts[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)], c)
    t_all = time.perf_counter() - t0
    links = sum(v.type is not None for v in vs)
    key = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    np.save(ROOT / "benchmarks" / "out" / f"links-{method}-{n}.npy", key)
    return {
        "method": method,
        "n": n,
        "pairs": len(i),
        "links": links,
        "pairs_s": round(t_pairs, 2),
        "verify_s": round(t_all - t_pairs, 2),
        "total_s": round(t_all, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "data_rss_mb": round(base_rss, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--methods", default="engine,engine-flat,engine-ivf,baseline")
    ap.add_argument("--run", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        print(json.dumps(run(args.run, args.n, args.k)))
        return
    (ROOT / "benchmarks" / "out").mkdir(parents=True, exist_ok=True)
    results = []
    for m in args.methods.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--run", m, "--n", str(args.n), "--k", str(args.k)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], file=sys.stderr)
    ref = next((r for r in results if r["method"] == "baseline"), results[0])
    exact_path = ROOT / "benchmarks" / "out" / f"links-engine-flat-{args.n}.npy"  # this or an earlier run
    exact_keys = np.load(exact_path) if exact_path.exists() else None
    print(f"\nAll cross-document links, n={args.n}, k={args.k}, min cosine {MIN_COSINE} (384-d synthetic)\n")
    print(
        "| method | candidate pairs | links | pairs s | verify s | total s | × baseline time | peak RSS MB | recall vs exact flat |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rec = ""
        if exact_keys is not None and len(exact_keys):
            keys = np.load(ROOT / "benchmarks" / "out" / f"links-{r['method']}-{args.n}.npy")
            rec = f"{np.isin(exact_keys, keys).mean():.3f}"
        ratio = float(ref["total_s"]) / max(1e-9, float(r["total_s"]))
        print(
            f"| {r['method']} | {r['pairs']} | {r['links']} | {r['pairs_s']} | {r['verify_s']} | {r['total_s']} "
            f"| {ratio:.2f}× faster | {r['peak_rss_mb']} | {rec} |"
        )


if __name__ == "__main__":
    main()
