"""Gold-labelled corpora for the held-out clustering protocol, the methods compared, and the metrics.

Used by ``benchmarks/heldout.py``. Nothing from ``../shared`` is written into the
repository: texts are read at run time, embeddings cached under ``benchmarks/out/cache``.

Sets (each a list of corpora; a corpus is what a user would load into one store):

* ``pfd``: the 553 coroners' concern items of ``eval/pfd_dev``, gold = key point (``none`` = alone);
  every item is its own document; folds group items by report.
* ``argkp-train`` / ``argkp-dev``: ArgKP arguments, gold = the key point matched (lowest id when
  several, about 5%); arguments matching none are alone. For training, each topic is a corpus; for
  scoring dev, all dev topics are one corpus, as a user would load them.
* ``planted``: the sample corpus's planted recommendations (``corpus/EXPECTED.json``) among all the
  recommendation passages of the ingested corpus.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from common import ROOT, embed_cached, shared_dir, tuned  # noqa: E402


@dataclass
class Corpus:
    name: str
    texts: list[str]
    vectors: np.ndarray
    gold: np.ndarray  # gold cluster per item, -1 = alone
    groups: np.ndarray  # document per item
    scored: np.ndarray | None = None  # items that count in the scores (None: all)
    folds: np.ndarray | None = None  # fold per item (pfd)
    extra: dict = field(default_factory=dict)

    def subset(self, idx: np.ndarray, name: str | None = None) -> Corpus:
        return Corpus(
            name or self.name,
            [self.texts[i] for i in idx],
            self.vectors[idx],
            self.gold[idx],
            self.groups[idx],
            None if self.scored is None else self.scored[idx],
            None if self.folds is None else self.folds[idx],
        )


# ---------------------------------------------------------------- loading


def load_pfd(n_folds: int = 5) -> Corpus:
    d = shared_dir() / "eval" / "pfd_dev"
    items = [json.loads(line) for line in open(d / "items.jsonl", encoding="utf-8")]
    labels = {r["item"]: r["kp"] for r in map(json.loads, open(d / "labels.jsonl", encoding="utf-8"))}
    kps = sorted({k for k in labels.values() if k != "none"})
    gold = np.array([kps.index(labels[it["item"]]) if labels[it["item"]] != "none" else -1 for it in items])
    texts = [it["text"] for it in items]
    reports = sorted({it["report"] for it in items})
    # folds grouped by report: a report's items are all in one fold (deterministic, by a hash of the id)
    fold_of = {r: int(hashlib.sha256(r.encode()).hexdigest(), 16) % n_folds for r in reports}
    folds = np.array([fold_of[it["report"]] for it in items])
    c = Corpus("PFD dev", texts, embed_cached(texts), gold, np.arange(len(texts)), folds=folds)
    c.extra["items"] = items
    return c


def load_argkp(split: str) -> Corpus:
    d = shared_dir() / "eval" / "argkp"
    with open(d / f"arguments_{split}.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    pos: dict[str, list[str]] = defaultdict(list)
    with open(d / f"labels_{split}.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["label"] == "1":
                pos[r["arg_id"]].append(r["key_point_id"])
    kps = sorted({k for v in pos.values() for k in v})
    gold = np.array([kps.index(min(pos[r["arg_id"]])) if pos[r["arg_id"]] else -1 for r in rows])
    texts = [r["argument"] for r in rows]
    topics = sorted({r["topic"] for r in rows})
    c = Corpus(f"ArgKP {split}", texts, embed_cached(texts), gold, np.arange(len(texts)))
    c.extra["topic"] = np.array([topics.index(r["topic"]) for r in rows])
    return c


def load_planted() -> Corpus:
    """Every recommendation passage of the ingested sample corpus; the planted ones carry gold."""
    from planted import _norm, gold_items

    from dedup.embed import SentenceTransformerEmbedder
    from dedup.index import ensure_index
    from dedup.ingest import ingest
    from dedup.segment import is_statement
    from dedup.store import Store

    items = gold_items()
    emb = SentenceTransformerEmbedder(tuned=tuned())
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "planted.db") as store:
        ingest(store, [ROOT / "corpus"])
        ensure_index(store, emb)
        ids, vectors = store.passage_vectors(emb.name, emb.dim, kind="recommendation")
        by_id = {p.id: p for p in store.passages(kind="recommendation")}
    passages = [by_id[int(i)] for i in ids]
    keep = [n for n, p in enumerate(passages) if is_statement(p.text)]
    passages = [passages[n] for n in keep]
    vectors = vectors[keep]
    labels: list[str | None] = [None] * len(passages)
    for f, text, label in items:
        for n, p in enumerate(passages):
            if Path(p.document.source).name == f and text in _norm(p.text) and labels[n] is None:
                labels[n] = label
                break
    names = sorted({lab for lab in labels if lab})
    sizes = defaultdict(int)
    for lab in labels:
        if lab:
            sizes[lab] += 1
    gold = np.array([names.index(lab) if lab and sizes[lab] > 1 else -1 for lab in labels])
    scored = np.array([lab is not None for lab in labels])
    docs = sorted({p.document.id for p in passages})
    groups = np.array([docs.index(p.document.id) for p in passages])
    c = Corpus("planted", [p.text for p in passages], np.asarray(vectors, np.float32), gold, groups, scored=scored)
    c.extra["found"] = int(scored.sum())
    c.extra["planted"] = len(items)
    return c


# ---------------------------------------------------------------- clustering methods (one corpus)

Clusters = list[list[int]]


def ours(c: Corpus, threshold: float, graph_cache: dict | None = None) -> Clusters:
    """``dedup.cluster.cluster_texts`` on one corpus (the similarity graph cached per corpus)."""
    from dedup.cluster import cluster, similarity_graph

    key = id(c)
    if graph_cache is None or key not in graph_cache:
        g = similarity_graph(c.texts, c.vectors, c.groups)
        if graph_cache is None:
            i, j, w = g
            return cluster(len(c.texts), i, j, w, threshold=threshold, groups=c.groups)
        graph_cache[key] = g
    i, j, w = graph_cache[key]
    return cluster(len(c.texts), i, j, w, threshold=threshold, groups=c.groups)


def agglomerative(c: Corpus, th: float) -> Clusters:
    from sklearn.cluster import AgglomerativeClustering

    lab = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - th
    ).fit_predict(c.vectors)
    groups: dict[int, list[int]] = defaultdict(list)
    for n, label in enumerate(lab):
        groups[int(label)].append(n)
    return [m for m in groups.values() if len(m) >= 2]


def community_detection(c: Corpus, th: float) -> Clusters:
    import torch
    from sentence_transformers import util

    comms = util.community_detection(torch.from_numpy(np.asarray(c.vectors)), threshold=th, min_community_size=2)
    return [sorted(int(i) for i in m) for m in comms]


def bertopic(c: Corpus, min_cluster_size: int) -> Clusters:
    """BERTopic on the same MiniLM embeddings: UMAP (seeded) + HDBSCAN; outliers (-1) are alone."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    n = len(c.texts)
    umap = UMAP(n_neighbors=min(15, n - 1), n_components=5, min_dist=0.0, metric="cosine", random_state=0)
    hdb = HDBSCAN(min_cluster_size=min_cluster_size, metric="euclidean", prediction_data=True)
    model = BERTopic(umap_model=umap, hdbscan_model=hdb, calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(list(c.texts), embeddings=np.asarray(c.vectors))
    groups: dict[int, list[int]] = defaultdict(list)
    for n_, t in enumerate(topics):
        if t >= 0:
            groups[int(t)].append(n_)
    return [m for m in groups.values() if len(m) >= 2]


# ---------------------------------------------------------------- metrics


def scores(clusters: Clusters, gold: np.ndarray, scored: np.ndarray | None = None) -> dict[str, float]:
    """Pairwise P/R/F1, B-cubed F1 and ARI; unclustered items and gold -1 items are singletons.
    With ``scored``, only those items count."""
    from collections import Counter

    from sklearn.metrics import adjusted_rand_score

    n = len(gold)
    lab = np.arange(n, dtype=np.int64) + n
    for k_, mem in enumerate(clusters):
        lab[list(mem)] = k_
    g = np.where(gold >= 0, gold, np.arange(n) + 2 * n).astype(np.int64)
    if scored is not None:
        keep = np.flatnonzero(scored)
        lab, g = lab[keep], g[keep]
        n = len(keep)

    def pairs(x: np.ndarray) -> int:
        _, cnt = np.unique(x, return_counts=True)
        return int((cnt * (cnt - 1) // 2).sum())

    joint = lab * (4 * len(gold) + 1) + g
    tp, pp, gp = pairs(joint), pairs(lab), pairs(g)
    prec = tp / pp if pp else 0.0
    rec = tp / gp if gp else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    jc, pc, gc = Counter(joint.tolist()), Counter(lab.tolist()), Counter(g.tolist())
    bp = float(np.mean([jc[joint[m]] / pc[lab[m]] for m in range(n)])) if n else 0.0
    br = float(np.mean([jc[joint[m]] / gc[g[m]] for m in range(n)])) if n else 0.0
    return {
        "P": prec,
        "R": rec,
        "F1": f1,
        "B3": 2 * bp * br / (bp + br) if bp + br else 0.0,
        "ARI": float(adjusted_rand_score(g, lab)),
        "clusters": float(len(clusters)),
    }


def recurring_end_to_end(items: list[dict], evidence_only: bool = False) -> tuple[Clusters, int]:
    """``dedup recurring --all`` as a user runs it, at its defaults: the items ingested as a JSONL table
    (one row a document, receiver as organisation, date as year), segmented, embedded, indexed and
    clustered. An item whose passages land in several clusters counts in the one holding most of them.
    ``evidence_only``: only members that say the same thing count (theme members are left alone).
    Returns the clusters of item indices and the number of passages."""
    from collections import Counter

    from dedup.embed import SentenceTransformerEmbedder
    from dedup.index import ensure_index
    from dedup.ingest import TableColumns, ingest
    from dedup.recurring import find_recurring
    from dedup.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "items.jsonl"
        table.write_text("\n".join(json.dumps(it) for it in items), encoding="utf-8")
        with Store(Path(tmp) / "e2e.db") as store:
            report = ingest(store, [table], columns=TableColumns(text="text", id="item", org="receiver", date="date"))
            assert not report.failed, report.failed
            emb = SentenceTransformerEmbedder(tuned=tuned())
            ensure_index(store, emb)
            found = find_recurring(store, emb, all_passages=True)
            passages = store.passage_count()
    index = {it["item"]: n for n, it in enumerate(items)}
    votes: dict[int, Counter[int]] = defaultdict(Counter)
    for c in found:
        for m in c.evidence if evidence_only else c.members:
            for q in m.passages:
                votes[index[q.document.id]][c.id] += 1
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for item, counter in votes.items():
        by_cluster[counter.most_common(1)[0][0]].append(item)
    return [sorted(v) for v in by_cluster.values() if len(v) >= 2], passages
