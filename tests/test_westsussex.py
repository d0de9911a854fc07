"""Acceptance on the real West Sussex corpus (../shared): passages are whole statements, and the
document pairs known to repeat each other come first in `links --documents`. Ingests 18 PDFs and
embeds them with the real model, so it is the slowest test; it is skipped when ../shared is absent."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from dedup.embed import SentenceTransformerEmbedder
from dedup.index import ensure_index
from dedup.ingest import ingest
from dedup.links import document_overlaps, find_links
from dedup.store import Store

from .conftest import shared_dir

pytestmark = [pytest.mark.shared, pytest.mark.model]


@pytest.fixture(scope="module")
def ws_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = shared_dir() / "corpus" / "westsussex"
    if not folder.exists():
        pytest.skip(f"shared data not found at {folder} (set DEDUP_SHARED)")
    path = tmp_path_factory.mktemp("ws") / "ws.db"
    with Store(path) as store:
        report = ingest(store, [folder])
        assert not report.failed
        assert len(store.documents()) == 18
    return path


def test_passages_are_whole_statements_not_fragments(ws_store: Path) -> None:
    with Store(ws_store) as store:
        passages = store.passages()
        pages = {d.id: [store.page_text(d.id, n) for n in range(1, 400)] for d in store.documents()}
    lower = [p.text for p in passages if re.match(r"^\W*[a-z]", p.text)]
    # 364 of 6,524 (5.6%) before paragraphs were joined over page and column breaks and lists kept
    # with their lead-ins; what is left is mostly table cells and infographic labels.
    assert len(lower) <= 0.015 * len(passages), len(lower)
    crossing = [p for p in passages if p.page_end is not None]
    assert len(crossing) >= 50 and all(p.page_end == p.page + 1 for p in crossing)
    # no running header or footer survives: no line opens or closes more than a quarter of a
    # document's pages (digits aside)
    for doc, texts in pages.items():
        texts = [t for t in texts if t]
        edges = Counter(
            re.sub(r"\d+", "#", b.strip()) for t in texts for b in {t.split("\n\n")[0], t.split("\n\n")[-1]}
        )
        repeated = [b for b, n in edges.items() if n >= max(3, len(texts) / 4)]
        assert not repeated, (doc, repeated)


def test_draft_final_and_summary_full_pairs_rank_first(ws_store: Path) -> None:
    with Store(ws_store) as store:
        embedder = SentenceTransformerEmbedder()
        ensure_index(store, embedder)
        overlaps = document_overlaps(find_links(store, embedder), store.documents())
    top = [{o.a.id, o.b.id} for o in overlaps[:2]]
    assert top[0] == {
        "2024_WSCC_public-MH-needs-assessment_cohort-summary",
        "2024_WSCC_public-MH-needs-assessment_cohort-summary_OLD-draft",
    }
    assert top[1] == {
        "2020_WestSussex_dementia-strategy-2020-2023_exec-summary",
        "2020_WestSussex_dementia-strategy-2020-2023_plain-text",
    }
    assert overlaps[0].score > 0.8  # the draft is almost all in the final
