"""What a cluster says about recurrence: only members saying the same thing date, count and label it;
repeats within a document or its versions fold; units count as their parent body; efforts are work."""

from __future__ import annotations

import numpy as np
import pytest

from dedup.models import Document, Passage
from dedup.recurring import describe, is_effort
from dedup.store import Store, inferred_parent, joint_parts

CRISIS = "Provide 24/7 crisis support for people of all ages."


def _doc(doc_id: str, year: int, org: str = "Northmere County Council", title: str | None = None) -> Document:
    return Document(doc_id, title or doc_id, org, year, f"/{doc_id}.pdf", "pdf", doc_id)


def _passages(rows: list[tuple[Document, int, str]]) -> list[Passage]:
    return [Passage(n + 1, doc, page, 0, len(text), text, "recommendation") for n, (doc, page, text) in enumerate(rows)]


def _vectors(groups: list[int], cos_between: float = 0.6) -> np.ndarray:
    """Unit vectors: the same vector within a group, ``cos_between`` between groups."""
    k = max(groups) + 1
    base = np.full((k, k), cos_between) + np.eye(k) * (1 - cos_between)
    chol = np.linalg.cholesky(base)
    rows = chol[groups]
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_related_only_earlier_passage_does_not_make_a_cluster_recurring() -> None:
    early = _doc("old", 2014, "Eastbrook Trust")
    a, b = _doc("a", 2020), _doc("b", 2020, "Northmere ICB")
    passages = _passages(
        [
            (early, 3, "Crisis services in our area are under pressure from rising demand."),
            (a, 1, CRISIS),
            (b, 2, CRISIS),
        ]
    )
    c = describe(1, passages, 1, [0, 1, 2], _vectors([0, 1, 1]))
    assert [m.passage.document.id for m in c.evidence] == ["a", "b"]
    assert [m.passage.document.id for m in c.theme] == ["old"] and c.theme[0].type == "related"
    assert "recurring" not in c.labels
    assert c.years == (2020, 2020) and c.first.passage.document.year == 2020
    assert c.documents == 2 and c.organisations == 2 and c.scope == "across-organisations"


def test_the_representative_is_the_statement_most_documents_repeat() -> None:
    """The medoid handed in (a passage only on the theme) does not decide what the cluster says."""
    docs = [_doc("x", 2016), _doc("y", 2019, "Eastbrook Trust"), _doc("z", 2023, "Mind the Gap")]
    passages = _passages(
        [(docs[0], 1, CRISIS), (docs[1], 1, CRISIS), (docs[2], 1, "Waiting lists for talking therapies keep growing.")]
    )
    c = describe(1, passages, 2, [0, 1, 2], _vectors([0, 0, 1]))
    assert c.representative.text == CRISIS
    assert c.labels == ("recurring",) and c.years == (2016, 2019)


def test_repeats_within_a_document_and_its_versions_fold_into_one_member() -> None:
    final, draft = _doc("summary", 2024), _doc("summary_draft", 2024)
    other = _doc("older", 2017, "West Sussex Health and Wellbeing Board")
    rows = [(final, page, CRISIS) for page in (3, 8, 12)] + [(draft, page, CRISIS) for page in (3, 8)]
    passages = _passages([*rows, (other, 5, CRISIS)])
    family = {"summary": "summary", "summary_draft": "summary"}
    c = describe(1, passages, 0, list(range(6)), _vectors([0] * 6), family=family)
    assert len(c.evidence) == 2 and c.documents == 2 and c.copies == 4
    folded = next(m for m in c.evidence if m.passage.document.id == "summary")
    assert sorted((p.document.id, p.page) for p in folded.passages) == [
        ("summary", 3),
        ("summary", 8),
        ("summary", 12),
        ("summary_draft", 3),
        ("summary_draft", 8),
    ]
    assert c.labels == ("recurring",) and c.years == (2017, 2024)


def test_different_statements_in_one_document_do_not_fold() -> None:
    doc, other = _doc("d", 2024), _doc("e", 2020, "Other Trust")
    texts = [
        "Improve access and support for parents and carers looking after people of all ages with mental health issues.",
        "Ensure access to support for parents and carers of children and young people with complex needs.",
    ]
    passages = _passages([(doc, 1, texts[0]), (doc, 2, texts[1]), (other, 1, texts[0])])
    c = describe(1, passages, 0, [0, 1, 2], _vectors([0, 1, 0], 0.8))
    assert c.copies == 0 and len(c.members) == 3


def test_units_count_as_their_parent_body() -> None:
    unit = "West Sussex County Council Public Health Research Unit"
    a, b = _doc("a", 2014, unit), _doc("b", 2024, "West Sussex County Council Public Health")
    passages = _passages([(a, 1, CRISIS), (b, 1, CRISIS)])
    body = {
        unit: "West Sussex County Council",
        "West Sussex County Council Public Health": "West Sussex County Council",
    }
    c = describe(1, passages, 0, [0, 1], _vectors([0, 0]), body_of=body)
    assert c.organisations == 1 and c.scope == "within-organisation"
    assert c.first.body == "West Sussex County Council"


@pytest.mark.parametrize(
    ("text", "effort"),
    [
        ("We will open a network of crisis cafés across Northmere.", True),
        ("We will make sure every secondary school in Northmere has its own mental health support team.", True),
        ("We will work with schools to place a mental health support team in every school.", True),
        ("Over the next three years we will train 800 volunteers in mental health first aid.", True),
        ("This Strategy sets out what we plan to do about this.", False),
        ("In this strategy we will set out our priorities for the next five years.", False),
        ("We will work together to improve outcomes for local people.", False),
        ("We will continue to support our partners.", False),
        ("Provide 24/7 crisis support for people of all ages.", False),  # a recommendation, not a commitment
    ],
)
def test_an_effort_is_a_commitment_to_concrete_work(text: str, effort: bool) -> None:
    assert is_effort(text) is effort


def test_only_bodies_committing_to_work_in_overlapping_periods_duplicate_effort() -> None:
    council = _doc("c", 2021, "Northmere County Council", "Action Plan 2021-2024")
    icb = _doc("i", 2022, "Northmere ICB", "Plan 2022-2025")
    cafes = "We will open a network of crisis cafés across Northmere."
    c = describe(1, _passages([(council, 1, cafes), (icb, 1, cafes)]), 0, [0, 1], _vectors([0, 0]))
    assert "duplicated-effort" in c.labels
    about = "This strategy sets out what we plan to do about crisis cafés."
    c = describe(1, _passages([(council, 1, about), (icb, 1, about)]), 0, [0, 1], _vectors([0, 0]))
    assert "duplicated-effort" not in c.labels
    unit = _doc("u", 2022, "Northmere County Council Public Health", "Plan 2022-2025")
    body = {"Northmere County Council Public Health": "Northmere County Council"}
    c = describe(1, _passages([(council, 1, cafes), (unit, 1, cafes)]), 0, [0, 1], _vectors([0, 0]), body_of=body)
    assert "duplicated-effort" not in c.labels  # one body repeating itself is not duplicated work


# -- organisations and their parents


@pytest.mark.parametrize(
    ("name", "parent"),
    [
        ("West Sussex County Council Public Health Research Unit", "West Sussex County Council"),
        ("Figure 8 Consultancy Services Ltd for West Sussex County Council", "West Sussex County Council"),
        ("NHS England South East", "NHS England"),
        ("West Sussex Health and Wellbeing Board", None),
        ("Department of Health and Social Care", None),
        ("Oxford Health NHS Foundation Trust", None),
        ("Centre for Policy Futures", None),
        ("Northmere Integrated Care Board", None),
    ],
)
def test_a_unit_s_name_says_its_parent(name: str, parent: str | None) -> None:
    assert inferred_parent(name, ["NHS England"]) == parent


def test_joint_names_are_split_only_between_bodies() -> None:
    assert joint_parts("West Sussex County Council and NHS West Sussex CCG") == [
        "West Sussex County Council",
        "NHS West Sussex CCG",
    ]
    assert joint_parts("West Sussex Health and Wellbeing Board") == ["West Sussex Health and Wellbeing Board"]


def _add(store: Store, doc_id: str, org: str) -> None:
    from dedup.models import PassageDraft
    from dedup.store import NewDocument

    text = f"A passage of {doc_id}."
    passages = [PassageDraft(page=1, start=0, end=len(text), text=text, kind="recommendation")]
    store.add_document(NewDocument(doc_id, f"/{doc_id}.pdf", doc_id, doc_id, org, 2020, "pdf", {1: text}, passages))


def test_the_hierarchy_rolls_up_and_the_user_can_change_it(store: Store) -> None:
    _add(store, "a", "West Sussex County Council Public Health Research Unit")
    _add(store, "b", "West Sussex County Council Public Health")
    _add(store, "c", "West Sussex Health and Wellbeing Board")
    assert store.body_of("West Sussex County Council Public Health Research Unit") == "West Sussex County Council"
    assert store.within("West Sussex County Council Public Health Research Unit", "West Sussex County Council")
    assert store.within("West Sussex County Council Public Health", "WSCC")  # through the built-in alias
    assert not store.within("West Sussex Health and Wellbeing Board", "West Sussex County Council")
    store.set_parent("West Sussex Health and Wellbeing Board", "West Sussex County Council")
    assert store.body_of("West Sussex Health and Wellbeing Board") == "West Sussex County Council"
    store.set_parent("West Sussex County Council Public Health", None)  # a body of its own
    assert store.body_of("West Sussex County Council Public Health Research Unit") == (
        "West Sussex County Council Public Health"
    )
    assert store.forget_parent("West Sussex County Council Public Health")
    assert store.body_of("West Sussex County Council Public Health") == "West Sussex County Council"
    with pytest.raises(Exception, match="cannot contain its parent"):
        store.set_parent("West Sussex County Council", "West Sussex County Council Public Health")
    assert store.nearest_organisations("West Sussex Council")[0] == "West Sussex County Council"


def test_parts_of_one_publication_are_one_family(store: Store) -> None:
    from dedup.models import PassageDraft
    from dedup.store import NewDocument

    def add(doc_id: str, title: str, org: str, year: int, texts: list[str]) -> None:
        page = "\n\n".join(texts)
        drafts, pos = [], 0
        for t in texts:
            drafts.append(PassageDraft(page=1, start=pos, end=pos + len(t), text=t, kind="recommendation"))
            pos += len(t) + 2
        store.add_document(NewDocument(doc_id, f"/{doc_id}.pdf", doc_id, title, org, year, "pdf", {1: page}, drafts))

    quotes = ["Listen to them.", "Parents asked for help early.", "Schools want training.", "Waits are long."]
    unit = "West Sussex County Council Public Health Research Unit"
    own = [[f"{who} passage {n}." for n in range(5)] for who in ("main", "annex", "later")]
    add("main", "West Sussex Mental Health Needs Assessment (Children and Young People)", unit, 2014, quotes + own[0])
    add("annex", "CYP Mental Health Needs Assessment - Background Evidence: Parents", unit, 2014, quotes[:3] + own[1])
    add("later", "CYP Mental Health Needs Assessment - Refresh", unit, 2019, quotes[:3] + own[2])
    family = store.document_families()
    assert family["main"] == family["annex"]
    assert "later" not in family  # another year's needs assessment repeating them is a recurrence
