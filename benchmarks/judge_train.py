"""A cross-encoder judge of "the same point", trained and scored held out (issue 8; tried, not shipped).

    # train (about 27 minutes on 2 CPUs; deterministic), written to benchmarks/out/judge.safetensors
    .venv/bin/python benchmarks/judge_train.py --train
    # score it on sets it never saw, beside the cosine and dedup's calibrated score
    .venv/bin/python benchmarks/judge_train.py --eval

The judge is the packaged all-MiniLM-L6-v2 reading ``[CLS] a [SEP] b [SEP]`` (160 tokens at most),
mean-pooled, with a linear head giving the logit of "same point": each word of one text attends to
the other's, which a bi-encoder's cosine cannot do. The hope was that it would tell the draft check's
loose paraphrases from passages that only share topic words; BENCHMARKS.md ("A cross-encoder judge")
gives what it did instead.

Training data, and nothing else: ArgKP *train* (every labelled argument/key-point pair, and pairs of
arguments under the same key point or under two key points of one motion) and STS-B *train* (label =
score / 5). Never ArgKP dev, PFD dev, the sample corpus, STS-B dev, bills or Clough & Stevenson, so
every figure ``--eval`` prints is held out, and PFD dev and the sample corpus are sets of another kind
(leave-set-out by construction). The embeddings and bottom three layers stay frozen; the top three
layers and a linear head on the mean-pooled output learn with a logistic loss. Seed 0 throughout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
from common import OUT, ROOT, Trainer, shared_dir  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

FREEZE = 3
#: Tokens of a pair read at most (both texts together; the longer text is cut first).
MAX_LENGTH = 160
WEIGHTS = OUT / "judge.safetensors"


def build_model():
    """The untrained judge (packaged MiniLM and a zero head) and its tokenizer."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from dedup.embed import default_model_path

    path = str(default_model_path())

    class Judge(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(path)
            self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)
            torch.nn.init.zeros_(self.head.weight)
            torch.nn.init.zeros_(self.head.bias)

        def forward(self, **enc):
            hidden = self.bert(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            return self.head((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)).squeeze(-1)

    return Judge(), AutoTokenizer.from_pretrained(path)


def encode_pairs(tokenizer, pairs):
    return tokenizer(
        [a for a, _ in pairs], [b for _, b in pairs], truncation="longest_first", max_length=MAX_LENGTH,
        padding=True, return_tensors="pt",
    )  # fmt: skip


def load_judge():
    """The trained judge from WEIGHTS: a function giving P(same point) for a list of pairs."""
    import torch
    from safetensors.torch import load_file

    model, tok = build_model()
    params = dict(model.named_parameters())
    with torch.no_grad():
        for key, value in load_file(str(WEIGHTS)).items():
            (params[key].copy_ if key.startswith("head.") else params[key].add_)(value.float())
    model.eval()

    def probabilities(pairs: list[tuple[str, str]]) -> np.ndarray:
        order = sorted(range(len(pairs)), key=lambda k: len(pairs[k][0]) + len(pairs[k][1]))
        out = np.empty(len(pairs))
        with torch.inference_mode():
            for lo in range(0, len(order), 32):
                rows = order[lo : lo + 32]
                out[rows] = torch.sigmoid(model(**encode_pairs(tok, [pairs[k] for k in rows]))).numpy()
        return out

    return probabilities


def argkp(split: str) -> tuple[list[tuple[str, str, float]], list[tuple[str, str, float]]]:
    """(argument, key point, label) for every labelled pair of ``split``; and argument pairs: two
    arguments of one key point (1) or of two key points of the same motion and stance (0)."""
    d = shared_dir() / "eval" / "argkp"
    args = {r["arg_id"]: r for r in csv.DictReader(open(d / f"arguments_{split}.csv", encoding="utf-8"))}
    kps = {r["key_point_id"]: r for r in csv.DictReader(open(d / f"key_points_{split}.csv", encoding="utf-8"))}
    labelled = []
    members: dict[str, list[str]] = defaultdict(list)
    for r in csv.DictReader(open(d / f"labels_{split}.csv", encoding="utf-8")):
        labelled.append((args[r["arg_id"]]["argument"], kps[r["key_point_id"]]["key_point"], float(r["label"])))
        if r["label"] == "1":
            members[r["key_point_id"]].append(r["arg_id"])
    rng = random.Random(0)
    by_side: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kp in sorted(members):
        by_side[kps[kp]["topic"], kps[kp]["stance"]].append(kp)
    pairs = []
    for kp in sorted(members):
        rivals = [o for o in by_side[kps[kp]["topic"], kps[kp]["stance"]] if o != kp]
        for a in sorted(members[kp]):
            others = [b for b in members[kp] if b != a]
            if others:
                pairs.append((args[a]["argument"], args[rng.choice(others)]["argument"], 1.0))
            if rivals:
                rival = rng.choice(members[rng.choice(rivals)])
                pairs.append((args[a]["argument"], args[rival]["argument"], 0.0))
    return labelled, pairs


def stsb(split: str) -> list[tuple[str, str, float]]:
    """STS-B pairs of ``split`` with label score / 5 (read by benchmarks/quality.py)."""
    from quality import load_sts

    sts = load_sts(split)
    return [(x, y, float(score) / 5.0) for x, y, score in zip(sts.a, sts.b, sts.y, strict=True)]


def train(epochs: float, batch_size: int, lr: float) -> None:
    import torch

    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("FT_THREADS", os.cpu_count() or 1)))
    model, tok = build_model()
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    for layer in model.bert.encoder.layer[:FREEZE]:
        for p in layer.parameters():
            p.requires_grad = False
    labelled, arg_pairs = argkp("train")
    data = labelled + arg_pairs + stsb("train")
    print(f"{len(labelled)} ArgKP labelled, {len(arg_pairs)} ArgKP argument pairs, {len(data)} in all", file=sys.stderr)
    rng = random.Random(0)
    steps = int(epochs * len(data) / batch_size)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    trainer = Trainer([{"params": body, "lr": lr}, {"params": head, "lr": lr * 20}], lr, steps, every=50)
    model.train()
    order: list[int] = []
    for step in range(steps):
        if len(order) < batch_size:
            more = list(range(len(data)))
            rng.shuffle(more)
            order += more
        rows, order = order[:batch_size], order[batch_size:]
        batch = [(data[k][0], data[k][1]) if rng.random() < 0.5 else (data[k][1], data[k][0]) for k in rows]
        target = torch.tensor([data[k][2] for k in rows], dtype=torch.float32)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(**encode_pairs(tok, batch)), target)
        trainer.step(step, loss)
    model.eval()
    write(model, f"--train --epochs {epochs} --batch {batch_size} --lr {lr}")


def write(model, command: str) -> None:
    """Trained layers as float16 differences from the packaged MiniLM, and the head, into WEIGHTS."""
    from safetensors.torch import save_file

    base = dict(build_model()[0].named_parameters())
    out = {}
    for key, param in model.named_parameters():
        if key.startswith("head."):
            out[key] = param.detach().half().contiguous()
        else:
            diff = (param.detach() - base[key].detach()).half().contiguous()
            if diff.abs().max().item() > 0:
                out[key] = diff
    meta = {"base": "all-MiniLM-L6-v2", "command": "benchmarks/judge_train.py " + command}
    WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    save_file(out, str(WEIGHTS), metadata=meta)
    print(f"wrote {WEIGHTS} ({len(out)} tensors, {WEIGHTS.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)


def pfd_candidates(k: int = 10) -> list[tuple[str, str, float]]:
    """PFD dev concerns, each with its ``k`` nearest concerns from other reports by MiniLM cosine (the
    pairs a search would hand to a judge); label 1 where the two share a key point."""
    from common import embed_cached

    d = shared_dir() / "eval" / "pfd_dev"
    items = [json.loads(line) for line in open(d / "items.jsonl", encoding="utf-8")]
    kp = {r["item"]: r["kp"] for r in map(json.loads, open(d / "labels.jsonl", encoding="utf-8"))}
    vecs = embed_cached([it["text"] for it in items])
    sims = vecs @ vecs.T
    seen = set()
    out = []
    for i, it in enumerate(items):
        for j in np.argsort(-sims[i]):
            if items[j]["report"] == it["report"]:
                continue
            key = (min(i, j), max(i, j))
            if key not in seen:
                seen.add(key)
                same = kp[it["item"]] != "none" and kp[it["item"]] == kp[items[j]["item"]]
                out.append((it["text"], items[j]["text"], float(same)))
            if sum(1 for s in seen if i in s) >= k:
                break
    return out


def auc(score: np.ndarray, label: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(label > 0.5, score))


def f1_at(score: np.ndarray, label: np.ndarray, th: float) -> float:
    pred, pos = score >= th, label > 0.5
    tp = (pred & pos).sum()
    return float(2 * tp / max(1, pred.sum() + pos.sum()))


def evaluate() -> None:
    from common import embedder
    from scipy.stats import spearmanr

    from dedup.match import PARAPHRASE_SCORE, verdicts

    judge = load_judge()
    emb = embedder()
    sets = {
        "ArgKP dev, argument/key point": argkp("dev")[0],
        "ArgKP dev, argument pairs": argkp("dev")[1],
        "PFD dev, 10 nearest from other reports": pfd_candidates(),
    }
    print(
        "| held-out pairs | n (same point) | AUC cosine | AUC dedup score | AUC judge "
        "| F1 dedup paraphrase (>= 0.7) | F1 judge (>= 0.5) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in sets.items():
        pairs = [(a, b) for a, b, _ in rows]
        label = np.array([y for *_, y in rows])
        va = emb.embed([a for a, _ in pairs])
        vb = emb.embed([b for _, b in pairs])
        cos = (va * vb).sum(1)
        score = np.array([v.score for v in verdicts(pairs, cos)])
        p = judge(pairs)
        print(
            f"| {name} | {len(rows)} ({int(label.sum())}) | {auc(cos, label):.3f} | {auc(score, label):.3f} "
            f"| {auc(p, label):.3f} | {f1_at(score, label, PARAPHRASE_SCORE):.3f} "
            f"| {f1_at(p, label, 0.5):.3f} |",
            flush=True,
        )
    # The sample corpus's draft: each planted repeat against its planted cluster, each new recommendation
    # against every planted recommendation of the corpus.
    expected = json.loads((ROOT / "corpus" / "EXPECTED.json").read_text(encoding="utf-8"))
    corpus = [m["text"] for c in expected["clusters"] for m in c["members"]]
    corpus += [o[k]["text"] for o in expected["opposites"] for k in ("a", "b")] + [
        s["text"] for s in expected["singletons"]
    ]
    members = {c["id"]: {m["text"] for m in c["members"]} for c in expected["clusters"]}
    found, wrong = 0, 0
    for rep in expected["draft"]["repeats"]:
        p = judge([(rep["text"], t) for t in corpus])
        found += max(p[k] for k, t in enumerate(corpus) if t in members[rep["cluster"]]) >= 0.5
    for new in expected["draft"]["new"]:
        wrong += judge([(new["text"], t) for t in corpus]).max() >= 0.5
    print(
        f"\nsample corpus draft: {found}/{len(expected['draft']['repeats'])} planted repeats judged the same "
        f"point as their planted cluster; {wrong}/{len(expected['draft']['new'])} new recommendations judged "
        "the same point as some planted recommendation"
    )
    dev = stsb("dev")
    p = judge([(a, b) for a, b, _ in dev])
    print(f"\nSTS-B dev Spearman, judge: {spearmanr(p, [y for *_, y in dev])[0]:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    a = ap.parse_args()
    if a.train:
        train(a.epochs, a.batch, a.lr)
    if a.eval:
        evaluate()


if __name__ == "__main__":
    main()
