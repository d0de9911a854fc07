"""Build dedup's fictional sample corpus: the demo data set and a test fixture with known answers.

Run from the repository root::

    python scripts/make_corpus.py            # writes corpus/ and examples/draft_strategy_2026.md
    python scripts/make_corpus.py --out DIR  # writes the corpus into DIR instead (no draft)

Every organisation, document, statistic and quotation here is FICTIONAL and was written for testing
dedup. The output is byte-for-byte deterministic: PDFs get fixed creation dates and a fixed producer
and are written uncompressed (so their bytes do not depend on the zlib build), and DOCX files get fixed
core-property dates and are re-packed with fixed zip timestamps and attributes. ``tests/test_corpus.py`` checks that the committed files match what this script writes, so
change the corpus by editing this script and re-running it, never by hand.

What is planted (recurring recommendations, paraphrases, duplicated efforts, opposites, singletons,
and the draft's repeats) is written to ``corpus/EXPECTED.json`` from the same data that renders the
documents, so the answers and the files cannot drift apart.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import docx
import fpdf
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

ROOT = Path(__file__).resolve().parent.parent
DRAFT_REL = "examples/draft_strategy_2026.md"

NOTICE = (
    "FICTIONAL DOCUMENT. This document and the organisation named in it are fictional. "
    "It was written for testing dedup and is not real policy."
)

# --------------------------------------------------------------------------------------------------
# Organisations: canonical name, kind, and the name variants used in the manifest (alias normalisation)
# --------------------------------------------------------------------------------------------------

DOW = "Department of Wellbeing"
NCC = "Northmere County Council"
ICB = "Northmere Integrated Care Board"
EMHT = "Eastbrook Mental Health Trust"
MTG = "Mind the Gap Alliance"
CPF = "Centre for Policy Futures"

ORG_KIND = {
    DOW: "national government body",
    NCC: "local authority",
    ICB: "NHS commissioner",
    EMHT: "NHS provider trust",
    MTG: "charity",
    CPF: "think tank",
}


# --------------------------------------------------------------------------------------------------
# Content model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class P:
    """A planted sentence. ``tag`` is a cluster id (V1, P3, D2, W1, N1), an opposite side (O1a, O1b),
    or "S" for a singleton (a recommendation that appears once only)."""

    tag: str
    text: str


Part = str | P


@dataclass(frozen=True)
class Block:
    kind: str  # title, subtitle, notice, h, p, rec, bullet, table, columns, pagebreak
    parts: tuple[Part, ...] = ()
    n: int = 0  # recommendation number
    rows: tuple[tuple[str, ...], ...] = ()  # table rows, first row is the header
    left: tuple[Block, ...] = ()  # columns
    right: tuple[Block, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(p.text if isinstance(p, P) else p for p in self.parts)


def H(text: str) -> Block:
    return Block("h", (text,))


def Para(*parts: Part) -> Block:
    return Block("p", parts)


def Rec(n: int, *parts: Part) -> Block:
    return Block("rec", parts, n=n)


def Bullet(*parts: Part) -> Block:
    return Block("bullet", parts)


def Table(*rows: tuple[str, ...]) -> Block:
    return Block("table", rows=rows)


def Columns(left: list[Block], right: list[Block]) -> Block:
    return Block("columns", left=tuple(left), right=tuple(right))


PAGEBREAK = Block("pagebreak")


@dataclass(frozen=True)
class Doc:
    file: str
    title: str
    org: str  # canonical organisation
    manifest_org: str  # the name variant written in manifest.csv
    shown_org: str  # how the document names its author on its cover
    year: int
    period: tuple[int, int]
    blocks: tuple[Block, ...]
    running_header: bool = False  # header on every page after the first (PDF) / every page (DOCX)
    cover: bool = False  # PDF: page 1 is a cover (title, notice, contents); the body starts on page 2
    footer: str = "none"  # none | page-of | dash | notice (PDF only)
    font: str = "Helvetica"

    @property
    def format(self) -> str:
        return self.file.rsplit(".", 1)[1]


# --------------------------------------------------------------------------------------------------
# Planted sentences shared across documents (verbatim clusters must be byte-identical)
# --------------------------------------------------------------------------------------------------

V1 = "Provide 24/7 crisis support for people of all ages."
V2 = "Every frontline member of staff in health, social care and the police should receive suicide prevention training."
V3 = "Reduce out-of-area placements for adult acute mental health care to zero."
V4 = "Employ peer support workers in every community mental health team."
V5 = "Publish mental health waiting times for every service, every quarter."
W1 = "Encourage every large employer in Northmere to sign the Workplace Wellbeing Charter."

CLUSTERS: dict[str, dict[str, str]] = {
    "V1": {"kind": "verbatim", "action": "24/7 crisis support for all ages"},
    "V2": {"kind": "verbatim", "action": "suicide prevention training for frontline staff"},
    "V3": {"kind": "verbatim", "action": "end out-of-area placements for adult acute care"},
    "V4": {"kind": "verbatim", "action": "peer support workers in community mental health teams"},
    "V5": {"kind": "verbatim", "action": "publish waiting times for all services quarterly"},
    "P1": {"kind": "paraphrase", "action": "integrate mental and physical health care"},
    "P2": {"kind": "paraphrase", "action": "involve families and carers in care planning"},
    "P3": {"kind": "paraphrase", "action": "share crisis plans/records across NHS, council and police"},
    "P4": {"kind": "paraphrase", "action": "reduce detentions under the Mental Health Act"},
    "P5": {"kind": "paraphrase", "action": "four-week maximum wait for CYP mental health services"},
    "D1": {"kind": "duplicated-effort", "action": "build a crisis cafe network in Northmere"},
    "D2": {"kind": "duplicated-effort", "action": "mental health support team in every secondary school"},
    "D3": {"kind": "duplicated-effort", "action": "train local people in mental health first aid"},
    "W1": {"kind": "within-organisation", "action": "employers sign the Workplace Wellbeing Charter"},
    "W2": {"kind": "within-organisation", "action": "end face-down (prone) restraint on wards"},
    "N1": {
        "kind": "non-overlapping-commitment",
        "action": "commission a suicide bereavement support service",
    },
}

# How the members of each cluster relate textually (what a matcher should call the links).
CLUSTER_MATCH = {
    "V1": "verbatim",
    "V2": "verbatim",
    "V3": "verbatim",
    "V4": "verbatim",
    "V5": "verbatim",
    "P1": "paraphrase",
    "P2": "paraphrase",
    "P3": "paraphrase",
    "P4": "paraphrase",
    "P5": "paraphrase",
    "D1": "paraphrase",
    "D2": "paraphrase",
    "D3": "paraphrase",
    "W1": "verbatim",
    "W2": "paraphrase",
    "N1": "near-verbatim",
}

OPPOSITES = {
    "O1": "inpatient bed numbers: reduce vs increase",
    "O2": "video consultations for routine follow-up: expand vs reduce",
}


# --------------------------------------------------------------------------------------------------
# The documents
# --------------------------------------------------------------------------------------------------

DOCS: tuple[Doc, ...] = (
    Doc(
        file="2013_dow_outcomes_framework.pdf",
        title="No Health Without Wellbeing: A National Mental Health Outcomes Framework 2013-2018",
        org=DOW,
        manifest_org="Department of Wellbeing",
        shown_org="Department of Wellbeing",
        year=2013,
        period=(2013, 2018),
        cover=True,
        running_header=True,
        footer="page-of",
        blocks=(
            H("Foreword"),
            Para(
                "Mental ill health is the largest single cause of disability in the country. One adult "
                "in four experiences a mental health problem in any given year, yet only around a third "
                "of them receive any treatment. The cost to the economy is estimated at £105 billion a "
                "year in lost output, benefits and care."
            ),
            Para(
                "This framework sets out the outcomes the Department of Wellbeing expects to see by 2018. "
                "It was developed with people who use services, their families, clinicians and local "
                "government over eighteen months of consultation."
            ),
            H("What we found"),
            Para(
                "People with severe mental illness die on average 15 to 20 years earlier than the general "
                "population, mostly from preventable physical conditions such as heart disease and "
                "diabetes. Services for the mind and services for the body are commissioned, funded and "
                "delivered separately, and neither side sees the whole person."
            ),
            Para(
                "Suicide remains the leading cause of death for men under 50. Around three quarters of "
                "people who die by suicide were not in contact with mental health services in the year "
                "before their death, but many had recently seen a GP, a social worker or a police officer."
            ),
            Para(
                "Long-term unemployment is strongly associated with depression and anxiety, but the "
                "direction of cause and effect is poorly understood."
            ),
            H("Recommendations"),
            Rec(
                1,
                P("P1", "Integrate mental and physical health care."),
                "At present the two are planned by different teams with different budgets.",
            ),
            Rec(2, P("V2", V2)),
            Rec(3, P("S", "Fund research into the mental health effects of long-term unemployment.")),
            Rec(4, P("S", "Set a national standard for early intervention in psychosis services.")),
            H("Measuring progress"),
            Para(
                "The indicators in this framework include the suicide rate, the gap in life expectancy for "
                "people with severe mental illness, and the proportion of people with a mental health "
                "problem who receive treatment. The Department reports on them to Parliament each year."
            ),
        ),
    ),
    Doc(
        file="2014_eastbrook_clinical_strategy.pdf",
        title="Eastbrook Mental Health Trust Clinical Strategy 2014-2019",
        org=EMHT,
        manifest_org="Eastbrook Mental Health Trust",
        shown_org="Eastbrook Mental Health Trust",
        year=2014,
        period=(2014, 2019),
        cover=True,
        running_header=True,
        footer="page-of",
        font="Times",
        blocks=(
            H("About the Trust"),
            Para(
                "Eastbrook Mental Health Trust provides community, inpatient and specialist mental health "
                "services to around 900,000 people across Eastbrook and Northmere. We employ 3,200 staff "
                "and run 14 community mental health teams and four inpatient units."
            ),
            Para(
                "In 2013/14 our crisis teams received 11,400 referrals. Just over half arrived outside "
                "normal working hours, when the emergency department was often the only place open."
            ),
            Para(
                "Staff on our wards used face-down restraint 214 times in 2013/14. Patients and staff both "
                "describe it as frightening and dangerous."
            ),
            H("Our recommendations for 2014-2019"),
            Rec(
                1,
                P("V1", V1),
                "At present our crisis service for under-18s closes at 8pm.",
            ),
            Rec(2, P("P2", "Involve families and carers in care planning from the first contact with services.")),
            Rec(3, P("W2", "Stop the use of prone restraint on our inpatient wards.")),
            Rec(
                4,
                P(
                    "S",
                    "Open a specialist perinatal mental health service for women in pregnancy and the "
                    "first year after birth.",
                ),
            ),
            H("What we will do in the first year"),
            Bullet(P("S", "We will recruit 40 additional community mental health nurses by March 2015.")),
            Bullet(P("S", "We will introduce a single point of access for all referrals to the Trust.")),
            H("Governance"),
            Para(
                "The Trust Board receives a quarterly report on this strategy. The Council of Governors "
                "reviewed a draft in January 2014 and its comments are reflected in this version."
            ),
        ),
    ),
    Doc(
        file="2015_northmere_council_wellbeing_strategy.pdf",
        title="Northmere Mental Wellbeing Strategy 2015-2018",
        org=NCC,
        manifest_org="Northmere County Council",
        shown_org="Northmere County Council",
        year=2015,
        period=(2015, 2018),
        footer="dash",
        font="Times",
        blocks=(
            H("Introduction"),
            Para(
                "Northmere is a largely rural county of 610,000 people. Rates of self-harm among young "
                "people are above the national average, and the county has the third-highest suicide "
                "rate in the region."
            ),
            Para(
                "Public health responsibilities transferred to the Council in 2013. This is the Council's "
                "first strategy for mental wellbeing, and it covers the three years from April 2015."
            ),
            Para(
                "Work is a large part of most adults' lives. Only 12 employers in the county have signed "
                "the Workplace Wellbeing Charter, which commits them to support staff with mental health "
                "problems."
            ),
            H("Our recommendations"),
            Rec(1, P("V2", V2)),
            Rec(2, P("W1", W1)),
            Rec(
                3,
                P("S", "Require every new housing development to include green space designed for wellbeing."),
            ),
            H("The Council's commitments"),
            Bullet(P("N1", "We will commission a suicide bereavement support service for families in Northmere.")),
            Bullet(P("S", "We will appoint a suicide prevention coordinator within the public health team.")),
            H("Monitoring"),
            Para(
                "The Health and Wellbeing Board receives a progress report every six months. The first "
                "report is due in October 2015."
            ),
        ),
    ),
    Doc(
        file="2016_cpf_beyond_beds.pdf",
        title="Beyond Beds: Rethinking Acute Mental Health Care",
        org=CPF,
        manifest_org="Centre for Policy Futures",
        shown_org="Centre for Policy Futures",
        year=2016,
        period=(2016, 2016),
        footer="page-of",
        blocks=(
            H("Summary"),
            Para(
                "Acute mental health wards were running at 98 per cent occupancy in 2015/16, well above "
                "the 85 per cent level usually regarded as safe. When no local bed is available, patients "
                "are sent to hospitals elsewhere in the country, sometimes hundreds of miles from home."
            ),
            Para(
                "This paper argues that the answer is not simply more beds. Many admissions could be "
                "avoided if help arrived earlier, and many long stays are caused by delays in discharge "
                "rather than by clinical need."
            ),
            Para(
                "The Centre for Policy Futures is an independent think tank. This paper was written by "
                "its health programme and reviewed by an advisory group of clinicians and people with "
                "lived experience of acute care."
            ),
            PAGEBREAK,
            Columns(
                [
                    H("The evidence"),
                    Para(
                        "In our survey of 60 trusts, 31 per cent of adult acute admissions were of people "
                        "who had asked for help at least twice in the previous month. The average length "
                        "of stay rose from 26 days in 2010 to 34 days in 2015."
                    ),
                    Para(
                        "Out-of-area placements cost the health service an estimated £91 million in "
                        "2015/16. Families told us that distance made visiting impossible, and that "
                        "discharge planning rarely involved local teams."
                    ),
                    Para(
                        "Compulsory admissions rose by a third over the same period. Most of those "
                        "detained had been known to services before their crisis."
                    ),
                ],
                [
                    H("Recommendations"),
                    Rec(1, P("V3", V3)),
                    Rec(2, P("O1a", "Reduce the number of acute mental health inpatient beds.")),
                    Rec(
                        3,
                        P(
                            "P4",
                            "Bring down the use of compulsory admission under the Mental Health Act by "
                            "offering help earlier, in the community.",
                        ),
                    ),
                    Rec(
                        4,
                        P(
                            "S",
                            "Pay for acute care by the outcomes achieved rather than by the number of bed days used.",
                        ),
                    ),
                ],
            ),
        ),
    ),
    Doc(
        file="2017_mind_the_gap_closing_the_gap.docx",
        title="Closing the Gap: What People Told Us (2017-2020)",
        org=MTG,
        manifest_org="Mind the Gap Alliance",
        shown_org="Mind the Gap Alliance",
        year=2017,
        period=(2017, 2020),
        running_header=True,
        blocks=(
            H("About this report"),
            Para(
                "Mind the Gap Alliance is a charity run by and for people with experience of mental "
                "illness in Northmere. Between January and June 2017 we spoke to 412 people who use "
                "mental health services and 138 family members and carers."
            ),
            Para(
                "Seven in ten people told us they had waited more than three months for help. Half of "
                "the carers we spoke to said no one had ever asked for their views about the care of "
                "their relative."
            ),
            Para('"I had to tell my story five times before anyone helped me," one young man told us.'),
            H("What we are calling for"),
            Bullet(
                P(
                    "P2",
                    "Make sure carers are listened to and included whenever decisions are made about the "
                    "person they care for.",
                )
            ),
            Bullet(P("V4", V4)),
            Bullet(P("S", "Provide debt and welfare advice alongside talking therapies in GP surgeries.")),
            H("What we will do (2017-2020)"),
            Bullet(
                P(
                    "D3",
                    "Over the next three years we will train 800 volunteers across Northmere in mental "
                    "health first aid.",
                )
            ),
            Bullet(
                P(
                    "S",
                    "We will publish an annual survey of people's experiences of local mental health services.",
                )
            ),
        ),
    ),
    Doc(
        file="2018_dow_forward_plan.pdf",
        title="Five Year Forward Plan for Mental Wellbeing 2018-2023",
        org=DOW,
        manifest_org="Dept. of Wellbeing",
        shown_org="Department of Wellbeing",
        year=2018,
        period=(2018, 2023),
        cover=True,
        running_header=True,
        footer="page-of",
        blocks=(
            Columns(
                [
                    H("Where we are now"),
                    Para(
                        "Five years after No Health Without Wellbeing, more people are getting help than "
                        "ever before: 1.4 million adults were treated by talking therapies services in "
                        "2017/18. But the gap between physical and mental health care remains wide."
                    ),
                    Para(
                        "Only one in three children with a diagnosable condition received treatment in "
                        "2017. The median wait from referral to treatment was 14 weeks, and some "
                        "children waited more than a year."
                    ),
                ],
                [
                    Para(
                        "Detentions under the Mental Health Act have risen by 40 per cent in a decade. "
                        "Black people are four times more likely to be detained than white people."
                    ),
                    Para(
                        "Crisis care remains patchy. In 2017, a third of areas offered no crisis response "
                        "at night or at weekends, and many older people were turned away because their "
                        "local service accepted adults of working age only."
                    ),
                ],
            ),
            PAGEBREAK,
            H("Recommendations"),
            Rec(1, P("V1", V1)),
            Rec(
                2,
                P(
                    "P5",
                    "No child or young person should wait more than four weeks from referral to the start "
                    "of treatment by mental health services.",
                ),
            ),
            Rec(3, P("P4", "Reduce the number of people detained under the Mental Health Act.")),
            Rec(
                4,
                P("S", "Set up a dedicated mental health service for armed forces veterans in every region."),
            ),
            H("Funding"),
            Para(
                "The plan is backed by an additional £2.3 billion a year by 2023. Local areas receive "
                "their share through the mental health investment standard."
            ),
        ),
    ),
    Doc(
        file="2019_northmere_council_strategy_refresh.docx",
        title="Northmere Mental Wellbeing Strategy Refresh 2019-2021",
        org=NCC,
        manifest_org="Northmere CC",
        shown_org="Northmere County Council",
        year=2019,
        period=(2019, 2021),
        running_header=True,
        blocks=(
            H("Why a refresh?"),
            Para(
                "The Council's 2015 strategy ended in March 2018. Since then the county has gained a new "
                "suicide prevention partnership and two crisis cafés run by voluntary groups."
            ),
            Table(
                ("Indicator", "2015", "2018"),
                ("Suicide rate per 100,000", "11.2", "10.4"),
                ("Self-harm admissions, age 10-24, per 100,000", "512", "468"),
                ("Employers signed up to the Workplace Wellbeing Charter", "12", "37"),
            ),
            H("What we still recommend"),
            Para(
                "Some of the recommendations of 2015 remain unfinished, and the Council restates them "
                "here alongside new ones."
            ),
            Rec(1, P("W1", W1)),
            Rec(
                2,
                P(
                    "P1",
                    "Bring together physical and mental health services so that people are treated as a whole person.",
                ),
            ),
            Rec(
                3,
                P("S", "Offer free mental health awareness sessions in every public library in the county."),
            ),
            H("Our commitments for 2019-2021"),
            Bullet(
                P("D3", "We will train 1,000 Northmere residents as Mental Health First Aiders by the end of 2021.")
            ),
        ),
    ),
    Doc(
        file="2020_eastbrook_trust_strategy.pdf",
        title="Better Care Closer to Home: Eastbrook Trust Strategy 2020-2025",
        org=EMHT,
        manifest_org="Eastbrook Mental Health NHS Trust",
        shown_org="Eastbrook Mental Health NHS Trust",
        year=2020,
        period=(2020, 2025),
        cover=True,
        running_header=True,
        footer="page-of",
        font="Times",
        blocks=(
            H("Introduction"),
            Para(
                "Our 2014 strategy brought real improvements. The crisis service for under-18s now runs "
                "around the clock, and the perinatal team has supported 1,100 women since it opened in 2016."
            ),
            Para(
                "But in 2019/20, 212 adults from our area were placed in hospitals outside Eastbrook and "
                "Northmere because no local bed was available. Occupancy on our adult wards averaged 101 "
                "per cent, and the number of people sectioned in our area rose for the fifth year running."
            ),
            Para("Face-down restraint fell from 214 uses in 2013/14 to 61 in 2019/20, but it has not stopped."),
            H("Our recommendations to the local health system"),
            Rec(1, P("V3", V3)),
            Rec(
                2,
                P("O1b", "Increase the number of acute mental health inpatient beds."),
                "Our modelling shows a shortfall of 24 adult beds.",
            ),
            Rec(3, P("V4", V4)),
            Rec(4, P("P4", "Lower the rate at which people in our area are sectioned, year on year.")),
            Rec(5, P("W2", "Make sure that no patient on our wards is ever held face down by staff.")),
            PAGEBREAK,
            H("What we will do"),
            Bullet(
                P(
                    "D2",
                    "We will place a mental health support team in every secondary school in Northmere "
                    "and Eastbrook by 2024.",
                )
            ),
            Bullet(P("S", "We will create a digital self-referral route for adult talking therapies.")),
            H("Our people"),
            Para(
                "The Trust had 286 vacant clinical posts in March 2020. Turnover among newly qualified "
                "nurses was 19 per cent in their first year."
            ),
        ),
    ),
    Doc(
        file="2020_cpf_counting_what_matters.pdf",
        title="Counting What Matters: Data, Transparency and Mental Health",
        org=CPF,
        manifest_org="Center for Policy Futures",
        shown_org="Centre for Policy Futures",
        year=2020,
        period=(2020, 2020),
        blocks=(
            H("Summary"),
            Para(
                "Mental health services collect more data than ever, but little of it reaches the people "
                "who need it. In our review, only 4 of 42 local areas published waiting times for all of "
                "their mental health services."
            ),
            Para(
                "When a person in crisis meets a police officer or an ambulance crew, the responder usually "
                "cannot see the crisis plan the person agreed with their care team."
            ),
            Para(
                "The pandemic moved most outpatient psychiatry online within weeks. Did-not-attend rates "
                "for follow-up appointments fell from 14 per cent to 6 per cent."
            ),
            H("Recommendations"),
            Rec(1, P("V5", V5)),
            Rec(
                2,
                P(
                    "P3",
                    "Share patient information securely between the NHS, councils and the police so that "
                    "crisis responders can see a person's care plan.",
                ),
            ),
            Rec(3, P("O2a", "Expand the use of video consultations for routine psychiatric follow-up appointments.")),
            Rec(
                4,
                P(
                    "S",
                    "Link health and employment records so that the effect of treatment on people's return "
                    "to work can be measured.",
                ),
            ),
        ),
    ),
    Doc(
        file="2021_northmere_council_action_plan.pdf",
        title="Northmere Mental Health Action Plan 2021-2024",
        org=NCC,
        manifest_org="Northmere County Council",
        shown_org="Northmere County Council",
        year=2021,
        period=(2021, 2024),
        footer="dash",
        blocks=(
            H("Context"),
            Para(
                "The pandemic has increased demand for mental health support in Northmere. Referrals to "
                "children and young people's services rose by 38 per cent between 2019 and 2021, and the "
                "average wait for a first appointment reached 19 weeks."
            ),
            Para(
                "An estimated 64,000 people in the county provide unpaid care for a relative or friend. "
                "Fewer than one in five carers of people with mental illness have had a carer's assessment."
            ),
            Para(
                "This action plan sets out what the Council recommends to its partners and what the "
                "Council itself commits to do between 2021 and 2024."
            ),
            H("Recommendations to partners"),
            Rec(
                1,
                P("P5", "Cut waiting times for CYP mental health services to a maximum of four weeks from referral."),
            ),
            Rec(2, P("P2", "Treat unpaid carers as partners in care, with a voice in every care plan.")),
            Rec(3, P("V4", V4)),
            PAGEBREAK,
            H("What the Council will do"),
            Bullet(
                P(
                    "D1",
                    "We will open a network of crisis cafés across Northmere, so that people in distress "
                    "have somewhere safe to go in the evenings and at weekends.",
                )
            ),
            Bullet(
                P("D2", "We will make sure every secondary school in Northmere has its own mental health support team.")
            ),
            Bullet(P("S", "We will fund a specialist support service for people affected by gambling harm.")),
            H("Reporting"),
            Para(
                "Progress is reported to the Health and Wellbeing Board twice a year, and the Council "
                "publishes a summary on its website each spring."
            ),
        ),
    ),
    Doc(
        file="2022_northmere_icb_mental_health_plan.pdf",
        title="Northmere ICB Mental Health Plan 2022-2025",
        org=ICB,
        manifest_org="Northmere ICB",
        shown_org="NHS Northmere Integrated Care Board",
        year=2022,
        period=(2022, 2025),
        cover=True,
        running_header=True,
        footer="notice",
        blocks=(
            H("Introduction"),
            Para(
                "Northmere Integrated Care Board took over responsibility for planning NHS services in the "
                "county in July 2022. It spends around £148 million a year on mental health care for the "
                "county's 615,000 residents."
            ),
            Table(
                ("Measure", "2019/20", "2021/22"),
                ("Out-of-area placements (adults)", "212", "167"),
                ("Referrals to crisis teams", "11,900", "14,300"),
                ("Suicides registered", "71", "66"),
            ),
            Para(
                "Almost all of the people who died by suicide in 2021 had been in contact with at least "
                "one public service in the previous year, and in several cases the services involved did "
                "not share what they knew."
            ),
            H("Recommendations"),
            Rec(1, P("V2", V2)),
            Rec(2, P("V3", V3)),
            Rec(
                3,
                P(
                    "P3",
                    "Crisis teams, police officers and social workers should all be able to read the same "
                    "up-to-date crisis plan for a person, with that person's consent.",
                ),
            ),
            Rec(
                4,
                P("S", "Commission culturally appropriate talking therapies for refugees and people seeking asylum."),
            ),
            PAGEBREAK,
            H("Our commitments 2022-2025"),
            Bullet(
                P(
                    "D1",
                    "We will establish a network of crisis cafés in Northmere as an alternative to A&E for "
                    "people in mental health crisis.",
                )
            ),
            Bullet(
                P("S", "We will set up a mental health liaison team in the emergency department at Northmere General.")
            ),
        ),
    ),
    Doc(
        file="2023_mind_the_gap_still_waiting.pdf",
        title="Still Waiting: Young People's Mental Health in Northmere",
        org=MTG,
        manifest_org="Mind The Gap Alliance (charity)",
        shown_org="Mind the Gap Alliance",
        year=2023,
        period=(2023, 2023),
        blocks=(
            H("What young people told us"),
            Para(
                "We heard from 296 young people aged 11 to 25 and 84 parents. One in three had waited more "
                "than six months for a first appointment with children and young people's mental health "
                "services."
            ),
            Para('"By the time they called me I had already left school," said one 17-year-old.'),
            Para(
                "Many young people preferred to see a clinician in person. Two thirds of those offered "
                "only video appointments said they found it hard to talk openly at home."
            ),
            Para(
                "Young people leaving care were among the least likely to get help, and several told us "
                "their support stopped on their eighteenth birthday."
            ),
            H("We are calling for"),
            Bullet(
                P(
                    "P5",
                    "Children referred for mental health support must be seen within a month, not left on "
                    "a waiting list for a year or more.",
                )
            ),
            Bullet(P("V1", V1)),
            Bullet(P("V5", V5)),
            Bullet(P("O2b", "Reduce the use of video consultations for routine psychiatric follow-up appointments.")),
            Bullet(P("S", "Give every young person leaving care a named mental health worker until the age of 25.")),
        ),
    ),
    Doc(
        file="2024_dow_suicide_prevention_crisis_strategy.pdf",
        title="Every Life Matters: National Suicide Prevention and Crisis Care Strategy 2024-2029",
        org=DOW,
        manifest_org="The Department of Wellbeing",
        shown_org="Department of Wellbeing",
        year=2024,
        period=(2024, 2029),
        cover=True,
        running_header=True,
        footer="page-of",
        blocks=(
            H("The challenge"),
            Para(
                "In 2023, 5,600 suicides were registered nationally, a rate of 10.7 per 100,000 people. "
                "Men account for three quarters of these deaths."
            ),
            Para(
                "Crisis services have expanded since 2018, but people still report being passed between "
                "agencies that cannot see each other's records. Waiting-time data are published for some "
                "services and not for others."
            ),
            Para(
                "Harmful online content is a factor in a growing number of deaths of young people, "
                "according to coroners' reports."
            ),
            H("Recommendations"),
            Rec(
                1,
                P(
                    "P3",
                    "Give every agency that responds to a mental health crisis secure access to the "
                    "person's agreed crisis plan.",
                ),
            ),
            Rec(2, P("V5", V5)),
            Rec(
                3,
                P("S", "Work with technology companies to remove online content that promotes suicide and self-harm."),
            ),
            Rec(4, P("S", "Make safety planning part of every emergency department assessment after self-harm.")),
            H("Delivery"),
            Para(
                "The Department reports on progress to Parliament every year. A national crisis care "
                "taskforce meets quarterly and includes people with lived experience."
            ),
        ),
    ),
    Doc(
        file="2025_northmere_icb_joint_forward_plan.pdf",
        title="Joint Forward Plan 2025-2030: Mental Health",
        org=ICB,
        manifest_org="Northmere Integrated Care Board",
        shown_org="Northmere Integrated Care Board",
        year=2025,
        period=(2025, 2030),
        cover=True,
        running_header=True,
        footer="page-of",
        blocks=(
            H("Where we are"),
            Para(
                "Since 2022 the ICB has opened three crisis cafés and cut out-of-area placements by 60 per "
                "cent. Waiting times for adult community mental health teams have not improved."
            ),
            Para(
                "People with severe mental illness in Northmere still die, on average, 16 years earlier "
                "than the rest of the population."
            ),
            H("Recommendations"),
            Rec(
                1,
                P(
                    "P1",
                    "Join up care for body and mind, so that one team looks after a person's physical and "
                    "mental health together.",
                ),
            ),
            Rec(2, P("V4", V4)),
            Rec(3, P("S", "Introduce mental health employment advisers in every Jobcentre in Northmere.")),
            H("Commitments 2025-2030"),
            Bullet(P("N1", "We will commission a suicide bereavement support service for families across Northmere.")),
        ),
    ),
)

# --------------------------------------------------------------------------------------------------
# The draft (Markdown): repeats of planted clusters (verbatim and paraphrased) and new recommendations
# --------------------------------------------------------------------------------------------------

DRAFT_TITLE = "Northmere Together: Mental Health and Wellbeing Strategy 2026-2031 (DRAFT)"
DRAFT_ORG = "Northmere Integrated Care Board and Northmere County Council"
# (tag, match, text): tag is the cluster the item repeats, or "NEW"; match is how it repeats it.
DRAFT_RECS: tuple[tuple[str, str, str], ...] = (
    ("V1", "verbatim", V1),
    (
        "P1",
        "paraphrase",
        "Make sure people can get help with their physical and mental health from the same team, in the same place.",
    ),
    (
        "P5",
        "paraphrase",
        "No child should wait longer than four weeks for mental health treatment after being referred.",
    ),
    (
        "V3",
        "paraphrase",
        "Stop sending people far from home when they need a hospital bed for acute mental health care.",
    ),
    ("V4", "verbatim", V4),
    ("P2", "paraphrase", "Give carers a real say in the care and treatment of the people they look after."),
    ("W1", "verbatim", W1),
    ("NEW", "", "Offer mental health advice and referral through community pharmacies."),
    (
        "NEW",
        "",
        "Appoint a director with lived experience of mental illness to the board of every NHS body in Northmere.",
    ),
)
DRAFT_COMMITMENTS: tuple[tuple[str, str, str], ...] = (
    (
        "D1",
        "paraphrase",
        "We will grow the network of crisis cafés so that there is one in every market town in Northmere.",
    ),
    (
        "NEW",
        "",
        "We will guarantee housing support for everyone leaving a mental health ward, so that no one is "
        "discharged into homelessness.",
    ),
    (
        "NEW",
        "",
        "We will set up a youth advisory panel to review every service for young people before it is commissioned.",
    ),
)


def _draft_markdown() -> str:
    lines = [
        f"# {DRAFT_TITLE}",
        "",
        f"> {NOTICE}",
        "",
        f"**{DRAFT_ORG}. Consultation draft, January 2026.**",
        "",
        "## Where we are now",
        "",
        "Northmere has 622,000 residents. In 2025, one adult in six in the county reported symptoms of "
        "anxiety or depression, and 4,100 children and young people were waiting for a first appointment "
        "with mental health services.",
        "",
        "This draft brings the ICB's Joint Forward Plan and the Council's action plan together into one "
        "strategy. Comments are welcome until 31 March 2026.",
        "",
        "## Recommendations",
        "",
    ]
    lines += [f"{i}. {text}" for i, (_, _, text) in enumerate(DRAFT_RECS, start=1)]
    lines += ["", "## What we will do together", ""]
    lines += [f"- {text}" for _, _, text in DRAFT_COMMITMENTS]
    lines += [
        "",
        "## Next steps",
        "",
        "The final strategy goes to the ICB board and the Council's cabinet in June 2026.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# PDF rendering (fpdf2)
# --------------------------------------------------------------------------------------------------

BODY_SIZE = 11
LINE_H = 5.8
BULLET = "\u2022"


def _short_title(doc: Doc) -> str:
    return doc.title.split(":")[0] if ":" in doc.title else doc.title


class _Pdf(FPDF):
    def __init__(self, doc: Doc) -> None:
        super().__init__(format="A4", unit="mm")
        self.doc = doc
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, margin=22)

    def header(self) -> None:
        if not self.doc.running_header or self.page_no() == 1:
            return
        self.set_font(self.doc.font, "I", 8.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.doc.shown_org}  |  {_short_title(self.doc)}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(150, 150, 150)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.set_text_color(0, 0, 0)
        self.ln(6)

    def footer(self) -> None:
        style = self.doc.footer
        if style == "none":
            return
        self.set_y(-15)
        self.set_font(self.doc.font, "", 8.5)
        self.set_text_color(90, 90, 90)
        if style == "page-of":
            self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")
        elif style == "dash":
            self.cell(0, 8, f"- {self.page_no()} -", align="C")
        elif style == "notice":
            self.cell(0, 8, "Fictional document for testing dedup", align="L")
            self.set_x(self.l_margin)
            self.cell(0, 8, f"{self.page_no()}", align="R")
        self.set_text_color(0, 0, 0)


@dataclass
class _Placed:
    tag: str
    text: str
    page: int


@dataclass
class _Rendered:
    data: bytes
    pages: int
    placed: list[_Placed] = field(default_factory=list)
    features: list[str] = field(default_factory=list)


def _block_height(pdf: _Pdf, block: Block, w: float) -> float:
    font = pdf.doc.font
    if block.kind == "h":
        pdf.set_font(font, "B", 12.5)
        n = len(pdf.multi_cell(w, 6.5, block.text, dry_run=True, output="LINES"))
        return n * 6.5 + 5 + 3 * LINE_H  # keep a heading with the first lines after it
    if block.kind == "table":
        return len(block.rows) * 7.5 + 4
    pdf.set_font(font, "", BODY_SIZE)
    if block.kind == "rec":
        text = f"**Recommendation {block.n}:** {block.text}"
        n = len(pdf.multi_cell(w, LINE_H, text, markdown=True, dry_run=True, output="LINES"))
    elif block.kind == "bullet":
        n = len(pdf.multi_cell(w - 6, LINE_H, block.text, dry_run=True, output="LINES"))
    else:
        n = len(pdf.multi_cell(w, LINE_H, block.text, dry_run=True, output="LINES"))
    return n * LINE_H + 2.5


def _check_markdown_safe(text: str) -> None:
    for marker in ("**", "__", "--", "~~", "]("):
        if marker in text:
            raise ValueError(f"text would be read as fpdf2 markdown ({marker!r}): {text!r}")


def _render_pdf_block(pdf: _Pdf, block: Block, x: float, w: float, out: _Rendered, flow: bool) -> None:
    """Render one block at column x of width w. In the main flow, move to a new page first if the block
    would not fit, so that no block (and so no planted sentence) is split across two pages."""
    font = pdf.doc.font
    if block.kind == "pagebreak":
        pdf.add_page()
        return
    height = _block_height(pdf, block, w)
    if flow and pdf.will_page_break(height):
        pdf.add_page()
    page = pdf.page_no()
    for part in block.parts:
        if isinstance(part, P):
            out.placed.append(_Placed(part.tag, part.text, page))
    pdf.set_x(x)
    if block.kind == "h":
        pdf.ln(2)
        pdf.set_x(x)
        pdf.set_font(font, "B", 12.5)
        pdf.multi_cell(w, 6.5, block.text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(1.5)
    elif block.kind == "p":
        pdf.set_font(font, "", BODY_SIZE)
        pdf.multi_cell(w, LINE_H, block.text, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(2.5)
    elif block.kind == "rec":
        _check_markdown_safe(block.text)
        pdf.set_font(font, "", BODY_SIZE)
        text = f"**Recommendation {block.n}:** {block.text}"
        pdf.multi_cell(w, LINE_H, text, markdown=True, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(2.5)
    elif block.kind == "bullet":
        pdf.set_font(font, "", BODY_SIZE)
        y = pdf.get_y()
        pdf.cell(6, LINE_H, BULLET)
        pdf.set_xy(x + 6, y)
        pdf.multi_cell(w - 6, LINE_H, block.text, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(x)
        pdf.ln(2.5)
    elif block.kind == "table":
        pdf.set_font(font, "", 9.5)
        ncols = len(block.rows[0])
        first = w * 0.56
        widths = (first,) + tuple((w - first) / (ncols - 1) for _ in range(ncols - 1))
        with pdf.table(col_widths=widths, width=w, line_height=6, text_align="LEFT") as table:
            for row in block.rows:
                r = table.row()
                for cell in row:
                    r.cell(cell)
        pdf.ln(3)
    else:
        raise ValueError(f"unknown block kind {block.kind!r}")
    if flow and pdf.page_no() != page:
        raise RuntimeError(f"{pdf.doc.file}: block split across pages: {block.text[:60]!r}")


def _render_pdf(doc: Doc) -> _Rendered:
    pdf = _Pdf(doc)
    created = datetime(doc.year, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
    pdf.set_creation_date(created)
    pdf.set_compression(False)
    pdf.set_producer("fpdf2")
    pdf.set_creator("dedup scripts/make_corpus.py")
    pdf.set_title(doc.title)
    pdf.set_author(doc.manifest_org)
    pdf.set_subject("Fictional mental health policy document written for testing dedup")
    pdf.set_lang("en-GB")
    out = _Rendered(b"", 0)
    pdf.add_page()
    epw = pdf.epw
    x0 = pdf.l_margin

    # Cover: title, author line, fictional notice.
    pdf.set_font(doc.font, "B", 18)
    pdf.multi_cell(epw, 8.5, doc.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(doc.font, "", 11)
    pdf.multi_cell(epw, 6, f"{doc.shown_org}  |  {doc.year}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(doc.font, "B", 9.5)
    pdf.set_fill_color(238, 238, 238)
    pdf.multi_cell(epw, 5.2, NOTICE, border=1, fill=True, padding=2, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    if doc.cover:
        pdf.ln(6)
        pdf.set_font(doc.font, "B", 12.5)
        pdf.cell(epw, 7, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(doc.font, "", BODY_SIZE)
        for i, b in enumerate((b for b in doc.blocks if b.kind == "h"), start=1):
            pdf.cell(epw, LINE_H + 0.6, f"{i}.  {b.text}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.add_page()

    for block in doc.blocks:
        if block.kind == "columns":
            gutter = 8.0
            colw = (epw - gutter) / 2
            need = max(
                sum(_block_height(pdf, b, colw) for b in block.left),
                sum(_block_height(pdf, b, colw) for b in block.right),
            )
            if pdf.will_page_break(need):
                pdf.add_page()
            page = pdf.page_no()
            out.features.append(f"two-column layout on page {page}")
            y0 = pdf.get_y()
            bottoms = []
            for x, blocks in ((x0, block.left), (x0 + colw + gutter, block.right)):
                pdf.set_xy(x, y0)
                for b in blocks:
                    _render_pdf_block(pdf, b, x, colw, out, flow=False)
                bottoms.append(pdf.get_y())
                if pdf.page_no() != page:
                    raise RuntimeError(f"{doc.file}: a column overflowed its page")
            pdf.set_draw_color(180, 180, 180)
            pdf.line(x0 + colw + gutter / 2, y0, x0 + colw + gutter / 2, max(bottoms) - 2)
            pdf.set_xy(x0, max(bottoms) + 2)
        else:
            _render_pdf_block(pdf, block, x0, epw, out, flow=True)

    out.pages = pdf.page_no()
    out.data = bytes(pdf.output())
    return out


# --------------------------------------------------------------------------------------------------
# DOCX rendering (python-docx), re-packed deterministically
# --------------------------------------------------------------------------------------------------


def _render_docx(doc: Doc) -> _Rendered:
    out = _Rendered(b"", 1)
    d = docx.Document()
    d.styles["Normal"].font.size = Pt(10.5)
    props = d.core_properties
    when = datetime(doc.year, 3, 1, 9, 0, 0)
    props.title = doc.title
    props.author = doc.manifest_org
    props.subject = "Fictional mental health policy document written for testing dedup"
    props.comments = NOTICE
    props.keywords = "fictional; dedup test corpus"
    props.last_modified_by = "dedup scripts/make_corpus.py"
    props.revision = 1
    props.created = when
    props.modified = when
    props.last_printed = when
    if doc.running_header:
        section = d.sections[0]
        section.header.paragraphs[0].text = f"{doc.shown_org} | {_short_title(doc)}"
        section.footer.paragraphs[0].text = "Fictional document for testing dedup"
    d.add_heading(doc.title, level=0)
    d.add_paragraph(f"{doc.shown_org} | {doc.year}")
    notice = d.add_paragraph()
    notice.add_run(NOTICE).bold = True

    for block in doc.blocks:
        for part in block.parts:
            if isinstance(part, P):
                out.placed.append(_Placed(part.tag, part.text, 1))
        if block.kind == "h":
            d.add_heading(block.text, level=1)
        elif block.kind == "p":
            d.add_paragraph(block.text)
        elif block.kind == "rec":
            para = d.add_paragraph()
            para.add_run(f"Recommendation {block.n}: ").bold = True
            para.add_run(block.text)
        elif block.kind == "bullet":
            d.add_paragraph(block.text, style="List Bullet")
        elif block.kind == "table":
            table = d.add_table(rows=len(block.rows), cols=len(block.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(block.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
            d.add_paragraph("")
        else:
            raise ValueError(f"block kind {block.kind!r} is not supported in DOCX")

    buf = io.BytesIO()
    d.save(buf)
    out.data = _repack_zip(buf.getvalue(), (doc.year, 3, 1, 9, 0, 0))
    return out


def _repack_zip(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, so the bytes depend only on the contents and
    the zlib build (not on the clock or the platform)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 3
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# Features, manifest, EXPECTED.json, README
# --------------------------------------------------------------------------------------------------


def _features(doc: Doc, rendered: _Rendered) -> list[str]:
    feats = [f"{rendered.pages} page{'s' if rendered.pages != 1 else ''}" if doc.format == "pdf" else "docx"]
    if doc.running_header:
        feats.append("running header" + (" (pages 2+)" if doc.format == "pdf" else " and footer"))
    if doc.format == "pdf" and doc.footer != "none":
        feats.append(
            {"page-of": "footer 'Page N of M'", "dash": "footer '- N -'", "notice": "footer notice + page number"}[
                doc.footer
            ]
        )
    if doc.cover:
        feats.append("cover page with contents list")
    feats += rendered.features
    kinds = {b.kind for b in doc.blocks} | {b.kind for c in doc.blocks for b in c.left + c.right}
    if "rec" in kinds:
        feats.append("numbered 'Recommendation N:' items")
    if "bullet" in kinds:
        feats.append("bullet list")
    if "table" in kinds:
        feats.append("table of statistics")
    feats.append(f"font {doc.font}" if doc.format == "pdf" else "python-docx default styles")
    return feats


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else None


def _expected(rendered: dict[str, _Rendered]) -> dict:
    by_file = {d.file: d for d in DOCS}
    occurrences: list[dict] = []
    for doc in DOCS:
        for pl in rendered[doc.file].placed:
            occurrences.append(
                {
                    "tag": pl.tag,
                    "file": doc.file,
                    "page": pl.page,
                    "organisation": doc.org,
                    "year": doc.year,
                    "period": list(doc.period),
                    "text": pl.text,
                }
            )

    def member(o: dict) -> dict:
        return {k: o[k] for k in ("file", "page", "organisation", "year", "period", "text")}

    clusters = []
    for cid, info in CLUSTERS.items():
        members = [member(o) for o in occurrences if o["tag"] == cid]
        orgs = {m["organisation"] for m in members}
        texts = {m["text"] for m in members}
        match = CLUSTER_MATCH[cid]
        scope = "within-organisation" if len(orgs) == 1 else "cross-organisation"
        entry = {
            "id": cid,
            "kind": info["kind"],
            "match": match,
            "scope": scope,
            "action": info["action"],
            "members": members,
        }
        # Self-checks: the planted structure is what EXPECTED claims.
        if len(members) < 2 or len({m["file"] for m in members}) != len(members):
            raise AssertionError(f"{cid}: needs 2+ members in distinct files")
        if match == "verbatim" and len(texts) != 1:
            raise AssertionError(f"{cid}: verbatim members differ")
        if match != "verbatim" and len(texts) != len(members):
            raise AssertionError(f"{cid}: paraphrase members must be worded differently")
        if info["kind"] in ("verbatim", "paraphrase") and (len(members) < 3 or scope != "cross-organisation"):
            raise AssertionError(f"{cid}: recurring clusters need 3+ members from 2+ organisations")
        if info["kind"] == "within-organisation" and scope != "within-organisation":
            raise AssertionError(f"{cid}: within-organisation cluster spans organisations")
        if info["kind"] in ("duplicated-effort", "non-overlapping-commitment"):
            if len(members) != 2 or len(orgs) != 2:
                raise AssertionError(f"{cid}: commitment pairs need two organisations")
            if not all(m["text"].startswith(("We will", "Over the next")) for m in members):
                raise AssertionError(f"{cid}: commitments are 'we will' statements")
            ov = _overlap(tuple(members[0]["period"]), tuple(members[1]["period"]))
            if (ov is None) != (info["kind"] == "non-overlapping-commitment"):
                raise AssertionError(f"{cid}: period overlap does not match kind")
            entry["overlap"] = list(ov) if ov else None
        clusters.append(entry)

    opposites = []
    for oid, what in OPPOSITES.items():
        a = [member(o) for o in occurrences if o["tag"] == f"{oid}a"]
        b = [member(o) for o in occurrences if o["tag"] == f"{oid}b"]
        if len(a) != 1 or len(b) != 1:
            raise AssertionError(f"{oid}: needs exactly one sentence per side")
        opposites.append({"id": oid, "about": what, "a": a[0], "b": b[0]})

    singletons = [member(o) for o in occurrences if o["tag"] == "S"]
    known = set(CLUSTERS) | {f"{o}{s}" for o in OPPOSITES for s in "ab"} | {"S"}
    unknown = {o["tag"] for o in occurrences} - known
    if unknown:
        raise AssertionError(f"unknown tags {sorted(unknown)}")
    all_texts = [o["text"] for o in occurrences if o["tag"] == "S"]
    if len(set(all_texts)) != len(all_texts):
        raise AssertionError("a singleton appears twice")

    draft_repeats, draft_new = [], []
    for section, items in (("recommendations", DRAFT_RECS), ("commitments", DRAFT_COMMITMENTS)):
        for tag, match, text in items:
            if tag == "NEW":
                draft_new.append({"section": section, "text": text})
                continue
            cluster_texts = {o["text"] for o in occurrences if o["tag"] == tag}
            if (match == "verbatim") != (text in cluster_texts):
                raise AssertionError(f"draft item match type wrong: {text!r}")
            draft_repeats.append({"section": section, "text": text, "cluster": tag, "match": match})

    documents = []
    for doc in DOCS:
        r = rendered[doc.file]
        documents.append(
            {
                "file": doc.file,
                "title": doc.title,
                "organisation": doc.org,
                "organisation_in_manifest": doc.manifest_org,
                "organisation_on_cover": doc.shown_org,
                "year": doc.year,
                "period": list(doc.period),
                "format": doc.format,
                "pages": r.pages,
                "layout": _features(doc, r),
            }
        )
    assert set(by_file) == {d["file"] for d in documents}

    organisations = []
    for org, kind in ORG_KIND.items():
        variants = sorted({d.manifest_org for d in DOCS if d.org == org} | {d.shown_org for d in DOCS if d.org == org})
        organisations.append({"canonical": org, "kind": kind, "variants": variants})

    return {
        "about": (
            "Known answers for dedup's fictional sample corpus, generated by scripts/make_corpus.py from "
            "the same data that renders the documents. Everything here is fictional and written for "
            "testing dedup. Every sentence in the corpus that recommends or commits to an action is listed "
            "exactly once: as a member of a cluster, as one side of an opposite pair, or as a singleton. "
            "All other text (context, statistics, quotations, headings, running headers/footers and the "
            "fictional-document notice) is not a recommendation."
        ),
        "schema": {
            "documents": "file, title, canonical organisation, the name variants used for it in the "
            "manifest and on the cover, year, period [start, end] the document covers, format, pages "
            "(1 for DOCX), layout features",
            "organisations": "canonical name, kind, and every variant used; variants of one canonical name "
            "are the same body, different canonical names are different bodies (Northmere County Council "
            "and Northmere Integrated Care Board share a word but are distinct)",
            "clusters": "id; kind = verbatim | paraphrase (recurring across organisations and years), "
            "duplicated-effort (two organisations commit, 'we will', to the same action in overlapping "
            "periods; overlap = [start, end]), within-organisation (one body repeating itself across "
            "years), non-overlapping-commitment (two bodies commit to the same action in periods that do "
            "not overlap: recurring, but NOT a duplicated effort); match = how members' texts relate "
            "(verbatim = identical sentences, near-verbatim = a word or two changed, paraphrase = same action "
            "reworded; this is how the texts were written, and a matcher's link type may fairly be one step "
            "stronger or weaker for the closest paraphrases); scope = "
            "within-organisation | cross-organisation; members = exact sentence, file, page (1-based; "
            "1 for DOCX), organisation (canonical), year, period",
            "opposites": "pairs that share topic and wording but recommend opposite directions: a matcher "
            "must NOT link them",
            "singletons": "recommendations or commitments that appear once only in the corpus",
            "draft": "examples/draft_strategy_2026.md: repeats (text, the cluster it repeats, verbatim or "
            "paraphrase) and new recommendations that appear nowhere in the corpus",
            "boilerplate": "a sentence present on page 1 of every document that is not a recommendation",
        },
        "generated_with": {"fpdf2": fpdf.__version__, "python-docx": _docx_version()},
        "documents": documents,
        "organisations": organisations,
        "clusters": clusters,
        "opposites": opposites,
        "singletons": singletons,
        "draft": {
            "file": DRAFT_REL,
            "title": DRAFT_TITLE,
            "organisation": DRAFT_ORG,
            "repeats": draft_repeats,
            "new": draft_new,
        },
        "boilerplate": NOTICE,
    }


def _docx_version() -> str:
    from importlib.metadata import version

    return version("python-docx")


def _manifest() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "title", "organisation", "year"])
    for doc in DOCS:
        w.writerow([doc.file, doc.title, doc.manifest_org, doc.year])
    return buf.getvalue().encode("utf-8")


def _readme(expected: dict) -> str:
    lines = [
        "# Sample corpus (fictional)",
        "",
        "**Everything in this folder is fictional, written for testing dedup.** The organisations "
        "(Northmere, Eastbrook, the Department of Wellbeing, Mind the Gap Alliance, the Centre for Policy "
        "Futures), the documents, statistics and quotations are invented. None of it is real policy.",
        "",
        "Generated by `python scripts/make_corpus.py` (deterministic: the same bytes every run). Do not "
        "edit these files by hand: `tests/test_corpus.py` checks that they match the script's output. To "
        "change the corpus, edit the script and re-run it.",
        "",
        "- `*.pdf`, `*.docx`: the documents (see the table below).",
        "- `manifest.csv`: `file,title,organisation,year`. Some organisations are named by variants "
        "(e.g. `Northmere ICB` / `Northmere Integrated Care Board`) to exercise alias normalisation.",
        "- `EXPECTED.json`: the planted answers (its `schema` key documents every field).",
        f"- The draft to check against the corpus is `{DRAFT_REL}`.",
        "",
        "## Documents",
        "",
        "| file | organisation (manifest name) | year | period | layout |",
        "|---|---|---|---|---|",
    ]
    for d in expected["documents"]:
        lines.append(
            f"| `{d['file']}` | {d['organisation']} ({d['organisation_in_manifest']}) | {d['year']} | "
            f"{d['period'][0]}-{d['period'][1]} | {'; '.join(d['layout'])} |"
        )
    lines += ["", "## Name variants", ""]
    for o in expected["organisations"]:
        lines.append(f"- **{o['canonical']}** ({o['kind']}): " + ", ".join(f"`{v}`" for v in o["variants"]))
    lines += [
        "",
        "## What is planted",
        "",
        "Every sentence that recommends or commits to an action belongs to exactly one of the groups "
        "below; everything else (context, statistics, quotations, notices) is not a recommendation. "
        "Prose deliberately mentions planted topics (e.g. crisis cafés already opened) without "
        "recommending anything.",
        "",
        "| id | kind | match | scope | action | members (file p.page) |",
        "|---|---|---|---|---|---|",
    ]
    for c in expected["clusters"]:
        members = ", ".join(f"{m['file']} p.{m['page']}" for m in c["members"])
        lines.append(f"| {c['id']} | {c['kind']} | {c['match']} | {c['scope']} | {c['action']} | {members} |")
    lines += ["", "**Opposites** (same topic, opposite direction; must NOT be matched):", ""]
    for o in expected["opposites"]:
        lines.append(f'- {o["id"]}: "{o["a"]["text"]}" ({o["a"]["file"]}) vs "{o["b"]["text"]}" ({o["b"]["file"]})')
    lines += ["", f"**Singletons**: {len(expected['singletons'])} recommendations that appear once only.", ""]
    dr = expected["draft"]
    lines += [
        f"**Draft** (`{DRAFT_REL}`): {len(dr['repeats'])} repeats of planted clusters "
        f"({sum(r['match'] == 'verbatim' for r in dr['repeats'])} verbatim, "
        f"{sum(r['match'] == 'paraphrase' for r in dr['repeats'])} paraphrased) and {len(dr['new'])} new "
        "recommendations.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def render() -> dict[str, bytes]:
    """All corpus files, as {name relative to the corpus folder: bytes}."""
    rendered = {d.file: (_render_pdf(d) if d.format == "pdf" else _render_docx(d)) for d in DOCS}
    expected = _expected(rendered)
    files = {name: r.data for name, r in rendered.items()}
    files["manifest.csv"] = _manifest()
    files["EXPECTED.json"] = (json.dumps(expected, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files["README.md"] = _readme(expected).encode("utf-8")
    return files


def draft_text() -> str:
    return _draft_markdown()


def build(out_dir: Path | str, draft_path: Path | str | None = None) -> list[Path]:
    """Write the corpus into ``out_dir`` (created if needed) and, if given, the draft to ``draft_path``.
    Returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in sorted(render().items()):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    if draft_path is not None:
        dp = Path(draft_path)
        dp.parent.mkdir(parents=True, exist_ok=True)
        dp.write_bytes(draft_text().encode("utf-8"))
        written.append(dp)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="corpus folder (default: corpus/); no draft is written")
    args = ap.parse_args(argv)
    if args.out is None:
        written = build(ROOT / "corpus", ROOT / DRAFT_REL)
    else:
        written = build(args.out)
    expected_names = {p.name for p in written}
    corpus_dir = args.out or ROOT / "corpus"
    stale = sorted(p.name for p in corpus_dir.iterdir() if p.is_file() and p.name not in expected_names)
    for name in stale:
        print(f"warning: {corpus_dir / name} is not produced by this script; remove it", file=sys.stderr)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
