"""Tests for dedup.read: PDF layout recovery, DOCX/HTML/text mapping and bad-input errors.

Synthetic documents are generated at test time (fpdf2, python-docx) in tmp_path; the tests marked
``shared`` read the real West Sussex PDFs from ``$DEDUP_SHARED`` (default ``<repo>/../shared``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

from dedup.errors import InputError, UnsupportedFormat
from dedup.models import Block
from dedup.read import SUPPORTED_SUFFIXES, blocks_from_text, extract

LOREM = [
    "The partnership will commission a new crisis café in every district by the end of 2021.",
    "Local authorities should work with schools to support the emotional wellbeing of pupils.",
    "Primary care staff will be offered training on how to talk about suicide and self-harm.",
]


def _pdf(path: Path, draw: Callable[[FPDF, int], object], pages: int = 1) -> Path:
    """Write a PDF whose page ``n`` (1-based) is drawn by ``draw(pdf, n)``."""
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        draw(pdf, number)
    pdf.output(str(path))
    return path


def _lines(pdf: FPDF, x: float, y: float, lines: list[str], pitch: float = 14.0, size: float = 11) -> float:
    pdf.set_font("helvetica", size=size)
    for line in lines:
        pdf.text(x, y, line)
        y += pitch
    return y


def _texts(blocks: list[Block], kind: str | None = None) -> list[str]:
    return [b.text for b in blocks if kind is None or b.kind == kind]


# --------------------------------------------------------------------------------------------
# PDF layout
# --------------------------------------------------------------------------------------------


def test_running_header_footer_and_page_numbers_removed(tmp_path: Path) -> None:
    bodies = [
        "Suicide prevention needs joined up working between agencies.",
        "Carers told us they want clearer information about services.",
        "Waiting times for talking therapies have grown since 2019.",
        "Schools asked for more training on self-harm and its warning signs.",
    ]

    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_font("helvetica", size=9)
        pdf.text(50, 40, "West Sussex Mental Health Strategy 2020-2025")
        pdf.text(280, 810, f"Page {n} of 4")
        pdf.text(60, 810, "Draft for consultation")
        _lines(pdf, 50, 120, [bodies[n - 1]])

    got = extract(_pdf(tmp_path / "strategy.pdf", draw, pages=4))
    texts = _texts(got.blocks)
    assert got.page_count == 4
    assert texts == bodies  # every body line kept, in page order, nothing else
    assert [b.page for b in got.blocks] == [1, 2, 3, 4]
    joined = " ".join(texts)
    assert "Mental Health Strategy" not in joined
    assert "Page" not in joined and "consultation" not in joined


def test_bare_page_number_removed_even_on_a_single_page(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        _lines(pdf, 50, 100, ["Only one page of text here."])
        pdf.text(290, 815, "12")

    got = extract(_pdf(tmp_path / "one.pdf", draw))
    assert _texts(got.blocks) == ["Only one page of text here."]


def test_hyphenated_line_breaks_joined_real_hyphens_kept(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        _lines(
            pdf,
            50,
            100,
            [
                "Joint commis-",
                "sioning of well-being services and self-",
                "harm support across the county, from 2017-",
                "2020, will be reviewed.",
            ],
        )

    got = extract(_pdf(tmp_path / "hyphen.pdf", draw))
    assert _texts(got.blocks) == [
        "Joint commissioning of well-being services and self-harm support across the county, "
        "from 2017-2020, will be reviewed."
    ]


def test_paragraphs_rebuilt_from_line_gaps(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        y = _lines(pdf, 50, 100, ["First paragraph starts here and", "continues on a second line."])
        _lines(pdf, 50, y + 14, ["Second paragraph after a blank", "line also has two lines."])

    got = extract(_pdf(tmp_path / "paras.pdf", draw))
    assert got.blocks == [
        Block("paragraph", "First paragraph starts here and continues on a second line.", 1),
        Block("paragraph", "Second paragraph after a blank line also has two lines.", 1),
    ]


def test_two_column_page_read_column_by_column(tmp_path: Path) -> None:
    left = [
        "Left column one: people in",
        "crisis should be seen within",
        "four hours of referral by a",
        "specialist mental health team.",
        "",
        "Left column two: carers need",
        "respite and information.",
    ]
    right = [
        "Right column one: GPs will",
        "receive training in suicide",
        "prevention and safety plans",
        "for patients at high risk.",
        "",
        "Right column two: schools",
        "get a named link worker.",
    ]

    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_font("helvetica", "B", 16)
        pdf.text(50, 60, "Our priorities for the next five years across West Sussex")
        _lines(pdf, 50, 100, left)
        _lines(pdf, 310, 100, right)

    got = extract(_pdf(tmp_path / "columns.pdf", draw))
    assert _texts(got.blocks) == [
        "Our priorities for the next five years across West Sussex",
        "Left column one: people in crisis should be seen within four hours of referral by a "
        "specialist mental health team.",
        "Left column two: carers need respite and information.",
        "Right column one: GPs will receive training in suicide prevention and safety plans for patients at high risk.",
        "Right column two: schools get a named link worker.",
    ]
    assert got.blocks[0].kind == "heading"


def test_heading_detected_from_bigger_bold_font(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_font("helvetica", "B", 16)
        pdf.text(50, 80, "Priority 2: Reducing self-harm")
        _lines(pdf, 50, 110, ["We will reduce self-harm admissions among young people.", LOREM[0]])
        pdf.set_font("helvetica", "B", 11)
        pdf.text(50, 160, "Why this matters")
        _lines(pdf, 50, 178, [LOREM[1]])

    got = extract(_pdf(tmp_path / "heading.pdf", draw))
    assert [(b.kind, b.text) for b in got.blocks] == [
        ("heading", "Priority 2: Reducing self-harm"),
        ("paragraph", f"We will reduce self-harm admissions among young people. {LOREM[0]}"),
        ("heading", "Why this matters"),
        ("paragraph", LOREM[1]),
    ]


def test_bulleted_and_numbered_items_are_separate_blocks(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        y = _lines(pdf, 50, 100, ["The strategy will:"])
        # dash bullets with a hanging indent; the first wraps onto a second line
        pdf.text(60, y, "-")
        _lines(pdf, 72, y, ["improve access to talking therapies for", "older people;"])
        pdf.text(60, y + 28, "-")
        _lines(pdf, 72, y + 28, ["reduce waiting times."])
        # a bullet drawn as a small filled circle, as InDesign and Venngage exports do
        pdf.circle(x=62, y=y + 56 - 3, radius=1.8, style="F")
        _lines(pdf, 72, y + 56, ["train frontline staff."])
        _lines(pdf, 60, y + 90, ["1. Publish an action plan.", "2. Report progress every year."])

    got = extract(_pdf(tmp_path / "items.pdf", draw))
    assert [(b.kind, b.text) for b in got.blocks] == [
        ("paragraph", "The strategy will:"),
        ("item", "improve access to talking therapies for older people;"),
        ("item", "reduce waiting times."),
        ("item", "train frontline staff."),
        ("item", "1. Publish an action plan."),
        ("item", "2. Report progress every year."),
    ]


def test_ruled_table_becomes_one_table_block_not_prose(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        _lines(pdf, 50, 80, ["Admissions for self-harm by district are shown below."])
        pdf.set_xy(50, 110)
        with pdf.table(width=300, col_widths=(200, 100)) as table:
            for row in (("District", "Rate"), ("Adur", "212.4"), ("Arun", "198.0"), ("Crawley", "240.9")):
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
        _lines(pdf, 50, 260, ["Rates are per 100,000 population."])

    got = extract(_pdf(tmp_path / "table.pdf", draw))
    assert [b.kind for b in got.blocks] == ["paragraph", "table", "paragraph"]
    assert got.blocks[1].text == "District | Rate\nAdur | 212.4\nArun | 198.0\nCrawley | 240.9"
    assert "Adur" not in got.blocks[0].text + got.blocks[2].text


def test_borderless_numeric_rows_become_a_table(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        _lines(pdf, 50, 80, ["Table 1 Methods of suicide"])
        for i, (label, n, pct) in enumerate((("Hanging", "98", "46.0%"), ("Self-poisoning", "52", "24.4%"))):
            pdf.text(50, 100 + 14 * i, label)
            pdf.text(300, 100 + 14 * i, n)
            pdf.text(400, 100 + 14 * i, pct)

    got = extract(_pdf(tmp_path / "numeric.pdf", draw))
    assert got.blocks[-1] == Block("table", "Hanging | 98 | 46.0%\nSelf-poisoning | 52 | 24.4%", 1)


def test_pdf_metadata_and_year_from_filename(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_title("Dementia Strategy")
        pdf.set_author("West Sussex County Council")
        _lines(pdf, 50, 100, [LOREM[0]])

    got = extract(_pdf(tmp_path / "2020_dementia-strategy.pdf", draw))
    assert got.metadata["title"] == "Dementia Strategy"
    assert got.metadata["author"] == "West Sussex County Council"
    assert got.metadata["year_from_filename"] == "2020"
    plain = extract(_pdf(tmp_path / "strategy.pdf", lambda pdf, n: _lines(pdf, 50, 100, [LOREM[0]])))
    assert "year_from_filename" not in plain.metadata and "title" not in plain.metadata


# --------------------------------------------------------------------------------------------
# other formats
# --------------------------------------------------------------------------------------------


def test_docx_headings_items_tables_and_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Carers Strategy"
    document.core_properties.author = "WSCC"
    document.add_heading("Our commitments", level=1)
    document.add_paragraph(LOREM[0])
    document.add_paragraph("Offer carers an assessment.", style="List Bullet")
    document.add_paragraph("Publish a directory of support.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate((("Area", "Carers"), ("Adur", "6,100"))):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_page_break()
    document.add_paragraph(LOREM[1])
    path = tmp_path / "carers.docx"
    document.save(str(path))

    got = extract(path)
    assert [(b.kind, b.text, b.page) for b in got.blocks] == [
        ("heading", "Our commitments", 1),
        ("paragraph", LOREM[0], 1),
        ("item", "Offer carers an assessment.", 1),
        ("item", "Publish a directory of support.", 1),
        ("table", "Area | Carers\nAdur | 6,100", 1),
        ("paragraph", LOREM[1], 2),
    ]
    assert got.page_count == 2
    assert got.metadata["title"] == "Carers Strategy" and got.metadata["author"] == "WSCC"


def test_html_structure_and_dropped_chrome(tmp_path: Path) -> None:
    html = """<!doctype html><html><head><title>Self-harm plan</title>
    <style>p { color: red }</style><script>var tracking = "do not index me";</script></head>
    <body><nav><a href="/">Home</a> Menu link</nav>
    <h2>Actions</h2><p>We will   <b>train</b> school staff.</p>
    <ul><li>Fund peer support</li><li>Audit A&amp;E follow-up</li></ul>
    <table><tr><th>Year</th><th>Admissions</th></tr><tr><td>2019</td><td>1,234</td></tr></table>
    <footer>Copyright West Sussex</footer></body></html>"""
    path = tmp_path / "plan.html"
    path.write_text(html, encoding="utf-8")
    got = extract(path)
    assert [(b.kind, b.text) for b in got.blocks] == [
        ("heading", "Actions"),
        ("paragraph", "We will train school staff."),
        ("item", "Fund peer support"),
        ("item", "Audit A&E follow-up"),
        ("table", "Year | Admissions\n2019 | 1,234"),
    ]
    assert got.metadata["title"] == "Self-harm plan"


def test_blocks_from_text_markdown() -> None:
    text = (
        "# Suicide prevention\n\n"
        "Introduction\n\n"
        "This plan sets out what we will do\nover the next three years.\n\n"
        "- Reduce access to means,\n  especially at rail sites\n"
        "* Support people bereaved by suicide\n"
        "1. Train GPs\n"
        "2) Train pharmacists\n"
        "(a) Review data yearly\n\n"
        "| Year | Deaths |\n|---|---|\n| 2015 | 71 |\n"
    )
    assert [(b.kind, b.text) for b in blocks_from_text(text, page=3)] == [
        ("heading", "Suicide prevention"),
        ("heading", "Introduction"),
        ("paragraph", "This plan sets out what we will do over the next three years."),
        ("item", "Reduce access to means, especially at rail sites"),
        ("item", "Support people bereaved by suicide"),
        ("item", "Train GPs"),
        ("item", "Train pharmacists"),
        ("item", "Review data yearly"),
        ("table", "Year | Deaths\n2015 | 71"),
    ]
    assert {b.page for b in blocks_from_text(text, page=3)} == {3}
    # a one-line sentence is not a heading
    assert blocks_from_text("We will do this.")[0].kind == "paragraph"


def test_txt_file_extracted(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Commis-\nsioning intentions for 2024.\r\n\r\n• Item one".encode("cp1252"))
    got = extract(path)
    assert [(b.kind, b.text) for b in got.blocks] == [
        ("paragraph", "Commissioning intentions for 2024."),
        ("item", "Item one"),
    ]


# --------------------------------------------------------------------------------------------
# bad input: one InputError each, naming the file and saying what to do
# --------------------------------------------------------------------------------------------


def _raises(path: Path, phrase: str) -> InputError:
    with pytest.raises(InputError) as info:
        extract(path)
    assert str(path) in str(info.value)
    assert phrase in info.value.message
    assert "\n" not in str(info.value)
    return info.value


def test_zero_byte_pdf(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    _raises(path, "file is empty (0 bytes)")


def test_truncated_and_garbage_pdf(tmp_path: Path) -> None:
    good = _pdf(tmp_path / "good.pdf", lambda pdf, n: _lines(pdf, 50, 100, [LOREM[0]]))
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[:300])
    _raises(truncated, "not a readable PDF")
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"<html>this was a download error page</html>")
    _raises(garbage, "not a readable PDF")


def test_encrypted_pdf(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_encryption(owner_password="owner", user_password="secret")
        _lines(pdf, 50, 100, [LOREM[0]])

    _raises(_pdf(tmp_path / "locked.pdf", draw), "password-protected")


def test_owner_password_only_pdf_is_readable(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_encryption(owner_password="owner")
        _lines(pdf, 50, 100, [LOREM[0]])

    assert _texts(extract(_pdf(tmp_path / "restricted.pdf", draw)).blocks) == [LOREM[0]]


def test_image_only_pdf(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.rect(50, 50, 400, 300, style="F")  # a 'scan': drawing only, no text layer

    _raises(_pdf(tmp_path / "scan.pdf", draw), "no text layer")


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_text("hello")
    error = _raises(path, "unsupported file type '.xyz'")
    assert isinstance(error, UnsupportedFormat)
    assert ".pdf" in SUPPORTED_SUFFIXES and ".xyz" not in SUPPORTED_SUFFIXES


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    _raises(path, "not a readable DOCX")


# --------------------------------------------------------------------------------------------
# real documents (West Sussex corpus)
# --------------------------------------------------------------------------------------------

SHARED = Path(os.environ.get("DEDUP_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
WS = SHARED / "corpus" / "westsussex"


def _real_pages(name: str, first: int, last: int, tmp_path_factory: pytest.TempPathFactory) -> list[Block]:
    """Extract pages ``first``..``last`` (1-based) of a real PDF, numbered as in the original.

    Only a slice is read to keep the suite fast; the slice is written to a tmp dir, never the repo.
    """
    import pypdfium2

    path = WS / name
    if not path.is_file():
        pytest.skip(f"real corpus file {path} not available (set DEDUP_SHARED to the shared folder)")
    source = pypdfium2.PdfDocument(str(path))
    part = pypdfium2.PdfDocument.new()
    part.import_pages(source, list(range(first - 1, last)))
    out = tmp_path_factory.mktemp("real") / name
    part.save(str(out))
    part.close()
    source.close()
    return [Block(b.kind, b.text, b.page + first - 1) for b in extract(out).blocks]


@pytest.fixture(scope="module")
def jhws(tmp_path_factory: pytest.TempPathFactory) -> list[Block]:
    return _real_pages("2019_WSHWB_joint-health-wellbeing-strategy-2019-2024.pdf", 5, 8, tmp_path_factory)


@pytest.fixture(scope="module")
def suicide(tmp_path_factory: pytest.TempPathFactory) -> list[Block]:
    return _real_pages("2017_WSCC_suicide-prevention-strategy-2017-2020.pdf", 9, 17, tmp_path_factory)


@pytest.mark.shared
def test_real_jhws_two_column_page_reads_by_column(jhws: list[Block]) -> None:
    page3 = [b for b in jhws if b.page == 8]  # printed "Page 3": two text columns
    texts = [b.text for b in page3]
    # the left column's first paragraph comes out whole, not interleaved with the right column
    assert (
        "The HWB works with other strategic boards such as the West Sussex Safeguarding Children’s Board "
        "(WSSCB), Safeguarding Adults Board (WSSAB) and the Safer West Sussex Partnership (SWSP)."
    ) in texts[1]
    heads = [b.text for b in page3 if b.kind == "heading"]
    assert heads[:4] == [
        "How we work with other boards and partners",
        "District and Borough Health and Wellbeing Partnerships",
        "The JHWS development",
        "Engagement in JHWS development",
    ]
    assert not any("Page 3" in t for t in texts)


@pytest.mark.shared
def test_real_jhws_vector_bullets_are_items(jhws: list[Block]) -> None:
    items = [b.text for b in jhws if b.page == 5 and b.kind == "item"]
    assert items[:3] == [
        "Improve the health and wellbeing of the residents",
        "Reduce the gaps in health and wellbeing between communities",
        "Ensure joined up working and services",
    ]


@pytest.mark.shared
def test_real_suicide_strategy_structure(suicide: list[Block]) -> None:
    headings = {b.text for b in suicide if b.kind == "heading"}
    assert {"5.1 National context", "6.2.1 Overall", "4 AIMS"} <= headings
    items = [b.text for b in suicide if b.kind == "item" and b.page == 10]
    # numbered priorities: bold lead-in plus plain continuation lines make one item each
    assert (
        items[2] == "3. Reduce access to the means of suicide, including at high-risk locations and on rail networks."
    )
    assert len(items) == 6
    # Symbol-font bullets on page 12 are items
    assert "Hospital episode statistics" in [b.text for b in suicide if b.kind == "item" and b.page == 12]
    # running page numbers and table-of-contents leaders never reach the blocks
    assert not any(b.text.isdigit() for b in suicide)
    assert not any("......" in b.text for b in suicide)


@pytest.mark.shared
def test_real_suicide_strategy_tables_and_footnote_markers(suicide: list[Block]) -> None:
    tables = [b.text for b in suicide if b.kind == "table" and b.page == 16]
    assert any(
        "X70 Intentional self-harm by hanging, strangulation and suffocation | 6,693 | 59.2%" in t for t in tables
    )
    prose = " ".join(b.text for b in suicide if b.kind != "table")
    assert "X60-69 Intentional self-poisoning" not in prose
    # the raised footnote number after "year" is dropped, the sentence stays whole
    assert "10.1 suicides per 100,000 population per year. Over the last 15 years" in prose


@pytest.fixture(scope="module")
def dementia(tmp_path_factory: pytest.TempPathFactory) -> list[Block]:
    return _real_pages("2020_WestSussex_dementia-strategy-2020-2023_plain-text.pdf", 9, 12, tmp_path_factory)


@pytest.mark.shared
def test_real_dementia_running_footer_removed_and_table_kept(dementia: list[Block]) -> None:
    # every page ends "<n> West Sussex Joint Dementia Strategy 2020-23 Plain Text"
    assert not any("Plain Text" in b.text for b in dementia)
    assert Block("heading", "THE NATIONAL PICTURE", 10) in dementia
    tables = [b.text for b in dementia if b.kind == "table"]
    assert "SEVERITY | 2019 | 2020 | 2025 | 2030 | 2040 | %change\nMild | 107,100 | 108,300" in tables[0]
    assert "107,100" not in " ".join(b.text for b in dementia if b.kind != "table")
    assert Block("item", "32 per cent have depression", 10) in dementia


def test_wrapped_number_is_not_a_list_item(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        _lines(pdf, 50, 100, ["Attempts fell (odds ratio 0.45, p=0.014 and 0.5, 0.27-", "91) after the programme."])

    got = extract(_pdf(tmp_path / "wrap.pdf", draw))
    assert got.blocks == [
        Block("paragraph", "Attempts fell (odds ratio 0.45, p=0.014 and 0.5, 0.27-91) after the programme.", 1)
    ]


# --------------------------------------------------------------------------------------------
# the pdfium reader against the pdfplumber reference reader
# --------------------------------------------------------------------------------------------


def _both_readers(path: Path) -> list[tuple[object, object]]:
    """(pdfplumber page data, pdfium page data) for every page of ``path``."""
    import pdfplumber
    import pypdfium2

    from dedup.read import pdf as reader

    doc = pypdfium2.PdfDocument(str(path))
    programs: dict[tuple[str, int], str] = {}
    try:
        fast = [reader._read_pdfium_page(doc, i, programs) for i in range(len(doc))]
    finally:
        doc.close()
    with pdfplumber.open(str(path)) as pdf:
        slow = [reader._read_page(page, i + 1) for i, page in enumerate(pdf.pages)]
    return list(zip(slow, fast, strict=True))


def _same_page(slow: object, fast: object, tol: float = 0.05) -> None:
    from dedup.read import layout

    assert isinstance(slow, layout.Page) and isinstance(fast, layout.Page)

    # the same words in the same places; their order in the list may differ where pdfminer splits
    # a run of chars at a size that differs only in its last bits (chart labels)
    def placed(words: list[layout.Word]) -> list[layout.Word]:
        return sorted(words, key=lambda w: (round(w.top), round(w.x0), w.text))

    assert [w.text for w in placed(fast.words)] == [w.text for w in placed(slow.words)]
    for a, b in zip(placed(slow.words), placed(fast.words), strict=True):
        assert (a.bold, a.symbol) == (b.bold, b.symbol), a.text
        for name in ("x0", "x1", "top", "bottom", "size"):
            assert abs(getattr(a, name) - getattr(b, name)) <= tol, (a.text, name, getattr(a, name), getattr(b, name))
    assert [t.rows for t in fast.tables] == [t.rows for t in slow.tables]


def test_pdfium_reader_matches_pdfplumber_reader(tmp_path: Path) -> None:
    def draw(pdf: FPDF, n: int) -> None:
        pdf.set_font("helvetica", style="B", size=16)
        pdf.text(50, 60, "Crisis care")
        y = _lines(pdf, 50, 90, LOREM[:2])
        pdf.text(60, y, "-")
        _lines(pdf, 72, y, ["reduce waiting times."])
        pdf.circle(x=62, y=y + 14 - 3, radius=1.8, style="F")  # a drawn bullet
        _lines(pdf, 72, y + 14, ["train frontline staff."])
        pdf.set_font("helvetica", size=11)
        pdf.text(50, y + 40, "Rates rose every year")
        pdf.set_font("helvetica", size=7)
        pdf.text(167.4, y + 36, "3")  # a raised footnote number
        pdf.set_xy(50, y + 60)
        pdf.set_font("times", size=10)
        with pdf.table(width=300, col_widths=(200, 100)) as table:
            for row in (("District", "Rate"), ("Adur", "212.4"), ("Arun", "198.0")):
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
        _lines(pdf, 50, 400, LOREM[2:3] * 3)
        _lines(pdf, 320, 400, LOREM[:1] * 3)

    pairs = _both_readers(_pdf(tmp_path / "mixed.pdf", draw, pages=2))
    for slow, fast in pairs:
        _same_page(slow, fast, tol=0.01)
    first = pairs[0][1]
    assert first is not None and first.tables and "•" in [w.text for w in first.words]


def test_space_drawn_on_its_own_still_separates_words(tmp_path: Path) -> None:
    # pdfium leaves out a text object holding only a space (it has no width), but pdfminer keeps
    # it, and it is the only thing splitting two words set closer than the 3pt word tolerance
    def draw(pdf: FPDF, n: int) -> None:
        width = pdf.get_string_width("pass")
        pdf.text(50, 100, "pass")
        pdf.text(50 + width, 100, " ")
        pdf.text(50 + width + 1.5, 100, "them on")

    path = _pdf(tmp_path / "space.pdf", draw)
    (slow, fast), *_ = _both_readers(path)
    _same_page(slow, fast)
    assert [b.text for b in extract(path).blocks] == ["pass them on"]


def test_rotated_page_is_read_by_pdfplumber(tmp_path: Path) -> None:
    import pdfplumber
    import pypdfium2

    from dedup.read import layout
    from dedup.read import pdf as reader

    path = _pdf(tmp_path / "upright.pdf", lambda pdf, n: _lines(pdf, 50, 100, LOREM[:1]))
    doc = pypdfium2.PdfDocument(str(path))
    doc[0].set_rotation(180)
    turned = tmp_path / "turned.pdf"
    doc.save(str(turned))
    doc.close()
    doc = pypdfium2.PdfDocument(str(turned))
    try:
        assert reader._read_pdfium_page(doc, 0, {}) is None  # pdfium steps aside...
    finally:
        doc.close()
    with pdfplumber.open(str(turned)) as pdf:
        reference = layout.page_blocks([reader._read_page(pdf.pages[0], 1)])
    assert reference and extract(turned).blocks == reference  # ...and pdfplumber reads the page


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("2017_WSCC_suicide-prevention-strategy-2017-2020.pdf", 9, 17),  # tables, footnotes
        ("2019_WSHWB_joint-health-wellbeing-strategy-2019-2024.pdf", 5, 8),  # columns, drawn bullets
        ("2014_WSCC-Figure8_dual-diagnosis-needs-assessment.pdf", 72, 74),  # turned chart labels
    ],
)
def test_real_pages_pdfium_reader_matches_pdfplumber_reader(name: str, first: int, last: int, tmp_path: Path) -> None:
    import pypdfium2

    path = WS / name
    if not path.is_file():
        pytest.skip(f"real corpus file {path} not available (set DEDUP_SHARED to the shared folder)")
    source = pypdfium2.PdfDocument(str(path))
    part = pypdfium2.PdfDocument.new()
    part.import_pages(source, list(range(first - 1, last)))
    out = tmp_path / name
    part.save(str(out))
    part.close()
    source.close()
    for slow, fast in _both_readers(out):
        _same_page(slow, fast)


def test_markdown_inline_markup_is_removed_but_structure_kept(tmp_path: Path) -> None:
    f = tmp_path / "draft.md"
    f.write_text(
        "# The *draft* plan\n\n> **Consultation draft.** Comments by [email](mailto:x@y.z).\n\n"
        "* **Provide** 24/7 crisis support.\n* Keep `snake_case` and 2*3*4 as they are.\n"
    )
    blocks = extract(f).blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "The draft plan"),
        ("paragraph", "Consultation draft. Comments by email."),
        ("item", "Provide 24/7 crisis support."),
        ("item", "Keep snake_case and 2*3*4 as they are."),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "We will publish waiting times every quarter. [1]",
        "We will publish waiting times. *",
        "Will we reduce waiting times for children?",
        'Provide 24/7 crisis support for people of all ages."',
    ],
)
def test_a_short_sentence_in_text_is_not_taken_for_a_heading(line: str) -> None:
    assert [b.kind for b in blocks_from_text(line)] == ["paragraph"]


def test_a_paragraph_broken_by_a_column_break_is_rejoined_with_its_hyphenated_word() -> None:
    from dedup.read.layout import _merge_broken

    blocks = [
        Block("paragraph", "The council, working with governmental and non-", 1),
        Block("paragraph", "governmental organisations, should agree the commis-", 1),
        Block("paragraph", "sioning plan by March, with", 1),
        Block("paragraph", "partners across the county.", 1),
        Block("paragraph", "figures are provisional.", 2),
    ]
    merged = _merge_broken(blocks, {"commissioning"})
    assert [b.text for b in merged] == [
        "The council, working with governmental and non-governmental organisations, should agree the "
        "commissioning plan by March, with partners across the county.",
        "figures are provisional.",  # another page: joined, if at all, by segment
    ]


def test_a_side_heading_wrapping_level_with_body_text_stays_a_heading() -> None:
    from dedup.read.layout import Word, _lines_of

    def word(text: str, x0: float, top: float, size: float) -> Word:
        return Word(text, x0, x0 + 0.45 * size * len(text), top, top + size, size, size > 12, False)

    words = [
        word("What", 35, 299.5, 14.2),
        word("we", 78, 299.5, 14.2),
        word("mean", 47, 318.9, 14.2),  # the heading's second line, level with the body's second line
        *[word(t, x, 310.3, 10.5) for t, x in [("We", 110), ("will", 126), ("work", 150), ("with", 176), ("our", 200)]],
        *[word(t, x, 322.3, 10.5) for t, x in [("communities", 110), ("and", 170), ("partners", 190)]],
    ]
    assert [ln.text for ln in _lines_of(words)] == ["What we mean", "We will work with our", "communities and partners"]


def test_a_side_label_level_with_the_first_body_lines_is_read_above_their_paragraph() -> None:
    """West Sussex 2019 strategy p.15: "What we" / "mean" in the margin, 3 points from the body text,
    both lines level with body lines, was read into the sentence ("... the cycle What we of
    vulnerability by addressing the mean risk factors")."""
    from dedup.read.layout import Word, _lines_of

    def word(text: str, x0: float, top: float, size: float) -> Word:
        return Word(text, x0, x0 + 0.45 * size * len(text), top, top + size, size, size > 12, False)

    body = [
        ("We will work to interrupt the cycle", 290.0),
        ("of vulnerability by addressing the", 302.0),
        ("risk factors and intervening early", 315.0),
    ]
    words = [word("What", 33, 298, 14.2), word("we", 66, 298, 14.2), word("mean", 33, 317, 14.2)]
    for text, top in body:
        x = 100.0
        for t in text.split():
            words.append(word(t, x, top, 9.7))
            x += 0.45 * 9.7 * len(t) + 3
    assert [ln.text for ln in _lines_of(words)] == ["What we mean", *[t for t, _ in body]]


def test_a_stray_glyph_before_an_item_is_dropped() -> None:
    from dedup.read.layout import Word, _block_text, _Line, _Para

    def line(words: list[str]) -> _Line:
        return _Line(
            [Word(w, 10 + 60 * i, 10 + 60 * i + 5 * len(w), 100, 110, 10, False, False) for i, w in enumerate(words)]
        )

    para = _Para([line(["1.", "R", "Ensure", "referral", "pathways", "are", "clear."])], kind="item")
    assert _block_text(para, set()) == "1. Ensure referral pathways are clear."
    para = _Para([line(["2.", "A", "new", "crisis", "line."])], kind="item")
    assert _block_text(para, set()) == "2. A new crisis line."
