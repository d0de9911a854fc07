"""The draft check sees a quotation whatever its cut, and leaves a document out of its own check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.align import quote_alignment, shared_stretch
from dedup.cli import app

runner = CliRunner()

REVIEW = """Independent review of crisis care

Our recommendations

Commissioners should publish waiting times for every community mental health service each quarter, so that \
families can see how long they will wait. They should also report how many people wait longer than eighteen \
weeks for a first assessment.

The council, working with governmental and non-governmental organisations, should convene a standing forum on \
suicide prevention that meets every quarter and publishes its minutes.

Every school should have a named mental health lead who has received training in recognising self-harm and \
knows how to refer a pupil for specialist help.
"""

PLAN = """Workforce plan

What we will do

We will recruit forty additional peer support workers across the county by the end of the second year.
"""

# Each paragraph quotes the review cut differently from the review's own passages.
DRAFT = """# Draft response

## Our response

They should also report how many people wait longer than eighteen weeks for a first assessment.

They should also report how many people wait longer than eighteen weeks for a first assessment. The council, \
working with governmental and non-governmental organisations, should convene a standing forum on suicide prevention.

We accept the review's advice in full. The council, working with governmental and non governmental \
organisation, should convene a standing forum on suicide prevention that meets every quarter and publishes \
its minutes. We will fund the forum from April next year.

We welcome the idea. The Council should convene a standing forum on suicide prevention, that meets every \
quarter and publishes minutes. We will report on it in our annual plan.

The council should not convene a standing forum on suicide prevention that meets every quarter and publishes \
its minutes.

We will open a new crisis cafe in every town centre by the end of next year.
"""


@pytest.fixture
def corpus_store(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "review.txt").write_text(REVIEW)
    (corpus / "plan.txt").write_text(PLAN)
    store = tmp_path / "dedup.db"
    result = runner.invoke(app, ["--store", str(store), "--quiet", "ingest", str(corpus)])
    assert result.exit_code == 0, result.stderr
    return store, corpus


def _check(store: Path, draft: Path, *extra: str) -> tuple[dict, str]:
    result = runner.invoke(app, ["--store", str(store), "check", str(draft), "--format", "json", *extra])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def _passage(data: dict, start: str, *, whole: bool = False) -> dict:
    hits = [p for p in data["passages"] if (p["text"] == start if whole else p["text"].startswith(start))]
    assert len(hits) == 1, start
    return hits[0]


def test_quotations_are_found_however_the_draft_cuts_them(corpus_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = corpus_store
    draft = tmp_path / "draft.md"
    draft.write_text(DRAFT)
    data, _ = _check(store, draft)

    # One sentence of a two-sentence corpus passage.
    inside = _passage(
        data,
        "They should also report how many people wait longer than eighteen weeks for a first assessment.",
        whole=True,
    )
    assert inside["status"] == "repeat"
    best = inside["matches"][0]
    assert best["type"] == "verbatim" and best["quote"]["how"] == "draft-in-corpus"
    assert best["quote"]["corpus_text"].startswith("They should also report") and best["quote"]["corpus_text"].endswith(
        "first assessment."
    )
    assert best["passage"]["text"].startswith("Commissioners should publish")

    # Spread over two adjacent corpus passages.
    across = _passage(
        data, "They should also report how many people wait longer than eighteen weeks for a first assessment. The"
    )
    best = across["matches"][0]
    assert best["type"] == "verbatim" and best["quote"]["how"] == "draft-across-passages"
    assert len(best["quote"]["passages"]) == 2
    assert best["quote"]["corpus_text"].endswith("should convene a standing forum on suicide prevention")

    # Containing a whole corpus passage, one word changed: near-verbatim, with the span in the draft.
    containing = _passage(data, "We accept the review's advice")
    best = containing["matches"][0]
    assert best["type"] == "near-verbatim" and best["quote"]["how"] == "corpus-in-draft"
    assert best["quote"]["draft_text"].startswith("The council, working with")
    assert best["quote"]["draft_text"].endswith("publishes its minutes.")

    # A sentence of the draft quoting, lightly edited, a corpus sentence beside sentences of its own.
    edited = _passage(data, "We welcome the idea.")
    best = edited["matches"][0]
    assert best["type"] in {"verbatim", "near-verbatim"} and best["quote"]["how"] == "sentences-in-corpus"
    assert best["quote"]["draft_text"].startswith("The Council should convene")

    # The opposite is never a quotation, and new text stays new.
    assert _passage(data, "The council should not convene")["status"] == "new"
    assert _passage(data, "We will open a new crisis cafe")["status"] == "new"


def test_checking_a_stored_document_says_so_and_leaves_it_out(corpus_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, corpus = corpus_store
    copy = tmp_path / "review-again.txt"  # the same file under another name: found by its content
    copy.write_text(REVIEW)
    for path in (corpus / "review.txt", copy):
        data, err = _check(store, path)
        assert data["draft"]["in_store"]["id"] == "review"
        assert [d["id"] for d in data["draft"]["excluded"]] == ["review"]
        assert "already in the store as review" in err and "--include-self" in err
        assert all(m["passage"]["document"]["id"] != "review" for p in data["passages"] for m in p["matches"])

        kept, err = _check(store, path, "--include-self")
        assert kept["draft"]["excluded"] == []
        recs = [p for p in kept["passages"] if p["kind"] == "recommendation"]
        assert recs and all(p["matches"][0]["type"] == "verbatim" for p in recs)
        assert all(p["matches"][0]["passage"]["document"]["id"] == "review" for p in recs)


def test_versions_of_a_stored_document_are_left_out_with_it(corpus_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, corpus = corpus_store
    (corpus / "review-final.txt").write_text(REVIEW + "\nWe thank everyone who gave evidence to this review.\n")
    result = runner.invoke(app, ["--store", str(store), "--quiet", "ingest", str(corpus)])
    assert result.exit_code == 0, result.stderr
    data, err = _check(store, corpus / "review.txt")
    assert sorted(d["id"] for d in data["draft"]["excluded"]) == ["review", "review-final"]
    assert "its versions review-final" in err
    assert all(
        m["passage"]["document"]["id"] not in {"review", "review-final"} for p in data["passages"] for m in p["matches"]
    )


def test_quote_alignment_snaps_to_words_and_ignores_case_and_punctuation() -> None:
    text = "Intro words here. The Board, working with partners, MUST publish its plan by March 2026; and more."
    found = quote_alignment("the board working with partners must publish its plan by March 2026", text)
    assert found is not None and found.verbatim
    assert text[found.start : found.end] == "The Board, working with partners, MUST publish its plan by March 2026"
    edited = quote_alignment("The Board working with partners must publish the plan by March 2026", text)
    assert edited is not None and not edited.verbatim and edited.score >= 0.92
    assert quote_alignment("publish its plan", text) is None  # too short to be evidence
    assert quote_alignment("Nothing in this sentence appears in the text above at all, not one phrase", text) is None


RESPONSE = """# Response to the review

## Waiting times

You told us that commissioners should publish waiting times for every community mental health service each \
quarter, so that families can see how long they will wait.

Since then our teams have put a live dashboard on the website, refreshed every week, with a breakdown by team.

## Schools

The review found that every school should have a named mental health lead who has had training in recognising \
self-harm and knows how to refer a pupil for specialist help. We agree with this finding.

Forty schools have named a lead so far; the rest will by September.
"""


def test_a_response_links_each_quoted_concern_and_its_answer(corpus_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = corpus_store
    draft = tmp_path / "response.md"
    draft.write_text(RESPONSE)
    data, _ = _check(store, draft)

    quoted = _passage(data, "You told us that commissioners")["matches"][0]
    assert quoted["type"] in {"verbatim", "near-verbatim"}
    assert quoted["passage"]["text"].startswith("Commissioners should publish") and not quoted["answers"]
    answer = _passage(data, "Since then our teams")
    assert answer["status"] == "new"  # an answer is not a repeat ...
    assert answer["matches"][0]["answers"] and answer["matches"][0]["type"] == "related"  # ... but it is linked
    assert answer["matches"][0]["passage"]["text"].startswith("Commissioners should publish")

    # one sentence of a longer passage restating a concern with small edits ("has had" for "has received")
    school = _passage(data, "The review found that every school")["matches"][0]
    assert school["type"] in {"near-verbatim", "paraphrase"}
    assert school["passage"]["text"].startswith("Every school should have")
    assert school["quote"]["draft_text"].startswith("every school should have")
    assert school["quote"]["draft_text"].endswith("specialist help.")
    later = _passage(data, "Forty schools have named a lead")["matches"]
    assert later and later[0]["answers"] and later[0]["passage"]["text"].startswith("Every school should have")
    assert not any(m["passage"]["text"].startswith("Commissioners") for m in later)  # the next answer's


LISTED = """# Response to the review

You said that commissioners should publish waiting times for every community mental health service each \
quarter, so that families can see how long they will wait.

You also said that every school should have a named mental health lead who has received training in \
recognising self-harm and knows how to refer a pupil for specialist help.

We do not accept that more reporting is needed: our teams already publish both figures every term, and we \
will not add a second report.
"""


def test_an_answer_after_a_list_of_quoted_concerns_is_linked_to_each(
    corpus_store: tuple[Path, Path], tmp_path: Path
) -> None:
    """Concerns quoted one after the other and answered together: the answer is linked to all of
    them, not only the last one quoted, and an answer that disagrees is an answer all the same."""
    store, _ = corpus_store
    draft = tmp_path / "response.md"
    draft.write_text(LISTED)
    data, _ = _check(store, draft)
    answer = _passage(data, "We do not accept")
    linked = {m["passage"]["text"][:20] for m in answer["matches"] if m["answers"]}
    assert linked == {"Commissioners should", "Every school should "}


LIST_DRAFT = """# Our strategy

## Recommendations

1. Every school should have a named mental health lead who has received training in recognising \
self-harm and knows how to refer a pupil for specialist help.
2. Open a crisis cafe in every market town.
3. Fund a carers' helpline that is open every evening.
"""


def test_the_next_item_of_a_list_of_recommendations_answers_nothing(
    corpus_store: tuple[Path, Path], tmp_path: Path
) -> None:
    """A draft that repeats an earlier recommendation and goes on with new ones is not a response: the
    new items are recommendations of their own, not answers to the repeated one."""
    store, _ = corpus_store
    draft = tmp_path / "strategy.md"
    draft.write_text(LIST_DRAFT)
    data, _ = _check(store, draft)
    assert _passage(data, "Every school should have")["status"] == "repeat"
    for start in ("Open a crisis cafe", "Fund a carers"):
        assert not any(m["answers"] for m in _passage(data, start)["matches"]), start


# A response quoting a part of the review's first passage inside words of its own, a few words changed
# ("each" for "every", "wait" for "will wait"), the second sentence cut short: neither text holds the
# other, nor a whole sentence of it.
PARTIAL = """# Our reply

## Waiting times

Your review said that commissioners should publish waiting times for each community mental health service \
every quarter, so that families can see how long they wait, and report how many people wait longer than \
eighteen weeks. We have published them since April.

Your review said that commissioners should not publish waiting times for each community mental health service \
every quarter, so that families can see how long they wait, and report how many people wait longer than \
eighteen weeks. We will reply by June.
"""


def test_a_partial_edited_quotation_is_found_with_its_span(corpus_store: tuple[Path, Path], tmp_path: Path) -> None:
    store, _ = corpus_store
    draft = tmp_path / "reply.md"
    draft.write_text(PARTIAL)
    data, _ = _check(store, draft)

    quoting = _passage(data, "Your review said that commissioners should publish")
    assert quoting["status"] == "repeat"
    best = quoting["matches"][0]
    assert best["type"] in {"near-verbatim", "paraphrase"} and best["quote"]["how"] == "shared-stretch"
    assert best["passage"]["text"].startswith("Commissioners should publish")
    # The aligned span is the quoted part only, in both texts: not the reply's own words around it.
    assert best["quote"]["draft_text"].startswith("commissioners should publish")
    assert best["quote"]["draft_text"].endswith("eighteen weeks")
    assert best["quote"]["corpus_text"].startswith("Commissioners should publish")
    assert best["quote"]["corpus_text"].endswith("eighteen weeks")

    # The same words saying the opposite are no quotation.
    opposite = _passage(data, "Your review said that commissioners should not publish")
    assert all(m["quote"] is None or m["quote"]["how"] != "shared-stretch" for m in opposite["matches"])
    assert opposite["status"] == "new"


def test_a_shared_stretch_needs_long_runs_of_shared_words() -> None:
    concern = (
        "The Court heard that all overdoses are put in the same call category, so the system does not tell "
        "apart the drugs reported as taken, the amount taken or the time since it was taken."
    )
    reply = (
        "In your report you raised that the system does not tell apart the drugs reported as taken, the amount "
        "or the time since it was taken. We have asked the provider to change this."
    )
    found = shared_stretch(reply, concern)
    assert found is not None and found.shared >= 15
    assert reply[found.a_start : found.a_end] == (
        "the system does not tell apart the drugs reported as taken, the amount or the time since it was taken"
    )
    assert concern[found.b_start : found.b_end].startswith("the system does not tell apart")
    # The same topic in other words, sharing only short phrases ("the system", "the amount"): no stretch.
    assert (
        shared_stretch("We will review how the system sorts calls about the amount of a drug taken.", concern) is None
    )
    # A template sentence filled with other figures is not a quotation; with the same figures it is.
    template = "This equates to a rate of {} emergency admissions for self-harm per 100,000 population, {}."
    tail = "which is significantly higher than the rate for England"
    assert shared_stretch(template.format("347.3", tail), template.format("231.3", tail)) is None
    assert shared_stretch(template.format("347.3", tail), "In 2016 " + template.format("347.3", tail)) is not None
