"""Ingestion on the sample corpus and on bad input: the library API, no CLI."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from dedup.ingest import Metadata, TableColumns, ingest, year_of
from dedup.store import Store

from .conftest import CORPUS

EXPECTED = json.loads((CORPUS / "EXPECTED.json").read_text())


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "dedup.db"
    with Store(path) as s:
        report = ingest(s, [CORPUS])
        assert not report.failed, report.failed
    return path


def test_every_document_of_the_corpus_is_ingested_with_manifest_metadata(corpus_store: Path) -> None:
    with Store(corpus_store) as s:
        docs = {Path(d.source).name: d for d in s.documents()}
    assert set(docs) == {d["file"] for d in EXPECTED["documents"]}
    for d in EXPECTED["documents"]:
        doc = docs[d["file"]]
        assert doc.title == d["title"]
        assert doc.year == d["year"]
        assert doc.passage_count > 0


def test_organisation_variants_in_the_manifest_become_one_name_each(corpus_store: Path) -> None:
    with Store(corpus_store) as s:
        docs = {Path(d.source).name: d for d in s.documents()}
    for org in EXPECTED["organisations"]:
        names = {docs[d["file"]].organisation for d in EXPECTED["documents"] if d["organisation"] == org["canonical"]}
        assert len(names) == 1, (org["canonical"], names)
    assert len({d.organisation for d in docs.values()}) == len(EXPECTED["organisations"])


def _planted() -> list[dict]:
    members = [m for c in EXPECTED["clusters"] for m in c["members"]]
    members += [o[k] for o in EXPECTED["opposites"] for k in ("a", "b")]
    return members + EXPECTED["singletons"]


def test_every_planted_recommendation_is_one_recommendation_passage_on_its_page(corpus_store: Path) -> None:
    with Store(corpus_store) as s:
        passages = s.passages()
    by_file: dict[str, list] = {}
    for p in passages:
        by_file.setdefault(Path(p.document.source).name, []).append(p)
    misses = []
    for m in _planted():
        hits = [p for p in by_file[m["file"]] if _norm(m["text"]) in _norm(p.text)]
        if not hits or hits[0].page != m["page"] or hits[0].kind != "recommendation":
            misses.append((m["file"], m["text"], [(p.page, p.kind) for p in hits]))
    assert not misses


def test_passage_spans_point_into_the_stored_page_text(corpus_store: Path) -> None:
    with Store(corpus_store) as s:
        for p in s.passages():
            if p.page_end is None:
                assert s.page_text(p.document.id, p.page)[p.start : p.end] == p.text
            else:
                assert p.text.endswith(s.page_text(p.document.id, p.page_end)[: p.end])


def test_sample_passages_are_whole_statements_without_headers_or_fragments(corpus_store: Path) -> None:
    with Store(corpus_store) as s:
        passages = s.passages()
        orgs = {d.organisation for d in s.documents() if d.organisation}
    # no page header or masthead ("Northmere County Council | 2015") inside or as a passage
    assert not [p.text for p in passages if re.search(r"^[^|\n]+ \| [^|\n]+$", p.text, re.M)]
    assert not [p.text for p in passages if any(p.text.startswith(f"{o} |") for o in orgs)]
    # no fragment starting in lower case; the fictional notice is one passage of its own
    assert not [p.text for p in passages if re.match(r"^\W*[a-z]", p.text)]
    notice = _norm(EXPECTED["boilerplate"])
    assert all(_norm(p.text) == notice for p in passages if "FICTIONAL" in p.text)


def test_fictional_notice_is_not_a_recommendation(corpus_store: Path) -> None:
    notice = _norm(EXPECTED["boilerplate"])
    with Store(corpus_store) as s:
        hits = [p for p in s.passages() if notice in _norm(p.text)]
    assert hits and all(p.kind == "other" for p in hits)


def test_reingesting_an_unchanged_corpus_does_no_work(corpus_copy: Path, store: Store) -> None:
    ingest(store, [corpus_copy])
    ids_before = [p.id for p in store.passages()]
    report = ingest(store, [corpus_copy])
    assert {r.status for r in report.results} == {"unchanged"}
    assert [p.id for p in store.passages()] == ids_before  # nothing rewritten


def test_a_changed_file_replaces_its_old_version(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.\n\nThe council has 12 wards.")
    ingest(store, [f], metadata=Metadata(organisation="Town Council", year=2021))
    f.write_text("We will train every GP in suicide prevention.")
    report = ingest(store, [f], metadata=Metadata(organisation="Town Council", year=2021))
    assert [r.status for r in report.results] == ["replaced"]
    assert [p.text for p in store.passages()] == ["We will train every GP in suicide prevention."]
    assert len(store.documents()) == 1


def test_changed_manifest_updates_metadata_without_reparsing(corpus_copy: Path, store: Store) -> None:
    ingest(store, [corpus_copy])
    manifest = corpus_copy / "manifest.csv"
    manifest.write_text(manifest.read_text().replace("Beyond Beds: Rethinking", "Beyond Beds: Re-thinking"))
    report = ingest(store, [corpus_copy])
    assert [r.status for r in report.results if r.status != "unchanged"] == ["updated"]
    assert any(d.title == "Beyond Beds: Re-thinking Acute Mental Health Care" for d in store.documents())


def test_year_from_filename_when_nothing_else_says(tmp_path: Path, store: Store) -> None:
    f = tmp_path / "crisis_plan_2019.txt"
    f.write_text("We will open a crisis café in every town.")
    ingest(store, [f])
    (doc,) = store.documents()
    assert doc.year == 2019 and doc.organisation is None and doc.title is None  # nothing guessed


def test_bad_files_fail_alone(tmp_path: Path, store: Store) -> None:
    good = tmp_path / "good.txt"
    good.write_text("We will open a crisis café in every town.")
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>\nthis is not really a pdf")
    (tmp_path / "notes.docx").write_bytes(b"not a zip file")
    unsupported = tmp_path / "image.xyz"
    unsupported.write_bytes(b"abc")
    report = ingest(store, [tmp_path, unsupported])
    failed = {Path(r.path).name: r.message for r in report.failed}
    assert set(failed) == {"empty.pdf", "broken.pdf", "notes.docx", "image.xyz"}
    assert "empty" in failed["empty.pdf"]
    assert "unsupported" in failed["image.xyz"]
    assert all("\n" not in m for m in failed.values())
    assert [Path(d.source).name for d in store.documents()] == ["good.txt"]


def test_csv_rows_are_documents(tmp_path: Path, store: Store) -> None:
    table = tmp_path / "recs.csv"
    table.write_text(
        "ref,body,recommendation,date\n"
        "R1,NHSE,Provide 24/7 crisis support for people of all ages.,2019-05-01\n"
        'R2,NHS England,"Integrate mental and physical health care.",2021-01-01\n'
    )
    cols = TableColumns(text="recommendation", id="ref", org="body", date="date")
    report = ingest(store, [table], columns=cols)
    assert not report.failed
    docs = {d.id: d for d in store.documents()}
    assert set(docs) == {"R1", "R2"}
    assert docs["R1"].year == 2019 and docs["R2"].year == 2021
    assert docs["R1"].organisation == docs["R2"].organisation == "NHS England"
    # a row that changes is replaced; a row that disappears is removed
    table.write_text("ref,body,recommendation,date\nR1,NHSE,Provide crisis cafés in every town.,2019-05-01\n")
    ingest(store, [table], columns=cols)
    assert [(p.document.id, p.text) for p in store.passages()] == [("R1", "Provide crisis cafés in every town.")]


def test_jsonl_rows_are_documents(tmp_path: Path, store: Store) -> None:
    table = tmp_path / "recs.jsonl"
    rows = [{"id": "a", "text": "Reduce waiting times for talking therapies.", "org": "CCG", "year": 2016}]
    table.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ingest(store, [table], columns=TableColumns(id="id", org="org", year="year"))
    (doc,) = store.documents()
    assert (doc.id, doc.organisation, doc.year) == ("a", "CCG", 2016)


def test_table_missing_the_named_column_says_which_columns_exist(tmp_path: Path, store: Store) -> None:
    table = tmp_path / "recs.csv"
    table.write_text("ref,recommendation\nR1,Do things.\n")
    report = ingest(store, [table], columns=TableColumns(text="text_of_rec"))
    (result,) = report.failed
    assert "text_of_rec" in result.message and "ref, recommendation" in result.message
    assert store.documents() == []


def test_year_of() -> None:
    assert year_of("2019-03-04") == 2019
    assert year_of("March 2021") == 2021
    assert year_of("ref 12345") is None
    assert year_of(None) is None


def test_folders_are_searched_recursively_and_dotfiles_skipped(tmp_path: Path, store: Store) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text("# Plan\n\n- Ensure every school has a counsellor.\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("We will do it.")
    shutil.copy(CORPUS / "manifest.csv", tmp_path / "a" / "manifest.csv")  # lists other files: harmless
    ingest(store, [tmp_path])
    assert [Path(d.source).name for d in store.documents()] == ["deep.md"]
