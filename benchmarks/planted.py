"""The sample corpus's planted answers: how well ``recurring`` and ``check`` recover them.

    .venv/bin/python benchmarks/planted.py [--threshold T ...]

Every planted recommendation is a gold item: members of a planted cluster share a label, opposites and
singletons are alone. Scored by pairwise precision/recall/F1 over the planted items found in the
store's recommendation passages, beside plain cosine agglomerative clustering (average linkage,
threshold 0.75) of the same passages. The draft check is scored by how many planted repeats it flags
as said before and how many planted new recommendations it leaves new.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))
from common import tuned  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((ROOT / "corpus" / "EXPECTED.json").read_text())


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def gold_items() -> list[tuple[str, str, str]]:
    """(file, text, label) for every planted recommendation."""
    items = [(m["file"], _norm(m["text"]), c["id"]) for c in EXPECTED["clusters"] for m in c["members"]]
    items += [(o[k]["file"], _norm(o[k]["text"]), f"{o['id']}{k}") for o in EXPECTED["opposites"] for k in ("a", "b")]
    items += [(s["file"], _norm(s["text"]), f"S{n}") for n, s in enumerate(EXPECTED["singletons"])]
    return items


def pair_scores(pred: dict[int, int], gold: dict[int, str]) -> tuple[float, float, float]:
    items = sorted(gold)
    tp = fp = fn = 0
    for a, b in combinations(items, 2):
        same_pred = a in pred and b in pred and pred[a] == pred[b]
        same_gold = gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    from dedup.cluster import DEFAULT_TEXT_THRESHOLD
    from dedup.draft import check_draft
    from dedup.embed import SentenceTransformerEmbedder
    from dedup.index import ensure_index
    from dedup.ingest import ingest
    from dedup.recurring import find_recurring
    from dedup.store import Store

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threshold", type=float, nargs="*", default=[DEFAULT_TEXT_THRESHOLD])
    args = ap.parse_args()
    embedder = SentenceTransformerEmbedder(tuned=tuned())
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "planted.db") as store:
        ingest(store, [ROOT / "corpus"])
        ensure_index(store, embedder)
        passages = store.passages(kind="recommendation")
        gold: dict[int, str] = {}
        for f, text, label in gold_items():
            for p in passages:
                if Path(p.document.source).name == f and text in _norm(p.text):
                    gold[p.id] = label
                    break
        print(f"planted recommendations found as recommendation passages: {len(gold)} of {len(gold_items())}\n")
        print("| method | pair P | pair R | pair F1 | clusters |")
        print("|---|---|---|---|---|")
        # baseline: average-linkage agglomerative clustering on cosine
        from sklearn.cluster import AgglomerativeClustering

        ids, vecs = store.passage_vectors(embedder.name, embedder.dim, kind="recommendation")
        labels = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=0.25
        ).fit_predict(vecs)
        pred = {int(pid): int(lab) for pid, lab in zip(ids, labels, strict=True)}
        p, r, f = pair_scores(pred, gold)
        print(f"| agglomerative cosine >= 0.75 | {p:.3f} | {r:.3f} | {f:.3f} | {len(set(labels.tolist()))} |")
        for t in args.threshold:
            clusters = find_recurring(store, embedder, threshold=t)
            pred = {q.id: c.id for c in clusters for m in c.members for q in m.passages}
            p, r, f = pair_scores(pred, gold)
            print(f"| dedup recurring (threshold {t}), all members | {p:.3f} | {r:.3f} | {f:.3f} | {len(clusters)} |")
            pred = {q.id: c.id for c in clusters for m in c.evidence for q in m.passages}
            p, r, f = pair_scores(pred, gold)
            print(f"| dedup recurring (threshold {t}), evidence only | {p:.3f} | {r:.3f} | {f:.3f} | {len(clusters)} |")
        check = check_draft(store, embedder, ROOT / EXPECTED["draft"]["file"])
        by_text = {_norm(p.draft.text): p for p in check.passages}
        planted_of = {pid: label for pid, label in gold.items()}

        def found(text: str):  # the draft passage holding a planted text
            return next((p for t, p in by_text.items() if _norm(text) in t), None)

        reps = EXPECTED["draft"]["repeats"]
        news = EXPECTED["draft"]["new"]
        flagged = [x for x in reps if (d := found(x["text"])) is not None and d.status == "repeat"]
        right = [x for x in flagged if planted_of.get(found(x["text"]).repeats[0].passage.id) == x["cluster"]]
        got_new = sum((d := found(x["text"])) is not None and d.status == "new" for x in news)
        print(
            f"\ndraft check: {len(flagged)}/{len(reps)} planted repeats flagged as said before, "
            f"{len(right)}/{len(reps)} with a passage of the right planted cluster as the first match; "
            f"{got_new}/{len(news)} planted new recommendations left new"
        )
        for x in reps:
            if x not in right:
                print(f"  not found (or wrong first match): {x['text']}")


if __name__ == "__main__":
    main()
