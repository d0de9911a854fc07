"""The library as a notebook uses it: ``from dedup import Corpus``, with the hashing model for speed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dedup import Corpus
from dedup.errors import DedupError
from dedup.models import Verdict

from .conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus added with the hashing model; no explicit indexing step."""
    path = tmp_path_factory.mktemp("library") / "dedup.db"
    with Corpus(str(path), model="hashing") as corpus:
        report = corpus.add(str(CORPUS))
        assert not report.failed
        assert corpus.recurring()  # indexed when needed: never silently empty
    return path


def test_importing_dedup_loads_nothing_heavy() -> None:
    code = (
        "import sys, dedup; dedup.Corpus; import dedup.corpus; "
        "print([m for m in ('torch', 'sentence_transformers', 'faiss', 'pdfplumber') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"


def test_queries_read_the_store_s_model_record_and_never_load_a_model(indexed: Path) -> None:
    loads: list[str] = []
    with Corpus(indexed, on_model_load=loads.append) as corpus:
        assert corpus.model_name() == "hashing-256"
        assert len(corpus.documents()) == 14
        links = corpus.links(types=["verbatim", "near-verbatim"], min_score=0.5)
        assert links and all(lk.type in ("verbatim", "near-verbatim") and lk.score >= 0.5 for lk in links)
        clusters = corpus.recurring(min_documents=3)
        assert clusters and all(c.documents >= 3 for c in clusters)
        assert all("recurring" in c.labels for c in corpus.recurring(label="recurring"))
        report = corpus.report(limit=5)
        assert len(report.clusters) == 5 and report.summary.clusters >= 5
        assert report.org_matrix.organisations and report.overlaps
        assert not corpus.model_loaded
    assert loads == []


def test_str_and_path_give_the_same_answers(indexed: Path) -> None:
    with Corpus(str(indexed)) as a, Corpus(indexed) as b:
        assert [c.representative.id for c in a.recurring()] == [c.representative.id for c in b.recurring()]


def test_check_compare_and_pairs(indexed: Path) -> None:
    draft = ROOT / "examples" / "draft_strategy_2026.md"
    with Corpus(indexed) as corpus:
        for given in (draft, str(draft)):
            result = corpus.check(given)
            assert result.repeated and result.new
        assert "draft_strategy_2026" not in {d.id for d in corpus.documents()}
        verdict = corpus.compare(
            "Reduce detentions under the Mental Health Act.", "Increase detentions under the Mental Health Act."
        )
        assert isinstance(verdict, Verdict) and verdict.type is None and verdict.opposed
        same = corpus.compare_pairs([("Open a crisis café in every town.", "Open a crisis café in every town.")])
        assert same[0].type == "verbatim"
        files = corpus.compare(draft, str(draft))
        assert not isinstance(files, Verdict) and files.share_a == 1.0 and files.source_a == draft.name


def test_bad_input_is_one_dedup_error(indexed: Path, tmp_path: Path) -> None:
    with Corpus(indexed) as corpus:
        with pytest.raises(DedupError, match="2015-2020"):
            corpus.recurring(years="2020-2015")
        with pytest.raises(DedupError, match="nearest"):
            corpus.recurring(organisation="Northmere Councl")
        with pytest.raises(DedupError, match="unknown link type"):
            corpus.links(types=["similar"])
        with pytest.raises(DedupError, match="no such file"):
            corpus.compare(tmp_path / "missing.pdf", "text")
    with pytest.raises(DedupError, match="no store"):
        Corpus(tmp_path / "none.db", create=False).documents()
    assert not (tmp_path / "none.db").exists()


def test_remove_and_add_keep_the_index_in_step(tmp_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town. Carers will be offered an assessment every year.")
    g = tmp_path / "later.txt"
    g.write_text("We will open a crisis café in every town. Schools will have a named mental health lead.")
    with Corpus(tmp_path / "s.db", model="hashing") as corpus:
        corpus.add([f, str(g)], organisation="Town Council")
        assert [lk.type for lk in corpus.links()] == ["verbatim"]
        corpus.remove("later")
        assert corpus.links() == []
        assert [d.id for d in corpus.documents()] == ["plan"]


def test_an_empty_store_answers_empty_without_loading_a_model(tmp_path: Path) -> None:
    loads: list[str] = []
    with Corpus(tmp_path / "empty.db", on_model_load=loads.append) as corpus:
        assert corpus.index() is None
        assert corpus.links() == [] and corpus.recurring() == [] and corpus.documents() == []
    assert loads == []


def test_check_with_add_stores_the_draft_and_indexes_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text("We will open a crisis café in every town. Carers will be offered an assessment every year.")
    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\n1. We will open a crisis café in every town.\n2. Fund school counsellors.\n")
    with Corpus(tmp_path / "s.db", model="hashing") as corpus:
        corpus.add(plan, organisation="Town Council", year=2020)
        result = corpus.check(draft, add=True)
        assert [p.status for p in result.recommendations] == ["repeat", "new"]
        assert {d.id for d in corpus.documents()} == {"plan", "draft"}
        assert any(lk.b.document.id == "draft" or lk.a.document.id == "draft" for lk in corpus.links())
