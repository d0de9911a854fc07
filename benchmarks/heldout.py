"""Held-out quality of the recurring-recommendation clustering, beside the tools a researcher would use.

    .venv/bin/python benchmarks/heldout.py          (prints markdown tables; saves benchmarks/out/heldout.md)

Protocol (issue 8): every setting of every method, dedup's included, is chosen on training data only
and scored on data it never saw; the product keeps one setting for every corpus.

* PFD dev in 5 folds grouped by report: tune on four folds (each fold a corpus), score the fifth.
* ArgKP: tune on train (all train topics in one corpus), score dev (all dev topics in one corpus, as a
  user would load them).
* Leave one set out: settings chosen on the other sets' training corpora, scored on the set left out
  (PFD: the mean over its five folds; ArgKP: dev; the planted sample corpus).
* The product's default: the setting chosen on every training corpus (PFD folds, ArgKP train, planted).

Methods, all on the same MiniLM embeddings: dedup (``cluster_texts``; its merge threshold), MiniLM
agglomerative average linkage on cosine (distance threshold), ``util.community_detection`` (threshold),
and BERTopic (UMAP + HDBSCAN; ``min_cluster_size``). Scores: pair P/R/F1, B-cubed F1, ARI; unclustered
items and items without a key point are singletons.
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
from common import OUT  # noqa: E402

from dedup import cluster as C  # noqa: E402

warnings.filterwarnings("ignore")

OURS_GRID = [round(float(x), 3) for x in np.arange(0.06, 0.30, 0.02)]
COS_GRID = [round(float(x), 3) for x in np.arange(0.40, 0.91, 0.025)]
MCS_GRID = [2, 3, 4, 5, 6, 8, 10]
Method = Callable[[E.Corpus, float], E.Clusters]


def methods() -> dict[str, tuple[Method, list]]:
    graphs: dict = {}
    return {
        "dedup": (lambda c, t: E.ours(c, t, graphs), OURS_GRID),
        "agglomerative": (E.agglomerative, COS_GRID),
        "community_detection": (E.community_detection, COS_GRID),
        "BERTopic": (lambda c, m: E.bertopic(c, int(m)), MCS_GRID),
    }


def main() -> None:
    t0 = time.time()
    pfd = E.load_pfd()
    folds = [pfd.subset(np.flatnonzero(pfd.folds == f), f"PFD fold {f}") for f in range(5)]
    train, dev = E.load_argkp("train"), E.load_argkp("dev")
    planted = E.load_planted()
    corpora = [*folds, train, dev, planted]
    # every method x setting x corpus, computed once
    table: dict[str, dict[float, dict[str, dict[str, float]]]] = {}
    for name, (fn, grid) in methods().items():
        table[name] = {}
        for p in grid:
            table[name][p] = {c.name: E.scores(fn(c, p), c.gold, c.scored) for c in corpora}
        print(f"{name}: done ({time.time() - t0:.0f} s)", file=sys.stderr)

    def tune(name: str, on: list[str]) -> float:
        grid = table[name]
        return max(grid, key=lambda p: (float(np.mean([grid[p][c]["F1"] for c in on])), -abs(p)))

    def score(name: str, p: float, on: list[str]) -> dict[str, float]:
        rows = [table[name][p][c] for c in on]
        return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]} | {
            "F1_sd": float(np.std([r["F1"] for r in rows])),
            "ARI_sd": float(np.std([r["ARI"] for r in rows])),
        }

    fold_names = [f.name for f in folds]
    lines = ["## Held-out: PFD dev, 5 folds grouped by report (tune on 4, score the 5th)", ""]
    lines += [
        "| method | fold | setting | pair P | pair R | pair F1 | B-cubed F1 | ARI | clusters |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    per_fold: dict[str, list[dict[str, float]]] = {m: [] for m in table}
    for f, fname in enumerate(fold_names):
        others = [x for k, x in enumerate(fold_names) if k != f]
        for m in table:
            p = tune(m, others)
            s = table[m][p][fname]
            per_fold[m].append(s)
            lines.append(
                f"| {m} | {f} | {p:g} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} | {s['B3']:.3f} | {s['ARI']:.3f} | {int(s['clusters'])} |"
            )
    lines += ["", "| method | pair F1 mean ± sd | ARI mean ± sd | B-cubed F1 |", "|---|---|---|---|"]
    for m, rows in per_fold.items():
        f1 = [r["F1"] for r in rows]
        ari = [r["ARI"] for r in rows]
        lines.append(
            f"| {m} | {np.mean(f1):.3f} ± {np.std(f1):.3f} | {np.mean(ari):.3f} ± {np.std(ari):.3f} | {np.mean([r['B3'] for r in rows]):.3f} |"
        )
    lines += [
        "",
        "Through the product: each held-out fold ingested as a JSONL table and clustered by "
        "`dedup recurring --all` at its defaults (no tuning at all):",
        "",
    ]
    lines += [
        "| fold | members counted | pair P | pair R | pair F1 | ARI | passages |",
        "|---|---|---|---|---|---|---|",
    ]
    items = pfd.extra["items"]
    for f in range(5):
        fold_items = [items[i] for i in np.flatnonzero(pfd.folds == f)]
        for evidence_only in (False, True):
            found, n_passages = E.recurring_end_to_end(fold_items, evidence_only=evidence_only)
            s = E.scores(found, folds[f].gold)
            what = "evidence only" if evidence_only else "all members"
            lines.append(
                f"| {f} | {what} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} | {s['ARI']:.3f} | {n_passages} |"
            )
    base = [m for m in table if m != "dedup"]
    ratio_f1 = [per_fold["dedup"][f]["F1"] / max(per_fold[b][f]["F1"] for b in base) for f in range(5)]
    ratio_ari = [per_fold["dedup"][f]["ARI"] / max(max(per_fold[b][f]["ARI"] for b in base), 1e-9) for f in range(5)]
    lines.append("")
    lines.append(
        "dedup / best baseline per fold: pair F1 "
        + ", ".join(f"{r:.2f}x" for r in ratio_f1)
        + "; ARI "
        + ", ".join(f"{r:.2f}x" for r in ratio_ari)
    )

    lines += ["", "## Held-out: ArgKP (tuned on train, all dev topics in one corpus)", ""]
    lines += [
        "| method | setting (from train) | pair P | pair R | pair F1 | B-cubed F1 | ARI | clusters |",
        "|---|---|---|---|---|---|---|---|",
    ]
    dev_best: dict[str, dict[str, float]] = {}
    for m in table:
        p = tune(m, [train.name])
        s = table[m][p][dev.name]
        dev_best[m] = s
        lines.append(
            f"| {m} | {p:g} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} | {s['B3']:.3f} | {s['ARI']:.3f} | {int(s['clusters'])} |"
        )
    bf = max(dev_best[b]["F1"] for b in base)
    ba = max(dev_best[b]["ARI"] for b in base)
    lines.append("")
    lines.append(
        f"dedup / best baseline: pair F1 {dev_best['dedup']['F1'] / bf:.2f}x, ARI {dev_best['dedup']['ARI'] / ba:.2f}x"
    )

    lines += ["", "## Leave one set out (settings chosen without the set, scored on it)", ""]
    lines += ["| set left out | method | setting | pair F1 | ARI | B-cubed F1 |", "|---|---|---|---|---|---|"]
    sets = {
        "PFD dev": (fold_names, fold_names),
        "ArgKP": ([train.name], [dev.name]),
        "planted": ([planted.name], [planted.name]),
    }
    for held, (_, test_names) in sets.items():
        tuning = [x for h, (tn, _) in sets.items() if h != held for x in tn]
        for m in table:
            p = tune(m, tuning)
            s = score(m, p, test_names)
            sd = f" ± {s['F1_sd']:.3f}" if len(test_names) > 1 else ""
            lines.append(f"| {held} | {m} | {p:g} | {s['F1']:.3f}{sd} | {s['ARI']:.3f} | {s['B3']:.3f} |")

    all_train = [*fold_names, train.name, planted.name]
    chosen = tune("dedup", all_train)
    lines += [
        "",
        f"The product's one default, chosen on every training corpus (PFD folds, ArgKP train, planted): "
        f"{chosen:g} (dedup.cluster.DEFAULT_TEXT_THRESHOLD = {C.DEFAULT_TEXT_THRESHOLD:g})",
    ]
    lines += [
        "",
        "dedup at its default on every corpus:",
        "",
        "| corpus | pair P | pair R | pair F1 | ARI |",
        "|---|---|---|---|---|",
    ]
    d = C.DEFAULT_TEXT_THRESHOLD
    if d in table["dedup"]:
        for c in corpora:
            s = table["dedup"][d][c.name]
            lines.append(f"| {c.name} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} | {s['ARI']:.3f} |")
    lines.append(f"\nplanted recommendations found as passages: {planted.extra['found']} of {planted.extra['planted']}")
    lines.append(f"(run took {time.time() - t0:.0f} s)")
    text = "\n".join(lines) + "\n"
    print(text)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "heldout.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
