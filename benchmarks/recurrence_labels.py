"""Are `recurring` and `duplicated-effort` labels backed by passages that say the same thing?

    .venv/bin/python benchmarks/recurrence_labels.py [--store WS.db]

On the sample corpus: which planted clusters get the planted labels. On ../shared's West Sussex
corpus (ingested into a temporary store, or ``--store`` one already built with `dedup scan`): how
many clusters carry each label, against the same clusters labelled by every member (the rule before
issue 10, where passages only on the same theme dated and labelled a cluster), and how long
``find_recurring`` takes once the model is loaded.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import embedder, shared_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _all_members_labels(c) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """The old rule: every member, `related` ones included, dates and labels the cluster; any "we
    will" / "we plan to" by two differently named organisations (units not rolled up) in overlapping
    periods is a duplicated effort."""
    from dedup.recurring import bodies, period
    from dedup.segment import is_commitment

    years = {m.passage.document.year for m in c.members if m.passage.document.year}
    spans = [
        (p.document.organisation, period(p.document))
        for m in c.members
        for p in m.passages
        if p.document.organisation and is_commitment(p.text)
    ]
    groups = bodies([org for org, _ in spans])
    body = {org: next(n for n, g in enumerate(groups) if set(org.split("; ")) & g) for org, _ in spans if org}
    duplicated = any(
        body[a] != body[b] and pa and pb and pa[0] <= pb[1] and pb[0] <= pa[1]
        for n, (a, pa) in enumerate(spans)
        for b, pb in spans[n + 1 :]
        if a and b
    )
    return len(years) >= 2, duplicated


def sample() -> None:
    from dedup.index import ensure_index
    from dedup.ingest import ingest
    from dedup.recurring import find_recurring
    from dedup.store import Store

    expected = json.loads((ROOT / "corpus" / "EXPECTED.json").read_text())
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db") as store:
        ingest(store, [ROOT / "corpus"])
        ensure_index(store, embedder())
        clusters = find_recurring(store, embedder())
    print("| planted | kind | found labels | evidence documents |")
    print("|---|---|---|---|")
    labelled_efforts = {c.id for c in clusters if "duplicated-effort" in c.labels}
    planted_efforts = set()
    for p in expected["clusters"]:
        m0 = p["members"][0]
        hit = next(
            (
                c
                for c in clusters
                for m in c.members
                for q in m.passages
                if Path(q.document.source).name == m0["file"] and _norm(m0["text"]) in _norm(q.text)
            ),
            None,
        )
        if hit and p["kind"] == "duplicated-effort":
            planted_efforts.add(hit.id)
        print(
            f"| {p['id']} | {p['kind']} | {', '.join(hit.labels) if hit else 'not clustered'} |"
            f" {hit.documents if hit else '-'} |"
        )
    print(
        f"\nduplicated efforts: {len(planted_efforts)} planted found, "
        f"{len(labelled_efforts - planted_efforts)} labelled that were not planted\n"
    )


def westsussex(store_path: Path | None) -> None:
    from dedup.index import ensure_index
    from dedup.ingest import ingest
    from dedup.recurring import find_recurring
    from dedup.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = store_path or Path(tmp) / "ws.db"
        with Store(path) as store:
            if store_path is None:
                ingest(store, [shared_dir() / "corpus" / "westsussex"])
                ensure_index(store, embedder())
            find_recurring(store, embedder())  # warm
            t = time.perf_counter()
            clusters = find_recurring(store, embedder())
            seconds = time.perf_counter() - t
    old = [_all_members_labels(c) for c in clusters]
    evidence = [c for c in clusters if c.documents >= 2]
    print("| West Sussex (18 PDFs) | clusters | `recurring` | `duplicated-effort` |")
    print("|---|---|---|---|")
    print(
        f"| labels from every member (before) | {len(clusters)} | {sum(r for r, _ in old)} | {sum(d for _, d in old)} |"
    )
    print(
        f"| labels from the same statement (now) | {len(evidence)} with it in 2+ documents"
        f" | {sum('recurring' in c.labels for c in clusters)} | {sum('duplicated-effort' in c.labels for c in clusters)} |"
    )
    print(f"\nfind_recurring: {seconds:.2f} s ({len(clusters)} clusters, model loaded)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", type=Path, help="a store with West Sussex already scanned")
    args = ap.parse_args()
    sample()
    westsussex(args.store)


if __name__ == "__main__":
    main()
