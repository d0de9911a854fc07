"""Issue 9: do responses to Prevention of Future Deaths reports find the concerns they quote?

Each organisation's response (``../shared/corpus/pfd_sample/pfd_responses_sample.csv``) restates
concerns of the coroner's report it answers, then answers them. The reports' concerns are ingested
as a table (one document per report); each response is checked against them as a draft. For each
labelled quotation (``benchmarks/data/pfd_response_labels.csv``):

* found: the response passage holding the quotation has, at rank 1, a repeat (``verbatim``,
  ``near-verbatim`` or ``paraphrase``) of the right concern of the right report (where one passage
  quotes several concerns, rank 1 among the matches whose aligned span is this quotation);
* answered: the response passage that answers it (the first one after the quotation that quotes
  nothing itself) has the right concern among its first 3 matches;
* answered by one of its answering passages: any of the passages after the quotation (and the
  quotations right after it: concerns quoted in a row are one list), up to the next quotation and at most the check's ``ANSWER_PASSAGES``, has the right concern among its first 3
  matches (a response quoting a list of concerns often answers them a paragraph each).

Labels hold ids and offsets only (response row, report id, concern number = the concern's line in
the report's ``concerns`` field, the quotation's character span in the response). They were proposed
by difflib word-block matching (independent of dedup's rapidfuzz alignment: a concern of 8 words or
more counts as quoted when word runs of 4+ cover 60% of it, or 20 of its words, within one stretch of
the response) and the borderline ones read by hand: ``--relabel`` rewrites them.

Baseline in the same run: the check judging whole passages only (``quotes=False``: the check before
issue 9).

    .venv/bin/python benchmarks/pfd_responses.py
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import embedder, shared_dir  # noqa: E402

LABELS = ROOT / "benchmarks" / "data" / "pfd_response_labels.csv"
_W = re.compile(r"\w+")
# A concern's title ("Concern 6: Coordination between ...") or the body a report is addressed to
# ("To the Secretary of State for ..."): a short line of the concerns field, no sentence, that states
# no concern ("Concern 1: <the concern itself>." is a concern).
_TITLE = re.compile(r"^\W*(?:(?:matter\s+of\s+)?concern\s*\d+\s*[:.\-–]|to\s+the\s+[A-Z])[^.;]*$", re.I)


def _title(line: str) -> bool:
    return bool(_TITLE.match(line.strip())) and len(_words(line)) <= 12


def _rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(10**9)
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def concerns(text: str) -> list[str]:
    """A report's concerns: the non-empty lines of its ``concerns`` field, numbered from 1."""
    return [line.strip() for line in text.split("\n") if line.strip()]


def _words(text: str) -> list[str]:
    return [m.group().lower() for m in _W.finditer(text)]


def _grams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    w = _words(text)
    return {tuple(w[i : i + n]) for i in range(max(1, len(w) - n + 1))} if w else set()


def overlap(a: str, b: str) -> float:
    """Share of the smaller text's word 3-grams found in the other."""
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / max(1, min(len(ga), len(gb)))


# --- labels ----------------------------------------------------------------------------------------


def relabel(reports: dict[str, dict[str, str]], responses: list[dict[str, str]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for resp in responses:
        found = [(m.group().lower(), m.start(), m.end()) for m in _W.finditer(resp["response"])]
        rw = [w for w, _, _ in found]
        for k, c in enumerate(concerns(reports[resp["parent_id"]]["concerns"]), start=1):
            cw = _words(c)
            if len(cw) < 8 or _title(c):  # titles ("Concern 3: ...") and addressees are not concerns
                continue
            blocks = sorted(
                (b for b in SequenceMatcher(None, cw, rw, autojunk=False).get_matching_blocks() if b.size >= 4),
                key=lambda b: b.b,
            )
            groups: list[list] = []
            for b in blocks:
                if groups and b.b - (groups[-1][-1].b + groups[-1][-1].size) <= 10:
                    groups[-1].append(b)
                else:
                    groups.append([b])
            if not groups:
                continue
            g = max(groups, key=lambda g: sum(b.size for b in g))
            covered = sum(b.size for b in g)
            if covered / len(cw) >= 0.6 or covered >= 20:
                lo, hi = g[0].b, g[-1].b + g[-1].size
                out.append(
                    {
                        "response": resp[""],
                        "report": resp["parent_id"],
                        "concern": k,
                        "quote_start": found[lo][1],
                        "quote_end": found[hi - 1][2],
                        "words": len(cw),
                        "quoted_words": covered,
                    }
                )
    return out


# --- evaluation ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    found: int = 0
    answered: int = 0
    answered_any: int = 0  # by any of the passages answering its quotation, not only the first
    total: int = 0


def _right(match_text: str, concern: str, doc_id: str, report: str) -> bool:
    return doc_id == report and overlap(match_text, concern) >= 0.5


def evaluate(
    store_path: Path, labels: Sequence[dict[str, str]], responses, reports, quotes: bool, show: bool = False
) -> Outcome:
    from dedup.draft import ANSWER_PASSAGES, check_parsed
    from dedup.ingest import parse_blocks
    from dedup.read.docs import blocks_from_text
    from dedup.store import Store

    by_response: dict[str, list[dict[str, str]]] = {}
    for lab in labels:
        by_response.setdefault(lab["response"], []).append(lab)
    out = Outcome()
    emb = embedder()
    with Store(store_path) as store:
        for rid, labs in sorted(by_response.items(), key=lambda kv: int(kv[0])):
            text = responses[int(rid)]["response"]
            parsed = parse_blocks(blocks_from_text(text), 1, {})
            result = check_parsed(store, emb, parsed, f"response-{rid}", quotes=quotes)
            ordered = sorted(result.passages, key=lambda p: (p.draft.page, p.draft.start))
            quote_rows = {}
            quote_of = {}
            for lab in labs:
                quote = text[int(lab["quote_start"]) : int(lab["quote_end"])]
                quote_of[id(lab)] = quote
                scored = [(overlap(p.draft.text, quote), i) for i, p in enumerate(ordered)]
                quote_rows[id(lab)] = [i for s, i in scored if s >= 0.5] or [max(scored)[1]]
            quoting = {i for rows in quote_rows.values() for i in rows}
            for lab in labs:
                concern = concerns(reports[lab["report"]]["concerns"])[int(lab["concern"]) - 1]
                rows = quote_rows[id(lab)]
                out.total += 1
                best = max(rows, key=lambda i: overlap(ordered[i].draft.text, concern))
                passage = ordered[best]
                # A passage quoting several concerns shows each quotation's span: rank 1 is then the
                # first match aligned to this quotation's span.
                spans = [
                    m
                    for m in passage.repeats
                    if m.quote is not None
                    and overlap(passage.draft.text[m.quote.draft_start : m.quote.draft_end], quote_of[id(lab)]) >= 0.5
                ]
                top = spans[:1] or passage.repeats[:1]
                if top and _right(
                    top[0].quote.corpus_text if top[0].quote else top[0].passage.text,
                    concern,
                    top[0].passage.document.id,
                    lab["report"],
                ):
                    out.found += 1
                elif show:
                    got = [(m.type, m.passage.document.id, round(overlap(m.passage.text, concern), 2)) for m in top]
                    print(f"  not found: response {rid} concern {lab['report']}#{lab['concern']}: {got}")
                # The passages answering the quotation: those after it up to the next quotation, at most
                # the check's ANSWER_PASSAGES (a list of concerns is often answered a paragraph each).
                answering: list[int] = []
                start = max(rows) + 1
                while start < len(ordered) and start in quoting:  # concerns quoted in a row: one list
                    start += 1
                for i in range(start, len(ordered)):
                    if i in quoting or len(answering) == ANSWER_PASSAGES:
                        break
                    answering.append(i)
                if any(
                    _right(m.passage.text, concern, m.passage.document.id, lab["report"])
                    for i in answering
                    for m in ordered[i].matches[:3]
                ):
                    out.answered_any += 1
                elif show:
                    print(f"  no answering passage links it: response {rid} concern {lab['report']}#{lab['concern']}")
                after = [i for i in range(max(rows) + 1, len(ordered)) if i not in quoting][:1]
                if after and any(
                    _right(m.passage.text, concern, m.passage.document.id, lab["report"])
                    for m in ordered[after[0]].matches[:3]
                ):
                    out.answered += 1
                elif show:
                    got = (
                        [(m.type, m.answers, m.passage.document.id) for m in ordered[after[0]].matches[:3]]
                        if after
                        else "no passage after"
                    )
                    print(f"  not answered: response {rid} concern {lab['report']}#{lab['concern']}: {got}")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--relabel", action="store_true", help="rewrite the labels file from the data")
    ap.add_argument("--show", action="store_true", help="list the quotations missed (ids only)")
    args = ap.parse_args(argv)
    base = shared_dir() / "corpus" / "pfd_sample"
    reports = {r["id"]: r for r in _rows(base / "pfd_reports_sample.csv")}
    responses = _rows(base / "pfd_responses_sample.csv")
    if args.relabel:
        rows = relabel(reports, responses)
        LABELS.parent.mkdir(parents=True, exist_ok=True)
        with open(LABELS, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f"wrote {len(rows)} labels to {LABELS}")
        return
    labels = _rows(LABELS)

    from dedup.index import ensure_index
    from dedup.ingest import TableColumns, ingest
    from dedup.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store_path = Path(tmp) / "pfd.db"
        with Store(store_path) as store:
            cols = TableColumns(text="concerns", id="id", org="receiver", date="date")
            report = ingest(store, [base / "pfd_reports_sample.csv"], columns=cols)
            assert not report.failed, report.failed
            ensure_index(store, embedder())
            n_passages = store.passage_count()
        print(
            f"{len(reports)} reports ({n_passages} passages), {len(responses)} responses, "
            f"{len(labels)} quoted concerns in {len({lab['response'] for lab in labels})} responses\n"
        )
        print(
            "| check | quoted concern found at rank 1 | its answer linked, top 3 "
            "| linked in the top 3 of one of the passages answering it |"
        )
        print("|---|---|---|---|")
        for name, quotes in (("whole passages only (before issue 9)", False), ("**with quotation alignment**", True)):
            o = evaluate(store_path, labels, responses, reports, quotes, show=args.show and quotes)
            print(
                f"| {name} | {o.found}/{o.total} ({o.found / o.total:.0%}) "
                f"| {o.answered}/{o.total} ({o.answered / o.total:.0%}) "
                f"| {o.answered_any}/{o.total} ({o.answered_any / o.total:.0%}) |"
            )


if __name__ == "__main__":
    main()
