"""Tests for dedup.segment: page texts, sentences, passages and the recommendation classifier.

The parametrised sentences are short quotes from public documents: West Sussex mental health strategies
and needs assessments, and coroners' Prevention of Future Deaths reports (chosen without personal names).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dedup.models import Block, PassageDraft
from dedup.segment import classify, page_texts, segment, split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared"


def check_spans(blocks: list[Block], passages: list[PassageDraft]) -> None:
    pages = page_texts(blocks)
    for p in passages:
        if p.page_end is None:
            # the page's text, or an item carrying its list's lead-in
            assert p.text == pages[p.page][p.start : p.end] or p.text.endswith(" " + pages[p.page][p.start : p.end]), p
        else:  # over a page break: from ``start`` on the first page to ``end`` on the last
            assert p.page_end > p.page
            assert p.text.startswith(pages[p.page][p.start :].rstrip("-")), p
            assert p.text.endswith(pages[p.page_end][: p.end]), p
        assert p.text == p.text.strip() and p.text


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# --------------------------------------------------------------------------------------------------
# page_texts
# --------------------------------------------------------------------------------------------------


def test_page_texts_joins_blocks_of_each_page_with_blank_lines() -> None:
    blocks = [
        Block("heading", "Our priorities", 1),
        Block("paragraph", "First paragraph.", 1),
        Block("item", "Improve access.", 2),
        Block("paragraph", "Back on page one.", 1),
    ]
    assert page_texts(blocks) == {
        1: "Our priorities\n\nFirst paragraph.\n\nBack on page one.",
        2: "Improve access.",
    }
    assert page_texts([]) == {}


# --------------------------------------------------------------------------------------------------
# split_sentences
# --------------------------------------------------------------------------------------------------


def test_split_sentences_keeps_abbreviations_together() -> None:
    text = (
        "Services should support carers, e.g. through respite breaks, i.e. short stays. "
        "Dr. Jones chaired workshop No. 3 in the afternoon. Attendance was high."
    )
    assert sentences(text) == [
        "Services should support carers, e.g. through respite breaks, i.e. short stays.",
        "Dr. Jones chaired workshop No. 3 in the afternoon.",
        "Attendance was high.",
    ]


def test_one_sentence_texts_skip_pysbd_and_get_what_pysbd_gives() -> None:
    from pysbd.lang.english import English
    from pysbd.processor import Processor

    from dedup import segment

    def processor(text: str) -> Processor:
        return Processor(text, English)

    single = [
        "We will open a crisis cafe in every town by 2027.",
        "Commissioners should publish waiting times for every service each quarter",
        "People don’t always know where to go for help!",
        "Is the 24/7 crisis line reaching the people who need it most?  ",
        "Ends with an ellipsis…",
        'He said "we will" and meant it.',
    ]
    for text in single:
        assert segment._ONE_SENTENCE.fullmatch(text), text
        assert segment._pysbd_sentences(text) == [text]
        assert [s.strip() for s in processor(text).process()] == [text.strip()]
    # Texts pysbd has something to decide in go to pysbd: more than one sentence, abbreviations,
    # lists, line breaks, and a closing quote after the full stop (pysbd makes it a sentence of its own).
    for text in (
        "We will do this. Then that.",
        "Dr. Smith will lead it.",
        "a) first b) second",
        "one\ntwo",
        "Clients should not be passed between services.”",
        'They said it was "over."',
    ):
        assert not segment._ONE_SENTENCE.fullmatch(text), text


def test_the_quicker_abbreviation_pass_gives_pysbds_sentences() -> None:
    from pysbd.lang.english import English
    from pysbd.processor import Processor

    from dedup import segment

    texts = [
        "Dr. Smith met St. John at 5 p.m. on Main St. He left early. Then he came back.",
        "See e.g. the U.S. report. It is No. 5 on the list.",
        "mr. jones said no. 4 was fine. We agreed.",
        "He lives on Baker st. Near the park there is a cafe. It opens at 9.",
        "Fig. 3 shows it. Vol. 2 has more. The rest is in the annex.",
        "We will recruit forty peer workers. They will start in April. Each will train for a month.",
        "The first step is a review. The second step is a plan.",  # "first." holds "st." but no abbreviation
    ]
    for text in texts:
        stock = [str(s) for s in Processor(text, English).process()]
        assert [str(s) for s in Processor(text, segment._language()).process()] == stock, text
        assert segment._pysbd_sentences(text) == stock, text


def test_split_sentences_numbered_list_in_running_text() -> None:
    assert sentences("1. Improve access. 2. Reduce waits.") == ["1. Improve access.", "2. Reduce waits."]


def test_split_sentences_spans_are_stripped_ordered_and_cover_all_text() -> None:
    text = "  Rates rose by 12%. \n We will act.\n\nWhat next?  Nothing was agreed  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["Rates rose by 12%.", "We will act.", "What next?", "Nothing was agreed"]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    covered = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)


def test_split_sentences_lone_line_break_is_not_a_sentence_end() -> None:
    text = "Support should be easily accessible for the person\nand their families and carers."
    assert split_sentences(text) == [(0, len(text))]


def test_split_sentences_empty() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n ") == []


def test_split_sentences_long_text_keeps_every_character() -> None:
    text = " ".join(f"Sentence number {i} is here, e.g. for testing." for i in range(400))
    spans = split_sentences(text)
    assert len(spans) == 400
    assert all(text[s:e].startswith("Sentence number") for s, e in spans)


# --------------------------------------------------------------------------------------------------
# segment
# --------------------------------------------------------------------------------------------------

PROSE = (
    "In West Sussex, the proportion of children and young people within the overall population has "
    "remained relatively stable over the years, certainly in comparison to older people. "
)


def test_headings_end_passages_and_label_the_passages_below() -> None:
    blocks = [
        Block("paragraph", "The strategy was written with partners across the county.", 1),
        Block("heading", "Starting well", 1),
        Block("paragraph", "Only half of children receiving free school meals achieve a good level.", 1),
        Block("heading", "Living and working well", 2),
        Block("paragraph", "Employment is a key determinant of health.", 2),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [(p.heading, p.page) for p in passages] == [("", 1), ("Starting well", 1), ("Living and working well", 2)]
    assert all("Starting well" not in p.text and "Living and" not in p.text for p in passages)


def test_heading_carries_over_to_the_next_page() -> None:
    blocks = [Block("heading", "Recommendations", 1), Block("item", "Develop a dual diagnosis protocol.", 2)]
    (passage,) = segment(blocks)
    assert passage.heading == "Recommendations" and passage.page == 2 and passage.kind == "recommendation"


def test_each_item_is_its_own_passage() -> None:
    blocks = [
        Block("paragraph", "Our priorities for the next three years are set out below in some detail.", 1),
        Block("item", "• Reduce stigma to increase parents accessing support earlier.", 1),
        Block("item", "• Rates of self-harm increased by 12% between 2015 and 2017.", 1),
        Block("item", "• Increase access to early years support.", 1),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [p.text[:8] for p in passages] == [blocks[0].text[:8], "• Reduce", "• Rates ", "• Increa"]
    assert [p.kind for p in passages[1:]] == ["recommendation", "other", "recommendation"]


def test_long_item_is_split_by_sentences() -> None:
    item = " ".join(f"Point {i} concerns the service offered to carers in the county." for i in range(30))
    blocks = [Block("item", item, 1)]
    passages = segment(blocks, max_words=50)
    check_spans(blocks, passages)
    assert len(passages) > 1
    assert all(len(p.text.split()) <= 50 for p in passages)
    assert all(p.text.endswith(".") for p in passages)


def test_table_is_one_passage_truncated_and_other() -> None:
    table = " | ".join(f"District {i} | {i * 3}%" for i in range(200))
    blocks = [Block("paragraph", "Table 3 shows rates by district.", 4), Block("table", table, 4)]
    passages = segment(blocks, max_words=40)
    check_spans(blocks, passages)
    tables = [p for p in passages if p.text.startswith("District")]
    assert len(tables) == 1
    assert len(tables[0].text.split()) == 40
    assert tables[0].kind == "other"
    assert segment([Block("table", "Ensure | all | staff | are | trained", 1)])[0].kind == "other"


def test_paragraph_passages_respect_max_words() -> None:
    text = PROSE * 30
    blocks = [Block("paragraph", text, 1)]
    passages = segment(blocks, max_words=100)
    check_spans(blocks, passages)
    assert len(passages) >= 6
    assert all(len(p.text.split()) <= 100 for p in passages)
    assert sum(len(p.text.split()) for p in passages) == len(text.split())


def test_sentence_longer_than_max_words_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 250)
    blocks = [Block("paragraph", text, 1)]
    passages = segment(blocks, max_words=100)
    check_spans(blocks, passages)
    assert [len(p.text.split()) for p in passages] == [100, 100, 50]


def test_recommendation_sentence_is_not_drowned_in_prose() -> None:
    rec = "Commissioners should build on services perceived to be working well."
    text = PROSE * 5 + rec + " " + PROSE * 5
    blocks = [Block("paragraph", text, 1)]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [p.kind for p in passages] == ["other", "recommendation", "other"]
    assert passages[1].text == rec


def test_short_connective_sentence_stays_with_its_recommendation() -> None:
    text = PROSE * 3 + "We will commission equitable services. This is vital. We will publish progress."
    blocks = [Block("paragraph", text, 1)]
    passages = segment(blocks)
    assert [p.kind for p in passages] == ["other", "recommendation"]
    assert passages[1].text == "We will commission equitable services. This is vital. We will publish progress."


def test_short_paragraph_joins_the_next_on_the_same_page_only() -> None:
    blocks = [
        Block("paragraph", "Background to the audit.", 1),
        Block("paragraph", PROSE.strip(), 1),
        Block("paragraph", "A short note at the page end.", 1),
        Block("paragraph", PROSE.strip(), 2),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [(p.page, p.text[:10]) for p in passages] == [
        (1, "Background"),
        (1, "A short no"),
        (2, PROSE[:10]),
    ]
    assert passages[0].text.endswith("older people.")


def test_short_paragraph_does_not_join_across_a_heading() -> None:
    blocks = [
        Block("paragraph", "Background to the audit.", 1),
        Block("heading", "Method", 1),
        Block("paragraph", PROSE.strip(), 1),
    ]
    passages = segment(blocks)
    assert [p.text for p in passages] == ["Background to the audit.", PROSE.strip()]


def test_a_lead_in_and_its_list_are_one_unit() -> None:
    blocks = [
        Block("paragraph", "Over the next five years we will:", 1),
        Block("item", "• better support for carers", 1),
        Block("item", "• joined up commissioning for community-based support", 1),
        Block("paragraph", "Carers told us about their experience:", 1),
        Block("item", "• long waits for assessment", 1),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [(p.text.split()[0], p.kind) for p in passages] == [("Over", "recommendation"), ("Carers", "other")]
    assert passages[0].text.endswith("community-based support")


def test_past_the_size_limit_each_item_carries_its_lead_in() -> None:
    blocks = [
        Block("heading", "Ward environment", 4),
        Block("paragraph", "Staff told us a lot about the ward. Information for patients should include:", 4),
        Block("item", "• information on the ward environment and the daily routine of the ward", 4),
        Block("item", "• who to contact about care, medication and leave from the ward", 4),
        Block("item", "• how to raise a concern or make a complaint about the care received", 5),
    ]
    passages = segment(blocks, max_words=30)
    check_spans(blocks, passages)
    items = [p for p in passages if "•" in p.text]
    assert len(items) == 3
    for p in items:
        assert p.text.startswith("Information for patients should include: •"), p.text
        assert p.kind == "recommendation" and p.heading == "Ward environment"
    assert items[-1].page == 5
    assert [p.text for p in passages if "•" not in p.text] == ["Staff told us a lot about the ward."]
    # and within the limit, the whole list is one passage from the lead-in to the last item, over the page break
    [whole] = [p for p in segment(blocks) if "•" in p.text]
    assert whole.text.startswith("Information for patients should include:") and whole.text.endswith("received")
    assert (whole.page, whole.page_end, whole.kind) == (4, 5, "recommendation")


def test_a_numbered_label_and_the_heading_stay_with_the_unit() -> None:
    blocks = [
        Block("heading", "Crisis care", 2),
        Block("heading", "Recommendation 4", 2),
        Block("paragraph", "The trust should make sure that every patient discharged from crisis care has:", 2),
        Block("item", "• a named contact", 2),
        Block("item", "• a follow-up within 72 hours", 2),
        Block("paragraph", "Recommendation 5: Commissioners should publish waiting times every quarter.", 2),
        Block("heading", "Workforce", 3),
        Block("paragraph", "We will recruit more peer workers across the county.", 3),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert [(p.label, p.heading, p.kind) for p in passages] == [
        ("Recommendation 4", "Crisis care", "recommendation"),
        ("Recommendation 5", "Crisis care", "recommendation"),
        ("", "Workforce", "recommendation"),
    ]
    assert passages[0].text.endswith("a follow-up within 72 hours")


def test_a_list_of_lower_case_fragments_is_one_passage() -> None:
    blocks = [
        Block("heading", "Services offered", 7),
        Block("paragraph", "The centre offers a range of services such as", 7),
        Block("item", "advocacy;", 7),
        Block("item", "crisis support;", 7),
        Block("item", "books on prescription.", 7),
        Block("heading", "Other support", 8),
        Block("item", "peer support groups;", 8),
        Block("item", "workshops and classes.", 8),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert not [p.text for p in passages if p.text[0].islower()]
    assert len(passages) == 2


def test_items_under_an_action_heading_are_recommendations() -> None:
    blocks = [
        Block("heading", "High level areas for focus:", 3),
        Block("item", "1. Partnership, multi-agency working and system wide planning across social care.", 3),
        Block("item", "2. Workforce training and awareness raising with housing staff.", 3),
        Block("heading", "Key issues and challenges", 3),
        Block("item", "• Communicating good quality information about risk factors.", 3),
    ]
    assert [p.kind for p in segment(blocks)] == ["recommendation", "recommendation", "other"]


def test_spans_hold_across_pages_and_odd_text() -> None:
    blocks = [
        Block("heading", "  Section 1  ", 1),
        Block("paragraph", "  Leading spaces. Dr. Smith said e.g. this.\nNext line here.  ", 1),
        Block("paragraph", "", 1),
        Block("item", "\uf0b7 Ensure co‐production continues — across all support", 2),
        Block("paragraph", "Rates rose (see Table 2). We recommend a review! What next?", 2),
        Block("table", "a | b\nc | d", 2),
        Block("paragraph", "Ünïcödé text… with “quotes” and 12% figures.", 3),
        Block("paragraph", "1. Improve access. 2. Reduce waits.", 3),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert {p.page for p in passages} == {1, 2, 3}
    joined = " ".join(p.text for p in passages)
    for block in blocks:
        if block.kind != "heading":
            for word in block.text.split():
                assert word in joined


def test_segment_empty_and_invalid() -> None:
    assert segment([]) == []
    assert segment([Block("heading", "Only a heading", 1), Block("paragraph", "   ", 1)]) == []
    with pytest.raises(ValueError):
        segment([Block("paragraph", "Text.", 1)], max_words=0)


# --------------------------------------------------------------------------------------------------
# classify: real sentences
# --------------------------------------------------------------------------------------------------

REAL_RECOMMENDATIONS = [
    # West Sussex strategies and needs assessments
    "17) Commissioners should build on services perceived to be working well, including Child Development "
    "Centres (CDCs), parenting programmes, self-help and mentoring schemes and children and young peoples' "
    "planning forums.",
    "Review and provide outreach care support for those with multiple compound needs.",
    "We will work to support parents in creating a healthy and safe home and learning environment that nurtures "
    "their children, to ensure strong parent-child attachment and positive child development, as part of our "
    "parenting offer.",
    "We will commission and provide equitable health and social care services.",
    "The person living with dementia along with their family and friend carer should be supported to develop a "
    "contingency plan as early on in their journey as practical.",
    "All providers should ensure that all professionals are trained in this approach and routinely seek feedback "
    "to ensure families and patients feel empowered.",
    "3. Reduce access to the means of suicide, including at high-risk locations and on rail networks.",
    "Increase awareness of libraries as a setting for delivering services and community support for improving "
    "perinatal and children and young people mental health.",
    "4. Foster diversity and inclusion, welcoming and representative spaces and communication to reduce mental "
    "health stigma.",
    "9) Tier 2 provision needs to be mapped and monitored.",
    "5. Support the media in delivering sensitive approaches to suicide",
    "Wherever possible, admissions to hospital for people with dementia should be avoided and where this is not "
    "possible, stays should be as short as possible.",
    "The organisations within the health and wellbeing system will need to adapt to enable this, for example "
    "flexible working practices.",
    "6.2.9 Design an information sharing protocol between alcohol/drugs and mental health services",
    "The Prime Minister's Challenge recommends that people receiving a diagnosis should have a named coordinator "
    "who will be responsible for regular care plan reviews.",
    "Through the JSNA we are committed to identifying and addressing barriers that might deter or disadvantage "
    "individuals or groups from accessing services.",
    "The Board will maintain oversight of the delivery of the Place Plan.",
    "We will ensure long and short term support is provided to older people and their carers to maximise independence.",
    # Prevention of Future Deaths reports
    "The Trust should ensure that a clear practice and policy is adopted in relation to the ratio of staff to "
    "patient as to staff that should accompany patients on escorted leave from psychiatric wards",
    "Hampshire and Isle of Wight Healthcare NHS Trust should review its provision of training for agency staff, "
    "in particular in respect of risk assessments.",
    "Letters should be dispatched within 24 hours of attendance.",
    "There needs to be systems in place where people who do not engage are not left with family only to care for them.",
]

REAL_OTHERS = [
    # West Sussex strategies and needs assessments
    "Caring for someone with dementia can put a huge strain on the carer's physical and mental health.",
    "Dementia Friendly Communities in West Sussex have been growing steadily since the start of the last "
    "Dementia Strategy.",
    "Some practitioners reported having relationships with clinic staff where they could arrange fast track "
    "appointments for their service users and reported that this worked well; it was suggested that these "
    "pathways should be formalised.",
    "Strathdee et al (2002) estimated that 83% of substance misuse clients had a dual diagnosis.",
    "The trust provides a wide range of medical, nursing and therapeutic care to over 8,000 people a day.",
    "In 2022, Adur had the highest rate of conceptions among under 18s (17.4 per 1,000) and Horsham had the "
    "smallest rate (6 per 1,000).",
    "What can we do and what are we doing?",
    "Suicide audit completed in February 2017 and used to inform the new suicide prevention strategy.",
    "Advice about parenting strategies was found to be of benefit.",
    "Services were perceived to be thinly spread and parents identified a range of provision that they felt was "
    "needed.",
    "Further, they were advised that, should they want to re-continue with mental health support, they should "
    "consult their GP and gain a new referral.",
    "Similarly, professionals stressed that the broader familial context and needs should be assessed and addressed.",
    "It should be noted that young people can self-refer.",
    "All projections should be treated with caution and the current ONS projections will be revised in 2014 "
    "incorporating data from the 2011 Census.",
    "(reference)11 In 2017/18 24% of people aged over 65 in West Sussex died in hospital.",
    "Further development of trauma informed approaches and training across the system",
    # Prevention of Future Deaths reports
    "The safer regimes meetings were not provided with all relevant information and were not used to their full "
    "effect.",
    "There is a significant wait time for referral to the Assessment and Treatment Service.",
    "There was confusion in the terminology used between nursing staff or doctors and the CRISIS team when out "
    "of hours calls were made such that it was not clear between parties whether a referral, advice or "
    "assessment was sought",
    "There was no proper system for identifying whether a service user should be permitted to leave the unit.",
]


@pytest.mark.parametrize("text", REAL_RECOMMENDATIONS)
def test_real_recommendations(text: str) -> None:
    assert classify(text) == "recommendation"


@pytest.mark.parametrize("text", REAL_OTHERS)
def test_real_non_recommendations(text: str) -> None:
    assert classify(text) == "other"


# --------------------------------------------------------------------------------------------------
# classify: rules
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Recommendation 3: Commissioners review the crisis pathway.",
        "We recommend a single point of access.",
        "It is recommended that all GPs complete suicide awareness training.",
        "Commissioners need to agree a joint protocol.",
        "Staff must record every contact.",
        "We are committed to reducing waiting times.",
        "Develop a crisis café in each district.",
        "Ensure carers are offered an assessment.",
        "Improve access to talking therapies.",
        "• Work with schools to raise awareness.",
        "- To support and strengthen primary care provision through building capacity.",
        "Improving services and support: Ensure people get the right services at the right time.",
    ],
)
def test_recommendation_cues(text: str) -> None:
    assert classify(text) == "recommendation"


@pytest.mark.parametrize(
    "text",
    [
        "Rates of self-harm increased by 12%.",
        "The service was commissioned in 2015.",
        "Should services be commissioned jointly?",
        "Respondents felt more should be done.",
        "“You should have seen the queue,” one parent said.",
        "The patient should have been referred earlier.",
        "Support for carers is provided by the county council.",
        "Review of the literature found little evidence.",
        "We will:",
        "How we will get there",
        "This data is taken from two sources and should be viewed with a degree of caution.",
        "Their lives continue to be harder, poorer and shorter than they should be.",
        "Research consistently shows that early help can make a difference.",
        "",
    ],
)
def test_non_recommendation_cues(text: str) -> None:
    assert classify(text) == "other"


def test_heading_context() -> None:
    assert classify("Support for carers", heading="Our priorities") == "recommendation"
    assert classify("Better information at diagnosis", heading="What we will do") == "recommendation"
    assert classify("Support for carers", heading="Key issues and challenges") == "other"
    assert classify("Support for carers") == "other"
    assert classify("Rates rose by 12% in 2019.", heading="Recommendations") == "other"
    assert classify("Services were fragmented.", heading="Recommendations") == "other"


def test_multi_sentence_text_is_a_recommendation_if_any_sentence_is() -> None:
    text = "Waiting times have doubled since 2015. Commissioners should act now to reduce them."
    assert classify(text) == "recommendation"


# --------------------------------------------------------------------------------------------------
# Real documents (skipped without ../shared)
# --------------------------------------------------------------------------------------------------


@pytest.mark.shared
def test_real_pdf_pages_keep_span_invariant() -> None:
    pdf = SHARED / "corpus" / "westsussex" / "2019_WSHWB_joint-health-wellbeing-strategy-2019-2024.pdf"
    if not pdf.exists():
        pytest.skip("shared corpus not available")
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    blocks: list[Block] = []
    for index in range(min(len(doc), 12)):
        text = doc[index].get_textpage().get_text_range()
        for chunk in re.split(r"\n\s*\n|\n(?=\s*•)", text):
            if chunk.strip():
                kind = "item" if chunk.lstrip().startswith("•") else "paragraph"
                blocks.append(Block(kind, chunk.replace("\r", ""), index + 1))
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert any(p.kind == "recommendation" for p in passages)
    assert all(len(p.text.split()) <= 200 for p in passages)


@pytest.mark.parametrize(
    "sentence",
    [
        "Our aim is to reduce waiting times for young people.",
        "A new crisis line will be established for the county.",
        "We remain determined to end out-of-area placements.",
        "Partners will share data on self-harm admissions.",
        "The department will publish a workforce plan.",
        "We intend to fund more crisis beds.",
    ],
)
def test_commitments_of_both_kinds_are_recognised(sentence: str) -> None:
    # _COMMITMENT was once defined twice; the second silently replaced the first.
    from dedup.segment import _explain, is_commitment

    assert _explain(sentence).rule == "commitment"
    assert classify(sentence) == "recommendation"
    assert is_commitment(sentence)


# --------------------------------------------------------------------------------------------------
# Paragraphs over a page break
# --------------------------------------------------------------------------------------------------


def test_a_paragraph_running_over_a_page_break_is_one_passage_with_its_pages() -> None:
    blocks = [
        Block("heading", "Recommendations", 1),
        Block("paragraph", "Waiting times have grown in every locality.", 1),
        Block("paragraph", "The council, working with governmental and non-", 1),
        Block("paragraph", "governmental organisations, should convene a forum on suicide prevention.", 2),
        Block("paragraph", "Staff will be trained in safety planning across all teams in the commis-", 2),
        Block("paragraph", "sioning area by the end of next year.", 3),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    forum = [p for p in passages if "forum" in p.text]
    assert len(forum) == 1
    assert forum[0].text == (
        "The council, working with governmental and non-governmental organisations, should convene a forum on "
        "suicide prevention."
    )
    assert (forum[0].page, forum[0].page_end, forum[0].kind) == (1, 2, "recommendation")
    assert forum[0].heading == "Recommendations"
    staff = [p for p in passages if "safety planning" in p.text]
    assert len(staff) == 1 and staff[0].text.endswith("in the commissioning area by the end of next year.")
    assert (staff[0].page, staff[0].page_end) == (2, 3)
    assert not any(p.text[0].islower() for p in passages)


def test_a_finished_paragraph_or_a_new_sentence_on_the_next_page_is_not_joined() -> None:
    blocks = [
        Block("paragraph", "Services should publish waiting times each quarter.", 1),
        Block("paragraph", "Families want to know how long they will wait for an assessment.", 2),
        Block("paragraph", "Schools should name a mental health lead for every pupil", 2),
        Block("heading", "Next steps", 3),
        Block("paragraph", "and train them in recognising self-harm.", 3),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert all(p.page_end is None for p in passages)


# --------------------------------------------------------------------------------------------------
# Fragments that are no passages of their own
# --------------------------------------------------------------------------------------------------


def test_a_sentence_split_before_a_lower_case_word_stays_one_sentence() -> None:
    text = (
        "Training for care staff should focus on: o identifying symptoms of dementia early. o acquiring greater "
        "awareness of dementia. Staff will also be trained in end of life care."
    )
    blocks = [Block("paragraph", text, 1)]
    passages = segment(blocks, max_words=25)
    check_spans(blocks, passages)
    assert [p.text[:20] for p in passages] == ["Training for care st", "Staff will also be t"]


def test_a_long_quotation_is_cut_at_a_sentence_not_mid_phrase() -> None:
    quote = " ".join(f"“Service {i} needs more staff and better links with drug and alcohol teams.”" for i in range(30))
    passages = segment([Block("paragraph", quote, 1)], max_words=40)
    assert len(passages) > 3
    assert all(p.text.startswith("“Service") for p in passages), [p.text[:30] for p in passages]


def test_a_table_row_whose_first_cell_wrapped_is_one_block_with_its_table() -> None:
    blocks = [
        Block("paragraph", "Table 7 Barriers to supporting people at risk of suicide", 1),
        Block("paragraph", "I would be worried that asking would make them more likely to", 1),
        Block("table", "attempt suicide | 53 | 26.2% I have not received training | 115 | 56.9%", 1),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert not any(p.text[0].islower() for p in passages)
    assert any("more likely to attempt suicide | 53" in " ".join(p.text.split()) for p in passages)


def test_a_sentence_that_goes_on_after_a_list_ending_in_a_semicolon_is_not_a_passage_of_its_own() -> None:
    blocks = [
        Block("paragraph", "Apart from:", 1),
        Block("item", "1) the occasional comment on good relations between workers;", 1),
        Block("item", "2) peer mentoring for people in recovery;", 1),
        Block("paragraph", "there were few examples of what works well for people with dual diagnosis.", 1),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    assert len(passages) == 1 and passages[0].text.startswith("Apart from:")
    assert " ".join(passages[0].text.split()).endswith(
        "in recovery; there were few examples of what works well for people with dual diagnosis."
    )


def test_a_heading_that_opens_a_sentence_is_joined_and_a_label_heading_is_carried() -> None:
    blocks = [
        Block("heading", "Life expectancy has increased but", 1),
        Block("paragraph", "considerable inequalities persist", 1),
        Block("heading", "PREVENTING WELL", 1),
        Block("paragraph", "risk of dementia is minimised.", 1),
        Block("heading", "Figure 2.1, Suicides by deprivation", 1),
        Block("paragraph", "https://example.org/figure", 1),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    texts = [" ".join(p.text.split()) for p in passages]
    assert "Life expectancy has increased but considerable inequalities persist" in texts
    assert "https://example.org/figure" in texts  # an address is no fragment of a sentence
    prevent = next(p for p in passages if "dementia" in p.text)
    assert prevent.text == "PREVENTING WELL: risk of dementia is minimised." and prevent.heading == "PREVENTING WELL"


def test_a_reference_and_its_address_on_the_next_page_stay_whole() -> None:
    blocks = [
        Block("paragraph", "ONS. (2025). Estimates of the population. Retrieved from ONS:", 1),
        Block("paragraph", "https://www.ons.gov.uk/peoplepopulationandcommunity/population estimates/mid2024", 2),
        Block("paragraph", "Public Health Research Unit. (2019). Health and Happiness Survey.", 2),
    ]
    passages = segment(blocks)
    check_spans(blocks, passages)
    joined = " ".join(p.text for p in passages)
    for block in blocks:  # nothing is lost when a passage over a page break takes in the next paragraph
        assert block.text in joined
    assert not any(p.text[0].islower() for p in passages)
