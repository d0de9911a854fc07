"""Contrastive fine-tuning of the packaged MiniLM on labelled "same point" pairs (issue 8).

    # the held-out protocol: one model per PFD fold, that fold never seen (about 11 min each, one thread)
    FT_THREADS=1 .venv/bin/python benchmarks/finetune.py --steps 200 --max-len 96 --pfd-holdout F \
        --out benchmarks/out/ft-pfdF
    .venv/bin/python benchmarks/finetune.py --eval benchmarks/out/ft-pfdF
    # the shipped layers: the same recipe on every PFD fold, written to dedup/data/same-point-1.safetensors
    FT_THREADS=1 .venv/bin/python benchmarks/finetune.py --steps 200 --max-len 96 --pfd-all --ship \
        --out benchmarks/out/ft-ship

Training data: ArgKP train (argument -> its key point, argument -> another argument of the same key
point) and, with ``--pfd-holdout``/``--pfd-all``, pairs of PFD dev concerns from two reports that share
a key point (every other batch). Never ArgKP dev, the sample corpus, STS-B, bills or Clough & Stevenson.
Loss: in-batch multiple-negatives ranking (symmetric); each batch holds pairs of distinct key points
drawn from few topics, so the negatives are arguments on the same motion. The embeddings and bottom
three layers stay frozen. Deterministic: seed 0 for the sampler and torch; ``FT_THREADS=1`` (more
threads on two shared cores ran 7x slower).

``--eval`` scores dedup's clustering with the fine-tuned vectors (cut at 96 tokens, as dedup uses them) on the
held-out protocol of ``benchmarks/heldout.py`` (threshold tuned on the training folds / ArgKP train)
and prints per-fold pair F1 beside the same with the untouched MiniLM; only the fold the model never
saw is a held-out figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from common import OUT, Trainer, shared_dir  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def argkp_pairs(split: str = "train") -> list[tuple[str, str, str, str]]:
    """(text a, text b, key point id, topic) for every positive pair of ``split``."""
    d = shared_dir() / "eval" / "argkp"
    args = {r["arg_id"]: r for r in csv.DictReader(open(d / f"arguments_{split}.csv", encoding="utf-8"))}
    kps = {r["key_point_id"]: r for r in csv.DictReader(open(d / f"key_points_{split}.csv", encoding="utf-8"))}
    members: dict[str, list[str]] = defaultdict(list)
    for r in csv.DictReader(open(d / f"labels_{split}.csv", encoding="utf-8")):
        if r["label"] == "1":
            members[r["key_point_id"]].append(r["arg_id"])
    rng = random.Random(0)
    pairs = []
    for kp, arg_ids in sorted(members.items()):
        topic = kps[kp]["topic"]
        for a in sorted(arg_ids):
            pairs.append((args[a]["argument"], kps[kp]["key_point"], kp, topic))
            others = [b for b in arg_ids if b != a]
            if others:
                pairs.append((args[a]["argument"], args[rng.choice(others)]["argument"], kp, topic))
    return pairs


def pfd_pairs(holdout: int) -> list[tuple[str, str, str, str]]:
    """Positive pairs of PFD dev items sharing a key point, from every fold but ``holdout`` (folds as
    in ``benchmarks/heldout.py``: grouped by report); each pair from two different reports."""
    import hashlib
    import json

    d = shared_dir() / "eval" / "pfd_dev"
    items = [json.loads(line) for line in open(d / "items.jsonl", encoding="utf-8")]
    labels = {r["item"]: r["kp"] for r in map(json.loads, open(d / "labels.jsonl", encoding="utf-8"))}
    fold = {it["report"]: int(hashlib.sha256(it["report"].encode()).hexdigest(), 16) % 5 for it in items}
    members: dict[str, list[dict]] = defaultdict(list)
    for it in items:
        if labels[it["item"]] != "none" and fold[it["report"]] != holdout:
            members[labels[it["item"]]].append(it)
    rng = random.Random(1)
    pairs = []
    for kp, its in sorted(members.items()):
        for it in its:
            others = [o for o in its if o["report"] != it["report"]]
            if others:
                pairs.append((it["text"], rng.choice(others)["text"], "pfd-" + kp, "pfd"))
    return pairs


def batches(pairs, size: int, rng: random.Random):
    """Batches of pairs with distinct key points, each batch from one or two topics."""
    by_topic: dict[str, list] = defaultdict(list)
    for p in pairs:
        by_topic[p[3]].append(p)
    argkp_topics = sorted(t for t in by_topic if t != "pfd")
    turn = 0
    while True:
        turn += 1
        # with PFD pairs, every other batch is PFD alone (distinct key points)
        topics = ["pfd"] if "pfd" in by_topic and turn % 2 == 0 else rng.sample(argkp_topics, 2)
        pool = [p for t in topics for p in by_topic[t]]
        rng.shuffle(pool)
        seen: set[str] = set()
        batch = []
        for p in pool:
            if p[2] not in seen:
                seen.add(p[2])
                batch.append(p)
            if len(batch) == size:
                break
        if len(batch) >= 8:
            yield batch


def train(
    steps: int,
    out: Path,
    batch_size: int,
    lr: float,
    max_len: int,
    freeze: int,
    pfd_holdout: int | None,
    ship: bool = False,
    keep_scale: float = 0.0,
) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from dedup.embed import default_model_path

    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("FT_THREADS", os.cpu_count() or 1)))
    # always from the untouched packaged MiniLM (the shipped difference is not applied here)
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    model.max_seq_length = max_len
    bert = model[0].auto_model
    for param in bert.embeddings.parameters():
        param.requires_grad = False
    for layer in bert.encoder.layer[:freeze]:
        for param in layer.parameters():
            param.requires_grad = False
    pairs = argkp_pairs("train")
    if pfd_holdout is not None:
        extra = pfd_pairs(pfd_holdout)
        held = "no fold" if pfd_holdout < 0 else f"fold {pfd_holdout}"
        print(f"{len(extra)} PFD pairs ({held} held out)", file=sys.stderr)
        pairs += extra
    print(f"{len(pairs)} training pairs", file=sys.stderr)
    # --keep-scale: the packaged model, frozen, whose cosines between non-matching texts the tuned one keeps
    frozen = SentenceTransformer(str(default_model_path()), device="cpu").eval() if keep_scale else None
    if frozen is not None:
        frozen.max_seq_length = max_len
    rng = random.Random(0)
    trainer = Trainer([q for q in model.parameters() if q.requires_grad], lr, steps)
    model.train()
    t0 = time.time()
    gen = batches(pairs, batch_size, rng)
    for step in range(steps):
        batch = next(gen)
        a = model.preprocess([p[0] for p in batch])
        b = model.preprocess([p[1] for p in batch])
        ea = torch.nn.functional.normalize(model(a)["sentence_embedding"], dim=-1)
        eb = torch.nn.functional.normalize(model(b)["sentence_embedding"], dim=-1)
        sim = ea @ eb.T * 20.0
        target = torch.arange(len(batch))
        loss = (torch.nn.functional.cross_entropy(sim, target) + torch.nn.functional.cross_entropy(sim.T, target)) / 2
        if frozen is not None:
            with torch.no_grad():
                fa = torch.nn.functional.normalize(frozen(a)["sentence_embedding"], dim=-1)
                fb = torch.nn.functional.normalize(frozen(b)["sentence_embedding"], dim=-1)
            off = ~torch.eye(len(batch), dtype=torch.bool)
            loss = loss + keep_scale * ((ea @ eb.T - fa @ fb.T)[off] ** 2).mean()
        trainer.step(step, loss)
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    print(f"saved {out} ({time.time() - t0:.0f} s)", file=sys.stderr)
    if ship:
        write_delta(model, max_len, f"--steps {steps} --max-len {max_len} --freeze {freeze} --pfd-all --ship")


def write_delta(model, max_len: int, command: str) -> None:
    """The fine-tuned weights as a float16 difference from the packaged MiniLM, written where dedup loads
    it (``dedup/data``); only parameters that changed are kept."""
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer

    from dedup.embed import TUNED_LAYERS, default_model_path

    base = dict(SentenceTransformer(str(default_model_path()), device="cpu")[0].auto_model.named_parameters())
    delta = {}
    for key, param in model[0].auto_model.named_parameters():
        diff = (param.detach() - base[key].detach()).half().contiguous()
        if diff.abs().max().item() > 0:
            delta[key] = diff
    # used at the length it was trained with (dedup.embed.tuned_max_length): held out, better than 256
    meta = {
        "max_seq_length": str(max_len),
        "base": "all-MiniLM-L6-v2",
        "command": "benchmarks/finetune.py " + command,
    }
    TUNED_LAYERS.parent.mkdir(parents=True, exist_ok=True)
    tmp = TUNED_LAYERS.with_suffix(".tmp")
    save_file(delta, str(tmp), metadata=meta)
    os.chmod(tmp, 0o644)
    os.replace(tmp, TUNED_LAYERS)
    size = TUNED_LAYERS.stat().st_size / 1e6
    print(f"wrote {TUNED_LAYERS} ({len(delta)} tensors, {size:.1f} MB)", file=sys.stderr)


def best(table: dict, on: list[str]) -> float:
    """The threshold with the best mean pair F1 over the corpora ``on`` (ties: the lower)."""
    return max(table, key=lambda th: (float(np.mean([table[th][n]["F1"] for n in on])), -th))


def evaluate(model_dir: Path, max_len: int = 96) -> None:
    import common
    import evalsets as E
    from common import embed_cached

    from dedup.embed import SentenceTransformerEmbedder

    os.environ.pop("DEDUP_BENCH_MODEL", None)  # the "packaged" rows: the untouched MiniLM, never the tuned one
    base = {"pfd": E.load_pfd(), "train": E.load_argkp("train"), "dev": E.load_argkp("dev")}
    common._EMBEDDER = SentenceTransformerEmbedder(str(model_dir))
    # scored as dedup uses the shipped layers: cut at the --max-len they were trained with (96)
    common._EMBEDDER.model.max_seq_length = max_len
    tag = f"ft-{model_dir.name}-{max_len}"
    ft = {
        k: E.Corpus(c.name, c.texts, embed_cached(c.texts, tag), c.gold, c.groups, c.scored, c.folds)
        for k, c in base.items()
    }
    from dedup.cluster import DEFAULT_TEXT_THRESHOLD

    grid = sorted({round(float(x), 3) for x in np.arange(0.06, 0.40, 0.02)} | {DEFAULT_TEXT_THRESHOLD})
    for label, sets in (("packaged", base), ("fine-tuned", ft)):
        pfd = sets["pfd"]
        folds = [pfd.subset(np.flatnonzero(pfd.folds == f), f"fold {f}") for f in range(5)]
        corpora = [*folds, sets["train"], sets["dev"]]
        cache: dict = {}
        table = {t: {c.name: E.scores(E.ours(c, t, cache), c.gold, c.scored) for c in corpora} for t in grid}

        per = []
        for f in range(5):
            t = best(table, [x.name for k, x in enumerate(folds) if k != f])
            per.append((t, table[t][folds[f].name]["F1"], table[t][folds[f].name]["ARI"]))
        t = best(table, ["ArgKP train"])
        dev = table[t]["ArgKP dev"]
        one = best(table, [*(x.name for x in folds), "ArgKP train"])
        print(
            f"{label}: PFD folds "
            + " ".join(f"{f1:.3f}({t:g})" for t, f1, _ in per)
            + f" mean {np.mean([p[1] for p in per]):.3f}; ArgKP dev {dev['F1']:.3f}/{dev['ARI']:.3f} ({t:g}); "
            + f"one default {one:g}: PFD {np.mean([table[one][x.name]['F1'] for x in folds]):.3f} "
            + f"dev {table[one]['ArgKP dev']['F1']:.3f}"
        )
        for th in (0.12, 0.14, DEFAULT_TEXT_THRESHOLD, 0.18, 0.2):
            at = table[th]
            mark = " (the product's default)" if th == DEFAULT_TEXT_THRESHOLD else ""
            print(
                f"  at {th:g}{mark}: PFD folds "
                + " ".join(f"{at[x.name]['F1']:.3f}/{at[x.name]['ARI']:.3f}" for x in folds)
                + f"; ArgKP dev {at['ArgKP dev']['F1']:.3f}/{at['ArgKP dev']['ARI']:.3f} (pair F1/ARI)"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--out", type=Path, default=OUT / "ft-argkp")
    ap.add_argument("--freeze", type=int, default=3, help="bottom transformer layers kept frozen")
    ap.add_argument("--pfd-holdout", type=int, default=None, help="also train on PFD folds but this one")
    ap.add_argument("--pfd-all", action="store_true", help="train on every PFD fold (the shipped model)")
    ap.add_argument("--ship", action="store_true", help="write the difference to dedup/data (what dedup loads)")
    ap.add_argument(
        "--keep-scale", type=float, default=0.0, help="weight of keeping the packaged cosines of non-matching pairs"
    )
    ap.add_argument("--eval", type=Path)
    ap.add_argument("--eval-len", type=int, default=96, help="token limit the vectors are scored at")
    a = ap.parse_args()
    if a.eval:
        evaluate(a.eval, a.eval_len)
    else:
        holdout = -1 if a.pfd_all else a.pfd_holdout
        train(a.steps, a.out, a.batch, a.lr, a.max_len, a.freeze, holdout, a.ship, a.keep_scale)


if __name__ == "__main__":
    main()
