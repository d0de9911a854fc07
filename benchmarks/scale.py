"""Every command as a corpus grows: CPU seconds and peak RSS per command, and the exponent b of
CPU time ~ N^b fitted over the sizes.

Run:  .venv/bin/python benchmarks/scale.py [--sizes 10000,30000,100000,300000] [--rows 10000,30000,100000]

Corpora are generated at run time (never committed) from real sentences: STS-B, ArgKP arguments and
the PFD concerns in ``../shared``. Each passage is one to three sentences, each a new recombination
of the real ones (a word-level Markov chain, never the same sentence twice: see ``Source``; ``--reuse``
draws the real sentences themselves, as before 2026-12-07); about 45% start
with a recommendation cue ("The Trust should ...") so ``recurring`` has work; 6% are planted
recurrences (a passage of another, earlier document repeated verbatim or with one word changed).
Documents hold 1-8 passages (mean 4.5), one JSONL row each; organisations grow with the corpus
(N/1500, at least 20), years 2010-2024. A 20-page draft (200 passages, a quarter planted repeats) is
checked against each corpus.

The vectors come from the tests' ``hashing-384`` embedder (tests/fakes.py) (``DEDUP_MODEL=hashing-384``): every
command runs for real on real text, but embedding speed is measured separately
(benchmarks/bench_index.py) and would otherwise dominate the run. Each command runs in a fresh
process; its CPU time is user + system of that child (``os.wait4``), all threads included, and its
peak RSS the child's ``ru_maxrss``.

``--rows`` adds a second series: tables of N one-sentence rows, each row a document (ingest only).
``--recall`` measures the recall of the product's index against exact search on the largest corpus.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import OUT, shared_dir  # noqa: E402

CUES = [
    "The Trust should",
    "The council will",
    "We will",
    "Commissioners should",
    "NHS England must",
    "The department should ensure that",
    "Local authorities should",
    "We recommend that",
]
EDITS = {"the": "this", "a": "one", "should": "must", "will": "shall", "and": "as well as", "to": "so as to"}

COMMANDS: dict[str, list[str]] = {
    "ingest": ["ingest", "{table}", "--text-column", "text", "--id-column", "id", "--org-column", "org",
               "--year-column", "year"],
    "index": ["index"],
    "docs": ["docs", "--format", "json", "--out", "{out}/docs.json"],
    "links --documents": ["links", "--documents", "--format", "json", "--out", "{out}/overlaps.json"],
    "links --format json --limit 0": ["links", "--format", "json", "--limit", "0", "--out", "{out}/links.json"],
    "links --format csv --limit 0": ["links", "--format", "csv", "--limit", "0", "--out", "{out}/links.csv"],
    "recurring": ["recurring", "--format", "json", "--limit", "0", "--out", "{out}/recurring.json"],
    "recurring --all": ["recurring", "--all", "--format", "json", "--limit", "0", "--out", "{out}/all.json"],
    "check (20-page draft)": ["check", "{draft}", "--format", "json", "--out", "{out}/check.json"],
    "report": ["report", "--html", "{out}/report.html"],
}  # fmt: skip


def sentences() -> list[str]:
    """Real sentences from the shared evaluation sets, de-duplicated, 4-60 words."""
    shared = shared_dir()
    out: list[str] = []
    for split in ("train", "dev", "test"):
        with open(shared / "eval" / "stsb" / f"sts-{split}.csv", encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                out += cols[5:7]
    for split in ("train", "dev"):
        with open(shared / "eval" / "argkp" / f"arguments_{split}.csv", encoding="utf-8", newline="") as f:
            out += [row["argument"] for row in csv.DictReader(f)]
    csv.field_size_limit(10**8)
    with open(shared / "corpus" / "pfd_dev" / "pfd_reports_dev.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out += re.split(r"(?<=[.!?])\s+", row.get("concerns") or "")
    keep = {" ".join(s.split()) for s in out}
    return sorted(s for s in keep if 4 <= len(s.split()) <= 60 and s[0].isalpha())


class Source:
    """Where a generated passage's sentences come from.

    By default each sentence is new: a word-level Markov chain of order 2 over the real sentences
    (every three-word run is a real one, the sentence as a whole was never written) and never
    produced twice, so the share of near-duplicate passages stays the same as the corpus grows and
    only the planted recurrences repeat. ``reuse=True`` draws whole real sentences with replacement
    (the generator before 2026-12-07): with 22,644 sentences each is reused about nine times at 100k
    passages, so near-duplicates grow faster than N and part of the fitted b is the answer growing.
    """

    MIN_WORDS, MAX_WORDS = 8, 45

    def __init__(self, pool: list[str], reuse: bool = False) -> None:
        self.pool = pool
        self.reuse = reuse
        self.seen = set(pool)
        self.follow: dict[tuple[str, str], list[str]] = {}
        for sentence in pool:
            w = ["", "", *sentence.split(), ""]
            for a, b, c in zip(w, w[1:], w[2:], strict=False):
                self.follow.setdefault((a, b), []).append(c)

    def draw(self, rng: random.Random) -> str:
        if self.reuse:
            return rng.choice(self.pool)
        while True:
            a, b, out = "", "", []
            while len(out) < self.MAX_WORDS:
                c = rng.choice(self.follow[a, b])
                if not c:
                    break
                out.append(c)
                a, b = b, c
            text = " ".join(out)
            if len(out) >= self.MIN_WORDS and text not in self.seen:
                self.seen.add(text)
                return text


def _passage(rng: random.Random, pool: Source) -> str:
    sents = [pool.draw(rng) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
    text = " ".join(s if s[-1] in ".!?" else s + "." for s in sents)
    if rng.random() < 0.45:
        text = f"{rng.choice(CUES)} {text[0].lower()}{text[1:]}"
    return text


def _edited(rng: random.Random, text: str) -> str:
    words = text.split()
    at = [i for i, w in enumerate(words) if w.lower() in EDITS]
    if at:
        i = rng.choice(at)
        words[i] = EDITS[words[i].lower()]
    return " ".join(words)


def make_corpus(n: int, path: Path, pool: Source, seed: int = 0) -> int:
    """A JSONL table of about ``n`` passages (documents of 1-8 paragraphs). Returns the passage count."""
    rng = random.Random(seed)
    n_orgs = max(20, n // 1500)
    orgs = [f"{rng.choice(['North', 'South', 'East', 'West', 'Upper', 'Lower'])}{k} "
            f"{rng.choice(['NHS Trust', 'Council', 'ICB', 'Partnership', 'Foundation'])}"
            for k in range(n_orgs)]  # fmt: skip
    made: list[str] = []
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        d = 0
        while count < n:
            paras = []
            for _ in range(min(rng.randint(1, 8), n - count)):
                if made and rng.random() < 0.06:
                    old = rng.choice(made)
                    paras.append(old if rng.random() < 0.5 else _edited(rng, old))
                else:
                    paras.append(_passage(rng, pool))
            made += paras if len(made) < 200_000 else []
            count += len(paras)
            row = {"id": f"d{d}", "text": "\n\n".join(paras), "org": rng.choice(orgs), "year": rng.randint(2010, 2024)}
            f.write(json.dumps(row) + "\n")
            d += 1
    return count


def make_rows(n: int, path: Path, pool: Source, seed: int = 1) -> None:
    """A JSONL table of ``n`` one-sentence rows, each its own document."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for d in range(n):
            row = {"id": f"r{d}", "text": _passage(rng, pool), "org": f"Org {d % 50}", "year": 2010 + d % 15}
            f.write(json.dumps(row) + "\n")


def make_draft(path: Path, pool: Source, corpus: Path, seed: int = 2) -> None:
    """About 20 pages: 200 paragraphs, a quarter of them taken from the corpus."""
    rng = random.Random(seed)
    with open(corpus, encoding="utf-8") as f:
        old = [p for line in f for p in json.loads(line)["text"].split("\n\n")][:20000]
    paras = [rng.choice(old) if rng.random() < 0.25 else _passage(rng, pool) for _ in range(200)]
    path.write_text("# Draft strategy\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")


def run_command(args: list[str], store: Path, timeout: float) -> dict[str, float]:
    env = dict(
        os.environ, DEDUP_MODEL="hashing-384", DEDUP_EMBEDDERS="tests.fakes", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT)
    )
    cmd = [sys.executable, "-m", "dedup", "--store", str(store), "--quiet", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {err[-2000:]}")
    if wall > timeout:
        print(f"  (over the {timeout:.0f} s budget)", file=sys.stderr)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "rss_mb": usage.ru_maxrss / 1024.0}


def fit_exponent(ns: list[int], ts: list[float]) -> float:
    """b of t ~ a N^b, least squares on log-log."""
    if len(ns) < 2:
        return float("nan")
    b, _ = np.polyfit(np.log(ns), np.log(np.maximum(ts, 1e-3)), 1)
    return float(b)


def recall(store: Path, k: int = 10, queries: int = 500) -> dict[str, float]:
    """Recall@k of the product's index (the one every command searches) against exact inner product."""
    from dedup.match import build_index
    from dedup.store import Store

    with Store(store, create=False) as st:
        model, dim = st.get_meta("model"), int(st.get_meta("dim") or 0)
        _, x = st.passage_vectors(model or "", dim)
    rng = np.random.default_rng(0)
    q = x[rng.choice(len(x), size=min(queries, len(x)), replace=False)]
    exact = np.argsort(-(q @ x.T), axis=1)[:, :k]
    index = build_index(x)
    _, got = index.search(np.ascontiguousarray(q), k)
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(exact, got, strict=True))
    return {"recall_at_k": hits / (k * len(q)), "k": k, "n": len(x)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,30000", help="corpus sizes in passages (comma-separated)")
    ap.add_argument("--rows", default="", help="one-row-document ingest sizes (comma-separated)")
    ap.add_argument("--commands", default=",".join(COMMANDS), help="which commands (comma-separated names)")
    ap.add_argument("--work", type=Path, default=OUT / "scale", help="where corpora and stores are made")
    ap.add_argument("--recall", action="store_true", help="measure index recall on the largest corpus")
    ap.add_argument(
        "--reuse", action="store_true", help="whole real sentences drawn with replacement (before 2026-12-07)"
    )
    ap.add_argument("--timeout", type=float, default=900.0, help="report commands past this many seconds")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    rows = [int(s) for s in args.rows.split(",") if s]
    wanted = [c.strip() for c in args.commands.split(",") if c.strip()]
    args.work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    real = sentences()
    print(f"{len(real)} distinct real sentences", file=sys.stderr)
    results: dict[str, dict[int, dict[str, float]]] = {c: {} for c in wanted}
    actual: dict[int, int] = {}
    for n in sizes:
        d = args.work / f"n{n}"
        d.mkdir(exist_ok=True)
        table, store, draft = d / "corpus.jsonl", d / "store.db", d / "draft.md"
        for p in d.glob("store.db*"):
            p.unlink()
        source = Source(real, args.reuse)
        actual[n] = make_corpus(n, table, source)
        make_draft(draft, source, table)
        for name in wanted:
            argv = [a.format(table=table, out=d, draft=draft) for a in COMMANDS[name]]
            r = run_command(argv, store, args.timeout)
            results[name][n] = r
            print(f"n={n:>7} {name:<32} cpu {r['cpu_s']:8.1f} s  wall {r['wall_s']:8.1f} s  "
                  f"rss {r['rss_mb']:7.0f} MB", file=sys.stderr, flush=True)  # fmt: skip
    row_results: dict[int, dict[str, float]] = {}
    for n in rows:
        d = args.work / f"rows{n}"
        d.mkdir(exist_ok=True)
        table, store = d / "rows.jsonl", d / "store.db"
        for p in d.glob("store.db*"):
            p.unlink()
        make_rows(n, table, Source(real, args.reuse))
        argv = [a.format(table=table) for a in COMMANDS["ingest"]]
        row_results[n] = run_command(argv, store, args.timeout)
        print(f"rows={n:>7} ingest  cpu {row_results[n]['cpu_s']:8.1f} s  rss {row_results[n]['rss_mb']:7.0f} MB",
              file=sys.stderr, flush=True)  # fmt: skip
    rec = recall(args.work / f"n{sizes[-1]}" / "store.db") if args.recall and sizes else None

    print(f"\nsizes (passages): {', '.join(f'{actual[n]:,}' for n in sizes)}; 2 CPUs shared; hashing-384 vectors\n")
    head = " | ".join(f"CPU s at {n // 1000}k" for n in sizes)
    print(f"| command | {head} | b | peak RSS at {sizes[-1] // 1000}k | 1M passages, extrapolated |")
    print("|---|" + "---|" * (len(sizes) + 3))
    out: dict[str, object] = {"sizes": sizes, "passages": actual, "commands": {}}
    for name in wanted:
        ts = [results[name][n]["cpu_s"] for n in sizes]
        b = fit_exponent([actual[n] for n in sizes], ts)
        est = ts[-1] * (1_000_000 / actual[sizes[-1]]) ** b if ts else float("nan")
        rss = results[name][sizes[-1]]["rss_mb"]
        cells = " | ".join(f"{t:.1f}" for t in ts)
        print(f"| `{name}` | {cells} | {b:.2f} | {rss:,.0f} MB | {est / 60:.1f} min |")
        out["commands"][name] = {"cpu_s": ts, "b": b, "rss_mb": [results[name][n]["rss_mb"] for n in sizes],  # type: ignore[index]
                                 "wall_s": [results[name][n]["wall_s"] for n in sizes]}  # fmt: skip
    if rows:
        ts = [row_results[n]["cpu_s"] for n in rows]
        b = fit_exponent(rows, ts)
        print(f"\none-row documents, ingest: {', '.join(f'{n // 1000}k {t:.1f} s' for n, t in zip(rows, ts, strict=True))}"
              f"; b = {b:.2f}; peak RSS {row_results[rows[-1]]['rss_mb']:,.0f} MB")  # fmt: skip
        out["rows"] = {"sizes": rows, "cpu_s": ts, "b": b}
    if rec:
        print(f"\nindex recall@{rec['k']} against exact search at {rec['n']:,} vectors: {rec['recall_at_k']:.3f}")
        out["recall"] = rec
    print(f"\nbenchmark wall time: {(time.perf_counter() - t_start) / 60:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
