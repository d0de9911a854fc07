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
* ``sentence mean s``: share ``s`` of the weight from the cosine of the mean of each text's sentence
  vectors (in place of as much of the passage vector's cosine).
* ``all but the top d``: the top ``d`` principal directions removed from the centred vectors.
* ``snowball`` (if ``snowballstemmer`` is installed) and ``word pairs``: other lexical units.
* ``--only "a,b"``: only the variants whose names start with ``a`` or ``b`` (and the product's row).
* ``--calibrated``: a logistic P(same point) over the two parts and the pair's length, fitted per held-out
  fold on the training corpora (``--calibrated-only``: that row alone).
* ``--calibrated-loso``: the same calibrated weight left one set out (PFD, ArgKP, the planted sample
  corpus): fitted and its threshold chosen on the other two sets, each set weighing the same, scored on
  the set left out (``--calibrated-loso-only``: that row alone).
* ``--algorithms``: the product's weights grouped by other algorithms in place of average linkage, their
  settings tuned the same way (``--algorithms-only``: those rows alone; about 20 minutes, most of it
  affinity propagation on ArgKP train's 5,583 arguments):
  Louvain modularity communities (networkx; edges under a floor dropped, resolution) and affinity
  propagation (scikit-learn; exemplars chosen as key points and every item assigned to one, as in
  extractive key point analysis; preference, and a floor under which an item stays alone).
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def _sentence_vectors(c: E.Corpus) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence of every text embedded (cached on disk), and the text each belongs to."""
    from dedup.segment import split_sentences

    owner, sents = [], []
    for n, t in enumerate(c.texts):
        for s, e in split_sentences(t) or [(0, len(t))]:
            if t[s:e].strip():
                owner.append(n)
                sents.append(t[s:e])
    return embed_cached(sents).astype(np.float64), np.asarray(owner)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def sentences(c: E.Corpus, g: Graph, share: float) -> Graph:
    v, own = _sentence_vectors(c)
    v = _unit(v - v.mean(axis=0))
    rows = [np.flatnonzero(own == k) for k in range(len(c.texts))]
    i, j, w = g
    align = np.empty(len(i))
    for m, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        sub = v[rows[a]] @ v[rows[b]].T
        align[m] = 0.5 * (sub.max(axis=1).mean() + sub.max(axis=0).mean())
    return i, j, np.where(w < 0, w, (1 - share) * w + share * align)


def sentence_mean(c: E.Corpus, g: Graph, share: float) -> Graph:
    """The cosine half partly taken from the mean of a text's sentence vectors (a long concern read
    whole, where the passage vector is cut at the model's 256 tokens)."""
    v, own = _sentence_vectors(c)
    m = np.zeros((len(c.texts), v.shape[1]))
    np.add.at(m, own, v)
    m = _unit(m - m.mean(axis=0))
    i, j, w = g
    mean_cos = np.einsum("ij,ij->i", m[i], m[j])
    new = ((1 - C.LEXICAL_SHARE) - share) * centred_cosine(c, i, j) + share * mean_cos
    return i, j, np.where(w < 0, w, new + C.LEXICAL_SHARE * tfidf_cosine(c.texts, i, j, C.content_words))


def all_but_the_top(c: E.Corpus, g: Graph, d: int) -> Graph:
    """The centred vectors with their top ``d`` principal directions removed as well (Mu and
    Viswanath's post-processing), then the product's mix."""
    x = c.vectors.astype(np.float64)
    x = x - x.mean(axis=0)
    top = np.linalg.svd(x, full_matrices=False)[2][:d]
    x = _unit(x - (x @ top.T) @ top)
    i, j, w = g
    cos = np.einsum("ij,ij->i", x[i], x[j])
    new = (1 - C.LEXICAL_SHARE) * cos + C.LEXICAL_SHARE * tfidf_cosine(c.texts, i, j, C.content_words)
    return i, j, np.where(w < 0, w, new)


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
    for share in (0.25, 0.5):
        out[f"sentence mean {share}"] = lambda c, g, share=share: sentence_mean(c, g, share)
    for d in (1, 3, 8):
        out[f"all but the top {d}"] = lambda c, g, d=d: all_but_the_top(c, g, d)
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


# ------------------------------------------------------------------------------------------------
# A calibrated weight: P(same point) from the weight's parts and the pair's length, learned on
# training corpora of both kinds (``--calibrated``)
# ------------------------------------------------------------------------------------------------


def _edge_features(c: E.Corpus, g: Graph) -> np.ndarray:
    """Per candidate edge: centred cosine, TF-IDF cosine, log words of the shorter text, and the
    products of the two parts with it (so the weight's scale may depend on length)."""
    i, j, _ = g
    cc = centred_cosine(c, i, j)
    tf = tfidf_cosine(c.texts, i, j, C.content_words)
    n = np.array([len(t.split()) for t in c.texts], dtype=np.float64)
    short = np.log(np.minimum(n[i], n[j]))
    return np.column_stack([cc, tf, short, cc * short, tf * short])


def _edge_labels(c: E.Corpus, g: Graph) -> np.ndarray:
    i, j, _ = g
    return (c.gold[i] >= 0) & (c.gold[i] == c.gold[j])


CALIBRATION_GRID = [0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5]


class _Calibration:
    """Each corpus's candidate edges as features and labels, a logistic P(same point) fitted on a choice
    of them, and the corpus clustered by its probabilities."""

    def __init__(self, corpora: list[E.Corpus], graphs: dict[str, Graph], labelled_only: bool = False):
        self.by = {c.name: c for c in corpora}
        self.graphs = graphs
        self.feats = {n: _edge_features(self.by[n], graphs[n]) for n in graphs}
        self.labels = {n: _edge_labels(self.by[n], graphs[n]) for n in graphs}
        # with ``labelled_only``: no vetoed edge, and only edges between two labelled items of a partly
        # labelled corpus
        self.mask = {}
        for n, (i, j, w) in graphs.items():
            scored = self.by[n].scored
            labelled = np.ones(len(w), dtype=bool) if scored is None else scored[i] & scored[j]
            self.mask[n] = (w >= 0) & labelled if labelled_only else np.ones(len(w), dtype=bool)

    def fit(self, sets: list[list[str]]) -> Any:
        """Fitted on the corpora of ``sets``: each set weighing the same, each corpus the same within it,
        whatever its number of candidate edges."""
        from sklearn.linear_model import LogisticRegression

        m = self.mask
        x = np.vstack([self.feats[n][m[n]] for s in sets for n in s])
        y = np.concatenate([self.labels[n][m[n]] for s in sets for n in s])
        w = np.concatenate([np.full(m[n].sum(), 1.0 / m[n].sum() / len(s)) for s in sets for n in s])
        return LogisticRegression(C=1.0, max_iter=1000).fit(x, y, sample_weight=w * len(y) / len(sets))

    def scores(self, model: Any, n: str, t: float) -> dict[str, float]:
        i, j, w = self.graphs[n]
        p = np.where(w < 0, w, model.predict_proba(self.feats[n])[:, 1])
        c = self.by[n]
        return E.scores(C.cluster(len(c.texts), i, j, p, threshold=t, groups=c.groups), c.gold, c.scored)


def calibrated(corpora: list[E.Corpus], graphs: dict[str, Graph], folds: list[str], train: str, dev: str) -> str:
    """Held-out rows for the calibrated weight: for PFD fold f a logistic model fitted on the candidate
    edges of ArgKP train and the other four folds, its threshold (on the probability) the best mean
    pair F1 over those same training corpora; for ArgKP dev, fitted and tuned on ArgKP train and every
    PFD fold (leave-set-out for ArgKP dev)."""
    cal = _Calibration(corpora, graphs)
    grid = CALIBRATION_GRID

    def table(model: Any, names: list[str]) -> dict[str, dict[float, float]]:
        return {n: {t: cal.scores(model, n, t)["F1"] for t in grid} for n in names}

    per_fold = []
    chosen = []
    for f in folds:
        on = [train, *[o for o in folds if o != f]]
        res = table(cal.fit([[o] for o in on]), [*on, f])
        t = max(grid, key=lambda t: np.mean([res[o][t] for o in on]))
        chosen.append(t)
        per_fold.append(res[f][t])
    on = [train, *folds]
    res = table(cal.fit([[o] for o in on]), [*on, dev])
    t = max(grid, key=lambda t: np.mean([res[o][t] for o in on]))
    return (
        f"| calibrated P(same point), length-aware | {' '.join(f'{x:.3f}' for x in per_fold)} | {np.mean(per_fold):.3f} "
        f"(thresholds {' '.join(f'{x:g}' for x in chosen)}) | {res[dev][t]:.3f} (at {t:g}, fitted on ArgKP train + PFD) | |"
    )


# ------------------------------------------------------------------------------------------------
# Other ways of grouping the same weights (``--algorithms``)
# ------------------------------------------------------------------------------------------------


def louvain(n: int, g: Graph, setting: tuple[float, float]) -> list[list[int]]:
    """Louvain modularity communities of the candidate edges weighing more than ``floor``."""
    import networkx as nx

    floor, resolution = setting
    i, j, w = g
    keep = w > floor
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_weighted_edges_from(zip(i[keep].tolist(), j[keep].tolist(), w[keep].tolist(), strict=True))
    comms = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=0)
    return [sorted(c) for c in comms if len(c) > 1]


def exemplars(n: int, g: Graph, setting: tuple[float, float]) -> list[list[int]]:
    """Affinity propagation over the weights (0 outside the candidate edges, the preference on the
    diagonal): exemplars are the key points; an item weighing less than ``floor`` with its exemplar
    stays alone."""
    from sklearn.cluster import AffinityPropagation

    preference, floor = setting
    i, j, w = g
    s = np.zeros((n, n))
    s[i, j] = w
    s[j, i] = w
    np.fill_diagonal(s, preference)
    fit = AffinityPropagation(affinity="precomputed", preference=preference, damping=0.7, max_iter=300, random_state=0)
    labels = fit.fit(s).labels_
    if labels is None or (labels < 0).all():
        return []
    centres = fit.cluster_centers_indices_
    out: dict[int, list[int]] = {}
    for k in range(n):
        e = int(centres[labels[k]])
        if k == e or s[k, e] >= floor:
            out.setdefault(e, []).append(k)
    return [v for v in out.values() if len(v) > 1]


Grouping = Callable[[int, Graph, tuple[float, float]], list[list[int]]]
ALGORITHMS: dict[str, tuple[Grouping, list[tuple[float, float]]]] = {
    "Louvain communities (edge floor, resolution)": (
        louvain,
        [(f, r) for f in (0.0, 0.08, 0.12, 0.16, 0.2, 0.25) for r in (1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0)],
    ),
    "affinity propagation, exemplars as key points (preference, floor)": (
        exemplars,
        [(p, f) for p in (0.0, 0.1, 0.2, 0.3) for f in (0.0, 0.12, 0.16, 0.2, 0.25)],
    ),
}


def _setting(p: float | tuple[float, ...]) -> str:
    return ", ".join(f"{v:g}" for v in p) if isinstance(p, tuple) else f"{p:g}"


def row(label: str, res: dict[str, dict], names: list[str], train: str, dev: str) -> str:
    """A table row from the F1 of every setting on every corpus: per PFD fold the setting best on the
    other four, for ArgKP dev the setting best on train, and one setting for all (PFD folds and train)."""
    grid = list(res[names[0]])
    per_fold = []
    for fname in names:
        p = max(grid, key=lambda p: np.mean([res[o][p] for o in names if o != fname]))
        per_fold.append(res[fname][p])
    pa = max(grid, key=lambda p: res[train][p])
    one = max(grid, key=lambda p: np.mean([res[o][p] for o in [*names, train]]))
    return (
        f"| {label} | {' '.join(f'{x:.3f}' for x in per_fold)} | {np.mean(per_fold):.3f} | "
        f"{res[dev][pa]:.3f} | {np.mean([res[n][one] for n in names]):.3f} / {res[dev][one]:.3f} ({_setting(one)}) |"
    )


def calibrated_loso(
    corpora: list[E.Corpus], graphs: dict[str, Graph], sets: dict[str, tuple[list[str], list[str]]]
) -> str:
    """The calibrated weight, leave one set out: for each set (training corpora, scored corpora) a
    logistic model fitted on the others' training corpora (each set weighing the same; only pairs of
    two labelled items of a partly labelled corpus), its threshold the best mean pair F1 over those
    sets, scored on the set's scored corpora."""
    cal = _Calibration(corpora, graphs, labelled_only=True)

    cells = []
    for out, (_, scored_on) in sets.items():
        on = [tr for name, (tr, _) in sets.items() if name != out]
        model = cal.fit(on)
        t = max(
            CALIBRATION_GRID, key=lambda t: np.mean([np.mean([cal.scores(model, n, t)["F1"] for n in s]) for s in on])
        )
        res = [cal.scores(model, n, t) for n in scored_on]
        cells.append(f"{out} {np.mean([r['F1'] for r in res]):.3f} / {np.mean([r['ARI'] for r in res]):.3f} ({t:g})")
    return "| calibrated P(same point), leave one set out: pair F1 / ARI (threshold) | " + "; ".join(cells) + " | | | |"


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
    if "--calibrated" in sys.argv:
        lines.append(calibrated(corpora, graphs, names, train.name, dev.name))
        print(lines[-1], file=sys.stderr, flush=True)
    if "--calibrated-loso" in sys.argv or "--calibrated-loso-only" in sys.argv:
        planted = E.load_planted()
        graphs[planted.name] = C.similarity_graph(planted.texts, planted.vectors, planted.groups)
        sets = {"PFD": (names, names), "ArgKP": ([train.name], [dev.name]), "planted": ([planted.name], [planted.name])}
        lines.append(calibrated_loso([*corpora, planted], graphs, sets))
        print(lines[-1], file=sys.stderr, flush=True)
    only = any(f"--{o}-only" in sys.argv for o in ("calibrated", "calibrated-loso", "algorithms"))
    chosen = {} if only else variants()
    if "--only" in sys.argv:  # --only "sentence mean,all but": the variants whose names start so
        starts = sys.argv[sys.argv.index("--only") + 1].split(",")
        chosen = {k: v for k, v in chosen.items() if k == "product" or k.startswith(tuple(starts))}
    for label, fn in chosen.items():
        res: dict[str, dict] = {}
        for c in corpora:
            i, j, w = fn(c, graphs[c.name])
            res[c.name] = {
                p: E.scores(C.cluster(len(c.texts), i, j, w, threshold=p, groups=c.groups), c.gold, c.scored)["F1"]
                for p in GRID
            }
        lines.append(row(label, res, names, train.name, dev.name))
        print(lines[-1], file=sys.stderr, flush=True)
    if "--algorithms" in sys.argv or "--algorithms-only" in sys.argv:
        for label, (group, settings) in ALGORITHMS.items():
            res = {
                c.name: {p: E.scores(group(len(c.texts), graphs[c.name], p), c.gold, c.scored)["F1"] for p in settings}
                for c in corpora
            }
            lines.append(row(label, res, names, train.name, dev.name))
            print(lines[-1], file=sys.stderr, flush=True)
    text = "\n".join(lines) + f"\n\n(run took {time.time() - t0:.0f} s)\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "variants.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
