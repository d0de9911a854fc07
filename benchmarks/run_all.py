"""Run every benchmark in turn and print their tables (the source of BENCHMARKS.md).

    .venv/bin/python benchmarks/run_all.py [name ...]

Names: planted, quality, heldout, bench_ingest, bench_index, bench_links, bench_check.
Quality and speed need ../shared (or DEDUP_SHARED); the planted-answers benchmark needs only the repo.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    ("planted", []),
    ("quality", []),
    ("heldout", []),
    ("bench_ingest", []),
    ("bench_index", ["--n", "800", "--repeats", "1"]),
    ("bench_links", ["--n", "100000", "--methods", "engine,baseline"]),
    ("bench_check", []),
]


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    for name, args in ORDER:
        if wanted and name not in wanted:
            continue
        cmd = [sys.executable, str(HERE / f"{name}.py"), *args]
        print(f"\n## {name}\n\n`{' '.join(['.venv/bin/python', f'benchmarks/{name}.py', *args])}`\n", flush=True)
        t = time.time()
        if subprocess.run(cmd, cwd=HERE.parent).returncode != 0:
            failed.append(name)
        print(f"\n({time.time() - t:.0f} s)", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
