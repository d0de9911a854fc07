"""Figures for RELIABILITY.md: what hostile inputs and Ctrl-C cost now, against a baseline in the same run.

    .venv/bin/python benchmarks/reliability.py [--with-model]

- DOCX reader on a 20,000-paragraph DOCX (2.2 MB of XML): dedup's reader against python-docx's own
  per-paragraph style lookup (what the reader did before; baseline = that lookup alone);
- time to refuse a 54 MB single-line text file and a DOCX whose XML inflates to 300 MB;
- SQLite quick_check on opening a 100,000-passage store (240 MB);
- Ctrl-C during a multi-file ingest (and, with --with-model, during `index` with the real model):
  seconds from the signal to the "interrupted" line and to the exit.
Inputs are generated in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _docx(path: Path, n: int) -> Path:
    import docx

    d = docx.Document()
    for i in range(n):
        d.add_paragraph(f"We will improve the mental health service number {i} for people in the county.")
    d.save(str(path))
    return path


def docx_reader(tmp: Path) -> None:
    import docx

    from dedup.read import extract

    path = _docx(tmp / "long.docx", 20_000)
    t = time.perf_counter()
    document = docx.Document(str(path))
    for p in document.paragraphs:
        _ = p.style.name if p.style is not None else ""
    base = time.perf_counter() - t
    t = time.perf_counter()
    blocks = extract(path).blocks
    ours = time.perf_counter() - t
    print(
        f"| DOCX, 20,000 paragraphs: extract() | python-docx style lookups alone {base:.1f} s | "
        f"**{ours:.1f} s** ({len(blocks)} blocks; {base / ours:.1f}x faster than the baseline alone) |"
    )


def refusals(tmp: Path) -> None:
    from dedup.errors import InputError
    from dedup.ingest import parse_file

    line = tmp / "line.txt"
    line.write_bytes(b"We will do more. " * 3_200_000)
    bomb = _docx(tmp / "bomb.docx", 3)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/glossary.xml", b"<a>" + b" " * (300 << 20) + b"</a>")
    for path, what in (
        (line, "54 MB single-line text"),
        (bomb, f"{bomb.stat().st_size // 1024} KB DOCX, 300 MB of XML"),
    ):
        t = time.perf_counter()
        try:
            parse_file(path)
            msg = "accepted"
        except InputError as exc:
            msg = exc.message
        print(f'| refuse a {what} | (was minutes and GBs) | **{time.perf_counter() - t:.2f} s**: "{msg}" |')


def quick_check(tmp: Path) -> None:
    path = tmp / "big.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE e(h TEXT PRIMARY KEY, v BLOB)")
    db.execute("CREATE TABLE p(id INTEGER PRIMARY KEY, t TEXT, h TEXT)")
    db.execute("CREATE INDEX ph ON p(h)")
    db.executemany("INSERT INTO e VALUES(?, ?)", ((f"{i:032x}", os.urandom(1536)) for i in range(100_000)))
    db.executemany("INSERT INTO p VALUES(?, ?, ?)", ((i, "word " * 40, f"{i:032x}") for i in range(100_000)))
    db.commit()
    t = time.perf_counter()
    db.execute("SELECT COUNT(*) FROM p").fetchone()
    base = time.perf_counter() - t
    t = time.perf_counter()
    db.execute("PRAGMA quick_check(1)").fetchone()
    qc = time.perf_counter() - t
    db.close()
    print(
        f"| quick_check on opening a {path.stat().st_size >> 20} MB store (100k passages) | "
        f"COUNT(*) of passages {base:.3f} s | **{qc:.2f} s** |"
    )


def _interrupt(store: Path, args: list[str], ready: str, env: dict[str, str]) -> tuple[float, float, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup", "--store", str(store), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stderr is not None
        for ln in proc.stderr:
            lines.append((time.perf_counter(), ln.strip()))

    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if ready == "documents>=3" and store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    if db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] >= 3:
                        break
            except sqlite3.OperationalError:
                pass
        if ready == "embeddings>=1" and store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    if db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] >= 1:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    t = time.perf_counter()
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait()
    end = time.perf_counter()
    reader.join()
    said = [(at, ln) for at, ln in lines if ln.startswith("interrupted")]
    return (said[0][0] - t if said else float("nan")), end - t, said[0][1] if said else "(no line)"


def ctrl_c(tmp: Path, with_model: bool) -> None:
    src = tmp / "many"
    for i in range(6):
        (src / f"c{i}").mkdir(parents=True)
        for f in (ROOT / "corpus").glob("*.pdf"):
            shutil.copy(f, src / f"c{i}" / f.name)
    env = dict(os.environ, DEDUP_MODEL="hashing", DEDUP_EMBEDDERS="tests.fakes", PYTHONPATH=str(ROOT))
    store = tmp / "s.db"
    line_s, exit_s, line = _interrupt(store, ["-q", "ingest", str(src)], "documents>=3", env)
    print(
        f"| Ctrl-C in a {len(list(src.rglob('*.pdf')))}-file ingest (2 workers) | (was 33 s; twice: deadlock) | "
        f'**line after {line_s:.2f} s, exit after {exit_s:.2f} s**: "{line[:90]}…" |'
    )
    if with_model:
        _docx(src / "long.docx", 5000)  # 5,000 distinct passages: several embedding batches
        subprocess.run(
            [sys.executable, "-m", "dedup", "--store", str(store), "-q", "ingest", str(src)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        env.pop("DEDUP_MODEL")
        env["HF_HUB_OFFLINE"] = "1"
        line_s, exit_s, line = _interrupt(store, ["-q", "index"], "embeddings>=1", env)
        print(
            f"| Ctrl-C in `index` with MiniLM | (was: all embedding lost) | "
            f'**line after {line_s:.2f} s, exit after {exit_s:.2f} s**: "{line[:90]}…" |'
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--with-model", action="store_true", help="also interrupt `index` with the real model")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print("| case | baseline, same run | now |\n|---|---|---|")
        docx_reader(tmp)
        refusals(tmp)
        quick_check(tmp)
        ctrl_c(tmp, args.with_model)


if __name__ == "__main__":
    main()
