"""The command line as a user drives it (typer's CliRunner), with the hashing model for speed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dedup.cli import app

from .conftest import CORPUS, ROOT

runner = CliRunner()


def run(store: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--store", str(store), "--quiet", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_command_has_help_text() -> None:
    import typer.main

    group = typer.main.get_group(app)
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 20, name
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name


def test_help_does_not_import_the_model_stack() -> None:
    code = "import sys; from dedup.cli import app; bad = [m for m in ('torch', 'sentence_transformers', 'faiss', 'pdfplumber') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_dedup_works() -> None:
    result = subprocess.run([sys.executable, "-m", "dedup", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and "ingest" in result.stdout


def test_ingest_then_docs_as_json(store_path: Path) -> None:
    code, _, err = run(store_path, "ingest", str(CORPUS))
    assert code == 0, err
    code, out, _ = run(store_path, "docs", "--format", "json")
    docs = json.loads(out)["documents"]
    assert len(docs) == 14
    first = docs[0]
    assert set(first) >= {"id", "title", "organisation", "year", "source", "passages", "missing"}
    assert first["year"] == 2013 and first["missing"] == []


def test_docs_lists_missing_metadata(tmp_path: Path, store_path: Path) -> None:
    f = tmp_path / "untitled.txt"
    f.write_text("We will open a crisis café in every town.")
    run(store_path, "ingest", str(f), "--org", "Town Council")
    code, out, _ = run(store_path, "docs", "--format", "csv")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split(",")[-1] == "missing"
    assert row.endswith('"title, year"')


def test_ingest_reports_bad_files_and_exits_nonzero(tmp_path: Path, store_path: Path) -> None:
    (tmp_path / "good.txt").write_text("We will open a crisis café in every town.")
    (tmp_path / "zero.pdf").write_bytes(b"")
    result = runner.invoke(app, ["--store", str(store_path), "ingest", str(tmp_path)])
    assert result.exit_code == 1
    assert "zero.pdf" in result.stderr and "empty" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    code, out, _ = run(store_path, "docs", "--format", "json")
    assert [d["id"] for d in json.loads(out)["documents"]] == ["good"]


def test_remove_takes_a_document_out(store_path: Path) -> None:
    run(store_path, "ingest", str(CORPUS))
    code, _, err = run(store_path, "remove", "2016_cpf_beyond_beds")
    assert code == 0, err
    _, out, _ = run(store_path, "docs", "--format", "json")
    assert "2016_cpf_beyond_beds" not in {d["id"] for d in json.loads(out)["documents"]}
    code, _, err = run(store_path, "remove", "no-such-doc")
    assert code == 1 and "dedup docs" in err


def test_reading_commands_do_not_create_a_store(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "none.db", "docs")
    assert code == 1 and "dedup ingest" in err
    assert not (tmp_path / "none.db").exists()


def test_store_from_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.")
    monkeypatch.setenv("DEDUP_STORE", str(tmp_path / "env.db"))
    result = runner.invoke(app, ["--quiet", "ingest", str(f)])
    assert result.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_alias_command_merges_organisations(tmp_path: Path, store_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.")
    run(store_path, "ingest", str(f), "--org", "WSHWB")
    code, _, _ = run(store_path, "alias", "WSHWB", "West Sussex Health and Wellbeing Board")
    assert code == 0
    _, out, _ = run(store_path, "docs", "--format", "json")
    assert json.loads(out)["documents"][0]["organisation"] == "West Sussex Health and Wellbeing Board"


def test_output_to_file_in_markdown(store_path: Path, tmp_path: Path) -> None:
    run(store_path, "ingest", str(CORPUS))
    out_file = tmp_path / "docs.md"
    code, out, _ = run(store_path, "docs", "--format", "md", "--out", str(out_file))
    assert code == 0 and out == ""
    text = out_file.read_text()
    assert text.startswith("## Documents") and "| 2016_cpf_beyond_beds |" in text


def _consistent(db_path: Path) -> tuple[int, int]:
    db = sqlite3.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    docs = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    empty = db.execute(
        "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.doc_id = d.id)"
    ).fetchone()[0]
    orphans = db.execute(
        "SELECT COUNT(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = p.doc_id)"
    ).fetchone()[0]
    pages = db.execute(
        "SELECT COUNT(*) FROM documents d WHERE d.page_count != (SELECT COUNT(*) FROM pages g WHERE g.doc_id = d.id)"
    ).fetchone()[0]
    db.close()
    assert (empty, orphans, pages) == (0, 0, 0)
    return docs, 0


def test_sigkill_mid_ingest_leaves_a_consistent_store(tmp_path: Path) -> None:
    # Several copies of the corpus make a run long enough to kill part-way.
    src = tmp_path / "many"
    for i in range(4):
        for f in CORPUS.glob("*.pdf"):
            (src / f"copy{i}").mkdir(parents=True, exist_ok=True)
            (src / f"copy{i}" / f.name).write_bytes(f.read_bytes())
    total = len(list(src.rglob("*.pdf")))
    db_path = tmp_path / "killed.db"
    cmd = [sys.executable, "-m", "dedup", "--store", str(db_path), "--quiet", "ingest", str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if db_path.exists():
            try:
                with sqlite3.connect(db_path, timeout=1) as db:
                    if db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 3:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done, _ = _consistent(db_path)
    assert 0 < done < total, "the kill should land mid-run"
    rerun = subprocess.run(cmd, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert _consistent(db_path)[0] == total


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus scanned into a store with the hashing model (fast, deterministic)."""
    path = tmp_path_factory.mktemp("scanned") / "dedup.db"
    env = {"DEDUP_MODEL": "hashing"}
    result = runner.invoke(app, ["--store", str(path), "--quiet", "scan", str(CORPUS), "--format", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["clusters"]
    return path


def test_recurring_as_xlsx_has_a_sheet_per_table_frozen_headers_and_links(scanned: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "recurring.xlsx"
    code, _, err = run(scanned, "recurring", "--format", "xlsx", "--out", str(out))
    assert code == 0, err
    wb = load_workbook(out)
    assert wb.sheetnames == ["Recurring recommendations", "Evidence"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.cell(1, 1).font.bold
    evidence = wb["Evidence"]
    link = evidence.cell(2, 2).hyperlink
    assert link is not None and link.target.startswith("file://") and link.target.endswith((".pdf", ".docx"))
    assert evidence.column_dimensions["G"].width > 20  # quotes get a wide column


def test_xlsx_needs_an_output_file(scanned: Path) -> None:
    code, _, err = run(scanned, "recurring", "--format", "xlsx")
    assert code == 1 and "--out" in err


def test_links_and_check_as_xlsx(scanned: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    code, _, err = run(scanned, "links", "--format", "xlsx", "--out", str(tmp_path / "links.xlsx"))
    assert code == 0, err
    assert load_workbook(tmp_path / "links.xlsx").sheetnames == ["Links"]
    draft = ROOT / "examples" / "draft_strategy_2026.md"
    code, _, err = run(scanned, "check", str(draft), "--format", "xlsx", "--out", str(tmp_path / "check.xlsx"))
    assert code == 0, err
    book = load_workbook(tmp_path / "check.xlsx")
    assert book.sheetnames == ["Summary", "Draft passages", "Earlier matches"]
    assert book["Earlier matches"].cell(2, 2).hyperlink.target.startswith("file://")
    assert load_workbook(tmp_path / "links.xlsx")["Links"].cell(2, 3).hyperlink.target.startswith("file://")


def test_markdown_output_pastes_as_tables(scanned: Path) -> None:
    code, out, _ = run(scanned, "recurring", "--format", "md")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "## Recurring recommendations"
    header = lines[2]
    assert header.startswith("| # | recommendation |") and lines[3].startswith("|---|")
    rows = lines[4 : lines.index("", 4)]
    assert rows and all(r.count(" | ") == header.count(" | ") for r in rows)  # pipes in text are escaped
    assert "## Evidence" in lines


def test_check_json_lists_passages_with_matches_and_does_not_store_the_draft(scanned: Path) -> None:
    draft = ROOT / "examples" / "draft_strategy_2026.md"
    code, out, err = run(scanned, "check", str(draft), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["summary"]["recommendations"] == sum(p["kind"] == "recommendation" for p in data["passages"])
    first = data["passages"][0]
    assert first["kind"] == "recommendation" and {"text", "page", "status", "times", "matches"} <= set(first)
    repeated = [p for p in data["passages"] if p["status"] == "repeat"]
    assert repeated and all(p["matches"][0]["passage"]["document"]["id"] for p in repeated)
    _, docs, _ = run(scanned, "docs", "--format", "json")
    assert "draft_strategy_2026" not in docs


def test_report_and_check_write_self_contained_html(scanned: Path, tmp_path: Path) -> None:
    code, _, err = run(scanned, "report", "--html", str(tmp_path / "report.html"))
    assert code == 0, err
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.split("<svg")[0].lower().replace("http://www.w3.org", "")
    draft = ROOT / "examples" / "draft_strategy_2026.md"
    code, _, err = run(scanned, "check", str(draft), "--html", str(tmp_path / "check.html"))
    assert code == 0, err
    assert "Provide 24/7 crisis support" in (tmp_path / "check.html").read_text()


def test_compare_pairs_keeps_input_order_and_ids(tmp_path: Path, store_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "id,a,b\n"
        "p1,Reduce the number of people detained under the Mental Health Act.,"
        "Increase the number of people detained under the Mental Health Act.\n"
        'p2,Provide 24/7 crisis support.,"Provide 24/7 crisis support."\n'
    )
    code, out, err = run(store_path, "compare", "--pairs", str(pairs), "--format", "json")
    assert code == 0, err
    got = json.loads(out)["pairs"]
    assert [p["id"] for p in got] == ["p1", "p2"]
    assert got[0]["type"] is None and got[1]["type"] == "verbatim"


def test_compare_pairs_names_missing_columns(tmp_path: Path, store_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("left,right\nx,y\n")
    code, _, err = run(store_path, "compare", "--pairs", str(pairs))
    assert code == 1 and "id,a,b" in err


def test_store_refuses_to_mix_two_models_and_says_how_to_reindex(tmp_path: Path) -> None:
    store = tmp_path / "mix.db"
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.\n\nWe will train every GP in suicide prevention.")
    assert runner.invoke(app, ["--store", str(store), "-q", "ingest", str(f)]).exit_code == 0
    assert runner.invoke(app, ["--store", str(store), "-q", "index"], env={"DEDUP_MODEL": "hashing"}).exit_code == 0
    other = runner.invoke(app, ["--store", str(store), "-q", "index", "--model", "hashing-64"])
    assert other.exit_code == 1
    assert "--reindex" in other.stderr and "hashing" in other.stderr
    again = runner.invoke(app, ["--store", str(store), "-q", "index", "--reindex", "--model", "hashing-64"])
    assert again.exit_code == 0, again.stderr
    links = runner.invoke(app, ["--store", str(store), "-q", "links", "-f", "json"], env={"DEDUP_MODEL": ""})
    assert links.exit_code == 0, links.stderr  # later commands use the store's model


def test_index_updates_without_reembedding_and_follows_removals(tmp_path: Path) -> None:
    from dedup.index import load_faiss
    from dedup.store import Store

    store = tmp_path / "inc.db"
    for name, text in [("a.txt", "We will open a crisis café."), ("b.txt", "We will train every GP.")]:
        (tmp_path / name).write_text(text)
    runner.invoke(app, ["--store", str(store), "-q", "ingest", str(tmp_path / "a.txt")])
    runner.invoke(app, ["--store", str(store), "-q", "index"])
    runner.invoke(app, ["--store", str(store), "-q", "ingest", str(tmp_path / "b.txt")])
    result = runner.invoke(app, ["--store", str(store), "index"])
    assert "embedded 1 new texts" in result.stderr and "+1 -0, 2 passages" in result.stderr
    runner.invoke(app, ["--store", str(store), "-q", "remove", "a"])
    with Store(store) as s:
        assert load_faiss(s, 256).ntotal == 1


def test_recurring_filters_by_label(scanned: Path) -> None:
    code, out, err = run(scanned, "recurring", "--label", "duplicated-effort", "--format", "json")
    assert code == 0, err
    assert all("duplicated-effort" in c["labels"] for c in json.loads(out)["clusters"])
    code, _, err = run(scanned, "recurring", "--label", "nonsense")
    assert code == 1 and "--label" in err


def test_check_add_also_stores_the_draft(tmp_path: Path) -> None:
    store = tmp_path / "add.db"
    plan = tmp_path / "plan_2020.txt"
    plan.write_text("We will open a crisis café in every town.")
    draft = tmp_path / "draft_2026.md"
    draft.write_text("- We will open a crisis café in every town.\n- We will train every GP in suicide prevention.\n")
    assert runner.invoke(app, ["--store", str(store), "-q", "ingest", str(plan)]).exit_code == 0
    result = runner.invoke(app, ["--store", str(store), "-q", "check", str(draft), "--add", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    statuses = [p["status"] for p in json.loads(result.stdout)["passages"]]
    assert statuses == ["repeat", "new"]
    docs = runner.invoke(app, ["--store", str(store), "-q", "docs", "-f", "json"]).stdout
    assert {d["id"] for d in json.loads(docs)["documents"]} == {"plan_2020", "draft_2026"}


def test_compare_refuses_empty_text_and_missing_files(store_path: Path) -> None:
    code, _, err = run(store_path, "compare", "", "")
    assert code == 1 and "empty" in err
    code, _, err = run(store_path, "compare", "nonexistent.pdf", "other.docx")
    assert code == 1 and "nonexistent.pdf: no such file" in err


def test_out_extension_sets_the_format_and_bad_paths_fail_cleanly(store_path: Path, tmp_path: Path) -> None:
    run(store_path, "ingest", str(CORPUS))
    code, _, _ = run(store_path, "docs", "--out", str(tmp_path / "docs.json"))
    assert code == 0 and len(json.loads((tmp_path / "docs.json").read_text())["documents"]) == 14
    result = runner.invoke(app, ["--store", str(store_path), "-q", "docs", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "is a folder" in result.stderr
    code, _, err = run(store_path, "recurring", "--format", "xlsx")
    assert code == 1 and "--out" in err


def test_a_new_version_of_a_file_keeps_its_metadata(tmp_path: Path, store_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.")
    run(store_path, "ingest", str(f), "--org", "NHSE", "--year", "2020")
    f.write_text("We will train every GP in suicide prevention.")
    run(store_path, "ingest", str(f))
    _, out, _ = run(store_path, "docs", "--format", "json")
    (doc,) = json.loads(out)["documents"]
    assert (doc["organisation"], doc["year"]) == ("NHS England", 2020)


def test_missing_manifest_and_empty_rows_are_reported(tmp_path: Path, store_path: Path) -> None:
    f = tmp_path / "plan.txt"
    f.write_text("We will open a crisis café in every town.")
    code, _, err = run(store_path, "ingest", str(f), "--manifest", str(tmp_path / "nope.csv"))
    assert code == 1 and "nope.csv" in err and "manifest" in err
    table = tmp_path / "recs.csv"
    table.write_text("id,text\nr1,Provide crisis support.\nr2,\n")
    code, out, _ = run(store_path, "ingest", str(table), "--id-column", "id", "--format", "json")
    assert code == 0 and "1 rows with no text skipped (r2)" in json.loads(out)["files"][0]["message"]


def test_bad_filter_values_are_refused(scanned: Path) -> None:
    code, _, err = run(scanned, "recurring", "--years", "2020-2015")
    assert code == 1 and "2015-2020" in err
    code, _, _ = run(scanned, "recurring", "--limit", "-1")
    assert code != 0
    code, _, err = run(scanned, "recurring", "--threshold", "nan")
    assert code == 1 and "finite" in err


def test_alias_listing_does_not_create_a_store_and_aliases_can_be_removed(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    code, _, err = run(missing, "alias")
    assert code == 1 and not missing.exists()
    store = tmp_path / "a.db"
    assert run(store, "alias", "WSHWB", "West Sussex Health and Wellbeing Board")[0] == 0
    assert run(store, "alias", "--remove", "WSHWB")[0] == 0
    _, out, _ = run(store, "alias", "--format", "json")
    assert "wshwb" not in json.loads(out)["aliases"]
    code, _, err = run(store, "alias", "", "X")
    assert code == 1 and "empty" in err


def test_shared_reports_do_not_reveal_local_folders(scanned: Path, tmp_path: Path) -> None:
    out = tmp_path / "share.html"
    code, _, err = run(scanned, "report", "--html", str(out))
    assert code == 0, err
    html = out.read_text()
    assert str(CORPUS) not in html and str(scanned.parent) not in html
    assert "2016_cpf_beyond_beds.pdf" in html


VERBS = "Fund Review Expand Audit Staff Publish Close Merge Reopen Extend Cost Inspect".split()
NOUNS = "dementia housing school prison police ambulance dental pharmacy hearing sight maternity stroke".split()


def test_org_command_shows_and_edits_the_hierarchy_and_org_filter_takes_units(tmp_path: Path, store_path: Path) -> None:
    for name, org in [("a", "Northmere County Council Public Health"), ("b", "Northmere Wellbeing Board")]:
        f = tmp_path / f"{name}.txt"
        other = [
            f"Plan {name} item {n}: {w} the {w2} service." for n, (w, w2) in enumerate(zip(VERBS, NOUNS, strict=True))
        ]
        f.write_text("\n\n".join(["We will open a crisis café in every town of Northmere by 2026.", *other]))
        assert run(store_path, "ingest", str(f), "--org", org, "--year", "2020")[0] == 0
    code, out, _ = run(store_path, "org", "--format", "json")
    rows = {r["organisation"]: r for r in json.loads(out)["organisations"]}
    assert code == 0 and rows["Northmere County Council Public Health"]["body"] == "Northmere County Council"
    assert rows["Northmere County Council Public Health"]["set_by"] == "name"
    assert run(store_path, "org", "Northmere Wellbeing Board", "--parent", "Northmere County Council")[0] == 0
    code, out, _ = run(store_path, "recurring", "--org", "Northmere County Council", "--format", "json")
    clusters = json.loads(out)["clusters"]
    assert code == 0 and clusters and clusters[0]["organisations"] == 1  # both units count as the council
    assert clusters[0]["scope"] == "within-organisation"
    code, _, err = run(store_path, "recurring", "--org", "Northmere Council")
    assert code == 1 and "nearest: Northmere County Council" in err
    code, _, err = run(
        store_path, "org", "Northmere County Council", "--parent", "Northmere County Council Public Health"
    )
    assert code == 1 and "cannot contain its parent" in err
    assert run(store_path, "org", "Northmere Wellbeing Board", "--reset")[0] == 0
    _, out, _ = run(store_path, "recurring", "--org", "Northmere County Council", "--format", "json")
    assert json.loads(out)["clusters"][0]["organisations"] == 2


def test_recurring_lists_theme_only_clusters_apart(scanned: Path) -> None:
    _, out, err = run(scanned, "recurring", "--limit", "0", "--format", "json")
    shown = json.loads(out)["clusters"]
    assert all(c["documents"] >= 2 for c in shown)
    assert all(m["type"] != "related" for c in shown for m in c["members"])
    assert all(m["type"] == "related" for c in shown for m in c["same_theme"])
    _, out, _ = run(scanned, "recurring", "--limit", "0", "--themes", "--format", "json")
    assert len(json.loads(out)["clusters"]) >= len(shown)


def test_check_counts_versions_of_a_document_once_and_units_as_their_body(tmp_path: Path, store_path: Path) -> None:
    said = "We will open a crisis café in every town of Northmere by 2026."
    common = [said, *(f"{v} the {n} service in every district." for v, n in zip(VERBS, NOUNS, strict=True))]
    docs = {
        "final.txt": ("Northmere County Council", [*common, "The final adds this sentence on housing."]),
        "draft.txt": ("Northmere County Council", [*common, "The draft had this sentence on transport."]),
        "other.txt": ("Northmere County Council Public Health", [said, "Smoking rates fell by a tenth last year."]),
    }
    for name, (org, lines) in docs.items():
        (tmp_path / name).write_text("\n\n".join(lines))
        assert run(store_path, "ingest", str(tmp_path / name), "--org", org, "--year", "2021")[0] == 0
    draft = tmp_path / "new.txt"
    draft.write_text(f"{said}\n\nA brand new idea about libraries and reading groups.")
    code, out, err = run(store_path, "check", str(draft), "--format", "json")
    assert code == 0, err
    top = json.loads(out)["summary"]["most_repeated"][0]
    assert top["text"] == said
    assert len(top["document_ids"]) == 3 and top["times"] == 2  # the draft and final of one plan count once
    assert top["organisations"] == 1  # the public health unit is the council's


def test_check_out_xlsx_writes_the_same_sheets_as_format_xlsx(scanned: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    draft = ROOT / "examples" / "draft_strategy_2026.md"
    code, _, err = run(scanned, "check", str(draft), "--out", str(tmp_path / "c.xlsx"))
    assert code == 0, err
    assert load_workbook(tmp_path / "c.xlsx").sheetnames == ["Summary", "Draft passages", "Earlier matches"]


def test_recurring_org_filter_never_writes_to_the_store(tmp_path: Path, store_path: Path) -> None:
    # A fuller spelling than the stored one ('Northmere ICB') once renamed the stored documents.
    for year in (2019, 2022):
        f = tmp_path / f"plan_{year}.txt"
        f.write_text("We will open a crisis café in every town. Carers will be offered an assessment.")
        assert run(store_path, "ingest", str(f), "--org", "Northmere ICB", "--year", str(year))[0] == 0
    assert run(store_path, "index")[0] == 0

    def snapshot() -> list[Any]:
        with sqlite3.connect(store_path) as db:
            return [
                db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                for table in ("documents", "org_aliases", "org_parents")
            ]

    before = snapshot()
    for name in ("Northmere Integrated Care Board", "Northmere ICB Mental Health Team", "Northmere I.C.B."):
        run(store_path, "recurring", "--org", name, "--format", "json")
    assert run(store_path, "recurring", "--org", "Southmere Council")[0] == 1
    assert snapshot() == before


def test_queries_over_stored_vectors_do_not_load_the_model(scanned: Path) -> None:
    for args in (["recurring"], ["links", "--documents"], ["docs"]):
        result = runner.invoke(app, ["--store", str(scanned), *args, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        assert "loading the embedding model" not in result.stderr, args
    draft = ROOT / "examples" / "draft_strategy_2026.md"
    result = runner.invoke(app, ["--store", str(scanned), "check", str(draft), "--format", "json"])
    assert result.exit_code == 0 and "loading the embedding model" in result.stderr  # new text is embedded


def test_streamed_json_and_csv_equal_the_whole_documents() -> None:
    import csv as csv_mod
    import io as io_mod
    import json as json_mod

    from dedup.render.output import csv_chunks, json_chunks, to_csv
    from dedup.render.table import Table

    for items in ([], [{"a": 1, "t": "x\ny \u00e9"}], [{"a": [1, {"b": None}]}, {"c": "d"}, {}]):
        assert (
            "".join(json_chunks("links", iter(items)))
            == json_mod.dumps({"links": items}, indent=2, ensure_ascii=False) + "\n"
        )
    rows = [[0.5, "=cmd", "a,b", 'q"x'], [None, "", "line\nbreak", 3]] * 3000
    streamed = "".join(csv_chunks(["s", "t", "u", "v"], iter(rows)))
    assert streamed == to_csv(Table("t", ["s", "t", "u", "v"], rows))
    assert len(list(csv_mod.reader(io_mod.StringIO(streamed)))) == len(rows) + 1


def test_device_option_is_checked() -> None:
    from typer.testing import CliRunner

    from dedup.cli import app

    result = CliRunner().invoke(app, ["--device", "tpu", "docs"])
    assert result.exit_code != 0
    assert "auto, cpu or cuda" in result.output


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_recurring_json_and_csv_are_written_cluster_by_cluster_as_the_whole_would_be(scanned: Path, fmt: str) -> None:
    import json as json_mod

    from dedup.corpus import Corpus
    from dedup.render import views
    from dedup.render.output import to_csv
    from dedup.render.table import Format

    result = runner.invoke(app, ["--store", str(scanned), "recurring", "--all", "--limit", "0", "--format", fmt])
    assert result.exit_code == 0, result.stderr
    with Corpus(scanned, "hashing") as corpus:
        clusters = corpus.recurring(all_passages=True, themes=True)
    whole = views.recurring(
        clusters, min_documents=2, limit=0, themes=False, filtered=False, all_passages=True, fmt=Format.table
    )
    assert whole.data["clusters"]  # the sample corpus has recurring recommendations
    if fmt == "json":
        assert result.stdout == json_mod.dumps(whole.data, indent=2, ensure_ascii=False) + "\n"
    else:
        assert result.stdout == to_csv(whole.tables[0])
