"""Variants of dedup's pair weight tried for issue 8, scored by the same held-out protocol.

    .venv/bin/python benchmarks/heldout_variants.py      (about 5-10 minutes; saves benchmarks/out/variants.md)

Each variant rescores the product's candidate edges (``dedup.cluster.similarity_graph``: 30 nearest
neighbours per passage from other documents, opposed pairs vetoed) and clusters them with the product's
average linkage. The merge threshold is tuned as in ``benchmarks/heldout.py``: per PFD fold on the
other four folds, for ArgKP on train, and "one default" on all of them together. None of these variants
ships: this script keeps the negative results reproducible (BENCHMARKS.md, "Where it still loses").

Variants:
* ``product``: the shipped weight, ½ centred cosine + ½ TF-IDF cosine of content words.
* ``lexical share s``: the same two parts mixed ``(1-s)·cosine + s·TF-IDF``.
* ``second order b``: the weight mixed with the cosine of the two passages' rows of the weighted
  neighbour graph (shared-neighbour similarity; self weight ½).
* ``sentences``: mixed with a BERTScore-like sentence alignment (each sentence's best centred cosine
  in the other passage, averaged both ways); needs the sentences embedded (cached).
* ``snowball`` (if ``snowballstemmer`` is installed) and ``word pairs``: other lexical units.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
import evalsets as E  # noqa: E402
from common import OUT, embed_cached  # noqa: E402

from dedup import cluster as C  # noqa: E402

warnings.filterwarnings("ignore")

GRID = [round(float(x), 3) for x in np.arange(0.04, 0.40, 0.02)]
Graph = tuple[np.ndarray, np.ndarray, np.ndarray]


def centred_cosine(c: E.Corpus, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    x = c.vectors.astype(np.float64)
    x = x - x.mean(axis=0)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    return np.einsum("ij,ij->i", x[i], x[j])


def tfidf_cosine(texts: list[str], i: np.ndarray, j: np.ndarray, words: Callable[[str], list[str]]) -> np.ndarray:
    """Sublinear TF-IDF cosine of the words ``words`` gives, words in over half the texts dropped."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=words, sublinear_tf=True, max_df=C.MAX_DF, norm="l2")
    m = vec.fit_transform(texts)
    return np.asarray(m[i].multiply(m[j]).sum(axis=1)).ravel()


def mixed(c: E.Corpus, g: Graph, share: float, words: Callable[[str], list[str]] = C.content_words) -> Graph:
    i, j, w = g
    new = (1 - share) * centred_cosine(c, i, j) + share * tfidf_cosine(c.texts, i, j, words)
    return i, j, np.where(w < 0, w, new)


def second_order(c: E.Corpus, g: Graph, beta: float, self_weight: float = 0.5) -> Graph:
    import scipy.sparse as sp

    i, j, w = g
    n = len(c.texts)
    pos = np.where(w > 0, w, 0.0)
    a = sp.coo_matrix((np.concatenate([pos, pos]), (np.concatenate([i, j]), np.concatenate([j, i]))), shape=(n, n))
    a = (a.tocsr() + self_weight * sp.identity(n, format="csr")).tocsr()
    norms = np.sqrt(np.asarray(a.multiply(a).sum(axis=1)).ravel())
    a = sp.diags(1 / np.maximum(norms, 1e-12)) @ a
    s = np.asarray(a[i].multiply(a[j]).sum(axis=1)).ravel()
    return i, j, np.where(w < 0, w, (1 - beta) * w + beta * s)


def sentences(c: E.Corpus, g: Graph, share: float) -> Graph:
    from dedup.segment import split_sentences

    owner, sents = [], []
    for n, t in enumerate(c.texts):
        for s, e in split_sentences(t) or [(0, len(t))]:
            if t[s:e].strip():
                owner.append(n)
                sents.append(t[s:e])
    v = embed_cached(sents).astype(np.float64)
    v -= v.mean(axis=0)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    own = np.asarray(owner)
    rows = [np.flatnonzero(own == k) for k in range(len(c.texts))]
    i, j, w = g
    align = np.empty(len(i))
    for m, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        sub = v[rows[a]] @ v[rows[b]].T
        align[m] = 0.5 * (sub.max(axis=1).mean() + sub.max(axis=0).mean())
    return i, j, np.where(w < 0, w, (1 - share) * w + share * align)


def word_pairs(text: str) -> list[str]:
    ws = C.content_words(text)
    return ws + [f"{a}_{b}" for a, b in zip(ws, ws[1:], strict=False)]


def variants() -> dict[str, Callable[[E.Corpus, Graph], Graph]]:
    out: dict[str, Callable[[E.Corpus, Graph], Graph]] = {"product": lambda c, g: g}
    for s in (0.3, 0.7):
        out[f"lexical share {s}"] = lambda c, g, s=s: mixed(c, g, s)
    for b in (0.3, 0.5):
        out[f"second order {b}"] = lambda c, g, b=b: second_order(c, g, b)
    out["sentences 0.25"] = lambda c, g: sentences(c, g, 0.25)
    out["word pairs"] = lambda c, g: mixed(c, g, C.LEXICAL_SHARE, word_pairs)
    try:
        import snowballstemmer

        stem = snowballstemmer.stemmer("english").stemWord
        base = C.content_words

        def snow(text: str) -> list[str]:
            return [stem(w) for w in base(text)]

        out["snowball"] = lambda c, g: mixed(c, g, C.LEXICAL_SHARE, snow)
    except ImportError:
        print("snowballstemmer not installed: the snowball variant is skipped", file=sys.stderr)
    return out


def main() -> None:
    t0 = time.time()
    pfd = E.load_pfd()
    folds = [pfd.subset(np.flatnonzero(pfd.folds == f), f"PFD fold {f}") for f in range(5)]
    train, dev = E.load_argkp("train"), E.load_argkp("dev")
    corpora = [*folds, train, dev]
    graphs = {c.name: C.similarity_graph(c.texts, c.vectors, c.groups) for c in corpora}
    names = [f.name for f in folds]
    lines = [
        "| variant | PFD pair F1 per held-out fold | PFD mean | ArgKP dev (from train) | one default: PFD / ArgKP dev |",
        "|---|---|---|---|---|",
    ]
    for label, fn in variants().items():
        res: dict[str, dict[float, float]] = {}
        for c in corpora:
            i, j, w = fn(c, graphs[c.name])
            res[c.name] = {
                p: E.scores(C.cluster(len(c.texts), i, j, w, threshold=p, groups=c.groups), c.gold, c.scored)["F1"]
                for p in GRID
            }
        per_fold = []
        for fname in names:
            p = max(GRID, key=lambda p: np.mean([res[o][p] for o in names if o != fname]))
            per_fold.append(res[fname][p])
        pa = max(GRID, key=lambda p: res[train.name][p])
        one = max(GRID, key=lambda p: np.mean([res[o][p] for o in [*names, train.name]]))
        lines.append(
            f"| {label} | {' '.join(f'{x:.3f}' for x in per_fold)} | {np.mean(per_fold):.3f} | "
            f"{res[dev.name][pa]:.3f} | {np.mean([res[n][one] for n in names]):.3f} / {res[dev.name][one]:.3f} ({one:g}) |"
        )
        print(lines[-1], file=sys.stderr, flush=True)
    text = "\n".join(lines) + f"\n\n(run took {time.time() - t0:.0f} s)\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "variants.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
