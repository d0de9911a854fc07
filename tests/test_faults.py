"""Fault injection: outputs, the store and the index under kills, full disks, bad destinations and
hostile inputs. Each case ends in one clear line, a consistent store, the previous output intact.

Inputs are generated in tmp; the hashing model keeps every test fast. RELIABILITY.md lists the cases.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dedup.cli import app
from dedup.errors import DedupError
from dedup.safeio import atomic_write

from .conftest import CORPUS

runner = CliRunner()
SMALL = sorted(CORPUS.glob("*.pdf"))[:3]


def run(store: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--store", str(store), "--quiet", *args])
    return result.exit_code, result.stdout, result.stderr


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    store = tmp_path / "s.db"
    code, _, err = run(store, "ingest", *map(str, SMALL))
    assert code == 0, err
    return store


# --- outputs never overwrite the store or an input ------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_out_naming_the_store_is_refused_and_the_store_survives(small_store: Path, suffix: str) -> None:
    before = small_store.read_bytes()
    code, out, err = run(small_store, "docs", "--format", "json", "--out", f"{small_store}{suffix}")
    assert code == 1 and "is the store" in one_line(err)
    assert small_store.read_bytes() == before
    assert run(small_store, "docs", "--format", "json")[0] == 0


def test_out_naming_the_faiss_index_is_refused(small_store: Path) -> None:
    run(small_store, "index")
    faiss_file = next(small_store.parent.glob("s.*.faiss"))
    before = faiss_file.read_bytes()
    code, _, err = run(small_store, "docs", "--out", str(faiss_file.with_suffix(".faiss")))
    assert code == 1 and "is the store" in one_line(err)
    assert faiss_file.read_bytes() == before


def test_check_out_naming_the_draft_is_refused(small_store: Path, tmp_path: Path) -> None:
    draft = tmp_path / "d.md"
    draft.write_text("# Draft\n\n1. Expand crisis services for young people across the county.\n")
    before = draft.read_text()
    for args in (["--format", "md", "--out", str(draft)], ["--html", str(draft)]):
        code, _, err = run(small_store, "check", str(draft), *args)
        assert code == 1 and "input of this run" in one_line(err)
        assert draft.read_text() == before
    code, _, err = run(
        small_store, "check", str(draft), "--out", str(tmp_path / "x.html"), "--html", str(tmp_path / "x.html")
    )
    assert code == 1 and "same file" in one_line(err)


def test_out_naming_an_input_of_ingest_or_compare_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nWe will expand crisis services for young people.\n")
    manifest = folder / "manifest.csv"
    manifest.write_text("file,title,organisation,year\na.md,A,Org A,2020\n")
    before = manifest.read_text()
    store = tmp_path / "s.db"
    code, _, err = run(store, "ingest", str(folder), "--out", str(manifest))
    assert code == 1 and "which this run reads" in one_line(err)
    assert manifest.read_text() == before and not store.exists()
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("id,a,b\n1,x y z,x y z\n")
    code, _, err = run(store, "compare", "--pairs", str(pairs), "--out", str(pairs))
    assert code == 1 and "input of this run" in one_line(err)
    assert pairs.read_text() == "id,a,b\n1,x y z,x y z\n"


# --- outputs are replaced atomically ---------------------------------------------------------------


def test_a_failing_writer_leaves_the_old_output_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    target.write_text("old report\n")

    def half_then_crash(tmp: Path) -> None:
        tmp.write_text("half a rep")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, half_then_crash)
    assert target.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv"]


def test_a_full_disk_while_writing_leaves_the_old_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old\n")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(DedupError, match="No space left on device"):
        atomic_write(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


@contextlib.contextmanager
def small_filesystem(tmp_path: Path, size: str = "96k") -> Iterator[Path]:
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_outputs_on_a_full_filesystem_keep_the_previous_file(small_store: Path, tmp_path: Path) -> None:
    with small_filesystem(tmp_path) as mnt:
        for name in ("docs.json", "docs.xlsx"):
            (mnt / name).write_text("previous\n")
        with pytest.raises(OSError), open(mnt / "filler", "wb") as f:  # fill the rest of the disk
            f.write(b"x" * 200_000)
        code, _, err = run(small_store, "docs", "--format", "json", "--out", str(mnt / "docs.json"))
        assert code == 1 and "cannot write it" in one_line(err)
        code, _, err = run(small_store, "docs", "--format", "xlsx", "--out", str(mnt / "docs.xlsx"))
        assert code == 1 and "cannot write it" in one_line(err)
        assert (mnt / "docs.json").read_text() == "previous\n" and (mnt / "docs.xlsx").read_text() == "previous\n"
        assert sorted(p.name for p in mnt.iterdir()) == ["docs.json", "docs.xlsx", "filler"]


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "xlsx"])
def test_every_format_to_dev_full_is_one_line(small_store: Path, fmt: str) -> None:
    code, _, err = run(small_store, "docs", "--format", fmt, "--out", "/dev/full")
    assert code == 1 and "No space left on device" in one_line(err)


def test_unwritable_and_folder_destinations_are_one_line(small_store: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for args in (
        ["docs", "--out", str(tmp_path)],
        ["docs", "--out", str(blocker / "under-a-file.json")],
        ["report", "--html", str(tmp_path)],
        ["check", str(SMALL[0]), "--html", str(tmp_path)],
    ):
        code, _, err = run(small_store, *args)
        assert code == 1, args
        one_line(err)
    assert blocker.read_text() == "x"


def test_replacing_an_output_keeps_its_permissions(small_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "docs.json"
    out.write_text("{}")
    out.chmod(0o644)
    assert run(small_store, "docs", "--out", str(out))[0] == 0
    assert json.loads(out.read_text())["documents"] and (out.stat().st_mode & 0o777) == 0o644


# --- injection: spreadsheets, terminals, Markdown -------------------------------------------------

HOSTILE_TITLE = '=HYPERLINK("http://x","y") \x1b]0;owned\x07\x1b[31mred\x1b[0m <script>alert(1)</script> [/bold]'


@pytest.fixture
def hostile_store(tmp_path: Path) -> Path:
    doc = tmp_path / "hostile.md"
    doc.write_text("# Plan\n\nWe will expand crisis services for young people across the county.\n")
    store = tmp_path / "h.db"
    code, _, err = run(
        store, "ingest", str(doc), "--title", HOSTILE_TITLE, "--org", "+cmd|' /C calc'!A0", "--year", "2020"
    )
    assert code == 0, err
    return store


def test_csv_cells_that_look_like_formulas_are_neutralised(hostile_store: Path) -> None:
    import csv
    import io

    code, out, _ = run(hostile_store, "docs", "--format", "csv")
    row = list(csv.DictReader(io.StringIO(out)))[0]
    assert row["title"].startswith("'=HYPERLINK") and row["organisation"].startswith("'+cmd")
    from dedup.render.table import neutralise

    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(bad) == "'" + bad
    assert neutralise("plain text") == "plain text"


def test_xlsx_cells_that_look_like_formulas_are_text(hostile_store: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "docs.xlsx"
    assert run(hostile_store, "docs", "--out", str(out))[0] == 0
    ws = load_workbook(out).active
    assert ws is not None
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert str(ws["B2"].value).startswith("'=HYPERLINK")


def test_terminal_tables_and_messages_carry_no_escape_sequences_or_markup(hostile_store: Path, tmp_path: Path) -> None:
    code, out, err = run(hostile_store, "docs")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "[/bold]" in out  # shown as typed, not taken for rich markup
    bad = tmp_path / "evil\x1b[2Jname.pdf"
    bad.write_bytes(b"not a pdf")
    code, out, err = run(hostile_store, "ingest", str(bad))
    assert code == 1 and "\x1b" not in err and "failed" in err
    from dedup.safeio import clean_for_terminal

    assert clean_for_terminal("a\x1b[31mb\x1b]0;t\x07c\x9b2Jd\u202ee\rf") == "abcde f"


def test_org_notes_show_the_organisation_as_typed(hostile_store: Path) -> None:
    def note(*args: str) -> str:  # notes on: no --quiet
        result = runner.invoke(app, ["--store", str(hostile_store), "org", *args])
        assert result.exit_code == 0 and "\x1b" not in result.stderr, result.stderr
        return result.stderr

    name = "Unit [bold]of[/bold] the \x1b[31mBoard"
    said = note(name, "--parent", "[i]Some[/i] Council")
    assert "'Unit [bold]of[/bold] the Board' now counts as '[i]Some[/i] Council'" in said
    assert "'Unit [bold]of[/bold] the Board' rolls up as its name says" in note(name, "--reset")


def test_markdown_output_shows_html_as_text(hostile_store: Path) -> None:
    code, out, _ = run(hostile_store, "docs", "--format", "md")
    assert code == 0 and "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out


# --- crashes that stopped whole runs ---------------------------------------------------------------


def test_an_empty_part_in_an_organisation_list_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.md").write_text(f"# {name}\n\nWe will expand crisis services for young people ({name}).\n")
    (folder / "manifest.csv").write_text(
        "file,title,organisation,year\na.md,A,NHS England;,2020\nb.md,B,; ;Northmere ICB; ,2021\n"
    )
    store = tmp_path / "s.db"
    code, _, err = run(store, "ingest", str(folder))
    assert code == 0, err
    docs = {d["id"]: d for d in json.loads(run(store, "docs", "--format", "json")[1])["documents"]}
    assert docs["a"]["organisation"] == "NHS England" and docs["b"]["organisation"] == "Northmere ICB"


def test_a_lone_surrogate_in_a_jsonl_table_fails_that_file_only(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a_bad.jsonl").write_text(
        '{"text": "We will expand crisis services."}\n{"text": "Broken \\ud800 text here."}\n', encoding="utf-8"
    )
    (folder / "b_good.jsonl").write_text('{"text": "We will open two new crisis cafes by 2026."}\n')
    (folder / "c_good.md").write_text("# C\n\nWe will train every GP in suicide prevention.\n")
    store = tmp_path / "s.db"
    code, out, err = run(store, "ingest", str(folder), "--format", "json")
    assert code == 1 and "Traceback" not in err
    status = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert status["a_bad.jsonl"]["status"] == "failed" and "line 2" in status["a_bad.jsonl"]["message"]
    assert status["b_good.jsonl"]["status"] == "added" and status["c_good.md"]["status"] == "added"
    assert len([ln for ln in err.splitlines() if "failed" in ln]) == 1


# --- the FAISS index is checked against the database -----------------------------------------------

SAID_B = "We will open a crisis cafe in every town centre by 2026 with peer support workers."
SAID_C = "We will train every school nurse in suicide prevention within two years of this plan."


def _draft_status(store: Path, tmp_path: Path, text: str) -> str:
    draft = tmp_path / "draft.md"
    draft.write_text(f"# Draft\n\n1. {text}\n")
    code, out, err = run(store, "check", str(draft), "--format", "json")
    assert code == 0, err
    (p,) = [p for p in json.loads(out)["passages"] if p["text"].endswith(text[-20:])]
    return f"{p['status']}:{p['matches'][0]['type'] if p['matches'] else ''}"


def test_a_database_restored_from_a_backup_with_a_newer_index_gives_right_answers(tmp_path: Path) -> None:
    import shutil

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in [("a", "We will expand talking therapies for older adults."), ("b", SAID_B), ("c", SAID_C)]:
        (docs / f"{name}.md").write_text(f"# {name}\n\n{text}\n")
    store = tmp_path / "s.db"
    assert run(store, "ingest", str(docs / "a.md"))[0] == 0 and run(store, "index")[0] == 0
    shutil.copy(store, tmp_path / "backup.db")
    assert run(store, "ingest", str(docs / "b.md"))[0] == 0 and run(store, "index")[0] == 0
    assert _draft_status(store, tmp_path, SAID_B) == "repeat:verbatim"
    shutil.copy(tmp_path / "backup.db", store)  # restored; the index file beside it is newer
    assert run(store, "ingest", str(docs / "c.md"))[0] == 0  # reuses b's passage id for another text
    assert _draft_status(store, tmp_path, SAID_B) == "new:"  # b is not in the restored database
    assert _draft_status(store, tmp_path, SAID_C) == "repeat:verbatim"


def test_a_corrupted_index_body_is_rebuilt(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "b.md").write_text(f"# b\n\n{SAID_B}\n")
    (docs / "c.md").write_text(f"# c\n\n{SAID_C}\n")
    store = tmp_path / "s.db"
    assert run(store, "ingest", str(docs))[0] == 0 and run(store, "index")[0] == 0
    faiss_file = next(tmp_path.glob("s.*.faiss"))
    data = bytearray(faiss_file.read_bytes())
    for k in range(len(data) - 600, len(data) - 100):  # scramble stored vectors
        data[k] ^= 0x5A
    faiss_file.write_bytes(bytes(data))
    assert _draft_status(store, tmp_path, SAID_C) == "repeat:verbatim"
    assert _draft_status(store, tmp_path, SAID_B) == "repeat:verbatim"
    from dedup.index import load_index
    from dedup.store import Store

    with Store(store) as s:
        assert load_index(s, 256).trusted  # the file was rewritten whole


def test_concurrent_index_writers_do_not_collide(tmp_path: Path) -> None:
    import sys

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(6):
        (docs / f"d{i}.md").write_text(f"# d{i}\n\nWe will fund project number {i} for young carers.\n")
    store = tmp_path / "s.db"
    assert run(store, "ingest", str(docs))[0] == 0
    env = dict(os.environ, DEDUP_MODEL="hashing")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "dedup", "--store", str(store), "-q", "index"],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    assert _draft_status(store, tmp_path, "We will fund project number 3 for young carers.") == "repeat:verbatim"


# --- limits on what one file may cost ------------------------------------------------------------


def _ingest_json(store: Path, *args: str) -> tuple[int, dict[str, dict[str, str]], str]:
    code, out, err = run(store, "ingest", *args, "--format", "json")
    return code, {Path(f["path"]).name: f for f in json.loads(out)["files"]}, err


def test_a_huge_single_line_text_file_is_refused_at_once_and_the_others_go_on(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "huge.txt").write_bytes(b"We will do more. " * 3_200_000)  # 54 MB on one line
    (folder / "small.md").write_text("# S\n\nWe will train every GP in suicide prevention.\n")
    code, files, err = _ingest_json(tmp_path / "s.db", str(folder))
    assert code == 1 and files["small.md"]["status"] == "added"
    assert files["huge.txt"]["status"] == "failed" and "--max-chars" in files["huge.txt"]["message"]


@pytest.mark.parametrize(
    "option,low,high",
    [("--max-chars", "2000", "200000"), ("--max-passages", "10", "1000"), ("--max-file-mb", "0.01", "1")],
)
def test_each_limit_is_named_in_the_message_and_can_be_raised(tmp_path: Path, option: str, low: str, high: str) -> None:
    doc = tmp_path / "long.md"
    doc.write_text("# Long\n\n" + "".join(f"We will fund project number {i} for carers.\n\n" for i in range(400)))
    store = tmp_path / "s.db"
    code, files, _ = _ingest_json(store, str(doc), option, low)
    assert code == 1 and files["long.md"]["status"] == "failed"
    assert option in files["long.md"]["message"] and "raise the limit" in files["long.md"]["message"]
    code, files, err = _ingest_json(store, str(doc), option, high)
    assert code == 0 and files["long.md"]["status"] == "added", err


def _docx(path: Path, paragraphs: int, styles: tuple[str, ...] = ("Normal",)) -> Path:
    import docx

    d = docx.Document()
    for i in range(paragraphs):
        d.add_paragraph(
            f"We will improve mental health service number {i} in the county.", style=styles[i % len(styles)]
        )
    d.save(str(path))
    return path


def test_a_docx_whose_xml_inflates_past_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    import zipfile

    bomb = _docx(tmp_path / "bomb.docx", 3)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/glossary.xml", b"<a>" + b" " * (3 << 20) + b"</a>")  # 3 MB of XML in a few KB
    assert bomb.stat().st_size < 100_000
    store = tmp_path / "s.db"
    code, files, _ = _ingest_json(store, str(bomb), "--max-docx-xml-mb", "2")
    assert code == 1 and "--max-docx-xml-mb" in files["bomb.docx"]["message"]
    code, files, _ = _ingest_json(store, str(bomb), "--max-docx-xml-mb", "8")
    assert code == 0 and files["bomb.docx"]["status"] == "added"


def test_the_docx_reader_looks_each_style_up_once_not_once_per_paragraph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # python-docx scans every style of the document for each paragraph's style: quadratic-feeling
    # minutes on long documents (a 3 MB-XML DOCX took 60 s). The reader caches by style id.
    from docx.parts.document import DocumentPart

    from dedup.read import extract

    calls = []
    real = DocumentPart.get_style

    def counting(self: DocumentPart, style_id: str | None, style_type: object) -> object:
        calls.append(style_id)
        return real(self, style_id, style_type)

    monkeypatch.setattr(DocumentPart, "get_style", counting)
    path = _docx(tmp_path / "long.docx", 600, styles=("Normal", "List Bullet", "Heading 1"))
    blocks = extract(path).blocks
    assert len(blocks) == 600 and {b.kind for b in blocks} == {"paragraph", "item", "heading"}
    assert len(calls) <= 3


# --- stopping and resuming -----------------------------------------------------------------------


def test_embeddings_are_committed_in_batches_and_a_stopped_index_resumes(
    small_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dedup.index
    from dedup.errors import Interrupted
    from dedup.index import ensure_index
    from dedup.store import Store
    from tests.fakes import HashingEmbedder

    monkeypatch.setattr(dedup.index, "COMMIT_EVERY", 10)

    class StopsOnThirdBatch(HashingEmbedder):
        calls = 0
        texts = 0

        def embed(self, texts, progress=None):  # type: ignore[no-untyped-def]
            type(self).calls += 1
            type(self).texts += len(texts)
            if self.calls == 3 and self.stop:
                raise KeyboardInterrupt
            return super().embed(texts, progress)

    with Store(small_store) as store:
        total = len(store.missing_embeddings("hashing-256"))
        assert total > 30
        first = StopsOnThirdBatch()
        first.stop = True  # type: ignore[attr-defined]
        with pytest.raises(Interrupted, match=f"20 of {total} new passage texts were embedded and saved"):
            ensure_index(store, first)
        assert len(store.missing_embeddings("hashing-256")) == total - 20
        StopsOnThirdBatch.calls = StopsOnThirdBatch.texts = 0
        second = StopsOnThirdBatch()
        second.stop = False  # type: ignore[attr-defined]
        stats = ensure_index(store, second)
        assert second.texts == total - 20 and stats.embedded == total - 20
        assert stats.total == store.passage_count()


def _many_pdfs(tmp_path: Path, copies: int = 4) -> Path:
    src = tmp_path / "many"
    for i in range(copies):
        (src / f"copy{i}").mkdir(parents=True)
        for f in CORPUS.glob("*.pdf"):
            (src / f"copy{i}" / f.name).write_bytes(f.read_bytes())
    return src


def _start(store: Path, *args: str) -> subprocess.Popen[str]:
    import signal
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "dedup", "--store", str(store), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
        env=dict(os.environ, DEDUP_MODEL="hashing"),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_documents(store: Path, n: int, proc: subprocess.Popen[str]) -> None:
    import sqlite3
    import time

    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    if db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= n:
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


@pytest.mark.parametrize("twice", [False, True])
def test_ctrl_c_during_a_multi_file_ingest_stops_at_once_says_what_was_kept_and_resumes(
    tmp_path: Path, twice: bool
) -> None:
    import signal
    import time

    src = _many_pdfs(tmp_path)
    store = tmp_path / "s.db"
    proc = _start(store, "ingest", str(src))
    _wait_for_documents(store, 2, proc)
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    if twice:
        time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)  # a hang guard, not a speed test (RELIABILITY.md has figures)
    assert proc.returncode == 130, err
    line = one_line(err)
    assert line.startswith("interrupted: ingest stopped after") and "run the same command again" in line
    time.sleep(1.0)
    assert not [w for w in workers if _alive(w)], "parse workers outlived the run"
    rerun = _start(store, "-q", "ingest", str(src))
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    from dedup.store import Store

    with Store(store) as s:
        assert len(s.documents()) == len(list(src.rglob("*.pdf")))


def test_sigkill_leaves_no_orphan_worker_processes(tmp_path: Path) -> None:
    import signal
    import time

    src = _many_pdfs(tmp_path)
    store = tmp_path / "s.db"
    proc = _start(store, "-q", "ingest", str(src))
    _wait_for_documents(store, 2, proc)
    workers = _children(proc.pid)
    assert workers, "the ingest should run parse workers"
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as an OOM killer would
    proc.communicate(timeout=20)
    deadline = time.time() + 5
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "parse workers outlived their parent"


def test_two_first_ingests_into_a_new_store_both_succeed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n\nWe will expand crisis services, plan {name}.\n")
    for trial in range(3):
        store = tmp_path / f"new{trial}.db"
        procs = [_start(store, "-q", "ingest", str(tmp_path / f"{n}.md")) for n in ("a", "b")]
        errs = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errs


# --- store errors are one line -------------------------------------------------------------------


def test_a_read_only_store_is_one_line(small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    import dedup.store

    real = sqlite3.connect

    def read_only(path: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        kwargs.pop("uri", None)
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dedup.store.sqlite3, "connect", read_only)  # what chmod 444 does for a non-root user
    doc = tmp_path / "new.md"
    doc.write_text("# New\n\nWe will open a new crisis line.\n")
    before = small_store.read_bytes()
    code, _, err = run(small_store, "ingest", str(doc))
    assert code == 1 and "read-only" in one_line(err)
    assert small_store.read_bytes() == before


def test_a_full_disk_under_the_store_is_one_line_and_the_store_stays_consistent(tmp_path: Path) -> None:
    import sqlite3

    src = _many_pdfs(tmp_path, copies=2)
    with small_filesystem(tmp_path, "400k") as mnt:
        store = mnt / "s.db"
        code, _, err = run(store, "ingest", str(src))
        assert code == 1 and "is full" in one_line(err) and "Traceback" not in err
        db = sqlite3.connect(store)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = db.execute(
            "SELECT COUNT(*) FROM passages p WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = p.doc_id)"
        ).fetchone()[0]
        db.close()
        assert orphans == 0


def test_a_damaged_store_is_one_line_for_reading_and_writing_commands(small_store: Path, tmp_path: Path) -> None:
    data = bytearray(small_store.read_bytes())
    page = 4096
    for k in range(2 * page, min(len(data), 6 * page), 7):  # scribble over pages 3-6
        data[k] = 0xFF
    small_store.write_bytes(bytes(data))
    doc = tmp_path / "new.md"
    doc.write_text("# New\n\nWe will open a new crisis line.\n")
    for args in (["docs"], ["ingest", str(doc)]):
        code, _, err = run(small_store, *args)
        assert code == 1 and "damaged" in one_line(err), args


def test_a_write_lock_held_by_another_program_is_one_line(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    monkeypatch.setenv("DEDUP_LOCK_TIMEOUT", "0.5")  # 30 s by default
    holder = sqlite3.connect(small_store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        doc = tmp_path / "new.md"
        doc.write_text("# New\n\nWe will open a new crisis line.\n")
        code, _, err = run(small_store, "ingest", str(doc))
        assert code == 1 and "locked by another program" in one_line(err)
        assert run(small_store, "docs", "--format", "json")[0] == 0  # readers are not blocked
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_check_ignores_index_hits_whose_passage_was_removed_meanwhile(
    small_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another process re-ingests a changed document between the index search and the passage read.
    import numpy as np

    import dedup.index

    real = dedup.index.search

    def with_a_vanished_passage(store, vectors, k, **kwargs):  # type: ignore[no-untyped-def]
        scores, ids = real(store, vectors, k, **kwargs)
        ids = ids.copy()
        if ids.size:
            ids[:, 0] = 10**9  # a passage id no longer in the database
        return np.maximum(scores, 0.99), ids

    monkeypatch.setattr(dedup.index, "search", with_a_vanished_passage)
    code, out, err = run(small_store, "check", str(SMALL[0]), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["passages"]


def test_sigkill_at_several_points_of_a_scan_then_a_rerun_gives_a_consistent_store(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    from dedup.index import load_index
    from dedup.store import Store

    src = _many_pdfs(tmp_path, copies=3)
    store = tmp_path / "s.db"
    report = tmp_path / "report.json"
    report.write_text('{"previous": true}\n')
    for delay in (1.0, 2.5, 4.0, 6.0):  # during ingest, then later (index, clustering, writing)
        proc = _start(store, "-q", "scan", str(src), "--out", str(report))
        time.sleep(delay)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        if store.exists():
            db = sqlite3.connect(store)
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            db.close()
        text = report.read_text()
        assert text == '{"previous": true}\n' or "clusters" in json.loads(text)  # old or new, never partial
    final = _start(store, "-q", "scan", str(src), "--out", str(report))
    _, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert "clusters" in json.loads(report.read_text())
    with Store(store) as s:
        assert len(s.documents()) == len(list(src.rglob("*.pdf")))
        loaded = load_index(s, 256, "hashing-256")
        assert loaded.trusted and loaded.hashes == s.passage_hashes("hashing-256")


def test_a_temp_file_left_by_a_killed_writer_is_cleared_by_the_next_write(tmp_path: Path) -> None:
    import time

    target = tmp_path / "report.html"
    left = tmp_path / ".report.html.k1ll3d.tmp"  # what a SIGKILL mid-write leaves
    left.write_text("half")
    hour_ago = time.time() - 7200
    os.utime(left, (hour_ago, hour_ago))
    live = tmp_path / ".report.html.wr1t1ng.tmp"  # another writer's, still young: left alone
    live.write_text("in progress")
    atomic_write(target, "<p>new</p>")
    assert target.read_text() == "<p>new</p>" and not left.exists() and live.exists()


def test_check_applies_the_limits_to_the_draft(small_store: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\n" + "".join(f"{i}. We will fund project {i} for young carers.\n" for i in range(50)))
    code, _, err = run(small_store, "check", str(draft), "--max-passages", "10")
    assert code == 1 and "--max-passages" in one_line(err)
    assert run(small_store, "check", str(draft), "--max-passages", "100", "--format", "json")[0] == 0


def test_check_of_a_missing_file_or_a_folder_is_one_line(small_store: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-draft.pdf"
    code, out, err = run(small_store, "check", str(missing))
    assert code == 1 and "Traceback" not in err
    assert "no-such-draft.pdf" in one_line(err) and "no such file" in one_line(err)
    code, _, err = run(small_store, "check", str(tmp_path))
    assert code == 1 and "Traceback" not in err and "is a folder" in one_line(err)


_WRITER = """
import sys, time
from pathlib import Path
from dedup.ingest import ingest
from dedup.store import Store
store, doc, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
end, n = time.time() + seconds, 0
while time.time() < end:
    n += 1
    doc.write_text("# Plan\\n\\n" + "".join(f"We will fund project {i} for carers, version {n}.\\n\\n" for i in range(30)))
    with Store(store) as s:
        assert not ingest(s, [doc], workers=1).failed
print(n)
"""

_READER = """
import sys, time
from pathlib import Path
from dedup.draft import check_draft
from tests.fakes import HashingEmbedder
from dedup.index import ensure_index
from dedup.store import Store
store, draft, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
end, n = time.time() + seconds, 0
while time.time() < end:
    n += 1
    with Store(store) as s:
        e = HashingEmbedder()
        ensure_index(s, e)
        check_draft(s, e, draft)
print(n)
"""


def test_concurrent_writer_and_readers_never_fail(small_store: Path, tmp_path: Path) -> None:
    import sys

    doc = tmp_path / "changing.md"
    draft = tmp_path / "draft.md"
    draft.write_text("# Draft\n\n1. We will fund project 3 for carers, version 2.\n")
    env = dict(os.environ, DEDUP_LOCK_TIMEOUT="30")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(small_store), str(doc), "4"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    ]
    procs += [
        subprocess.Popen(
            [sys.executable, "-c", _READER, str(small_store), str(draft), "4"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-800:] for _, err in results]
    assert all(int(out) >= 1 for out, _ in results)
