"""The sample corpus: generated deterministically, committed as generated, and its EXPECTED.json true.

The corpus (corpus/ and examples/draft_strategy_2026.md) is written by scripts/make_corpus.py. These
tests rebuild it into temporary folders, compare, and check every planted answer against the text
that a reader actually gets out of each file.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import docx
import pypdfium2
import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SCRIPT = ROOT / "scripts" / "make_corpus.py"
DOC_SUFFIXES = {".pdf", ".docx"}


def _load_script():
    spec = importlib.util.spec_from_file_location("make_corpus", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


make_corpus = _load_script()


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> tuple[Path, Path]:
    """Two independent builds: (dir_a, dir_b), each with corpus/ and draft.md."""
    dirs = []
    for name in ("a", "b"):
        d = tmp_path_factory.mktemp(f"corpus_{name}")
        make_corpus.build(d / "corpus", d / "draft.md")
        dirs.append(d)
    return dirs[0], dirs[1]


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((CORPUS / "EXPECTED.json").read_text(encoding="utf-8"))


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def _zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


# --------------------------------------------------------------------------------------------------
# Determinism and "committed == generated"
# --------------------------------------------------------------------------------------------------


def test_build_is_deterministic(builds):
    a, b = builds
    fa, fb = _files(a / "corpus"), _files(b / "corpus")
    assert fa.keys() == fb.keys()
    for name in fa:
        assert fa[name] == fb[name], f"{name} differs between two builds"
    assert (a / "draft.md").read_bytes() == (b / "draft.md").read_bytes()


def test_committed_corpus_matches_script(builds, expected):
    gen = expected["generated_with"]
    installed = {"fpdf2": version("fpdf2"), "python-docx": version("python-docx")}
    if installed != gen:
        pytest.skip(f"corpus was generated with {gen}, installed {installed}: layout may differ")
    a, _ = builds
    built, committed = _files(a / "corpus"), _files(CORPUS)
    assert committed.keys() == built.keys(), (
        "corpus/ holds files the script does not write, or lacks some: run python scripts/make_corpus.py"
    )
    for name, data in built.items():
        if name.endswith(".docx"):
            # Compare the unzipped parts: deflate output may differ between zlib builds.
            same = _zip_members(committed[name]) == _zip_members(data)
        else:
            same = committed[name] == data
        assert same, f"corpus/{name} was edited by hand or is stale: run python scripts/make_corpus.py"
    draft = ROOT / expected["draft"]["file"]
    assert draft.read_bytes() == (a / "draft.md").read_bytes(), f"{draft} is stale"


def test_corpus_is_small():
    total = sum(p.stat().st_size for p in CORPUS.iterdir() if p.is_file())
    assert total < 1_000_000


# --------------------------------------------------------------------------------------------------
# Reading the files the way a user's tools would
# --------------------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufffe", "").replace("\x02", "")
    text = re.sub(r"-\s*\n\s*", "-", text)  # a line break after a hyphen
    return re.sub(r"\s+", " ", text).strip()


_page_cache: dict[str, list[str]] = {}


def _pages(file: str) -> list[str]:
    """Normalised text per page (1 page for DOCX: body paragraphs, tables, header and footer)."""
    if file not in _page_cache:
        path = CORPUS / file
        if path.suffix == ".pdf":
            pdf = pypdfium2.PdfDocument(path)
            try:
                pages = [_norm(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
            finally:
                pdf.close()
        else:
            d = docx.Document(str(path))
            parts = [p.text for p in d.paragraphs]
            for table in d.tables:
                for row in table.rows:
                    parts.extend(c.text for c in row.cells)
            for section in d.sections:
                parts.extend(p.text for p in section.header.paragraphs)
                parts.extend(p.text for p in section.footer.paragraphs)
            pages = [_norm("\n".join(parts))]
        _page_cache[file] = pages
    return _page_cache[file]


def _all_planted(expected: dict) -> list[dict]:
    items = [m for c in expected["clusters"] for m in c["members"]]
    items += [o[side] for o in expected["opposites"] for side in ("a", "b")]
    items += expected["singletons"]
    return items


def test_every_planted_sentence_is_on_its_page(expected):
    items = _all_planted(expected)
    assert len(items) > 40
    for item in items:
        pages = _pages(item["file"])
        assert 1 <= item["page"] <= len(pages), item
        needle = _norm(item["text"])
        assert needle in pages[item["page"] - 1], f"{item['file']} p.{item['page']}: {item['text']!r}"


def test_every_document_says_it_is_fictional_on_page_one(expected):
    for d in expected["documents"]:
        assert _norm(expected["boilerplate"]) in _pages(d["file"])[0], d["file"]
        assert "fictional" in _pages(d["file"])[0].lower()
    assert "fictional" in (CORPUS / "README.md").read_text(encoding="utf-8").lower()


def test_page_counts(expected):
    for d in expected["documents"]:
        assert len(_pages(d["file"])) == d["pages"]
        assert 1 <= d["pages"] <= 4


# --------------------------------------------------------------------------------------------------
# Manifest and EXPECTED.json agree with the folder and with each other
# --------------------------------------------------------------------------------------------------


def test_manifest_lists_every_document(expected):
    with (CORPUS / "manifest.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["file", "title", "organisation", "year"]
        rows = list(reader)
    on_disk = {p.name for p in CORPUS.iterdir() if p.suffix in DOC_SUFFIXES}
    assert {r["file"] for r in rows} == on_disk
    assert len(rows) == len(on_disk)
    assert {d["file"] for d in expected["documents"]} == on_disk
    assert 10 <= len(on_disk) <= 15
    assert any(n.endswith(".docx") for n in on_disk) and any(n.endswith(".pdf") for n in on_disk)

    variant_of = {v: o["canonical"] for o in expected["organisations"] for v in o["variants"]}
    docs = {d["file"]: d for d in expected["documents"]}
    for r in rows:
        d = docs[r["file"]]
        assert int(r["year"]) == d["year"] and r["title"] == d["title"]
        assert r["organisation"] == d["organisation_in_manifest"]
        assert variant_of[r["organisation"]] == d["organisation"]
    # Alias normalisation is exercised: some organisation appears under 2+ names in the manifest.
    names_per_org: dict[str, set[str]] = {}
    for r in rows:
        names_per_org.setdefault(variant_of[r["organisation"]], set()).add(r["organisation"])
    assert sum(len(v) > 1 for v in names_per_org.values()) >= 3


def test_planted_structure(expected):
    clusters = expected["clusters"]
    docs = {d["file"]: d for d in expected["documents"]}

    def of_kind(kind):
        return [c for c in clusters if c["kind"] == kind]

    verbatim, paraphrase = of_kind("verbatim"), of_kind("paraphrase")
    assert len(verbatim) >= 4 and len(paraphrase) >= 4
    for c in verbatim + paraphrase:
        files = {m["file"] for m in c["members"]}
        assert len(files) == len(c["members"]) >= 3, c["id"]
        assert len({m["organisation"] for m in c["members"]}) >= 2, c["id"]
        assert len({m["year"] for m in c["members"]}) >= 2, c["id"]
    for c in verbatim:
        assert len({m["text"] for m in c["members"]}) == 1, c["id"]
    for c in paraphrase:
        assert len({m["text"] for m in c["members"]}) == len(c["members"]), c["id"]

    efforts = of_kind("duplicated-effort")
    assert len(efforts) >= 2
    for c in efforts:
        a, b = c["members"]
        assert a["organisation"] != b["organisation"]
        lo, hi = max(a["period"][0], b["period"][0]), min(a["period"][1], b["period"][1])
        assert lo <= hi and c["overlap"] == [lo, hi], c["id"]
        assert all(m["text"].lower().startswith(("we will", "over the next")) for m in c["members"])

    within = of_kind("within-organisation")
    assert within
    for c in within:
        assert len({m["organisation"] for m in c["members"]}) == 1
        assert len({m["year"] for m in c["members"]}) == len(c["members"])
        assert c["scope"] == "within-organisation"

    for c in clusters:
        for m in c["members"]:
            d = docs[m["file"]]
            assert (m["organisation"], m["year"], m["period"]) == (d["organisation"], d["year"], d["period"])

    assert expected["opposites"]
    planted_texts = [m["text"] for m in _all_planted(expected)]
    for o in expected["opposites"]:
        assert o["a"]["text"] != o["b"]["text"]
        assert planted_texts.count(o["a"]["text"]) == planted_texts.count(o["b"]["text"]) == 1

    singles = [s["text"] for s in expected["singletons"]]
    assert len(singles) >= 5
    assert all(planted_texts.count(t) == 1 for t in singles)


def test_draft_repeats_and_new(expected):
    draft = expected["draft"]
    text = _norm((ROOT / draft["file"]).read_text(encoding="utf-8"))
    assert "fictional" in text.lower()
    by_id = {c["id"]: c for c in expected["clusters"]}
    corpus_texts = {m["text"] for m in _all_planted(expected)}
    assert len(draft["repeats"]) >= 4 and len(draft["new"]) >= 2
    assert {r["match"] for r in draft["repeats"]} == {"verbatim", "paraphrase"}
    for r in draft["repeats"]:
        assert _norm(r["text"]) in text
        member_texts = {m["text"] for m in by_id[r["cluster"]]["members"]}
        assert (r["text"] in member_texts) == (r["match"] == "verbatim"), r
    for n in draft["new"]:
        assert _norm(n["text"]) in text
        assert n["text"] not in corpus_texts
