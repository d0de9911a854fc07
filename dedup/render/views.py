"""What each command shows of what the core returned: its JSON data, its tables (terminal, CSV,
Markdown, XLSX) and its notes for stderr. Notes may hold rich markup; untrusted text in them goes
through :func:`~dedup.render.terminal.safe`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.models import Verdict
from dedup.render.output import csv_chunks, json_chunks
from dedup.render.shapes import cluster_json, document_json, draft_check_json, link_json
from dedup.render.table import Format, Table
from dedup.render.terminal import safe

if TYPE_CHECKING:
    from dedup.corpus import Organisation, Report
    from dedup.draft import DraftCheck
    from dedup.index import IndexStats
    from dedup.ingest import IngestReport
    from dedup.links import Overlap, TextComparison
    from dedup.models import Document, Link, Passage
    from dedup.recurring import Cluster, Member


@dataclass
class View:
    """A command's output: ``data`` for JSON, ``tables`` for the rest (CSV holds ``tables[csv_table]``),
    ``notes`` said after it."""

    data: Any
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    csv_table: int = 0
    chunks: Iterator[str] | None = None  # the output as text made piece by piece, in place of data and tables


# --- cells -------------------------------------------------------------------------------------


def file_link(passage: Passage) -> str | None:
    """A file:// link to a passage's source document, where that is a file on this machine."""
    path = Path(passage.document.source.split("#")[0])
    return path.resolve().as_uri() if path.is_file() else None


def short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def where(p: Passage) -> str:
    d = p.document
    org = d.organisation or "?"
    return f"{d.id} ({org}, {d.year or '?'}) p.{p.page}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# --- documents ---------------------------------------------------------------------------------


def ingested(report: IngestReport) -> View:
    table = Table(
        "Ingested",
        ["file", "status", "documents", "pages", "passages", "note"],
        [[Path(r.path).name, r.status, len(r.doc_ids), r.pages, r.passages, r.message] for r in report.results],
    )
    data = {"files": [r.__dict__ | {"doc_ids": list(r.doc_ids)} for r in report.results]}
    counts = ", ".join(
        f"{report.count(s)} {s}" for s in ("added", "replaced", "updated", "unchanged", "failed") if report.count(s)
    )
    return View(data, [table], [f"{_plural(len(report.results), 'file')}: {counts or 'nothing to do'}"])


def documents(docs: Sequence[Document]) -> View:
    rows, data = [], []
    for d in docs:
        missing = [k for k in ("title", "organisation", "year") if getattr(d, k) in (None, "")]
        rows.append([d.id, d.title, d.organisation, d.year, d.format, d.passage_count, ", ".join(missing)])
        data.append(document_json(d) | {"format": d.format, "passages": d.passage_count, "missing": missing})
    table = Table("Documents", ["id", "title", "organisation", "year", "format", "passages", "missing"], rows)
    notes = []
    incomplete = sum(1 for d in data if d["missing"])
    if incomplete:
        notes.append(
            f"{incomplete} document{'s lack' if incomplete != 1 else ' lacks'} metadata: add them to a manifest.csv (file,title,organisation,year) "
            "and ingest again, or use --org/--year/--title"
        )
    return View({"documents": data}, [table], notes)


def aliases(table: dict[str, str]) -> View:
    rows = [[k, v] for k, v in sorted(table.items())]
    return View({"aliases": table}, [Table("Organisation aliases", ["alias (folded)", "canonical"], rows)])


def organisations(orgs: Sequence[Organisation]) -> View:
    rows = [o.__dict__ for o in orgs]
    table = Table(
        "Organisations",
        ["organisation", "parent", "counts as", "set by", "documents"],
        [[r["organisation"], r["parent"] or "-", r["body"], r["set_by"] or "-", r["documents"]] for r in rows],
    )
    return View({"organisations": rows}, [table])


def stored(documents: int, passages: int, store: Path) -> str:
    return f"{documents} documents, {passages} passages in {safe(store)}"


def indexed(stats: IndexStats | None) -> str:
    if stats is None:
        return "no passages to index: `dedup ingest PATH` adds documents"
    return (
        f"model {stats.model}: embedded {stats.embedded} new texts; index +{stats.added} -{stats.removed}, "
        f"{stats.total} passages"
    )


# --- links and comparisons ---------------------------------------------------------------------


def links(found: Sequence[Link], limit: int, fmt: Format = Format.table) -> View:
    """The links, at most ``limit`` (0: all); as JSON or CSV, text made link by link (the same bytes as
    the whole rendered at once), so that no output holds every link in one string."""
    shown = found[:limit] if limit else found
    notes = [f"showing {limit} of {len(found)} links; --limit 0 shows all"] if limit and len(found) > limit else []
    if fmt is Format.json:
        return View(None, [], notes, chunks=json_chunks("links", map(link_json, shown)))
    if fmt is Format.csv:
        return View(None, [], notes, chunks=csv_chunks(LINK_COLUMNS, map(_link_row, shown)))
    table = Table(
        "Links",
        LINK_COLUMNS,
        [_link_row(lk) for lk in shown],
        links={2: [file_link(lk.a) for lk in shown], 4: [file_link(lk.b) for lk in shown]},
    )
    return View({"links": [link_json(lk) for lk in shown]}, [table], notes)


LINK_COLUMNS = ["score", "type", "earlier", "earlier text", "later", "later text"]


def _link_row(lk: Link) -> list[Any]:
    return [lk.score, lk.type, where(lk.a), short(lk.a.text), where(lk.b), short(lk.b.text)]


def overlaps(found: Sequence[Overlap], limit: int) -> View:
    shown = found[:limit] if limit else found
    table = Table(
        "Documents that repeat each other",
        ["document A", "document B", "links", "A in B", "B in A"],
        [[o.a.id, o.b.id, o.links, f"{o.share_a:.0%}", f"{o.share_b:.0%}"] for o in shown],
    )
    data = [
        {
            "a": document_json(o.a),
            "b": document_json(o.b),
            "links": o.links,
            "share_a": round(o.share_a, 4),
            "share_b": round(o.share_b, 4),
        }
        for o in shown
    ]
    return View({"documents": data}, [table])


def _verdict_label(v: Verdict) -> str:
    if v.type is not None:
        return str(v.type)
    return "no match (opposite directions)" if v.opposed else "no match"


def pairs(rows: Sequence[dict[str, str]], judged: Sequence[Verdict]) -> View:
    both = list(zip(rows, judged, strict=True))
    data = {"pairs": [{"id": r["id"], "score": round(v.score, 4), "type": v.type} for r, v in both]}
    table = Table(
        "Pairs",
        ["id", "score", "type", "cosine", "lexical", "opposed"],
        [[r["id"], v.score, _verdict_label(v), v.cosine, v.lexical, "yes" if v.opposed else ""] for r, v in both],
    )
    return View(data, [table])


def verdict(v: Verdict) -> View:
    data = {
        "score": round(v.score, 4),
        "type": v.type,
        "cosine": round(v.cosine, 4),
        "lexical": round(v.lexical, 4),
        "opposed": v.opposed,
    }
    table = Table(
        "Comparison",
        ["score", "type", "cosine", "lexical", "opposed"],
        [[v.score, _verdict_label(v), v.cosine, v.lexical, "yes" if v.opposed else ""]],
    )
    return View(data, [table])


def comparison(result: Verdict | TextComparison) -> View:
    """Two texts compared: the verdict on them, or, for files, each passage of one with its match in the other."""
    if isinstance(result, Verdict):
        return verdict(result)
    pa, pb, name_a, name_b = result.passages_a, result.passages_b, result.source_a, result.source_b
    data = {
        "a": {"source": name_a, "passages": len(pa), "share_repeated": round(result.share_a, 4)},
        "b": {"source": name_b, "passages": len(pb), "share_repeated": round(result.share_b, 4)},
        "matches": [{"a": pa[m.a], "b": pb[m.b], "score": round(m.score, 4), "type": m.type} for m in result.matches],
    }
    tables = [
        Table(
            "Overlap",
            ["document", "passages", "repeated in the other"],
            [[name_a, len(pa), f"{result.share_a:.0%}"], [name_b, len(pb), f"{result.share_b:.0%}"]],
        ),
        Table(
            "Matching passages",
            ["score", "type", name_a, name_b],
            [[m.score, m.type, short(pa[m.a]), short(pb[m.b])] for m in result.matches],
        ),
    ]
    return View(data, tables)


# --- recurring recommendations -----------------------------------------------------------------


def _pages(m: Member) -> str:
    """Where a member says it: its pages, and its versions' pages ("4, 9; draft p. 5")."""
    doc = m.passage.document.id
    own = sorted({p.page for p in m.passages if p.document.id == doc})
    others: dict[str, list[int]] = {}
    for p in m.copies:
        if p.document.id != doc:
            others.setdefault(p.document.title or p.document.id, []).append(p.page)
    text = ", ".join(str(n) for n in own)
    for title, pages in others.items():
        text += f"; {short(title, 60)} p. {', '.join(str(n) for n in sorted(set(pages)))}"
    return text


def _said_by(m: Member) -> str:
    """Who said it: the unit's name, with the body it rolls up to when that differs."""
    org = m.passage.document.organisation
    if not org:
        return "?"
    return org if not m.body or m.body == org or ";" in m.body else f"{m.body} ({org})"


RECURRING_COLUMNS = [
    "#", "recommendation", "labels", "scope", "first said", "years", "documents", "organisations", "same theme",
]  # fmt: skip


def _recurring_row(c: Cluster) -> list[Any]:
    return [
        c.id,
        short(c.representative.text, 200),
        ", ".join(c.labels) or "-",
        c.scope,
        f"{_said_by(c.first)} ({c.first.passage.document.year or '?'})",
        "-".join(str(y) for y in c.years if y) or "?",
        c.documents,
        c.organisations,
        len(c.theme),
    ]


def _recurring_tables(clusters: Sequence[Cluster]) -> list[Table]:
    overview = Table("Recurring recommendations", RECURRING_COLUMNS, [_recurring_row(c) for c in clusters])
    rows = [(c, m) for c in clusters for m in c.evidence] + [(c, m) for c in clusters for m in c.theme]
    rows.sort(key=lambda cm: (cm[0].id, not cm[1].evidence))
    evidence = Table(
        "Evidence",
        ["#", "document", "organisation", "year", "pages", "link", "quote"],
        [
            [
                c.id,
                m.passage.document.title or m.passage.document.id,
                m.passage.document.organisation,
                m.passage.document.year,
                _pages(m),
                m.type if m.evidence else "same theme",
                m.passage.text,
            ]
            for c, m in rows
        ],
    )
    evidence.links[1] = [file_link(m.passage) for _, m in rows]
    return [overview, evidence]


def recurring(
    clusters: Sequence[Cluster],
    *,
    min_documents: int,
    limit: int,
    themes: bool,
    filtered: bool,
    all_passages: bool,
    fmt: Format = Format.table,
) -> View:
    """``clusters`` with those that only share a theme (``Corpus.recurring(themes=True)``); these are
    shown with ``themes``, else counted in a note. ``filtered``: the user narrowed the search. As JSON
    or CSV the text is made cluster by cluster (the same bytes as the whole rendered at once): at 100k
    passages ``recurring --all`` writes about 90 MB of JSON, which as one string (and its tables)
    was the command's peak memory."""
    theme_only = sum(1 for c in clusters if c.documents < min_documents)
    if not themes:  # they sort last, so the ids of the others stay 1, 2, 3 ...
        clusters = [c for c in clusters if c.documents >= min_documents]
    shown = clusters[:limit] if limit else clusters
    notes = []
    if limit and len(clusters) > limit:
        notes.append(f"showing {limit} of {len(clusters)} clusters; --limit 0 shows all")
    if theme_only and not themes:
        notes.append(
            f"{theme_only} more clusters only share a theme (no two documents say the same thing); --themes lists them"
        )
    if not clusters:
        if filtered:
            notes.append("no cluster matches the filters (--org, --years, --label, --min-documents); try fewer")
        else:
            notes.append(
                "no recommendation recurs across documents"
                + ("" if all_passages else " (--all looks at every passage)")
            )
    if fmt is Format.json:
        return View(None, [], notes, chunks=json_chunks("clusters", map(cluster_json, shown)))
    if fmt is Format.csv:
        return View(None, [], notes, chunks=csv_chunks(RECURRING_COLUMNS, map(_recurring_row, shown)))
    return View({"clusters": [cluster_json(c) for c in shown]}, _recurring_tables(shown), notes)


# --- the draft check and the report ------------------------------------------------------------


def in_store(result: DraftCheck, name: str, include_self: bool) -> str | None:
    """What the check says of a draft that is already in the store, if it is."""
    if result.in_store is None:
        return None
    if include_self:
        return f"{name} is already in the store as {result.in_store.id}; it is kept among the matches"
    others = [d.id for d in result.excluded if d.id != result.in_store.id]
    left = f"it and its versions {', '.join(others)} are" if others else "it is"
    return f"{name} is already in the store as {result.in_store.id}; {left} left out of the matches (--include-self keeps them)"


def check(result: DraftCheck, every_passage: bool) -> View:
    """The check's tables: the summary and the draft's passages (on a terminal, only recommendations and
    passages said before: ``every_passage`` False), then every earlier match (not on a terminal)."""
    recs = result.recommendations
    summary = Table(
        "Summary",
        ["", "count"],
        [["recommendations in the draft", len(recs)], ["made before", len(result.repeated)], ["new", len(result.new)]],
    )
    passages = Table(
        "Draft passages",
        ["#", "kind", "status", "times", "page", "text", "said before in", "score", "type"],
        [
            [
                n,
                p.draft.kind,
                p.status,
                p.times,
                p.draft.page,
                short(p.draft.text, 200),
                where(p.repeats[0].passage) if p.repeats else "",
                p.repeats[0].score if p.repeats else None,
                p.repeats[0].type if p.repeats else "",
            ]
            for n, p in enumerate(result.passages, start=1)
            if every_passage or p.draft.kind == "recommendation" or p.repeats
        ],
    )
    if not every_passage:
        return View(draft_check_json(result), [summary, passages], csv_table=1)
    matches = Table(
        "Earlier matches",
        ["#", "document", "organisation", "year", "page", "score", "type", "quote"],
        [
            [
                n,
                m.passage.document.title or m.passage.document.id,
                m.passage.document.organisation,
                m.passage.document.year,
                m.passage.page,
                m.score,
                m.type,
                m.quote.corpus_text if m.quote is not None else m.passage.text,
            ]
            for n, p in enumerate(result.passages, start=1)
            for m in p.matches
        ],
        links={1: [file_link(m.passage) for p in result.passages for m in p.matches]},
    )
    return View(draft_check_json(result), [summary, passages, matches], csv_table=1)


def report_written(report: Report, html: Path) -> str:
    total, shown = report.summary.clusters, len(report.clusters)
    counted = f"{shown} of {total}" if shown < total else total
    return f"wrote {safe(html)} ({counted} recommendations, {len(report.documents)} documents)"
