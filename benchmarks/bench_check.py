"""How long `dedup check` takes for a ~20-page draft against an indexed corpus.

    .venv/bin/python benchmarks/bench_check.py

The corpus is the West Sussex PDFs less the one used as the draft (18 pages); the store is built and
indexed first (not timed). Timed: parsing the draft, embedding its passages, FAISS lookup and
verification by the engine (with the quotation alignment of issue 9, and without it). Beside it, in
the same run, the bare approach: the same passages embedded
and `sentence_transformers.util.semantic_search` over every corpus vector, no verification.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import shared_dir  # noqa: E402

DRAFT = "2017_WSCC_suicide-prevention-frontline-consultation.pdf"


def main() -> None:
    import torch
    from sentence_transformers import util

    from dedup.draft import check_parsed
    from dedup.embed import SentenceTransformerEmbedder
    from dedup.index import ensure_index
    from dedup.ingest import ingest, parse_file
    from dedup.store import Store

    src = shared_dir() / "corpus" / "westsussex"
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for f in src.glob("*.pdf"):
            if f.name != DRAFT:
                shutil.copy(f, corpus / f.name)
        shutil.copy(src / "manifest.csv", corpus / "manifest.csv")
        t = time.perf_counter()
        embedder = SentenceTransformerEmbedder()
        load = time.perf_counter() - t
        with Store(Path(tmp) / "bench.db") as store:
            ingest(store, [corpus])
            ensure_index(store, embedder)
            n_corpus = store.passage_count()
            ids, vectors = store.passage_vectors(embedder.name, embedder.dim)

            t0 = time.perf_counter()
            parsed = parse_file(src / DRAFT)
            t1 = time.perf_counter()
            result = check_parsed(store, embedder, parsed, DRAFT)
            t2 = time.perf_counter()
            plain = check_parsed(store, embedder, parsed, DRAFT, quotes=False)
            t3 = time.perf_counter()

            texts = [p.text for p in parsed.passages]
            b0 = time.perf_counter()
            q = embedder.model.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
            util.semantic_search(q, torch.from_numpy(np.array(vectors)), top_k=20)
            b1 = time.perf_counter()
    pages = parsed.page_count
    print(
        f"draft: {DRAFT}, {pages} pages, {len(texts)} passages; corpus {n_corpus} passages; model load {load:.1f} s\n"
    )
    print("| run | seconds | note |")
    print("|---|---|---|")
    print(f"| dedup check: parse the draft | {t1 - t0:.2f} | {pages / (t1 - t0):.1f} pages/s |")
    print(
        f"| dedup check: embed + FAISS + verify | {t2 - t1:.2f} | {len(result.repeated)} of "
        f"{len(result.recommendations)} recommendations said before |"
    )
    print(f"| dedup check, total | {t2 - t0:.2f} | |")
    print(
        f"| dedup check, embed + FAISS + verify, whole passages only (before issue 9) | {t3 - t2:.2f} | "
        f"{len(plain.repeated)} of {len(plain.recommendations)} said before; quotation alignment costs "
        f"{(t2 - t1) / (t3 - t2):.2f}x |"
    )
    print(f"| baseline: encode + util.semantic_search (no parsing, no verification) | {b1 - b0:.2f} | |")


if __name__ == "__main__":
    main()
