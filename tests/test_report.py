"""Tests of the HTML reports: escaping, content, highlighted offsets, and (marked ``browser``) what
headless Chromium makes of them: no script runs, no request leaves, no console error, charts drawn."""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dedup.render.html import render_check_report, render_corpus_report

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
EVIL = f"Fund {SCRIPT} {IMG} $5m"


# --- small hand-made inputs ----------------------------------------------------------------------


def doc(i: str, title: str, org: str, year: int | None) -> dict[str, Any]:
    return {"id": i, "title": title, "organisation": org, "year": year, "source": f"corpus/{i}.pdf"}


D1 = doc("d1", "National Outcomes Framework", "Department of Wellbeing", 2013)
D2 = doc("d2", f"Clinical Strategy {SCRIPT}", "Eastbrook Trust", 2016)
D3 = doc("d3", "Action Plan", EVIL, 2021)


def passage(pid: int, d: dict[str, Any], page: int, text: str) -> dict[str, Any]:
    return {"id": pid, "text": text, "page": page, "kind": "recommendation", "heading": "", "document": d}


def corpus_data() -> dict[str, Any]:
    members = [
        {
            "passage": passage(1, D1, 14, "Everyone in crisis should reach a 24-hour line."),
            "type": "representative",
            "score": 1.0,
        },
        {
            "passage": passage(2, D2, 22, f"Everyone in crisis should reach a 24-hour line {IMG}."),
            "type": "near-verbatim",
            "score": 0.93,
        },
        {
            "passage": passage(3, D3, 7, "A round-the-clock phone line for people in crisis."),
            "type": "paraphrase",
            "score": 0.81,
        },
    ]
    members2 = [
        {"passage": passage(4, D2, 3, "Peer workers in every team."), "type": "representative", "score": 1.0},
        {
            "passage": passage(5, D2, 118, f"Peer support workers in every community team {SCRIPT}."),
            "type": "verbatim",
            "score": 0.99,
        },
    ]
    return {
        "generated": "2026-11-26 10:00",
        "store": f"indexes/{SCRIPT}.db",
        "documents": [dict(d, format="pdf", passages=n) for d, n in ((D1, 40), (D2, 30), (D3, 12))],
        "clusters": [
            {
                "id": 1,
                "representative": f"Everyone in crisis should reach a 24-hour line {SCRIPT}",
                "labels": ["recurring", "duplicated-effort"],
                "scope": "across-organisations",
                "first": {"organisation": D1["organisation"], "year": 2013, "document": D1},
                "years": [2013, 2021],
                "documents": 3,
                "organisations": 3,
                "members": members,
            },
            {
                "id": 2,
                "representative": "Peer workers in every team.",
                "labels": ["recurring"],
                "scope": "within-organisation",
                "first": {"organisation": D2["organisation"], "year": 2016, "document": D2},
                "years": [2016, 2016],
                "documents": 1,
                "organisations": 1,
                "members": members2,
            },
        ],
        "org_matrix": {
            "organisations": [D1["organisation"], D2["organisation"], EVIL],
            "counts": [[0, 1, 1], [0, 1, 0], [0, 0, 0]],
        },
        "overlaps": [{"a": D1, "b": D2, "links": 4, "share_a": 0.1, "share_b": 0.25}],
    }


PAGE1 = f"Introduction\n\nEveryone in crisis should reach a 24-hour line. We will {SCRIPT} act.\n\nPeer workers in every team."
PAGE2 = "Carers get an assessment in four weeks.\n\nA second paragraph\nwith a line break.\n\nStraddles one paragraph.\n\nAnd the next one."


def span(page: str, text: str) -> tuple[int, int]:
    start = page.index(text)
    return start, start + len(text)


def check_passage(page_no: int, page: str, text: str, status: str, times: int, matches: list[Any]) -> dict[str, Any]:
    start, end = span(page, text)
    return {
        "text": text,
        "page": page_no,
        "start": start,
        "end": end,
        "kind": "recommendation",
        "status": status,
        "times": times,
        "matches": matches,
    }


def check_data() -> dict[str, Any]:
    crisis = [
        {
            "passage": passage(1, D1, 14, "Everyone in crisis should reach a 24-hour line."),
            "score": 0.98,
            "type": "verbatim",
        },
        {"passage": passage(2, D2, 22, f"Crisis line, all hours {IMG}."), "score": 0.8, "type": "paraphrase"},
        {"passage": passage(3, D3, 7, "A round-the-clock phone line."), "score": 0.75, "type": "paraphrase"},
        {"passage": passage(6, D3, 9, "Phone line always open."), "score": 0.7, "type": "related"},
        {"passage": passage(7, D1, 99, "Crisis line for all."), "score": 0.66, "type": "related"},
    ]
    peer = [{"passage": passage(4, D2, 3, "Peer workers in every team."), "score": 1.0, "type": "verbatim"}]
    passages = [
        check_passage(1, PAGE1, "Everyone in crisis should reach a 24-hour line.", "repeat", 5, crisis),
        check_passage(1, PAGE1, "Peer workers in every team.", "repeat", 1, peer),
        check_passage(2, PAGE2, "Carers get an assessment in four weeks.", "new", 0, []),
        check_passage(2, PAGE2, "with a line break.\n\nStraddles", "repeat", 2, peer * 2),
        {
            "text": "Nowhere",
            "page": 9,
            "start": 0,
            "end": 7,
            "kind": "recommendation",
            "status": "repeat",
            "times": 1,
            "matches": peer,
        },
        {
            "text": "Other text",
            "page": 2,
            "start": 0,
            "end": 5,
            "kind": "other",
            "status": "new",
            "times": 0,
            "matches": [],
        },
    ]
    return {
        "generated": "2026-11-26 10:05",
        "draft": {"source": "drafts/plan.docx", "title": f"Draft plan {SCRIPT}", "pages": {"2": PAGE2, "1": PAGE1}},
        "summary": {
            "recommendations": 4,
            "repeated": 3,
            "new": 1,
            "most_repeated": [{"text": f"Everyone in crisis {SCRIPT}", "times": 5, "documents": 3, "organisations": 3}],
            "new_recommendations": [f"Carers get an assessment {IMG}"],
        },
        "passages": passages,
    }


# --- helpers -------------------------------------------------------------------------------------


class Cells(HTMLParser):
    """The text of every cell of every row of the tables with a given class."""

    def __init__(self, table_class: str) -> None:
        super().__init__()
        self.cls = table_class
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth = 0
        elif self.depth and tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(source: str, cls: str) -> list[list[str]]:
    p = Cells(cls)
    p.feed(source)
    return [r for r in p.rows if r]


def svgs(source: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", source, flags=re.S)


@pytest.fixture()
def corpus_html(tmp_path: Path) -> str:
    out = tmp_path / "corpus.html"
    render_corpus_report(corpus_data(), out)
    return out.read_text("utf-8")


@pytest.fixture()
def check_html(tmp_path: Path) -> str:
    out = tmp_path / "check.html"
    render_check_report(check_data(), out)
    return out.read_text("utf-8")


# --- unit tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["corpus_html", "check_html"])
def test_document_text_is_escaped_and_nothing_is_scripted(which: str, request: pytest.FixtureRequest) -> None:
    source = request.getfixturevalue(which)
    assert "<script" not in source.lower()  # not the payload, and no script of our own either
    assert "<img" not in source.lower()
    assert " onerror=" not in source.lower().replace("onerror=alert", "")
    assert html.escape(SCRIPT, quote=False) in source
    assert re.search(r"&lt;img src=x onerror=alert\(1\)&gt;", source)


def test_chart_text_is_escaped_in_svg(corpus_html: str) -> None:
    charts = svgs(corpus_html)
    assert charts
    for svg in charts:
        assert "<script" not in svg and "<img" not in svg
    # the evil organisation appears as a label in the documents chart, the timeline and the matrix
    labelled = [svg for svg in charts if "Fund &lt;script&gt;alert(1)" in svg]
    assert len(labelled) >= 3
    assert "$5m" in corpus_html  # a dollar sign is text, not maths


def test_report_is_self_contained(corpus_html: str, check_html: str) -> None:
    for source in (corpus_html, check_html):
        assert not re.search(r"<(link|iframe|object|embed)\b", source)
        assert not re.search(r"<[^>]*\bsrc\s*=", source)
        assert "@import" not in source and "url(http" not in source
        ids = re.findall(r'\bid="([^"]+)"', source)
        assert len(ids) == len(set(ids)), "element ids must be unique across the inline SVGs"
        for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', source):
            assert (ref[0] or ref[1]) in ids


def test_every_cluster_quote_and_page_present(corpus_html: str) -> None:
    rows = table_rows(corpus_html, "evidence")
    data = corpus_data()
    members = [m for c in data["clusters"] for m in c["members"]]
    assert len(rows) == len(members)
    by_quote = {r[0].split("“", 1)[1].rstrip("”"): r for r in rows}
    for m in members:
        p = m["passage"]
        row = by_quote[p["text"]]
        assert p["document"]["title"] in row[1] and p["document"]["organisation"] in row[1]
        assert str(p["document"]["year"]) in row[1]
        assert row[2] == str(p["page"])
        assert m["type"] in row[3]
    for c in data["clusters"]:
        assert html.escape(c["representative"], quote=False) in corpus_html
    assert "Within one organisation" in corpus_html and "Across organisations" in corpus_html
    assert "2013–2021 (9 years)" in corpus_html


def test_corpus_tables(corpus_html: str) -> None:
    docs = table_rows(corpus_html, "documents")
    assert [r[2] for r in docs] == ["2013", "2016", "2021"]
    assert docs[0][3] == "40"
    overlaps = table_rows(corpus_html, "overlaps")
    assert len(overlaps) == 1
    assert overlaps[0][2:] == ["4", "10%", "25%"]
    assert len(svgs(corpus_html)) == 1 + 2 + 1  # documents, two timelines, matrix


MARK = re.compile(
    r'<mark class="(l\d|new)" id="mark-(\d+)" data-start="(\d+)" data-end="(\d+)">(.*?)<a class="count"', re.S
)


def test_highlighted_spans_match_offsets(check_html: str) -> None:
    data = check_data()
    pages = data["draft"]["pages"]
    marks = MARK.findall(check_html)
    placed = [
        p
        for p in data["passages"]
        if str(p["page"]) in pages and (p["status"] == "repeat" or p["kind"] == "recommendation")
    ]
    assert len(marks) == len(placed) == 4
    texts = {(int(s), int(e)): (cls, html.unescape(t)) for cls, _, s, e, t in marks}
    for p in placed:
        cls, text = texts[(p["start"], p["end"])]
        assert text == pages[str(p["page"])][p["start"] : p["end"]]
        assert cls == ("new" if p["status"] == "new" else {5: "l3", 1: "l1", 2: "l2"}[p["times"]])
    # numbered in reading order: page 1 before page 2, whatever the order of the pages dict
    assert [int(n) for _, n, *_ in marks] == [1, 2, 3, 4]


def test_page_text_and_paragraph_breaks_are_kept(check_html: str) -> None:
    pages = check_data()["draft"]["pages"]
    for number, text in pages.items():
        block = re.split(r'<div class="page" |<h3>', check_html.split(f'<div class="page" id="page-{number}"', 1)[1])[0]
        paragraphs = re.findall(r'<p class="text">(.*?)</p>', block, flags=re.S)
        plain = [html.unescape(re.sub(r'<a class="count".*?</a>|<[^>]+>', "", p)) for p in paragraphs]
        assert "\n\n".join(plain) == text
    # the passage that straddles a blank line keeps both paragraphs in one row
    assert any("with a line break.\n\nStraddles" in html.unescape(t) for *_, t in MARK.findall(check_html))


def test_check_earlier_occurrences_and_summary(check_html: str) -> None:
    assert "Said 5 times before" in check_html and "Said 1 time before" in check_html
    assert "2 more earlier occurrences" in check_html  # the top three are shown, the rest fold away
    for q in ("A round-the-clock phone line.", "Phone line always open.", f"Crisis line, all hours {IMG}."):
        assert f"<q>{html.escape(q, quote=False)}</q>" in check_html
    assert "p.&nbsp;99" in check_html and "score 0.66" in check_html
    assert "made before (75%)" in check_html
    assert "Passages not placed in the text" in check_html and "Nowhere" in check_html
    assert "Other text" not in check_html  # not a recommendation, not repeated: plain text
    assert html.escape(f"Carers get an assessment {IMG}", quote=False) in check_html


def test_overlapping_and_out_of_range_spans_do_not_break(tmp_path: Path) -> None:
    data = check_data()
    bad = dict(data["passages"][0], start=3, end=60)  # overlaps the first passage
    data["passages"] += [bad, dict(bad, start=500, end=510), dict(bad, start=9, end=2)]
    render_check_report(data, tmp_path / "c.html")
    source = (tmp_path / "c.html").read_text("utf-8")
    assert len(MARK.findall(source)) == 4


@pytest.mark.parametrize(
    "data", [{}, {"documents": [], "clusters": [], "org_matrix": {"organisations": [], "counts": []}, "overlaps": []}]
)
def test_empty_corpus_renders(tmp_path: Path, data: dict[str, Any]) -> None:
    render_corpus_report(data, tmp_path / "deep" / "r.html")
    source = (tmp_path / "deep" / "r.html").read_text("utf-8")
    assert "No documents in this store." in source and "No recurring recommendations found." in source
    assert "No documents overlap." in source and "<svg" not in source


def test_empty_check_renders(tmp_path: Path) -> None:
    render_check_report({}, tmp_path / "c.html")
    source = (tmp_path / "c.html").read_text("utf-8")
    assert "The draft has no text." in source and "Nothing in the draft was said before." in source


def test_undated_and_unknown_documents(tmp_path: Path) -> None:
    data = corpus_data()
    data["documents"].append(
        {"id": "d4", "title": None, "organisation": None, "year": None, "source": "javascript:alert(1)"}
    )
    data["clusters"][0]["members"][0]["passage"]["document"] = dict(D1, year=None)
    render_corpus_report(data, tmp_path / "r.html")
    source = (tmp_path / "r.html").read_text("utf-8")
    assert "1 undated document not shown." in source and "Unknown organisation" in source
    assert 'href="javascript' not in source


def test_web_sources_are_links(tmp_path: Path) -> None:
    data = corpus_data()
    data["documents"][0]["source"] = "https://example.org/plan.pdf"
    render_corpus_report(data, tmp_path / "r.html")
    assert 'href="https://example.org/plan.pdf"' in (tmp_path / "r.html").read_text("utf-8")


# --- in the browser ------------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for cand in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if cand and Path(cand).exists():
            return cand
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run there)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    exe = _chromium()
    if exe is None:
        _unavailable("chromium not found at /usr/bin/chromium or on PATH (make browser, or set CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors, page errors, dialogs and any request that is not local."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.on("request", self._request)
        self.page.route("**/*", self._route)

    def _console(self, m: Any) -> None:
        if m.type == "error":
            self.problems.append(f"console: {m.text}")

    def _dialog(self, d: Any) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def _local(self, url: str) -> bool:
        return url.startswith(("file:", "data:"))

    def _request(self, r: Any) -> None:
        if not self._local(r.url):
            self.problems.append(f"request: {r.url}")

    def _route(self, route: Any) -> None:
        if self._local(route.request.url):
            route.continue_()
        else:
            self.problems.append(f"request: {route.request.url}")
            route.abort()

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def assert_clean(self) -> None:
        assert self.dialogs == [], "a script in the document text ran"
        assert self.problems == []

    def assert_charts(self, n: int) -> None:
        charts = self.page.locator("svg.chart")
        assert charts.count() == n
        for i in range(n):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 40


@pytest.mark.browser
def test_browser_corpus_report(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "corpus.html"
    render_corpus_report(corpus_data(), out)
    w = Watched(browser)
    page = w.open(out)
    w.assert_charts(4)
    assert page.get_by_text(SCRIPT).first.is_visible()
    assert page.get_by_text(IMG).first.is_visible()
    assert page.locator("svg.chart text", has_text=SCRIPT).count() >= 3  # drawn as text inside the charts
    assert page.locator("img, script").count() == 0
    # long quotes wrap: no table is wider than the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    w.assert_clean()
    w.page.close()


@pytest.mark.browser
def test_browser_check_report(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "check.html"
    render_check_report(check_data(), out)
    w = Watched(browser)
    page = w.open(out)
    w.assert_charts(1)
    assert page.get_by_text(SCRIPT).first.is_visible()
    assert page.locator("q", has_text=IMG).first.is_visible()
    marks = page.locator(".page p.text mark")
    assert marks.count() == 4
    assert marks.first.inner_text().startswith("Everyone in crisis")
    # the two extra earlier occurrences fold away on screen and open on click...
    hidden = page.locator("details q").first
    assert not hidden.is_visible()
    page.locator("details summary").first.click()
    assert hidden.is_visible()
    page.locator("details summary").first.click()
    # ...and are printed
    page.emulate_media(media="print")
    assert hidden.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    w.assert_clean()
    w.page.close()


@pytest.mark.browser
def test_script_in_an_ingested_pdf_is_shown_as_text_in_both_reports(browser: Any, tmp_path: Path) -> None:
    """End to end: a PDF whose text holds markup goes through ingest, report and check, then Chromium."""
    from fpdf import FPDF
    from typer.testing import CliRunner

    from dedup.cli import app

    payload = "<script>alert(1)</script>"
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, org, year in [("plan_2019.pdf", "Town Council", 2019), ("plan_2022.pdf", "City Trust", 2022)]:
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        for line in [
            f"Crisis care plan {payload}",
            f"We will open a crisis cafe in every town {payload} by the end of the year.",
            "Employ peer support workers in every community mental health team.",
        ]:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(6)
        pdf.output(str(docs / name))
        (docs / "manifest.csv").open("a").write(
            ("file,title,organisation,year\n" if year == 2019 else "") + f"{name},Plan {payload},{org},{year}\n"
        )
    draft = tmp_path / "draft.md"
    draft.write_text(
        f"# Draft {payload}\n\n- We will open a crisis cafe in every town {payload} by the end of the year.\n"
    )
    runner = CliRunner()
    store = str(tmp_path / "x.db")
    env = {"DEDUP_MODEL": "hashing"}
    assert runner.invoke(app, ["--store", store, "-q", "ingest", str(docs)], env=env).exit_code == 0
    report, check = tmp_path / "report.html", tmp_path / "check.html"
    result = runner.invoke(app, ["--store", store, "-q", "report", "--html", str(report)], env=env)
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(app, ["--store", store, "-q", "check", str(draft), "--html", str(check)], env=env)
    assert result.exit_code == 0, result.stderr
    for out in (report, check):
        assert payload not in out.read_text("utf-8")  # only ever escaped in the source
        w = Watched(browser)
        page = w.open(out)
        assert page.get_by_text(payload).first.is_visible()
        assert page.locator("script").count() == 0
        w.assert_clean()
        w.page.close()


def test_check_report_shows_the_quoted_words_and_answer_links(tmp_path: Path) -> None:
    data = check_data()
    quoted = {
        "passage": passage(8, D1, 40, "Context first. Peer workers in every team, paid fairly. More context."),
        "score": 1.0,
        "type": "verbatim",
        "quote": {"how": "draft-in-corpus", "corpus_text": "Peer workers in every team, paid fairly."},
        "answers": False,
    }
    answer = {
        "passage": passage(9, D2, 41, "Carers assessed quickly."),
        "score": 0.4,
        "type": "related",
        "answers": True,
    }
    data["passages"][1]["matches"] = [quoted]
    data["passages"][2]["matches"] = [answer]
    data["passages"][2]["status"] = "new"
    out = tmp_path / "check.html"
    render_check_report(data, out)
    html = out.read_text()
    assert "Peer workers in every team, paid fairly." in html and "Context first." not in html
    assert "answers it" in html


def test_summary_figures_count_every_cluster_not_only_those_shown(tmp_path: Path) -> None:
    data = corpus_data()
    data["clusters"] = data["clusters"][:1]  # shown: one; the corpus has 12
    data["summary"] = {"clusters": 12, "recurring": 9, "across": 7, "duplicated": 3, "theme_only": 40}
    out = tmp_path / "r.html"
    render_corpus_report(data, out)
    text = out.read_text()
    stats = dict((label, n) for n, label in re.findall(r'class="n">([^<]*)</span><span class="l">([^<]*)</span>', text))
    assert stats["recommendations made in 2+ documents"] == "12"
    assert stats["recurring over the years"] == "9" and stats["duplicated efforts"] == "3"
    assert "Showing the first 1 of 12" in text and "40 more groups" in text


def test_timeline_marks_sit_on_their_year(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fifteen documents of one body in 2024 and one in 2014: every mark within a third of its year."""
    from matplotlib.axes import Axes

    from dedup.render.html import _timeline_chart

    xs: list[float] = []
    real = Axes.scatter

    def spy(self: Axes, x: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        xs.extend(float(v) for v in x)
        return real(self, x, y, *args, **kwargs)

    monkeypatch.setattr(Axes, "scatter", spy)
    later = doc("late", "Needs Assessment", "West Sussex County Council", 2024)
    early = doc("early", "Needs Assessment", "West Sussex County Council", 2014)
    types = ["representative", "verbatim", "near-verbatim", "paraphrase"]
    members = [
        {"passage": passage(n, later, n, "Strengthen joint working."), "type": types[n % 4], "score": 0.9}
        for n in range(15)
    ] + [{"passage": passage(99, early, 1, "Joint working."), "type": "paraphrase", "score": 0.8}]
    assert _timeline_chart(members, "t", "t1") is not None
    assert xs and all(min(abs(x - 2024), abs(x - 2014)) <= 1 / 3 for x in xs)
    assert len(xs) == 5  # one mark per year, body and link type; the count is printed beside it


def test_theme_only_passages_are_listed_apart(tmp_path: Path) -> None:
    data = corpus_data()
    data["clusters"][0]["same_theme"] = [
        {"passage": passage(7, D3, 9, "Crisis lines are busy at night."), "type": "related", "score": 0.4, "copies": []}
    ]
    data["clusters"][0]["members"][0]["copies"] = [{"id": 8, "page": 30, "document": D1}]
    out = tmp_path / "r.html"
    render_corpus_report(data, out)
    text = out.read_text()
    assert "On the same theme: 1 passage" in text and "Crisis lines are busy at night." in text
    assert ">14, 30<" in text  # the repeat on page 30 folds into the page-14 evidence


def test_each_recommendation_s_header_caption_and_theme_share_its_number(tmp_path: Path) -> None:
    data = corpus_data()
    data["clusters"][1]["same_theme"] = [
        {"passage": passage(9, D1, 2, "Peer work is valued."), "type": "related", "score": 0.4, "copies": []}
    ]
    out = tmp_path / "r.html"
    render_corpus_report(data, out)
    text = out.read_text()
    for block in re.findall(r'<article class="cluster" id="cluster-(\d+)">(.*?)</article>', text, re.S):
        n, body = block
        numbers = set(re.findall(r"[Rr]ecommendation (\d+)", body))
        assert numbers == {n}, (n, numbers)
