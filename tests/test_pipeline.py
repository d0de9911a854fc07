"""The whole pipeline on the sample corpus with the real packaged model: the planted answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dedup.draft import check_draft
from dedup.embed import SentenceTransformerEmbedder
from dedup.index import ensure_index
from dedup.ingest import ingest
from dedup.links import find_links
from dedup.recurring import find_recurring
from dedup.store import Store

from .conftest import CORPUS, ROOT

pytestmark = pytest.mark.model
EXPECTED = json.loads((CORPUS / "EXPECTED.json").read_text())


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Path:
    path = tmp_path_factory.mktemp("pipeline") / "dedup.db"
    with Store(path) as store:
        assert not ingest(store, [CORPUS]).failed
        ensure_index(store, embedder)
    return path


@pytest.fixture(scope="module")
def clusters(indexed: Path, embedder: SentenceTransformerEmbedder) -> list:
    with Store(indexed) as store:
        return find_recurring(store, embedder)


def _cluster_of(clusters: list, member: dict) -> int | None:
    for c in clusters:
        for m in c.members:
            if Path(m.passage.document.source).name == member["file"] and _norm(member["text"]) in _norm(
                m.passage.text
            ):
                return c.id
    return None


@pytest.mark.parametrize(
    "planted", [c for c in EXPECTED["clusters"] if c["match"] != "paraphrase"], ids=lambda c: c["id"]
)
def test_verbatim_recurrences_form_one_cluster_each(clusters: list, planted: dict) -> None:
    found = {_cluster_of(clusters, m) for m in planted["members"]}
    assert len(found) == 1 and None not in found, found


def test_clusters_are_not_glued_together(clusters: list) -> None:
    """No found cluster's evidence (the members saying the same thing) mixes two planted clusters;
    passages on the same theme are listed apart and may come from a neighbouring one."""
    owner = {}
    for planted in EXPECTED["clusters"]:
        for m in planted["members"]:
            owner[(m["file"], _norm(m["text"]))] = planted["id"]
    for c in clusters:
        ids = set()
        for m in c.evidence:
            for (f, text), pid in owner.items():
                if Path(m.passage.document.source).name == f and text in _norm(m.passage.text):
                    ids.add(pid)
        assert len(ids) <= 1, (c.id, ids)


@pytest.mark.parametrize("pair", EXPECTED["opposites"], ids=lambda o: o["id"])
def test_opposite_recommendations_are_never_linked_or_clustered(
    indexed: Path, embedder: SentenceTransformerEmbedder, clusters: list, pair: dict
) -> None:
    a, b = _cluster_of(clusters, pair["a"]), _cluster_of(clusters, pair["b"])
    assert a is None or a != b
    with Store(indexed) as store:
        for link in find_links(store, embedder):
            texts = {_norm(link.a.text), _norm(link.b.text)}
            assert not (
                any(_norm(pair["a"]["text"]) in t for t in texts) and any(_norm(pair["b"]["text"]) in t for t in texts)
            ), link


def test_duplicated_efforts_are_labelled_and_recurrence_alone_is_not(clusters: list) -> None:
    by_id = {c.id: c for c in clusters}
    for planted in EXPECTED["clusters"]:
        cid = _cluster_of(clusters, planted["members"][0])
        if cid is None:
            continue
        labels = by_id[cid].labels
        if planted["kind"] == "duplicated-effort":
            assert "duplicated-effort" in labels, planted["id"]
        else:
            assert "duplicated-effort" not in labels, planted["id"]
        if planted["match"] != "paraphrase" or planted["kind"] == "duplicated-effort":
            # loose paraphrases the engine calls `related` do not date or label a cluster (issue 10)
            assert "recurring" in labels, planted["id"]


def test_only_the_planted_efforts_are_duplicated_efforts(clusters: list) -> None:
    """Every planted duplicated effort is found, and nothing else is labelled one."""
    efforts = [c for c in clusters if "duplicated-effort" in c.labels]
    planted = [p for p in EXPECTED["clusters"] if p["kind"] == "duplicated-effort"]
    assert sorted(_cluster_of(clusters, p["members"][0]) for p in planted) == sorted(c.id for c in efforts)


def test_labels_dates_and_counts_come_from_members_saying_the_same_thing(clusters: list) -> None:
    for c in clusters:
        same = c.evidence
        years = {m.passage.document.year for m in same}
        assert ("recurring" in c.labels) == (len(years) >= 2), c.id
        assert c.first.evidence and c.first.passage.document.year == min(years)
        assert c.documents == len({m.family for m in same})
        assert all(m.type == "related" for m in c.theme)


def test_scope_tells_one_organisation_repeating_itself_from_many(clusters: list) -> None:
    by_id = {c.id: c for c in clusters}
    for planted in EXPECTED["clusters"]:
        cid = _cluster_of(clusters, planted["members"][0])
        if cid is not None and by_id[cid].documents >= 2:  # scope is who repeats the statement
            want = "within-organisation" if planted["scope"] == "within-organisation" else "across-organisations"
            assert by_id[cid].scope == want, planted["id"]
        elif cid is not None:
            assert by_id[cid].scope == "", planted["id"]


def test_first_appearance_is_the_earliest_member(clusters: list) -> None:
    for c in clusters:
        assert c.first.passage.document.year == c.years[0]


def test_draft_check_finds_verbatim_repeats_and_new_recommendations(
    indexed: Path, embedder: SentenceTransformerEmbedder
) -> None:
    with Store(indexed) as store:
        result = check_draft(store, embedder, ROOT / EXPECTED["draft"]["file"])
        n_docs = len(store.documents())
    status = {_norm(p.draft.text): p for p in result.passages}

    def find(text: str):
        hits = [p for t, p in status.items() if _norm(text) in t]
        assert hits, text
        return hits[0]

    for rep in EXPECTED["draft"]["repeats"]:
        if rep["match"] == "verbatim":
            assert find(rep["text"]).status == "repeat", rep["text"]
    for new in EXPECTED["draft"]["new"]:
        p = find(new["text"])
        assert p.draft.kind == "recommendation" and p.status == "new", new["text"]
    with Store(indexed) as store:
        assert len(store.documents()) == n_docs  # the draft was not added


def test_addressees_sharing_an_organisation_are_one_body() -> None:
    from dedup.recurring import bodies

    groups = bodies(["Trust A; NHS England", "NHS England", "Trust B", None, "Trust A"])
    assert sorted(sorted(g) for g in groups) == [["NHS England", "Trust A"], ["Trust B"]]


def test_a_passage_is_listed_in_one_cluster_only(clusters: list) -> None:
    """Splitting a cluster whose theme holds a second recommendation leaves every passage in one place."""
    seen: dict[int, int] = {}
    for c in clusters:
        for m in c.members:
            for q in m.passages:
                assert q.id not in seen, (q.text, seen.get(q.id), c.id)
                seen[q.id] = c.id
