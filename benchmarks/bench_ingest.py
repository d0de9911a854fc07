"""Ingestion speed on the 18 West Sussex PDFs, in pages per second, beside a plain pdfplumber loop.

    .venv/bin/python benchmarks/bench_ingest.py [--repeat N]

The baseline is what a user could write in five lines: ``page.extract_text()`` for every page, one
process. dedup does much more per page (columns, running headers, paragraphs, headings, tables,
sentence splitting, classification, the SQLite write) and spreads files over both cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import shared_dir  # noqa: E402


def plain_pdfplumber(files: list[Path]) -> tuple[int, float]:
    import pdfplumber

    t0, pages = time.perf_counter(), 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
    return pages, time.perf_counter() - t0


def dedup_ingest(folder: Path, workers: int) -> tuple[int, int, float]:
    from dedup.ingest import ingest
    from dedup.store import Store

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        t0 = time.perf_counter()
        report = ingest(store, [folder], workers=workers)
        elapsed = time.perf_counter() - t0
        assert not report.failed, report.failed
        return sum(r.pages for r in report.results), sum(r.passages for r in report.results), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is reported")
    args = parser.parse_args()
    folder = shared_dir() / "corpus" / "westsussex"
    files = sorted(folder.glob("*.pdf"))
    rows = []
    base = min((plain_pdfplumber(files) for _ in range(args.repeat)), key=lambda r: r[1])
    rows.append(("pdfplumber extract_text() loop, 1 process", base[0], base[1], "-"))
    for workers in (1, min(2, os.cpu_count() or 1)):
        pages, passages, secs = min((dedup_ingest(folder, workers) for _ in range(args.repeat)), key=lambda r: r[2])
        rows.append((f"dedup ingest, {workers} worker(s), {passages} passages", pages, secs, f"{base[1] / secs:.2f}x"))
    print(f"{len(files)} PDFs, {os.cpu_count()} CPUs\n")
    print("| run | pages | seconds | pages/s | speed vs baseline |")
    print("|---|---|---|---|---|")
    for name, pages, secs, ratio in rows:
        print(f"| {name} | {pages} | {secs:.1f} | {pages / secs:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
