"""The store: migrations, one-transaction document writes, organisation names."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from dedup.errors import NotFound, StoreError
from dedup.models import PassageDraft
from dedup.store import MIGRATIONS, NewDocument, Store, m001_initial


def _doc(doc_id: str, source: str, texts: list[str], org: str | None = "Org", digest: str = "h1") -> NewDocument:
    pages = {1: "\n\n".join(texts)}
    passages, pos = [], 0
    for t in texts:
        passages.append(PassageDraft(page=1, start=pos, end=pos + len(t), text=t, kind="recommendation"))
        pos += len(t) + 2
    return NewDocument(doc_id, source, digest, "Title", org, 2020, "txt", pages, passages)


def test_new_store_has_every_migration(store: Store) -> None:
    assert store.schema_version() == len(MIGRATIONS)


def test_store_made_by_an_older_version_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    m001_initial(db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO documents(id, source, content_hash, format) VALUES ('d1', '/x.pdf', 'h', 'pdf')")
    db.execute(
        "INSERT INTO passages(doc_id, seq, page, start, end, text, kind, text_hash)"
        " VALUES ('d1', 0, 3, 0, 5, 'Hello', 'other', 'x')"
    )
    db.close()
    with Store(path) as s:
        assert s.schema_version() == len(MIGRATIONS)
        assert [d.id for d in s.documents()] == ["d1"]  # data kept, not recreated
        s.put_embeddings("m", ["h"], np.ones((1, 4), dtype=np.float32))  # table from a later migration
        [old] = s.passages()
        assert (old.page, old.page_end, old.text) == (3, None, "Hello")  # an old passage is on one page


def test_a_passage_over_a_page_break_keeps_its_last_page(store: Store) -> None:
    pages = {1: "Intro. The council should work with non-", 2: "governmental bodies on this. More."}
    text = "The council should work with non-governmental bodies on this."
    doc = NewDocument(
        "d", "/d.pdf", "h", None, None, None, "pdf", pages,
        [PassageDraft(page=1, start=7, end=28, text=text, kind="recommendation", page_end=2, label="Action 3")],
    )  # fmt: skip
    store.add_document(doc)
    [p] = store.passages()
    assert (p.page, p.page_end, p.start, p.end, p.text, p.label) == (1, 2, 7, 28, text, "Action 3")


def test_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Store(path):
        pass
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer dedup"):
        Store(path)


def test_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a dedup store"):
        Store(path)


def test_missing_store_is_not_created_when_reading(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="dedup ingest"):
        Store(tmp_path / "nothing.db", create=False)
    assert not (tmp_path / "nothing.db").exists()


def test_replacing_a_document_swaps_all_its_passages(store: Store) -> None:
    store.add_document(_doc("d", "/a.txt", ["one", "two", "three"]))
    store.add_document(_doc("d", "/a.txt", ["four"], digest="h2"))
    assert [p.text for p in store.passages()] == ["four"]
    assert store.documents()[0].content_hash == "h2"


def test_failed_write_leaves_the_old_version(store: Store) -> None:
    store.add_document(_doc("d", "/a.txt", ["one", "two"]))
    bad = _doc("d", "/a.txt", ["x"], digest="h2")
    bad.passages.append(None)  # type: ignore[arg-type]  # breaks half-way through the insert
    with pytest.raises(AttributeError):
        store.add_document(bad)
    assert [p.text for p in store.passages()] == ["one", "two"]
    assert store.documents()[0].content_hash == "h1"


def test_remove_document_by_id_or_file_name(store: Store) -> None:
    store.add_document(_doc("a", "/x/a.txt", ["one"]))
    store.add_document(_doc("b", "/x/b.txt", ["two"]))
    assert store.remove_document("a.txt").id == "a"
    assert [d.id for d in store.documents()] == ["b"]
    with pytest.raises(NotFound, match="dedup docs"):
        store.remove_document("zzz")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("NHS England", "NHSE"),
        ("Northmere ICB", "Northmere Integrated Care Board"),
        ("Northmere County Council", "Northmere CC"),
        ("Department of Wellbeing", "The Dept. of Wellbeing"),
        ("Mind the Gap Alliance", "MIND THE GAP ALLIANCE (charity)"),
        ("Eastbrook Mental Health Trust", "Eastbrook Mental Health NHS Trust"),
    ],
)
def test_organisation_variants_are_one_organisation(store: Store, first: str, second: str) -> None:
    store.add_document(_doc("a", "/a.txt", ["one"], org=store.normalise_org(first)))
    store.add_document(_doc("b", "/b.txt", ["two"], org=store.normalise_org(second)))
    orgs = {d.organisation for d in store.documents()}
    assert len(orgs) == 1


def test_distinct_organisations_stay_distinct(store: Store) -> None:
    store.add_document(_doc("a", "/a.txt", ["one"], org=store.normalise_org("Northmere County Council")))
    store.add_document(_doc("b", "/b.txt", ["two"], org=store.normalise_org("Northmere ICB")))
    assert len({d.organisation for d in store.documents()}) == 2


def test_user_alias_renames_stored_documents(store: Store) -> None:
    store.add_document(_doc("a", "/a.txt", ["one"], org="WSHWB"))
    store.add_alias("WSHWB", "West Sussex Health and Wellbeing Board")
    assert store.documents()[0].organisation == "West Sussex Health and Wellbeing Board"
    assert store.normalise_org("wshwb") == "West Sussex Health and Wellbeing Board"


def test_embeddings_are_cached_by_text(store: Store) -> None:
    store.add_document(_doc("a", "/a.txt", ["same text", "other"]))
    store.add_document(_doc("b", "/b.txt", ["same text"]))
    missing = store.missing_embeddings("m")
    assert sorted(t for _, t in missing) == ["other", "same text"]  # one entry per distinct text
    store.put_embeddings("m", [h for h, _ in missing], np.eye(2, 4, dtype=np.float32))
    assert store.missing_embeddings("m") == []
    ids, vecs = store.passage_vectors("m", 4)
    assert len(ids) == 3 and vecs.shape == (3, 4)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Chief Executive, Oxford Health NHS Foundation Trust", "Oxford Health NHS Foundation Trust"),
        ("CEO of Essex Partnership NHS Foundation Trust", "Essex Partnership NHS Foundation Trust"),
        ("[REDACTED], CEO, North East London Foundation Trust", "North East London Foundation Trust"),
        ("Chief Executive, NHS England; NHSE", "NHS England"),
        ("Secretary of State for Health; NHS England", "Secretary of State for Health; NHS England"),
        ("Chief Constable", "Chief Constable"),
    ],
)
def test_addressees_become_organisations(store: Store, raw: str, expected: str) -> None:
    assert store.normalise_org(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jo Bloggs, Chief Executive, Sussex Partnership NHS Trust", "Sussex Partnership NHS Trust"),
        ("Chief Constable Ann Other, Greater Manchester Police", "Greater Manchester Police"),
        ("Head of Mental Health Commissioning, NHS Lincolnshire", "NHS Lincolnshire"),
        ("Essex Partnership NHS Trust, Jo Bloggs", "Essex Partnership NHS Trust"),
        ("Tower Hamlets, London", "Tower Hamlets, London"),
        (
            "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust",
            "Cumbria, Northumberland, Tyne and Wear NHS Foundation Trust",
        ),
        (
            "Hampshire Healthcare (formerly Southern Health, SHFT)",
            "Hampshire Healthcare (formerly Southern Health, SHFT)",
        ),
    ],
)
def test_people_and_roles_are_dropped_from_addressees(raw: str, expected: str) -> None:
    from dedup.store import strip_role

    assert strip_role(raw) == expected


def test_versions_of_a_document_form_a_family(store: Store) -> None:
    common = ["one thing", "two things", "three things", "four things"]
    store.add_document(_doc("draft", "/d.txt", [*common, "draft only"]))
    store.add_document(_doc("final", "/f.txt", [*common, "final only", "more"]))
    store.add_document(_doc("other", "/o.txt", ["one thing", "else", "entirely", "different"]))
    family = store.document_families()
    assert family["draft"] == family["final"]
    assert "other" not in family


def test_the_families_of_some_documents_are_those_of_the_whole_store(store: Store) -> None:
    """``check`` asks only for the families of the documents it matched: the answer must be the whole
    store's families restricted to them, chains of versions included (a ~ b ~ c, a and c sharing nothing)."""
    first = ["alpha one", "alpha two", "alpha three", "alpha four"]
    second = ["beta one", "beta two", "beta three", "beta four"]
    store.add_document(_doc("a", "/a.txt", first))
    store.add_document(_doc("b", "/b.txt", [*first, *second]))
    store.add_document(_doc("c", "/c.txt", [*second, "c only"]))
    store.add_document(_doc("x", "/x.txt", ["xi one", "xi two", "xi three"]))
    store.add_document(_doc("y", "/y.txt", ["xi one", "xi two", "xi three", "y only"]))
    store.add_document(_doc("lone", "/l.txt", ["alpha one", "nothing", "else", "here"]))
    whole = store.document_families()
    assert whole["a"] == whole["b"] == whole["c"] and whole["x"] == whole["y"] != whole["a"]
    for of in (["a"], ["c"], ["y"], ["lone"], ["c", "x"], []):
        wanted = {whole[d] for d in of if d in whole}
        assert store.document_families(of=of) == {d: f for d, f in whole.items() if f in wanted}


def test_a_store_from_before_the_new_passage_rules_is_cut_again_on_ingest(tmp_path: Path) -> None:
    from dedup.ingest import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "plan.txt").write_text(
        "Our plan\n\nThe council should, working with partners, publish:\n\n- waiting times\n- outcomes\n"
    )
    path = tmp_path / "old.db"
    with Store(path) as s:
        assert ingest(s, [folder]).count("added") == 1
        s.db.execute("UPDATE documents SET segmenter = 1")  # as a store migrated from schema 3 has it
    with Store(path) as s:
        report = ingest(s, [folder])
        assert report.count("replaced") == 1 and "passage rules" in report.results[0].message
        assert ingest(s, [folder]).count("unchanged") == 1  # once cut again, unchanged files do no work


def _indexed(store: Store, docs: int = 12) -> None:
    from dedup.index import ensure_index
    from tests.fakes import HashingEmbedder

    for d in range(docs):
        texts = [f"Passage {d}-{k}: the council should review service {k * 7 + d} each year." for k in range(5)]
        store.add_document(_doc(f"d{d}", f"/d{d}.txt", texts, digest=f"h{d}"))
    ensure_index(store, HashingEmbedder(64))


def test_a_memory_mapped_index_searches_like_the_loaded_one(store: Store) -> None:
    """check reads the FAISS file memory-mapped (zero copy, read-only): the same index, ids and
    hashes as the copy the writer loads, and it keeps working after the file is replaced."""
    from dedup.index import load_index, search
    from tests.fakes import HashingEmbedder

    _indexed(store)
    copy, mapped = load_index(store, 64, "hashing-64"), load_index(store, 64, "hashing-64", mapped=True)
    assert copy.trusted and mapped.trusted and isinstance(mapped.mapping, np.memmap) and copy.mapping is None
    assert mapped.hashes == copy.hashes == store.passage_hashes("hashing-64")
    q = HashingEmbedder(64).embed(["the council should review service 15 each year", "unrelated words here"])
    assert all(np.array_equal(a, b) for a, b in zip(copy.index.search(q, 5), mapped.index.search(q, 5), strict=True))
    store.remove_document("d3")
    scores, ids = search(store, q, 5)  # the file disagrees with the database: repaired, then mapped again
    assert load_index(store, 64, "hashing-64").index.ntotal == mapped.index.ntotal - 5
    assert np.array_equal(mapped.index.search(q, 5)[1], copy.index.search(q, 5)[1])  # old mapping still valid
    assert np.array_equal(ids, load_index(store, 64, "hashing-64").index.search(q, 5)[1])


def test_hash_arrays_match_the_hash_dict(store: Store) -> None:
    _indexed(store, docs=3)
    ids, hashes = store.passage_hash_arrays("hashing-64")
    assert {int(i): h.tobytes().hex() for i, h in zip(ids, hashes, strict=True)} == store.passage_hashes("hashing-64")
    assert list(ids) == sorted(ids)


def test_passages_by_id_read_only_their_documents(store: Store) -> None:
    _indexed(store, docs=4)
    every = {p.id: p for p in store.passages()}
    some = sorted(every)[3:9]
    assert store.passages(ids=some) == [every[i] for i in sorted(some, key=lambda i: (every[i].document.id, i))]
    assert store.documents_by_id(["d1", "nope"]) == {"d1": next(d for d in store.documents() if d.id == "d1")}
