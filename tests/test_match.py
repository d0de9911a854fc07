"""Tests of the match engine: verdict types, the polarity guard and candidate pairs."""

from __future__ import annotations

import numpy as np
import pytest

from dedup import match
from dedup.match import candidate_pairs, compare, opposed, strip_marker, verdict, verdicts

DETAIN_LESS = "Reduce the number of people detained under the Mental Health Act."
DETAIN_MORE = "Increase the number of people detained under the Mental Health Act."

OPPOSITES = [
    (DETAIN_LESS, DETAIN_MORE),
    ("We will expand community crisis services.", "We will cut community crisis services."),
    ("The council will fund the helpline.", "The council will not fund the helpline."),
    ("GPs should refer patients to talking therapies.", "GPs should not refer patients to talking therapies."),
    ("The trust will fund the crisis cafe.", "The trust will no longer fund the crisis cafe."),
    ("More people should be offered a care plan.", "Fewer people should be offered a care plan."),
    ("Start routine screening for self-harm at A&E.", "Stop routine screening for self-harm at A&E."),
    ("The number of people detained should be reduced.", "Increase the number of people detained."),
    ("Improve access to housing support.", "Worsen access to housing support."),
]

NOT_OPPOSITES = [
    # the same direction, with an unrelated negation elsewhere
    ("We should reduce stigma, not only in schools.", "We should reduce stigma in schools and workplaces."),
    # different direction words, different objects: reducing suicides by improving support
    ("Reduce suicides among men.", "Improve support to reduce suicides among men."),
    # synonyms of one direction
    ("Reduce waiting times for CAMHS.", "Cut waiting times for CAMHS."),
    ("Expand the crisis line.", "Extend the crisis line."),
    # both texts negate the same thing
    ("Patients should not wait more than four weeks.", "No patient should wait more than four weeks."),
    ("Identical wording here.", "Identical wording here."),
]


@pytest.mark.parametrize(("a", "b"), OPPOSITES)
def test_opposites_are_opposed_both_ways(a: str, b: str) -> None:
    assert opposed(a, b)
    assert opposed(b, a)


@pytest.mark.parametrize(("a", "b"), NOT_OPPOSITES)
def test_same_direction_is_not_opposed(a: str, b: str) -> None:
    assert not opposed(a, b)


@pytest.mark.parametrize(("a", "b"), OPPOSITES)
def test_opposites_are_not_matched_even_at_high_cosine(a: str, b: str) -> None:
    v = verdict(a, b, 0.93)
    assert v.opposed
    assert v.type is None
    assert v.score <= match.OPPOSED_MAX_SCORE


def test_verbatim_modulo_case_punctuation_and_whitespace() -> None:
    v = verdict(DETAIN_LESS, "  reduce the NUMBER of people detained under the Mental Health Act ", 0.99)
    assert v.type == "verbatim"
    assert v.score == 1.0
    assert not v.opposed


def test_small_edits_are_near_verbatim() -> None:
    a = "Commissioners should ensure that every person discharged from inpatient care is followed up within 72 hours."
    b = "Commissioners must ensure that every person discharged from in-patient care is followed up within 72 hours."
    v = verdict(a, b, 0.95)
    assert v.type == "near-verbatim"
    assert v.lexical >= 0.6


def test_unrelated_is_no_match() -> None:
    a = "Reduce the number of people detained under the Mental Health Act."
    b = "The library will open on Saturdays from next spring."
    v = verdict(a, b, 0.05)
    assert v.type is None
    assert v.score < match.RELATED_SCORE


def test_same_topic_moderate_cosine_is_related_not_paraphrase() -> None:
    a = "Improve access to talking therapies for older adults."
    b = "Waiting lists for psychological services in West Sussex have grown since 2019."
    v = verdict(a, b, 0.55)
    assert v.type in ("related", None)
    assert v.type != "paraphrase"


def test_verdicts_batch_matches_single_and_checks_lengths() -> None:
    pairs = [(DETAIN_LESS, DETAIN_MORE), (DETAIN_LESS, DETAIN_LESS.upper())]
    batch = verdicts(pairs, np.array([0.93, 1.0]))
    assert batch == [verdict(a, b, c) for (a, b), c in zip(pairs, [0.93, 1.0], strict=True)]
    with pytest.raises(ValueError, match="one cosine per pair"):
        verdicts(pairs, np.array([0.5]))


def test_score_grows_with_cosine_and_lexical_overlap() -> None:
    a, b = "Train staff in suicide awareness.", "Staff should receive suicide awareness training."
    low, high = verdict(a, b, 0.3), verdict(a, b, 0.9)
    assert 0.0 <= low.score < high.score <= 1.0


# ------------------------------------------------------------------ candidate pairs


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_candidate_pairs_never_pairs_rows_of_one_group_and_finds_neighbours() -> None:
    x = _unit(
        [
            [1, 0, 0, 0],  # 0 doc A
            [1, 0.05, 0, 0],  # 1 doc A: nearest to 0, but the same document
            [0.98, 0.1, 0, 0],  # 2 doc B: the cross-document neighbour of 0 and 1
            [0, 0, 1, 0],  # 3 doc B
            [0, 0, 0.95, 0.2],  # 4 doc C: neighbour of 3
            [0, 0, 0, 1],  # 5 doc C: near nothing across documents
        ]
    )
    groups = np.array([0, 0, 1, 1, 2, 2])
    i, j, c = candidate_pairs(x, groups, k=1, min_cosine=0.5)
    assert np.all(i < j)
    assert np.all(groups[i] != groups[j])
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == {(0, 2), (1, 2), (3, 4)}
    np.testing.assert_allclose(c, np.sum(x[i] * x[j], axis=1), rtol=1e-5)


def test_candidate_pairs_searches_past_a_crowded_own_group() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=8)
    # twenty near-copies in group 0 crowd out the one cross-group neighbour at k=2 (search width 5)
    rows = [base + 0.01 * rng.normal(size=8) for _ in range(20)] + [base + 0.3 * rng.normal(size=8)]
    x = _unit([list(r) for r in rows])
    groups = np.array([0] * 20 + [1])
    i, j, _ = candidate_pairs(x, groups, k=2, min_cosine=0.0)
    assert set(j.tolist()) == {20}
    assert set(i.tolist()) == set(range(20))


def test_candidate_pairs_through_the_ivf_index_are_those_of_exact_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past FLAT_MAX rows the search runs on an IVF index and reads its queries back from the index's
    own copy of the rows (the caller's array freed); with every list probed it must find what exact
    search finds, row numbers as int32."""
    from dedup import match

    rng = np.random.default_rng(3)
    x = _unit(rng.normal(size=(700, 24)).tolist())
    groups = np.arange(700) // 3

    def shifted(rows: np.ndarray) -> np.ndarray:  # a prepared copy: the rows actually searched
        y = rows + rows.mean(axis=0) * 3
        return y / np.linalg.norm(y, axis=1, keepdims=True)

    exact = candidate_pairs(x, groups, k=4, min_cosine=0.2)
    exact_prepared = candidate_pairs(x, groups, k=4, min_cosine=0.2, prepare=shifted)
    monkeypatch.setattr(match, "FLAT_MAX", 0)  # 7 lists of about 100 rows, NPROBE 16: all probed
    for want, prepare in ((exact, None), (exact_prepared, shifted)):
        i, j, c = candidate_pairs(x.copy(), groups, k=4, min_cosine=0.2, prepare=prepare)
        assert i.dtype == j.dtype == np.int32
        assert np.array_equal(i, want[0]) and np.array_equal(j, want[1])
        np.testing.assert_allclose(c, want[2], rtol=1e-6)
    assert not np.array_equal(exact[0], exact_prepared[0])  # the prepared rows are what is searched


def test_candidate_pairs_respects_min_cosine_and_validates() -> None:
    x = _unit([[1, 0], [0, 1], [0.6, 0.8]])
    i, j, c = candidate_pairs(x, np.array([0, 1, 2]), k=5, min_cosine=0.7)
    assert (c >= 0.7).all()
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == {(1, 2)}  # (0, 2) has cosine 0.6
    with pytest.raises(ValueError, match="one group per row"):
        candidate_pairs(x, np.array([0, 1]))


# ------------------------------------------------------------------ with the real model


@pytest.fixture(scope="module")
def model():
    from dedup.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.mark.model
def test_real_paraphrase_is_paraphrase(model) -> None:
    a = "Train GPs to recognise the signs of suicide risk."
    b = "GPs should receive training in spotting suicide risk."
    v = compare(a, b, model)
    assert v.type == "paraphrase", v
    assert v.lexical < 0.5  # different words: the embedding, not the overlap, carries it


@pytest.mark.model
def test_real_detention_opposites_not_matched(model) -> None:
    v = compare(DETAIN_LESS, DETAIN_MORE, model)
    assert v.cosine > 0.85  # the embedding alone would call them the same
    assert v.opposed and v.type is None


@pytest.mark.model
def test_real_unrelated_is_none(model) -> None:
    v = compare(DETAIN_LESS, "The library opens on Saturdays from next spring.", model)
    assert v.type is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Recommendation 1: Provide 24/7 crisis support for people of all ages.",
            "Provide 24/7 crisis support for people of all ages.",
        ),
        ("3. Employ peer support workers in every team.", "• Employ peer support workers in every team."),
        ("(b) Publish waiting times every quarter.", "Recommendation 2: Publish waiting times every quarter."),
    ],
)
def test_numbering_and_bullets_do_not_stop_a_verbatim_match(a: str, b: str) -> None:
    assert verdict(a, b, 0.95).type == "verbatim"


def test_a_number_that_is_part_of_the_statement_is_kept() -> None:
    assert strip_marker("2020 was the year services moved online.") == "2020 was the year services moved online."


LONG_A = (
    "The Secretary shall submit to the appropriate committees of Congress an annual report on the "
    "implementation of the grant program, including the number of grants awarded and the outcomes achieved."
)
LONG_B = (
    "Each State receiving funds under this section shall ensure that local educational agencies consult "
    "parents, teachers and school leaders before deciding how those funds are to be spent in each school year."
)


def test_long_passages_sharing_no_phrasing_are_not_related() -> None:
    # same register and topic area (cosine is high for any two sections of a bill), no shared phrase
    v = verdict(LONG_A, LONG_B, 0.62)
    assert v.type is None and v.score == 0.0
    # ...unless the meaning is close enough for a paraphrase, which the rule never touches
    assert verdict(LONG_A, LONG_B, 0.97).type == "paraphrase"
    # and a graded alignment (document coverage) keeps the similarity
    assert verdicts([(LONG_A, LONG_B)], [0.62], graded=True)[0].score > 0.0


def test_the_polarity_prefilter_never_rules_out_an_opposed_pair() -> None:
    # every text of the examples, plus longer texts made of several of them (checked sentence by sentence)
    from dedup.match import may_be_opposed

    short = [t for pair in OPPOSITES + NOT_OPPOSITES for t in pair]
    filler = "The partnership will publish an annual report on progress with every member organisation. " * 7
    texts = short + [filler + t for t in short] + [t + " " + filler for t in short]
    n = len(texts)
    i, j = np.triu_indices(n, 1)
    mask = may_be_opposed(texts, i, j)
    truth = np.array([opposed(texts[a], texts[b]) for a, b in zip(i.tolist(), j.tolist(), strict=True)])
    assert truth.sum() >= len(OPPOSITES)
    assert not (truth & ~mask).any()
    assert mask.mean() < 0.9  # and it does rule pairs out


def test_torch_search_equals_faiss_exact_search_on_the_cpu() -> None:
    import faiss

    from dedup.match import TorchIndex

    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(32)
    flat.add(x)
    want_s, want_i = flat.search(x[:50], 7)
    got_s, got_i = TorchIndex(x, "cpu", block_bytes=4 * 500 * 8).search(x[:50], 7)  # 8 queries a block
    assert np.array_equal(got_i, want_i)
    assert np.allclose(got_s, want_s, atol=1e-5)


def test_device_cpu_changes_nothing() -> None:
    from dedup import match

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    groups = np.arange(300) // 10
    try:
        match.set_device("auto")
        auto = candidate_pairs(x, groups, k=5)
        match.set_device("cpu")
        cpu = candidate_pairs(x, groups, k=5)
    finally:
        match.set_device(None)
    assert all(np.array_equal(a, b) for a, b in zip(auto, cpu, strict=True))
    with pytest.raises(ValueError, match="auto, cpu or cuda"):
        match.set_device("tpu")


def _cuda() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:  # pragma: no cover
        return False


@pytest.mark.skipif(not _cuda(), reason="no CUDA device here: the GPU search path runs only where a GPU is lent")
def test_cuda_search_finds_the_same_pairs_as_the_cpu() -> None:
    from dedup import match

    rng = np.random.default_rng(2)
    x = rng.normal(size=(2000, 64)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    groups = np.arange(2000) // 20
    try:
        match.set_device("cpu")
        cpu = candidate_pairs(x, groups, k=5)
        match.set_device("cuda")
        gpu = candidate_pairs(x, groups, k=5)
    finally:
        match.set_device(None)
    assert np.array_equal(cpu[0], gpu[0]) and np.array_equal(cpu[1], gpu[1])
    assert np.allclose(cpu[2], gpu[2], atol=1e-4)
