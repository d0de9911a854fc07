"""Acceptance on the real West Sussex corpus (../shared): the document pairs known to repeat each
other come first in `links --documents`. Ingests 18 PDFs and embeds them with the real model, so it is
the slowest test; it is skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.embed import SentenceTransformerEmbedder
from dedup.index import ensure_index
from dedup.ingest import ingest
from dedup.links import document_overlaps, find_links
from dedup.store import Store

pytestmark = [pytest.mark.shared, pytest.mark.model]


def test_draft_final_and_summary_full_pairs_rank_first(shared: Path, tmp_path: Path) -> None:
    with Store(tmp_path / "ws.db") as store:
        report = ingest(store, [shared / "corpus" / "westsussex"])
        assert not report.failed
        assert len(store.documents()) == 18
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
