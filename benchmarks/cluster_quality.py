"""Quality of dedup.cluster on gold clusterings, beside baselines on the same embeddings in the same run.

Run:  .venv/bin/python benchmarks/cluster_quality.py     (prints a markdown table, saves benchmarks/out/cluster_quality.md)

Sets (from $DEDUP_SHARED, default ../shared; nothing is copied into the repository, no texts are printed):

* PFD dev: 553 concern items from 133 coroners' reports; gold = key point, ``none`` = singleton. Each item
  is its own document. There is no train split, so the baselines get their best threshold on the set
  itself (an upper bound for them) and ``cluster_texts`` runs with its defaults, whose one threshold was
  chosen on this set (see the sensitivity table).
* ArgKP dev: each argument its own document; gold cluster = the key point it matches (the lowest key
  point id when it matches several, about 5%); arguments matching none are singletons. Each topic is
  clustered on its own (a topic is a corpus: a user runs the tool per corpus); stance is never used.
  Every method's threshold is tuned on ArgKP *train* and applied to dev.

Metrics: pairwise precision/recall/F1 over pairs of items in one cluster, B-cubed F1, and ARI with
every unclustered item as its own singleton.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from common import OUT, embed_cached, shared_dir  # noqa: E402

from dedup import cluster as C  # noqa: E402

Clusters = list[list[int]]

# ---------------------------------------------------------------- data


def recurring_end_to_end(items: list[dict], threshold: float | None = None) -> tuple[Clusters, int]:
    """``dedup recurring --all`` as a user runs it: the items ingested as a JSONL table (one row a
    document, receiver as organisation, date as year), segmented, embedded, indexed and clustered.
    An item whose passages land in several clusters counts in the one holding most of them."""
    import tempfile

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
            ensure_index(store, SentenceTransformerEmbedder())
            found = find_recurring(store, SentenceTransformerEmbedder(), all_passages=True, threshold=threshold)
            passages = store.passage_count()
    index = {it["item"]: n for n, it in enumerate(items)}
    votes: dict[int, Counter[int]] = defaultdict(Counter)
    for c in found:
        for m in c.members:
            votes[index[m.passage.document.id]][c.id] += 1
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for item, counter in votes.items():
        by_cluster[counter.most_common(1)[0][0]].append(item)
    return [sorted(v) for v in by_cluster.values() if len(v) >= 2], passages


@dataclass
class EvalSet:
    name: str
    texts: list[str]
    vectors: np.ndarray
    gold: np.ndarray  # cluster id per item, -1 = singleton
    corpora: list[np.ndarray]  # index arrays clustered separately (topics); one array for PFD


def load_pfd() -> EvalSet:
    d = shared_dir() / "eval" / "pfd_dev"
    items = [json.loads(line) for line in open(d / "items.jsonl", encoding="utf-8")]
    labels = {r["item"]: r["kp"] for r in map(json.loads, open(d / "labels.jsonl", encoding="utf-8"))}
    kps = sorted({k for k in labels.values() if k != "none"})
    gold = np.array([kps.index(labels[it["item"]]) if labels[it["item"]] != "none" else -1 for it in items])
    texts = [it["text"] for it in items]
    return EvalSet("PFD dev", texts, embed_cached(texts), gold, [np.arange(len(texts))])


def load_argkp(split: str) -> EvalSet:
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
    topics = [r["topic"] for r in rows]
    corpora = [np.array([i for i, t in enumerate(topics) if t == tp]) for tp in sorted(set(topics))]
    return EvalSet(f"ArgKP {split}", texts, embed_cached(texts), gold, corpora)


# ---------------------------------------------------------------- metrics


def _labels(n: int, clusters: Clusters) -> np.ndarray:
    lab = np.arange(n, dtype=np.int64) + n  # unclustered: own singleton
    for c, mem in enumerate(clusters):
        lab[list(mem)] = c
    return lab


def _pairs(lab: np.ndarray) -> int:
    _, cnt = np.unique(lab, return_counts=True)
    return int((cnt * (cnt - 1) // 2).sum())


def scores(clusters: Clusters, gold: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    n = len(gold)
    p = _labels(n, clusters)
    g = np.where(gold >= 0, gold, np.arange(n) + n).astype(np.int64)
    joint = p * (3 * n) + g
    tp, pp, gp = _pairs(joint), _pairs(p), _pairs(g)
    prec = tp / pp if pp else 0.0
    rec = tp / gp if gp else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    jc, pc, gc = Counter(joint.tolist()), Counter(p.tolist()), Counter(g.tolist())
    bp = float(np.mean([jc[joint[i]] / pc[p[i]] for i in range(n)]))
    br = float(np.mean([jc[joint[i]] / gc[g[i]] for i in range(n)]))
    return {
        "P": prec,
        "R": rec,
        "F1": f1,
        "B3": 2 * bp * br / (bp + br),
        "ARI": float(adjusted_rand_score(g, p)),
        "clusters": float(len(clusters)),
    }


# ---------------------------------------------------------------- methods (per corpus, then pooled)

Method = Callable[[Sequence[str], np.ndarray, float], Clusters]


def community_detection(texts: Sequence[str], vectors: np.ndarray, th: float) -> Clusters:
    import torch
    from sentence_transformers import util

    comms = util.community_detection(torch.from_numpy(vectors), threshold=th, min_community_size=2)
    return [sorted(int(i) for i in c) for c in comms]


def agglomerative(texts: Sequence[str], vectors: np.ndarray, th: float) -> Clusters:
    from sklearn.cluster import AgglomerativeClustering

    lab = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1 - th
    ).fit_predict(vectors)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(lab):
        groups[int(label)].append(i)
    return [m for m in groups.values() if len(m) >= 2]


class Ours:
    """cluster_texts, with the similarity graph built once per corpus and re-clustered per threshold."""

    def __init__(self, k: int = C.DEFAULT_K, veto: bool = True):
        self.k, self.veto = k, veto
        self.graphs: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def __call__(self, texts: Sequence[str], vectors: np.ndarray, th: float) -> Clusters:
        key = (len(texts), hash(tuple(texts)))
        if key not in self.graphs:
            veto = C.opposed if self.veto else None
            self.graphs[key] = C.similarity_graph(texts, vectors, k=self.k, veto=veto)
        ei, ej, w = self.graphs[key]
        return C.cluster(len(texts), ei, ej, w, threshold=th, groups=range(len(texts)))


def run(method: Method, data: EvalSet, th: float, cache: dict[int, list[str]] | None = None) -> Clusters:
    out: Clusters = []
    for c, idx in enumerate(data.corpora):
        texts = cache[c] if cache is not None else [data.texts[i] for i in idx]
        for mem in method(texts, data.vectors[idx], th):
            out.append([int(idx[m]) for m in mem])
    return out


def best_threshold(method: Method, data: EvalSet, grid: Sequence[float]) -> tuple[float, dict[str, float]]:
    cache = {c: [data.texts[i] for i in idx] for c, idx in enumerate(data.corpora)}
    res = [(float(th), scores(run(method, data, float(th), cache), data.gold)) for th in grid]
    return max(res, key=lambda r: (r[1]["F1"], -r[0]))


# ---------------------------------------------------------------- report

COS_GRID = np.round(np.arange(0.30, 0.951, 0.025), 3)
Z_GRID = np.round(np.arange(-0.5, 3.01, 0.25), 2)


def row(set_name: str, method: str, s: dict[str, float]) -> str:
    return (
        f"| {set_name} | {method} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} | {s['B3']:.3f} | "
        f"{s['ARI']:.3f} | {int(s['clusters'])} |"
    )


def main() -> None:
    t0 = time.time()
    pfd, train, dev = load_pfd(), load_argkp("train"), load_argkp("dev")
    lines = [
        "| set | method (threshold; how chosen) | pair P | pair R | pair F1 | B-cubed F1 | ARI | #clusters |",
        "|---|---|---|---|---|---|---|---|",
    ]
    summary: dict[str, dict[str, float]] = {}

    # PFD dev: baselines at their best threshold on the set itself; ours at its defaults.
    for name, m in [("community_detection", community_detection), ("agglomerative avg cosine", agglomerative)]:
        th, s = best_threshold(m, pfd, COS_GRID)
        lines.append(row(pfd.name, f"{name} ({th:.3f}; best on this set)", s))
        summary[f"pfd/{name}"] = s
    ours = Ours()
    s = scores(run(ours, pfd, C.DEFAULT_TEXT_THRESHOLD), pfd.gold)
    lines.append(row(pfd.name, f"**cluster_texts** ({C.DEFAULT_TEXT_THRESHOLD}; default)", s))
    summary["pfd/ours"] = s
    items = [json.loads(line) for line in open(shared_dir() / "eval" / "pfd_dev" / "items.jsonl", encoding="utf-8")]
    e2e, n_passages = recurring_end_to_end(items)
    s = scores(e2e, pfd.gold)
    lines.append(row(pfd.name, f"**dedup recurring --all** end to end ({n_passages} passages; default)", s))
    summary["pfd/e2e"] = s
    no_veto = Ours(veto=False)
    s = scores(run(no_veto, pfd, C.DEFAULT_TEXT_THRESHOLD), pfd.gold)
    lines.append(row(pfd.name, f"cluster_texts without polarity veto ({C.DEFAULT_TEXT_THRESHOLD})", s))

    # ArgKP: every threshold tuned on train, applied to dev.
    for name, m, grid in [
        ("community_detection", community_detection, COS_GRID),
        ("agglomerative avg cosine", agglomerative, COS_GRID),
        ("**cluster_texts**", Ours(), Z_GRID),
        ("cluster_texts without polarity veto", Ours(veto=False), Z_GRID),
    ]:
        th, s_train = best_threshold(m, train, grid)
        s = scores(run(m, dev, th), dev.gold)
        lines.append(row(dev.name, f"{name} ({th:g}; tuned on train, train F1 {s_train['F1']:.3f})", s))
        summary[f"argkp/{name}"] = s
    s = scores(run(Ours(), dev, C.DEFAULT_TEXT_THRESHOLD), dev.gold)
    lines.append(row(dev.name, f"cluster_texts ({C.DEFAULT_TEXT_THRESHOLD}; PFD default, untuned)", s))

    # Sensitivity on PFD dev: pair F1 over threshold x k.
    sens = ["", "Sensitivity, PFD dev pair F1 (rows: k neighbours; columns: threshold)", ""]
    ths = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5]
    sens.append("| k | " + " | ".join(f"{t:g}" for t in ths) + " |")
    sens.append("|---|" + "---|" * len(ths))
    for k in (10, 20, 30, 50):
        m = Ours(k=k)
        sens.append(f"| {k} | " + " | ".join(f"{scores(run(m, pfd, t), pfd.gold)['F1']:.3f}" for t in ths) + " |")
    sens.append("")
    sens.append("Sensitivity, ArgKP dev pair F1 at k=30 over threshold:")
    sens.append("")
    m = Ours()
    sens.append("| " + " | ".join(f"{t:g}" for t in Z_GRID[:10]) + " |")
    sens.append("|" + "---|" * 10)
    sens.append("| " + " | ".join(f"{scores(run(m, dev, float(t)), dev.gold)['F1']:.3f}" for t in Z_GRID[:10]) + " |")

    best_pfd = max(summary["pfd/community_detection"]["F1"], summary["pfd/agglomerative avg cosine"]["F1"])
    cd_dev = summary["argkp/community_detection"]
    ours_dev = summary["argkp/**cluster_texts**"]
    ratios = [
        "",
        f"PFD dev: cluster_texts pair F1 / better baseline = {summary['pfd/ours']['F1'] / best_pfd:.2f}x; "
        f"end to end (recurring --all) {summary['pfd/e2e']['F1'] / best_pfd:.2f}x",
        f"ArgKP dev: cluster_texts / community_detection: pair F1 {ours_dev['F1'] / cd_dev['F1']:.2f}x, "
        f"ARI {ours_dev['ARI'] / cd_dev['ARI']:.2f}x",
        f"(run took {time.time() - t0:.0f} s)",
    ]
    text = "\n".join(lines + sens + ratios) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cluster_quality.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
