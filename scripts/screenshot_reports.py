"""Build both HTML reports from a small realistic sample (or from JSON files) and screenshot them.

    .venv/bin/python scripts/screenshot_reports.py                       # the built-in sample
    .venv/bin/python scripts/screenshot_reports.py report.json check.json  # JSON the CLI wrote

Writes ``benchmarks/out/report-corpus.html``/``.png`` and ``report-check.html``/``.png`` (full-page
screenshots, plus ``-print.png`` renderings with print CSS) for a person to look at.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup.render.html import render_check_report, render_corpus_report  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

DOCS = [
    (
        "d01",
        "No Health Without Wellbeing: A National Mental Health Outcomes Framework 2013-2018",
        "Department of Wellbeing",
        2013,
        212,
    ),
    ("d02", "Eastbrook Mental Health Trust Clinical Strategy 2014-2019", "Eastbrook Mental Health Trust", 2014, 158),
    ("d03", "Northmere Mental Wellbeing Strategy 2015-2018", "Northmere County Council", 2015, 131),
    ("d04", "Beyond Beds: Rethinking Acute Mental Health Care", "Centre for Policy Futures", 2016, 97),
    ("d05", "Closing the Gap: What People Told Us (2017-2020)", "Mind the Gap Alliance", 2017, 88),
    ("d06", "Five Year Forward Plan for Mental Wellbeing 2018-2023", "Department of Wellbeing", 2018, 240),
    ("d07", "Northmere Mental Wellbeing Strategy Refresh 2019-2021", "Northmere County Council", 2019, 76),
    (
        "d08",
        "Better Care Closer to Home: Eastbrook Trust Strategy 2020-2025",
        "Eastbrook Mental Health Trust",
        2020,
        143,
    ),
    ("d09", "Counting What Matters: Data, Transparency and Mental Health", "Centre for Policy Futures", 2020, 64),
    ("d10", "Northmere Mental Health Action Plan 2021-2024", "Northmere County Council", 2021, 118),
    ("d11", "Northmere ICB Mental Health Plan 2022-2025", "Northmere Integrated Care Board", 2022, 101),
    ("d12", "Still Waiting: Young People's Mental Health in Northmere", "Mind the Gap Alliance", 2023, 92),
    (
        "d13",
        "Every Life Matters: National Suicide Prevention and Crisis Care Strategy 2024-2029",
        "Department of Wellbeing",
        2024,
        187,
    ),
    ("d14", "Joint Forward Plan 2025-2030: Mental Health", "Northmere Integrated Care Board", 2025, 129),
]
DOC = {
    d[0]: {"id": d[0], "title": d[1], "organisation": d[2], "year": d[3], "source": f"corpus/{d[0]}.pdf"} for d in DOCS
}

_pid = iter(range(1000, 10_000))


def passage(doc: str, page: int, text: str, heading: str = "") -> dict[str, Any]:
    return {
        "id": next(_pid),
        "text": text,
        "page": page,
        "kind": "recommendation",
        "heading": heading,
        "document": DOC[doc],
    }


def member(doc: str, page: int, text: str, kind: str, score: float, heading: str = "") -> dict[str, Any]:
    return {"passage": passage(doc, page, text, heading), "type": kind, "score": score}


CRISIS = "Everyone in crisis should be able to reach a 24-hour mental health crisis line, seven days a week."
WAIT = "No young person should wait more than 18 weeks from referral to the start of treatment by child and adolescent mental health services."
DATA = "Publish waiting times for every mental health service each quarter, broken down by age, ethnicity and area."
PEER = "Peer support workers should be part of every community mental health team."


def sample_corpus() -> dict[str, Any]:
    clusters: list[dict[str, Any]] = [
        {
            "representative": CRISIS,
            "labels": ["recurring", "duplicated-effort"],
            "scope": "across-organisations",
            "members": [
                member(
                    "d01",
                    14,
                    "Everyone in crisis should be able to reach a 24-hour crisis line, seven days a week.",
                    "representative",
                    1.0,
                    "Crisis care",
                ),
                member(
                    "d02",
                    22,
                    "We will make sure that everyone in crisis can reach a 24-hour mental health crisis line, seven days a week.",
                    "near-verbatim",
                    0.94,
                ),
                member("d06", 31, CRISIS, "verbatim", 0.99, "Chapter 3: Urgent and emergency care"),
                member(
                    "d08",
                    9,
                    "A round-the-clock telephone line will be available to anyone experiencing a mental health crisis.",
                    "paraphrase",
                    0.83,
                ),
                member(
                    "d11",
                    17,
                    "People in crisis need to be able to get help at any hour of the day or night, including by phone, text or web chat, and in the language they speak.",
                    "paraphrase",
                    0.78,
                ),
                member("d13", 40, CRISIS, "verbatim", 1.0, "Crisis care"),
                member("d14", 12, "Open a single crisis line for Northmere, staffed 24 hours a day.", "related", 0.66),
            ],
        },
        {
            "representative": WAIT,
            "labels": ["recurring"],
            "scope": "across-organisations",
            "members": [
                member("d05", 6, WAIT, "representative", 1.0),
                member(
                    "d07",
                    11,
                    "No young person should wait more than 18 weeks from referral to treatment by CAMHS.",
                    "near-verbatim",
                    0.92,
                ),
                member(
                    "d10",
                    8,
                    "Cut the wait from referral to treatment for children and young people to 18 weeks or less.",
                    "paraphrase",
                    0.81,
                ),
                member(
                    "d12",
                    3,
                    "Young people told us again that waits of over a year are common; no young person should wait more than 18 weeks from referral to the start of treatment.",
                    "near-verbatim",
                    0.9,
                ),
            ],
        },
        {
            "representative": DATA,
            "labels": ["duplicated-effort"],
            "scope": "across-organisations",
            "members": [
                member("d04", 44, DATA, "representative", 1.0, "Transparency"),
                member(
                    "d09",
                    5,
                    "Every mental health service should publish its waiting times every quarter, by age, ethnicity and area.",
                    "paraphrase",
                    0.86,
                ),
                member(
                    "d11",
                    33,
                    "The ICB will publish quarterly waiting-time data for all mental health services.",
                    "related",
                    0.7,
                ),
            ],
        },
        {
            "representative": PEER,
            "labels": ["recurring"],
            "scope": "within-organisation",
            "members": [
                member("d03", 19, PEER, "representative", 1.0),
                member("d07", 4, PEER, "verbatim", 1.0),
                member(
                    "d10",
                    27,
                    "Every community mental health team in the county should include peer support workers.",
                    "paraphrase",
                    0.84,
                ),
            ],
        },
    ]
    for i, c in enumerate(clusters, 1):
        docs = [m["passage"]["document"] for m in c["members"]]
        first = min(docs, key=lambda d: d["year"])
        years = [d["year"] for d in docs]
        c.update(
            id=i,
            first={"organisation": first["organisation"], "year": first["year"], "document": first},
            years=[min(years), max(years)],
            documents=len({d["id"] for d in docs}),
            organisations=len({d["organisation"] for d in docs}),
        )
    orgs = sorted({d[2] for d in DOCS})
    counts = [[(3 * i + 5 * j + 2) % 9 if i != j else (i + 1) % 4 for j in range(len(orgs))] for i in range(len(orgs))]
    pairs = [
        ("d01", "d06", 23, 0.11, 0.10),
        ("d01", "d13", 17, 0.08, 0.09),
        ("d03", "d07", 31, 0.24, 0.41),
        ("d07", "d10", 19, 0.25, 0.16),
        ("d02", "d08", 14, 0.09, 0.10),
        ("d04", "d09", 9, 0.09, 0.14),
        ("d11", "d14", 26, 0.26, 0.20),
        ("d05", "d12", 12, 0.14, 0.13),
    ]
    return {
        "generated": "2026-11-26 10:00",
        "store": "indexes/dedup.db",
        "documents": [dict(DOC[d[0]], format="pdf", passages=d[4]) for d in DOCS],
        "clusters": clusters,
        "org_matrix": {"organisations": orgs, "counts": counts},
        "overlaps": [{"a": DOC[a], "b": DOC[b], "links": n, "share_a": sa, "share_b": sb} for a, b, n, sa, sb in pairs],
    }


DRAFT_PAGES = {
    "1": (
        "Introduction\n\n"
        "This plan sets out how Northmere will improve mental health care between 2026 and 2031. "
        "It builds on what residents, staff and partners told us during a twelve-week engagement exercise.\n\n"
        "Our priorities\n\n"
        f"{CRISIS} {WAIT} "
        "Waiting lists have grown since 2020, and families told us they do not know where to turn while they wait."
    ),
    "2": (
        "Community services\n\n"
        f"{PEER} Every GP practice should have a named mental health practitioner by 2028.\n\n"
        "Data and accountability\n\n"
        "We will publish waiting times for every mental health service each quarter. "
        "Carers should be offered their own assessment within four weeks of asking."
    ),
}


def _span(page: str, text: str) -> tuple[int, int]:
    start = DRAFT_PAGES[page].index(text)
    return start, start + len(text)


def sample_check() -> dict[str, Any]:
    corpus = sample_corpus()
    by_rep = {c["representative"]: c for c in corpus["clusters"]}

    def prior(rep: str) -> list[dict[str, Any]]:
        kind = {"representative": "verbatim"}
        return [
            {"passage": m["passage"], "score": m["score"], "type": kind.get(m["type"], m["type"])}
            for m in by_rep[rep]["members"]
        ]

    rows = [
        ("1", CRISIS, "repeat", prior(CRISIS)),
        ("1", WAIT, "repeat", prior(WAIT)),
        ("2", PEER, "repeat", prior(PEER)),
        ("2", "Every GP practice should have a named mental health practitioner by 2028.", "new", []),
        ("2", "We will publish waiting times for every mental health service each quarter.", "repeat", prior(DATA)[:2]),
        ("2", "Carers should be offered their own assessment within four weeks of asking.", "new", []),
    ]
    passages: list[dict[str, Any]] = []
    for page, text, status, matches in rows:
        start, end = _span(page, text)
        passages.append(
            {
                "text": text,
                "page": int(page),
                "start": start,
                "end": end,
                "kind": "recommendation",
                "status": status,
                "times": len(matches),
                "matches": matches,
            }
        )
    repeated = [p for p in passages if p["status"] == "repeat"]
    return {
        "generated": "2026-11-26 10:05",
        "draft": {
            "source": "drafts/northmere_mental_health_plan_2026_draft.docx",
            "title": "Northmere Mental Health Plan 2026-2031 (draft)",
            "pages": DRAFT_PAGES,
        },
        "summary": {
            "recommendations": len(passages),
            "repeated": len(repeated),
            "new": len(passages) - len(repeated),
            "most_repeated": [
                {
                    "text": p["text"],
                    "times": p["times"],
                    "documents": len({m["passage"]["document"]["id"] for m in p["matches"]}),
                    "organisations": len({m["passage"]["document"]["organisation"] for m in p["matches"]}),
                }
                for p in sorted(repeated, key=lambda p: -p["times"])
            ],
            "new_recommendations": [p["text"] for p in passages if p["status"] == "new"],
        },
        "passages": passages,
    }


def chromium_path() -> str | None:
    for cand in (
        os.environ.get("CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if cand and Path(cand).exists():
            return cand
    return None


def screenshot(pages: list[Path]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise SystemExit("chromium not found: apt-get install chromium (or set CHROMIUM=/path/to/chromium)")
    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for html in pages:
            page.goto(html.resolve().as_uri())
            for media in ("screen", "print"):
                page.emulate_media(media=media)
                png = html.with_name(html.stem + ("" if media == "screen" else "-print") + ".png")
                page.screenshot(path=str(png), full_page=True)
                shots.append(png)
        browser.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus_json", nargs="?", type=Path, help="JSON for the corpus report (default: built-in sample)")
    ap.add_argument("check_json", nargs="?", type=Path, help="JSON for the draft check (default: built-in sample)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument(
        "--html",
        type=Path,
        nargs="+",
        help="screenshot these report files (as `dedup report`/`check --html` wrote them)",
    )
    args = ap.parse_args(argv)
    if args.html:
        for png in screenshot(args.html):
            print(png)
        return 0
    corpus = json.loads(args.corpus_json.read_text("utf-8")) if args.corpus_json else sample_corpus()
    check = json.loads(args.check_json.read_text("utf-8")) if args.check_json else sample_check()
    corpus_html, check_html = args.out / "report-corpus.html", args.out / "report-check.html"
    render_corpus_report(corpus, corpus_html)
    render_check_report(check, check_html)
    for png in screenshot([corpus_html, check_html]):
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
