"""Self-contained HTML reports: the corpus report and the draft check.

Both ``render_*`` functions take the plain dicts the CLI already emits as JSON (see
:mod:`dedup.render.shapes`), so this module needs neither the store nor the models; the ``write_*``
functions, which the CLI calls, make those dicts fit to share first. Each report is one HTML file
with inline CSS and inline SVG charts drawn by matplotlib: it opens offline, prints, and runs no script.

Safety: every piece of document text goes through Jinja2 autoescaping. Chart SVG is inserted raw, so
the text drawn into charts is escaped by matplotlib's SVG writer; maths parsing is off so a ``$`` in a
title is drawn as a dollar sign, not as TeX.
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import matplotlib
from markupsafe import Markup, escape
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dedup.render.shapes import report_json

if TYPE_CHECKING:
    from dedup.corpus import Report

__all__ = ["render_check_report", "render_corpus_report", "shareable", "write_check_report", "write_corpus_report"]

UNKNOWN_ORG = "Unknown organisation"

# --- shared helpers ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dedup", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = _pct
    env.filters["score"] = lambda v: "" if v is None else f"{float(v):.2f}"
    env.filters["year"] = lambda v: "n.d." if v in (None, "") else str(v)
    return env


def _write(template: str, path: Path, **context: Any) -> None:
    html = _env().get_template(template).render(**context)
    from dedup.safeio import atomic_write

    atomic_write(Path(path), html)


def _pct(v: Any) -> str:
    if v is None:
        return ""
    return f"{float(v) * 100:.0f}%"


def _org(name: Any) -> str:
    return str(name).strip() if name not in (None, "") else UNKNOWN_ORG


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _short(s: str, n: int = 38) -> str:
    """A chart label: one line, at most ``n`` characters."""
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def _doc_label(doc: Mapping[str, Any] | None) -> str:
    doc = doc or {}
    return str(doc.get("title") or doc.get("source") or doc.get("id") or "Untitled document")


def _safe_href(source: Any) -> str | None:
    """A link target only for web addresses: a ``javascript:`` source must never become a link."""
    s = str(source or "")
    return s if re.match(r"^https?://[^\s\"'<>]+$", s) else None


# --- charts --------------------------------------------------------------------------------------

_RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text (searchable, escaped by the SVG writer)
    "svg.hashsalt": "dedup-report",  # deterministic ids; made unique per chart below
    "text.parse_math": False,  # "$5m" in a title is text, not TeX
    "font.family": ["DejaVu Sans"],
    "font.size": 8.5,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": "#323f4b",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#52606d",
    "ytick.color": "#52606d",
    "axes.grid": True,
    "grid.color": "#e4e7eb",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
}

# Okabe-Ito colours, always paired with a distinct marker shape so the chart reads in grey.
_TYPE_STYLE: dict[str, tuple[str, str, bool]] = {  # type -> (marker, colour, filled)
    "representative": ("*", "#000000", True),
    "verbatim": ("o", "#0072B2", True),
    "near-verbatim": ("s", "#009E73", True),
    "paraphrase": ("^", "#D55E00", True),
    "related": ("D", "#7f7f7f", False),
}
_TYPE_ORDER = list(_TYPE_STYLE)


@dataclass
class _ChartCounter:
    n: int = 0

    def next(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n}"


def _chart(draw: Callable[[Figure], None], size: tuple[float, float], label: str, prefix: str) -> Markup:
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _inline_svg(buf.getvalue(), prefix, label)


def _inline_svg(svg: str, prefix: str, label: str) -> Markup:
    """matplotlib's SVG made fit to sit inside HTML: no prolog, no metadata, ids unique per chart."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if ids:
        alt = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
        svg = re.sub(rf'\bid="({alt})"', rf'id="{prefix}-\1"', svg)
        svg = re.sub(rf"url\(#({alt})\)", rf"url(#{prefix}-\1)", svg)
        svg = re.sub(rf'href="#({alt})"', rf'href="#{prefix}-\1"', svg)
    head = f'<svg class="chart" role="img" aria-label="{escape(label)}" '
    return Markup(head + svg[len("<svg ") :])


def _year_ticks(ax: Axes, years: Sequence[int]) -> None:
    lo, hi = min(years), max(years)
    fig = ax.figure
    fig_width = float(fig.get_size_inches()[0]) if isinstance(fig, Figure) else 6.0
    width_in = fig_width * ax.get_position().width
    fits = max(3, int(width_in / 0.45))  # year labels that fit side by side
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (hi - lo) // s + 1 <= fits or s == 50)
    ticks = list(range(lo, hi + 1, step))
    ax.set_xticks(ticks)
    ax.set_xlim(lo - 0.7, hi + 0.7)
    ax.tick_params(axis="x", labelrotation=0 if len(ticks) * 0.45 <= width_in * 0.8 else 45)


def _year_width(years: Sequence[int], base: float) -> float:
    """Wide enough that a year gets about a third of an inch once the span outgrows ``base``."""
    return min(11.0, max(base, 3.0 + 0.3 * (max(years) - min(years) + 1)))


def _org_year_chart(pairs: Iterable[tuple[str, int | None]], label: str, prefix: str, what: str) -> Markup | None:
    """A dot chart organisation × year: one dot per cell, its area and its printed number the count."""
    counts = Counter((org, year) for org, year in pairs if year is not None)
    if not counts:
        return None
    first: dict[str, int] = {}
    for org, year in counts:
        first[org] = min(year, first.get(org, year))
    orgs = sorted(first, key=lambda o: (first[o], o.lower()))
    years = [y for _, y in counts]
    top = max(counts.values())
    dense = 1.0 if max(years) - min(years) <= 20 else 0.7

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        xs = [y for _, y in counts]
        ys = [orgs.index(o) for o, _ in counts]
        sizes = [(40 + 180 * (c / top)) * dense for c in counts.values()]
        ax.scatter(xs, ys, s=sizes, color="#2f5d8a", alpha=0.85, edgecolors="white", linewidths=0.8, zorder=3)
        for (org, year), c in counts.items():
            ax.annotate(
                str(c), (year, orgs.index(org)), ha="center", va="center", color="white", fontsize=7.5, zorder=4
            )
        ax.set_yticks(range(len(orgs)), labels=[_short(o) for o in orgs])
        ax.set_ylim(len(orgs) - 0.4, -0.6)
        _year_ticks(ax, years)
        ax.set_xlabel(f"Year · the number in each dot is the number of {what}")

    return _chart(draw, (_year_width(years, 7.6), 0.9 + 0.34 * len(orgs)), label, prefix)


def _timeline_chart(members: Sequence[Mapping[str, Any]], label: str, prefix: str) -> Markup | None:
    """Year on x, organisation on y, one mark per member; the mark's shape is its link type."""
    points = []
    for m in members:
        doc = (m.get("passage") or {}).get("document") or {}
        year = _int_or_none(doc.get("year"))
        if year is not None:
            points.append((year, _org(doc.get("organisation")), str(m.get("type") or "related")))
    if not points:
        return None
    first: dict[str, int] = {}
    for year, org, _ in points:
        first[org] = min(year, first.get(org, year))
    orgs = sorted(first, key=lambda o: (first[o], o.lower()))
    cells: dict[tuple[int, str], Counter[str]] = {}
    for year, org, kind in points:
        cells.setdefault((year, org), Counter())[kind] += 1

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for (year, org), kinds in cells.items():
            order = sorted(kinds, key=lambda t: _TYPE_ORDER.index(t) if t in _TYPE_ORDER else 99)
            for k, kind in enumerate(order):
                marker, colour, filled = _TYPE_STYLE.get(kind, _TYPE_STYLE["related"])
                # marks of one cell share the year's slot: never more than a third of a year off it
                dx = (k - (len(order) - 1) / 2) * min(0.16, 0.6 / max(len(order), 1))
                ax.scatter(
                    [year + dx],
                    [orgs.index(org)],
                    marker=marker,
                    s=90 if marker == "*" else 42,
                    facecolors=colour if filled else "white",
                    edgecolors=colour,
                    linewidths=1.2,
                    zorder=3,
                )
                if kinds[kind] > 1:
                    ax.annotate(
                        f"×{kinds[kind]}",
                        (year + dx, orgs.index(org)),
                        xytext=(0, 7),
                        textcoords="offset points",
                        ha="center",
                        fontsize=6.5,
                        color="#323f4b",
                    )
        ax.set_yticks(range(len(orgs)), labels=[_short(o, 34) for o in orgs])
        ax.set_ylim(len(orgs) - 0.5, -0.5)
        _year_ticks(ax, [p[0] for p in points])
        present = [t for t in _TYPE_ORDER if any(p[2] == t for p in points)]
        handles = [
            Line2D(
                [],
                [],
                linestyle="none",
                marker=_TYPE_STYLE[t][0],
                markersize=9 if t == "representative" else 6,
                markerfacecolor=_TYPE_STYLE[t][1] if _TYPE_STYLE[t][2] else "white",
                markeredgecolor=_TYPE_STYLE[t][1],
                label=t,
            )
            for t in present
        ]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7.5, handletextpad=0.3)

    return _chart(draw, (_year_width([p[0] for p in points], 6.8), 0.75 + 0.3 * len(orgs)), label, prefix)


def _matrix_chart(orgs: Sequence[str], counts: Sequence[Sequence[Any]], prefix: str) -> Markup | None:
    """A heatmap with the count printed in every cell; row i, column j: org i's passages repeated by org j."""
    n = len(orgs)
    if n == 0 or len(counts) != n or any(len(row) != n for row in counts):
        return None
    values = [[int(v or 0) for v in row] for row in counts]
    top = max(max(row) for row in values) or 1
    names = [_short(_org(o), 36) for o in orgs]

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.grid(False)
        ax.imshow(values, cmap="Blues", vmin=0, vmax=top * 1.15, aspect="auto")
        for i in range(n):
            for j in range(n):
                v = values[i][j]
                colour = "white" if v > top * 0.55 else "#1f2933"
                weight = "bold" if i == j else "normal"
                ax.text(j, i, str(v), ha="center", va="center", color=colour, fontsize=9.5, fontweight=weight)
        ax.set_xticks(range(n), labels=names, rotation=35, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(n), labels=names)
        ax.set_xlabel("…repeated by this organisation")
        ax.set_ylabel("Passages of this organisation…")
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)

    side = min(10.0, 2.2 + 0.5 * n)
    return _chart(draw, (side + 1.6, side), "Organisations repeating each other", prefix)


# --- the corpus report ---------------------------------------------------------------------------


def _documents_view(docs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for d in docs:
        rows.append(
            {
                "title": _doc_label(d),
                "organisation": _org(d.get("organisation")),
                "year": d.get("year"),
                "source": str(d.get("source") or ""),
                "href": _safe_href(d.get("source")),
                "format": str(d.get("format") or ""),
                "passages": d.get("passages"),
            }
        )
    rows.sort(key=lambda r: (_int_or_none(r["year"]) or 0, r["organisation"].lower(), r["title"].lower()))
    return rows


def _pages_text(p: Mapping[str, Any], copies: Sequence[Any]) -> str:
    """'4, 9, 12' for a statement repeated on pages of one document; versions' pages after a ';'."""
    doc = (p.get("document") or {}).get("id")
    own = {_int_or_none(p.get("page"))}
    others: dict[str, set[int | None]] = {}
    for c in copies:
        if not isinstance(c, Mapping):
            continue
        cdoc = c.get("document") or {}
        if cdoc.get("id") == doc:
            own.add(_int_or_none(c.get("page")))
        else:
            others.setdefault(_doc_label(cdoc), set()).add(_int_or_none(c.get("page")))
    text = ", ".join(str(n) for n in sorted(x for x in own if x is not None))
    for title, pages in others.items():
        text += f"; {title} p. " + ", ".join(str(n) for n in sorted(x for x in pages if x is not None))
    return text


def _member_view(m: Mapping[str, Any]) -> dict[str, Any]:
    p = m.get("passage") or {}
    doc = p.get("document") or {}
    return {
        "text": str(p.get("text") or "").strip(),
        "page": p.get("page"),
        "pages": _pages_text(p, m.get("copies") or []),
        "copies": len(m.get("copies") or []),
        "heading": str(p.get("heading") or ""),
        "title": _doc_label(doc),
        "organisation": _org(doc.get("organisation")),
        "year": doc.get("year"),
        "type": str(m.get("type") or ""),
        "score": m.get("score"),
    }


def _said_by(org: Any, body: Any) -> str:
    """A unit's name with the body it counts as: 'West Sussex County Council (Public Health Unit ...)'."""
    name = _org(org)
    if not body or body == org or ";" in str(body) or name == UNKNOWN_ORG:
        return name
    return f"{body} ({name})"


def _years_text(years: Sequence[Any] | None) -> str:
    ys = [y for y in (years or []) if y is not None]
    if not ys:
        return "n.d."
    lo, hi = min(ys), max(ys)
    return str(lo) if lo == hi else f"{lo}–{hi} ({int(hi) - int(lo) + 1} years)"


def _cluster_view(c: Mapping[str, Any], charts: _ChartCounter) -> dict[str, Any]:
    members = [m for m in (c.get("members") or []) if isinstance(m, Mapping)]
    rows = [_member_view(m) for m in members]
    rows.sort(key=lambda r: (r["type"] != "representative", _int_or_none(r["year"]) or 0, r["organisation"].lower()))
    theme = [_member_view(m) for m in (c.get("same_theme") or []) if isinstance(m, Mapping)]
    theme.sort(key=lambda r: (_int_or_none(r["year"]) or 0, r["organisation"].lower()))
    first = c.get("first") or {}
    scope = str(c.get("scope") or "")
    return {
        "id": c.get("id"),
        "representative": str(c.get("representative") or ""),
        "labels": [str(x) for x in (c.get("labels") or [])],
        "scope": scope,
        "scope_text": {
            "across-organisations": "Across organisations",
            "within-organisation": "Within one organisation",
        }.get(scope, scope or "—"),
        "first_org": _said_by(first.get("organisation"), first.get("body")),
        "first_year": first.get("year"),
        "first_title": _doc_label(first.get("document")) if first.get("document") else "",
        "years": _years_text(c.get("years")),
        "documents": c.get("documents", len({r["title"] for r in rows})),
        "organisations": c.get("organisations", len({r["organisation"] for r in rows})),
        "members": rows,
        "theme": theme,
        "copies": sum(r["copies"] for r in rows),
        "timeline": _timeline_chart(members, f"Timeline of recommendation {c.get('id')}", charts.next("t")),
    }


def _overlaps_view(overlaps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for o in overlaps:
        a, b = o.get("a") or {}, o.get("b") or {}
        rows.append(
            {
                "a": _doc_label(a),
                "a_org": _org(a.get("organisation")),
                "a_year": a.get("year"),
                "b": _doc_label(b),
                "b_org": _org(b.get("organisation")),
                "b_year": b.get("year"),
                "links": o.get("links", 0),
                "share_a": o.get("share_a"),
                "share_b": o.get("share_b"),
                "bar_a": _bar(o.get("share_a")),
                "bar_b": _bar(o.get("share_b")),
            }
        )
    return rows


def _bar(v: Any) -> float:
    try:
        return round(max(0.0, min(1.0, float(v))) * 100, 1)
    except (TypeError, ValueError):
        return 0.0


def _corpus_context(data: Mapping[str, Any]) -> dict[str, Any]:
    charts = _ChartCounter()
    docs = [d for d in (data.get("documents") or []) if isinstance(d, Mapping)]
    clusters = [c for c in (data.get("clusters") or []) if isinstance(c, Mapping)]
    matrix = data.get("org_matrix") or {}
    orgs = [_org(o) for o in (matrix.get("organisations") or [])]
    counts = matrix.get("counts") or []
    years = [y for y in (_int_or_none(d.get("year")) for d in docs) if y is not None]
    cluster_views = [_cluster_view(c, charts) for c in clusters]
    totals = data.get("summary") or {}  # figures over every cluster, not only those shown

    def total(key: str, shown: int) -> int:
        value = _int_or_none(totals.get(key))
        return shown if value is None else value

    return {
        "generated": str(data.get("generated") or ""),
        "store": str(data.get("store") or ""),
        "stats": {
            "documents": len(docs),
            "organisations": total("organisations", len({_org(d.get("organisation")) for d in docs})),
            "years": _years_text(years).split(" (")[0] if years else "—",
            "clusters": total("clusters", len(clusters)),
            "recurring": total("recurring", sum(1 for c in clusters if "recurring" in (c.get("labels") or []))),
            "across": total("across", sum(1 for c in clusters if c.get("scope") == "across-organisations")),
            "duplicated": total(
                "duplicated", sum(1 for c in clusters if "duplicated-effort" in (c.get("labels") or []))
            ),
            "shown": len(clusters),
            "theme_only": total("theme_only", 0),
        },
        "documents": _documents_view(docs),
        "documents_chart": _org_year_chart(
            ((_org(d.get("organisation")), _int_or_none(d.get("year"))) for d in docs),
            "Documents by organisation and year",
            charts.next("d"),
            "documents",
        ),
        "undated": sum(1 for d in docs if _int_or_none(d.get("year")) is None),
        "clusters": cluster_views,
        "matrix_orgs": orgs,
        "matrix_chart": _matrix_chart(orgs, counts, charts.next("m")),
        "overlaps": _overlaps_view([o for o in (data.get("overlaps") or []) if isinstance(o, Mapping)]),
        "type_legend": _TYPE_ORDER,
    }


def render_corpus_report(data: dict[str, Any], path: Path) -> None:
    """Write the corpus report for ``data`` (the ``report`` JSON) to ``path`` as one HTML file."""
    _write("corpus_report.html.j2", path, **_corpus_context(data))


# --- the draft check -----------------------------------------------------------------------------


def _level(times: Any) -> int:
    """Shade of a repeated passage: 1 = said once before, 2 = two or three times, 3 = four or more."""
    t = _int_or_none(times) or 0
    return 0 if t <= 0 else 1 if t == 1 else 2 if t <= 3 else 3


@dataclass
class _Mark:
    """A highlighted span of the draft with its number and its earlier occurrences."""

    number: int
    start: int
    end: int
    status: str
    level: int
    times: int
    kind: str
    matches: list[dict[str, Any]]
    text: str = ""


@dataclass
class _Row:
    """One paragraph (or several, when a passage straddles them) with the marks it contains."""

    segments: list[tuple[str, _Mark | None]] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)


def _match_view(m: Mapping[str, Any]) -> dict[str, Any]:
    view = _member_view(m)
    view["type"] = str(m.get("type") or "")
    quote = m.get("quote")
    if isinstance(quote, Mapping) and quote.get("corpus_text"):
        view["text"] = str(quote["corpus_text"]).strip()  # the aligned words: what the draft quotes
    if m.get("answers"):
        view["type"] = "answers it"  # the draft passage follows its quotation of this passage
    return view


def _mark_of(p: Mapping[str, Any], number: int) -> _Mark:
    status = "repeat" if p.get("status") == "repeat" else "new"
    matches = [_match_view(m) for m in (p.get("matches") or []) if isinstance(m, Mapping)]
    matches.sort(key=lambda v: -(float(v["score"]) if v["score"] is not None else 0.0))
    times = _int_or_none(p.get("times")) or len(matches)
    return _Mark(
        number=number,
        start=_int_or_none(p.get("start")) or 0,
        end=_int_or_none(p.get("end")) or 0,
        status=status,
        level=_level(times) if status == "repeat" else 0,
        times=times,
        kind=str(p.get("kind") or "other"),
        matches=matches,
        text=str(p.get("text") or ""),
    )


def _highlighted(p: Mapping[str, Any]) -> bool:
    return p.get("status") == "repeat" or (p.get("status") == "new" and p.get("kind") == "recommendation")


def _place(text: str, marks: list[_Mark]) -> tuple[list[_Mark], list[_Mark]]:
    """The marks that fit in ``text`` without overlapping (in order), and those that do not."""
    placed: list[_Mark] = []
    unplaced: list[_Mark] = []
    end = 0
    for m in sorted(marks, key=lambda m: (m.start, m.end)):
        if 0 <= m.start < m.end <= len(text) and m.start >= end:
            placed.append(m)
            end = m.end
        else:
            unplaced.append(m)
    return placed, unplaced


def _rows(text: str, marks: Sequence[_Mark]) -> list[_Row]:
    """Split page text into paragraph rows at blank lines that no mark straddles, then into segments."""
    cuts = [(0, 0)]  # (end of previous paragraph, start of next)
    for sep in re.finditer(r"\n[ \t]*\n\s*", text):
        if not any(m.start < sep.end() and sep.start() < m.end for m in marks):
            cuts.append((sep.start(), sep.end()))
    cuts.append((len(text), len(text)))
    rows = []
    for (_, lo), (hi, _) in pairwise(cuts):
        row = _Row()
        pos = lo
        for m in marks:
            if lo <= m.start and m.end <= hi:
                if m.start > pos:
                    row.segments.append((text[pos : m.start], None))
                row.segments.append((text[m.start : m.end], m))
                row.marks.append(m)
                pos = m.end
        if hi > pos:
            row.segments.append((text[pos:hi], None))
        if row.segments:
            rows.append(row)
    return rows


def _page_key(k: Any) -> tuple[int, str]:
    n = _int_or_none(k)
    return (n if n is not None else 10**9, str(k))


def _pages_view(
    pages: Mapping[str, Any], passages: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], list[_Mark]]:
    by_page: dict[str, list[_Mark]] = {}
    unplaced: list[_Mark] = []
    marked = [p for p in passages if _highlighted(p)]
    numbers = {
        id(p): i + 1
        for i, p in enumerate(
            sorted(marked, key=lambda p: (_page_key(p.get("page")), _int_or_none(p.get("start")) or 0))
        )
    }
    for p in marked:
        mark = _mark_of(p, numbers[id(p)])
        key = str(p.get("page"))
        last = _int_or_none(p.get("page_end"))
        if last is not None and str(last) != key and key in pages:
            # over a page break: marked on its first page, from its start to that page's end
            mark.end = len(str(pages[key] or "").rstrip())
        if key in pages:
            by_page.setdefault(key, []).append(mark)
        else:
            unplaced.append(mark)
    views = []
    for key in sorted(pages, key=_page_key):
        text = str(pages[key] or "")
        placed, rest = _place(text, by_page.get(key, []))
        unplaced.extend(rest)
        views.append({"number": key, "rows": _rows(text, placed)})
    unplaced.sort(key=lambda m: m.number)
    return views, unplaced


def _check_context(data: Mapping[str, Any]) -> dict[str, Any]:
    charts = _ChartCounter()
    draft = data.get("draft") or {}
    summary = data.get("summary") or {}
    passages = [p for p in (data.get("passages") or []) if isinstance(p, Mapping)]
    pages, unplaced = _pages_view(draft.get("pages") or {}, passages)
    recs = _int_or_none(summary.get("recommendations")) or 0
    repeated = _int_or_none(summary.get("repeated")) or 0
    earlier = {}
    for p in passages:
        if p.get("status") == "repeat":
            for m in p.get("matches") or []:
                q = (m or {}).get("passage") or {}
                doc = q.get("document") or {}
                earlier[q.get("id", id(q))] = (_org(doc.get("organisation")), _int_or_none(doc.get("year")))
    title = draft.get("title") or Path(str(draft.get("source") or "draft")).name
    return {
        "generated": str(data.get("generated") or ""),
        "title": str(title),
        "source": str(draft.get("source") or ""),
        "summary": {
            "recommendations": recs,
            "repeated": repeated,
            "new": _int_or_none(summary.get("new")) or 0,
            "share": _pct(repeated / recs) if recs else "—",
            "most_repeated": [m for m in (summary.get("most_repeated") or []) if isinstance(m, Mapping)],
            "new_recommendations": [str(s) for s in (summary.get("new_recommendations") or [])],
        },
        "pages": pages,
        "unplaced": unplaced,
        "chart": _org_year_chart(
            earlier.values(),
            "Where the draft's repeated passages were said before",
            charts.next("c"),
            "earlier passages",
        ),
        "levels": [(1, "said once before"), (2, "said 2–3 times before"), (3, "said 4 or more times before")],
    }


def render_check_report(data: dict[str, Any], path: Path) -> None:
    """Write the draft check for ``data`` (the ``check`` JSON) to ``path`` as one HTML file."""
    _write("check_report.html.j2", path, **_check_context(data))


def write_check_report(data: dict[str, Any], path: Path) -> None:
    """The draft check's HTML report for ``data`` (the ``check`` JSON), stamped now and fit to share."""
    render_check_report(shareable(data | {"generated": datetime.now().strftime("%Y-%m-%d %H:%M")}), path)


def write_corpus_report(report: Report, path: Path) -> None:
    """The corpus report's HTML for ``report`` (:meth:`dedup.corpus.Corpus.report`), fit to share."""
    render_corpus_report(shareable(report_json(report)), path)


def shareable(obj: Any) -> Any:
    """A copy of report data fit to share: local file paths cut to their file names (a report sent
    to colleagues should not reveal the sender's folders); web addresses are kept."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("source", "store") and isinstance(v, str) and not v.startswith(("http://", "https://")):
                out[k] = Path(v.split("#")[0]).name + ("#" + v.split("#", 1)[1] if "#" in v else "")
            else:
                out[k] = shareable(v)
        return out
    if isinstance(obj, list):
        return [shareable(v) for v in obj]
    return obj
