"""The clustering judgement on fine-tuned vectors, candidates and strict types on the packaged ones
(issue 8, the step after ``benchmarks/finetune.py``).

    .venv/bin/python benchmarks/hybrid.py [--mix 0.5]    (needs benchmarks/out/ft-pfd0..4 from finetune.py)

dedup's similarity graph takes each passage's nearest neighbours by the packaged MiniLM's centred
cosine, then weighs each candidate pair half by centred cosine and half by TF-IDF. Here the cosine in
the weight comes from the model fine-tuned with that PFD fold held out, while the candidates (and, in
the product, the verbatim/near-verbatim/paraphrase verdicts and the draft check) stay on the packaged
vectors. Scored on the held-out protocol of ``benchmarks/heldout.py``: the threshold is chosen on the
four training folds, the fold the model never saw is scored; ArgKP dev with the threshold from train.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))
import common  # noqa: E402
import evalsets as E  # noqa: E402
from common import OUT, embed_cached  # noqa: E402

from dedup import cluster as C  # noqa: E402

GRID = [0.12, 0.14, 0.16, 0.18, 0.2]


def hybrid_graph(c: E.Corpus, judge: np.ndarray, mix: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``similarity_graph`` of ``c`` (candidates from its own vectors) with the cosine part of every
    candidate pair's weight taken from ``judge`` vectors, centred the same way (``mix`` < 1: that share
    of the judge's cosine, the rest the packaged one's)."""
    original = C.candidate_pairs
    jc = C._centered(np.asarray(judge, dtype=np.float32))

    def judged(xc, g, k, min_cosine):  # noqa: ANN001 - the same signature as the product's
        ei, ej, cos = original(xc, g, k=k, min_cosine=min_cosine)
        judged_cos = np.einsum("ij,ij->i", jc[ei], jc[ej])
        return ei, ej, (mix * judged_cos + (1 - mix) * cos).astype(cos.dtype)

    C.candidate_pairs = judged
    try:
        return C.similarity_graph(c.texts, c.vectors, c.groups)
    finally:
        C.candidate_pairs = original


def scores(c: E.Corpus, graph) -> dict[float, dict]:
    i, j, w = graph
    return {t: E.scores(C.cluster(len(c.texts), i, j, w, threshold=t, groups=c.groups), c.gold, c.scored) for t in GRID}


def planted(mix: float) -> None:
    """The planted sample corpus (never seen by any fine-tune): every member of a cluster scored, with
    the packaged vectors and with the judgement on the shipped tuned layers (dedup --model
    all-MiniLM-L6-v2+same-point-1)."""
    from dedup.embed import SentenceTransformerEmbedder

    c = E.load_planted()
    tuned = SentenceTransformerEmbedder(tuned=True).embed(c.texts)
    base = scores(c, C.similarity_graph(c.texts, c.vectors, c.groups))
    judged = scores(c, hybrid_graph(c, tuned, mix))
    for t in GRID:
        print(
            f"planted, threshold {t:g}: packaged {base[t]['F1']:.3f}, judgement on tuned (mix {mix:g}) {judged[t]['F1']:.3f}"
        )


def main() -> None:
    import argparse

    from dedup.embed import SentenceTransformerEmbedder

    ap = argparse.ArgumentParser()
    ap.add_argument("--mix", type=float, default=1.0, help="share of the fine-tuned cosine in the cosine half")
    ap.add_argument("--planted", action="store_true", help="the sample corpus, with the shipped tuned layers")
    args = ap.parse_args()
    mix = args.mix
    if args.planted:
        planted(mix)
        return

    pfd, train, dev = E.load_pfd(), E.load_argkp("train"), E.load_argkp("dev")
    folds = [np.flatnonzero(pfd.folds == f) for f in range(5)]
    lines = []
    for f in range(5):
        model = OUT / f"ft-pfd{f}"
        common._EMBEDDER = SentenceTransformerEmbedder(str(model))
        common._EMBEDDER.model.max_seq_length = 96
        tag = f"ft-{model.name}-96"  # as benchmarks/finetune.py --eval caches them
        judged = {c.name: embed_cached(c.texts, tag) for c in (pfd, train, dev)}
        row = {}
        for k, idx in enumerate(folds):
            sub = pfd.subset(idx, f"fold {k}")
            row[k] = scores(sub, hybrid_graph(sub, judged[pfd.name][idx], mix))
        arg = {c.name: scores(c, hybrid_graph(c, judged[c.name], mix)) for c in (train, dev)}
        t = max(GRID, key=lambda th: (np.mean([row[k][th]["F1"] for k in range(5) if k != f]), -th))
        ta = max(GRID, key=lambda th: (arg[train.name][th]["F1"], -th))
        held = row[f]
        lines.append(
            f"model without fold {f}, mix {mix:g}: held-out fold {f} pair F1 {held[t]['F1']:.3f} ARI {held[t]['ARI']:.3f} ({t:g});"
            f" at 0.16 {held[0.16]['F1']:.3f}; ArgKP dev {arg[dev.name][ta]['F1']:.3f}/{arg[dev.name][ta]['ARI']:.3f}"
            f" ({ta:g}), at 0.16 {arg[dev.name][0.16]['F1']:.3f}"
        )
        print(lines[-1], flush=True)
    (OUT / f"hybrid-mix{mix:g}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
