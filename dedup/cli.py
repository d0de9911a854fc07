"""The command line: each command opens the store, calls one core function and renders the result."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from dedup.errors import DedupError, Interrupted
from dedup.limits import DEFAULT_LIMITS
from dedup.output import Format, Table, emit

if TYPE_CHECKING:
    from dedup.corpus import Corpus

app = typer.Typer(
    name="dedup",
    help="Find where policy documents repeat each other: recurring recommendations, duplicated efforts, "
    "and which parts of a new draft have been said before.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out_console = Console(highlight=False, soft_wrap=False)
if not out_console.is_terminal:  # piped or redirected: wide enough that tables stay readable
    out_console = Console(highlight=False, soft_wrap=False, width=160)
err_console = Console(stderr=True, highlight=False)


class State:
    store_path: Path | None = None
    quiet: bool = False
    device: str = "auto"


state = State()

# --- shared options --------------------------------------------------------------------------------

FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format: table (terminal), json, csv, md, or xlsx (needs --out)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to this file instead of stdout.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="A sentence-transformers model folder. Default: the store's model, else the packaged all-MiniLM-L6-v2.",
    ),
]


MaxFileOpt = Annotated[float, typer.Option("--max-file-mb", min=0.001, help="Refuse files larger than this many MB.")]
MaxCharsOpt = Annotated[
    int, typer.Option("--max-chars", min=1, help="Refuse files holding more characters of text than this.")
]
MaxPassagesOpt = Annotated[
    int, typer.Option("--max-passages", min=1, help="Refuse documents cut into more passages than this.")
]
MaxDocxOpt = Annotated[
    float, typer.Option("--max-docx-xml-mb", min=0.001, help="Refuse DOCX files whose XML inflates past this many MB.")
]


def _limits(max_file_mb: float, max_chars: int, max_passages: int, max_docx_xml_mb: float) -> Any:
    from dedup.limits import Limits

    return Limits(
        max_file_mb=max_file_mb, max_chars=max_chars, max_passages=max_passages, max_docx_xml_mb=max_docx_xml_mb
    )


@app.callback()
def main_options(
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            envvar="DEDUP_STORE",
            help="The store (SQLite file). Default: indexes/dedup.db; the DEDUP_STORE variable also sets it.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or notes on stderr.")] = False,
    device: Annotated[
        str,
        typer.Option(
            "--device",
            envvar="DEDUP_DEVICE",
            help="Where to embed and search: auto (a CUDA GPU when there is one), cpu, or cuda.",
        ),
    ] = "auto",
) -> None:
    if device not in ("auto", "cpu", "cuda"):
        raise fail(f"--device must be auto, cpu or cuda, not {device!r}")
    state.store_path = store
    state.quiet = quiet
    state.device = device


def command() -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command whose DedupErrors, wherever raised, become one red line and exit code 1."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                fn(*args, **kwargs)
            except Interrupted as exc:
                err_console.print(f"[yellow]interrupted:[/yellow] {safe(exc)}", soft_wrap=True)
                raise typer.Exit(130) from None
            except KeyboardInterrupt:
                err_console.print(
                    "[yellow]interrupted:[/yellow] stopped; what was already saved is kept whole, nothing "
                    "half-written: run the command again",
                    soft_wrap=True,
                )
                raise typer.Exit(130) from None
            except DedupError as exc:
                raise fail(str(exc)) from None
            except sqlite3.Error as exc:
                from dedup.store import default_store_path, store_error

                raise fail(str(store_error(exc, state.store_path or default_store_path()))) from None

        app.command()(run)
        return fn

    return register


def check_output(
    fmt: Format | None, out: Path | None, inputs: Sequence[Path | str | None] = (), html: Path | None = None
) -> None:
    """Refuse, before doing any work, an output that cannot be written (xlsx without --out, a folder)
    or that would overwrite the store or an input of this run."""
    from dedup.output import resolve_format
    from dedup.safeio import check_destination
    from dedup.store import default_store_path

    store = state.store_path or default_store_path()
    given = [Path(p) for p in inputs if p]
    try:
        if fmt is not None:
            resolve_format(fmt, out)
        for dest, option in ((out, "--out"), (html, "--html")):
            if dest is None:
                continue
            if dest.is_dir():
                raise DedupError(f"{option} {dest} is a folder; give a file name, e.g. {dest / 'report.html'}")
            check_destination(dest, store, given, option)
        if out is not None and html is not None and out.resolve() == html.resolve():
            raise DedupError("--out and --html name the same file; give them different names")
    except DedupError as exc:
        raise fail(str(exc)) from None


def safe(text: object) -> str:
    """Untrusted text (from a document, a file name, a user) fit for a rich console line: no control
    characters or escape sequences, no rich markup."""
    from rich.markup import escape

    from dedup.safeio import clean_for_terminal

    return escape(clean_for_terminal(str(text)))


def fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {safe(' '.join(message.split()))}", soft_wrap=True)  # one line
    return typer.Exit(1)


def note(message: str) -> None:
    """A message on stderr; ``message`` may use rich markup, so interpolate untrusted text with safe()."""
    if not state.quiet:
        from dedup.safeio import clean_for_terminal

        err_console.print(clean_for_terminal(message), soft_wrap=True)


@contextmanager
def progress_bar(description: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """(advance, set_total) callbacks driving a progress bar on stderr (silent with --quiet)."""
    if state.quiet:
        yield (lambda n: None), (lambda n: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)
        yield (lambda n: bar.advance(task, n)), (lambda n: bar.update(task, total=n))


@contextmanager
def open_corpus(model: str | None = None, create: bool = False) -> Iterator[Corpus]:
    """The corpus for this command: ``--model``, else ``DEDUP_MODEL``, else the store's own model
    (loaded only when text must be embedded). The store is opened when first used."""
    from dedup.corpus import Corpus
    from dedup.store import default_store_path

    with Corpus(
        state.store_path or default_store_path(),
        model or os.environ.get("DEDUP_MODEL") or None,
        create=create,
        on_model_load=lambda _: note("[dim]loading the embedding model…[/dim]"),
        device=state.device,
    ) as corpus:
        yield corpus


def ensure_indexed(corpus: Corpus, reindex: bool = False) -> Any:
    """Embed what has no vector yet (with a progress bar) and bring the index up to date."""
    with progress_bar("embedding passages") as (advance, total):
        stats = corpus.index(reindex=reindex, progress=advance, on_total=total)
    if stats is not None and stats.embedded and not reindex:
        note(f"indexed {stats.embedded} new passage texts ({stats.total} in the index)")
    return stats


# --- corpus commands --------------------------------------------------------------------------------


def _ingest_with_progress(corpus: Corpus, paths: list[Path], **options: Any) -> Any:
    """Ingest with a progress bar, each failed file reported on its own line as it happens."""
    seen: list[Any] = []
    try:
        with progress_bar("ingesting") as (advance, total):

            def on_result(r: Any) -> None:
                seen.append(r)
                advance(1)
                if r.status == "failed":
                    err_console.print(f"[red]failed[/red] {safe(r.path)}: {safe(r.message)}", soft_wrap=True)

            return corpus.add(paths, on_result=on_result, on_total=total, **options)
    except KeyboardInterrupt:
        stored = sum(1 for r in seen if r.status in ("added", "replaced", "updated"))
        raise Interrupted(
            f"ingest stopped after {len(seen)} files; the {stored} files added or replaced are kept whole "
            "(a file being written was not): run the same command again to continue"
        ) from None


@command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (searched recursively).")],
    manifest: Annotated[
        Path | None,
        typer.Option(help="CSV with file,title,organisation,year. Default: a manifest.csv beside the files."),
    ] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation of the file(s) given.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Year of the file(s) given.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the file given.")] = None,
    text_column: Annotated[str | None, typer.Option(help="Tables: column holding each row's text.")] = None,
    id_column: Annotated[str | None, typer.Option(help="Tables: column whose value is the document id.")] = None,
    org_column: Annotated[str | None, typer.Option(help="Tables: column holding the organisation.")] = None,
    year_column: Annotated[str | None, typer.Option(help="Tables: column holding the year.")] = None,
    date_column: Annotated[str | None, typer.Option(help="Tables: column holding a date (its year is used).")] = None,
    title_column: Annotated[str | None, typer.Option(help="Tables: column holding the title.")] = None,
    max_file_mb: MaxFileOpt = DEFAULT_LIMITS.max_file_mb,
    max_chars: MaxCharsOpt = DEFAULT_LIMITS.max_chars,
    max_passages: MaxPassagesOpt = DEFAULT_LIMITS.max_passages,
    max_docx_xml_mb: MaxDocxOpt = DEFAULT_LIMITS.max_docx_xml_mb,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Read documents (PDF, DOCX, HTML, TXT/MD; CSV/JSONL tables, one row a document) into the store.

    Unchanged files are skipped; a changed file replaces its earlier version. Exit code 1 if any file failed.
    """
    from dedup.ingest import TableColumns

    if title and len(paths) > 1:
        raise fail("--title names one document: give a single file with it")
    check_output(fmt, out, [*paths, manifest])
    with open_corpus(create=True) as corpus:
        report = _ingest_with_progress(
            corpus,
            paths,
            manifest=manifest,
            title=title,
            organisation=org,
            year=year,
            columns=TableColumns(
                text=text_column, id=id_column, org=org_column, year=year_column, date=date_column, title=title_column
            ),
            limits=_limits(max_file_mb, max_chars, max_passages, max_docx_xml_mb),
        )
    table = Table(
        "Ingested",
        ["file", "status", "documents", "pages", "passages", "note"],
        [[Path(r.path).name, r.status, len(r.doc_ids), r.pages, r.passages, r.message] for r in report.results],
    )
    data = {"files": [r.__dict__ | {"doc_ids": list(r.doc_ids)} for r in report.results]}
    emit(data, [table], fmt, out, out_console)
    counts = ", ".join(
        f"{report.count(s)} {s}" for s in ("added", "replaced", "updated", "unchanged", "failed") if report.count(s)
    )
    n = len(report.results)
    note(f"{n} file{'s' if n != 1 else ''}: {counts or 'nothing to do'}")
    if report.failed:
        raise typer.Exit(1)


@command()
def docs(fmt: FormatOpt = Format.table, out: OutOpt = None) -> None:
    """List the documents in the store with their metadata, passage counts, and what metadata is missing."""
    from dedup.output import document_json

    check_output(fmt, out)
    with open_corpus() as corpus:
        documents = corpus.documents()
    rows, data = [], []
    for d in documents:
        missing = [k for k in ("title", "organisation", "year") if getattr(d, k) in (None, "")]
        rows.append([d.id, d.title, d.organisation, d.year, d.format, d.passage_count, ", ".join(missing)])
        data.append(document_json(d) | {"format": d.format, "passages": d.passage_count, "missing": missing})
    emit(
        {"documents": data},
        [Table("Documents", ["id", "title", "organisation", "year", "format", "passages", "missing"], rows)],
        fmt,
        out,
        out_console,
    )
    incomplete = sum(1 for d in data if d["missing"])
    if incomplete:
        note(
            f"{incomplete} document{'s lack' if incomplete != 1 else ' lacks'} metadata: add them to a manifest.csv (file,title,organisation,year) "
            "and ingest again, or use --org/--year/--title"
        )


@command()
def remove(
    doc: Annotated[list[str], typer.Argument(help="Document ids (see `dedup docs`), paths or file names.")],
) -> None:
    """Take documents out of the store (and out of its index)."""
    with open_corpus() as corpus:
        for ref in doc:
            removed = corpus.remove(ref)
            note(f"removed {safe(removed.id)} ({removed.passage_count} passages)")


@command()
def alias(
    name: Annotated[str | None, typer.Argument(help="A variant spelling, e.g. NHSE.")] = None,
    canonical: Annotated[str | None, typer.Argument(help="The organisation's canonical name.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the alias NAME (your own, not a built-in).")] = False,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Show organisation aliases, or add one: `dedup alias "NHSE" "NHS England"`."""
    if name is not None and not name.strip():
        raise fail('the alias is empty; give the variant spelling, e.g. dedup alias NHSE "NHS England"')
    check_output(fmt, out)
    if remove:
        if name is None or canonical is not None:
            raise fail("give just the alias to remove: dedup alias --remove ALIAS")
        with open_corpus() as corpus:
            corpus.remove_alias(name)
        note(f"'{safe(name)}' is no longer an alias")
        return
    with open_corpus(create=name is not None) as corpus:
        if name is not None:
            corpus.add_alias(name, canonical or "")
            note(f"'{safe(name)}' now counts as '{safe(canonical)}'")
            return
        table = corpus.aliases()
    emit(
        {"aliases": table},
        [Table("Organisation aliases", ["alias (folded)", "canonical"], [[k, v] for k, v in sorted(table.items())])],
        fmt,
        out,
        out_console,
    )


@command()
def org(
    name: Annotated[str | None, typer.Argument(help="An organisation or unit, as in `dedup docs`.")] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="The body NAME belongs to (its counts roll up to it).")
    ] = None,
    top: Annotated[bool, typer.Option("--top", help="NAME is a body of its own, whatever its name says.")] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Forget your setting for NAME; its name decides again.")
    ] = False,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Show organisations and the bodies they roll up to, or set a unit's parent:
    `dedup org "WSCC Public Health" --parent "West Sussex County Council"`.

    Counts of bodies use the top parent, so a council's units count as the council; a name that
    starts with a known body's name ("X County Council Public Health") or works for one ("Y Ltd for
    X County Council") rolls up to it unless you say otherwise with --top."""
    if (parent is not None) + top + reset > 1:
        raise fail("give one of --parent, --top or --reset")
    if name is not None and not name.strip():
        raise fail(
            'the organisation is empty; e.g. dedup org "WSCC Public Health" --parent "West Sussex County Council"'
        )
    if name is None and (parent is not None or top or reset):
        raise fail("name the organisation first: dedup org NAME --parent PARENT")
    if parent is not None and not parent.strip():
        raise fail("--parent is empty; give the body's name, or use --top for a body of its own")
    changing = parent is not None or top or reset
    check_output(fmt, out)
    with open_corpus() as corpus:
        if name is not None and changing:
            if reset:
                body = corpus.forget_parent(name)
                note(f"'{name}' rolls up as its name says: {body}")
            else:
                body = corpus.set_parent(name, parent if not top else None)
                note(f"'{name}' now counts as '{body}'")
            return
        rows = [o.__dict__ for o in corpus.organisations(name)]
    emit(
        {"organisations": rows},
        [
            Table(
                "Organisations",
                ["organisation", "parent", "counts as", "set by", "documents"],
                [[r["organisation"], r["parent"] or "-", r["body"], r["set_by"] or "-", r["documents"]] for r in rows],
            )
        ],
        fmt,
        out,
        out_console,
    )


@command()
def index(
    model: ModelOpt = None,
    reindex: Annotated[bool, typer.Option("--reindex", help="Drop all vectors and embed everything again.")] = False,
) -> None:
    """Embed new passages and update the FAISS index (other commands do this for you when needed)."""
    with open_corpus(model) as corpus:
        stats = ensure_indexed(corpus, reindex=reindex)
    if stats is None:
        note("no passages to index: `dedup ingest PATH` adds documents")
        return
    note(
        f"model {stats.model}: embedded {stats.embedded} new texts; index +{stats.added} -{stats.removed}, "
        f"{stats.total} passages"
    )


def _file_link(passage: Any) -> str | None:
    """A file:// link to a passage's source document, where that is a file on this machine."""
    path = Path(passage.document.source.split("#")[0])
    return path.resolve().as_uri() if path.is_file() else None


def _short(text: str, n: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _where(p: Any) -> str:
    d = p.document
    org = d.organisation or "?"
    return f"{d.id} ({org}, {d.year or '?'}) p.{p.page}"


@command()
def links(
    min_score: Annotated[float, typer.Option("--min-score", help="Only links scoring at least this (0-1).")] = 0.0,
    link_type: Annotated[
        list[str] | None,
        typer.Option(
            "--type", "-t", help="Only these types (repeatable): verbatim, near-verbatim, paraphrase, related."
        ),
    ] = None,
    doc: Annotated[
        list[str] | None, typer.Option("--doc", "-d", help="Only links touching this document (repeatable).")
    ] = None,
    recommendations: Annotated[
        bool, typer.Option("--recommendations", "-r", help="Only links between recommendation passages.")
    ] = False,
    documents: Annotated[
        bool,
        typer.Option("--documents", help="Summarise by document pair: which document repeats which, and how much."),
    ] = False,
    limit: Annotated[int, typer.Option(min=0, help="Show at most this many rows (0 = all).")] = 50,
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Cross-document links: passages that say the same thing, with a score and a type."""
    check_output(fmt, out)
    from dedup.corpus import link_types
    from dedup.output import document_json, link_json

    types = link_types(link_type)
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        found = corpus.links(types=types, min_score=min_score, documents=doc, recommendations=recommendations)
        overlaps = corpus.overlaps(found) if documents else []
    if documents:
        shown = overlaps[:limit] if limit else overlaps
        table = Table(
            "Documents that repeat each other",
            ["document A", "document B", "links", "A in B", "B in A"],
            [[o.a.id, o.b.id, o.links, f"{o.share_a:.0%}", f"{o.share_b:.0%}"] for o in shown],
        )
        data = {
            "documents": [
                {
                    "a": document_json(o.a),
                    "b": document_json(o.b),
                    "links": o.links,
                    "share_a": round(o.share_a, 4),
                    "share_b": round(o.share_b, 4),
                }
                for o in shown
            ]
        }
        emit(data, [table], fmt, out, out_console)
        return
    shown_links = found[:limit] if limit else found
    columns = ["score", "type", "earlier", "earlier text", "later", "later text"]

    def rows() -> Iterator[list[Any]]:
        for lk in shown_links:
            yield [lk.score, lk.type, _where(lk.a), _short(lk.a.text), _where(lk.b), _short(lk.b.text)]

    from dedup.output import csv_chunks, emit_chunks, json_chunks, resolve_format

    fmt = resolve_format(fmt, out)
    if fmt is Format.json:  # written link by link: all links of a large corpus never sit in one string
        emit_chunks(json_chunks("links", map(link_json, shown_links)), out, out_console)
    elif fmt is Format.csv:
        emit_chunks(csv_chunks(columns, rows()), out, out_console)
    else:
        table = Table(
            "Links",
            columns,
            list(rows()),
            links={2: [_file_link(lk.a) for lk in shown_links], 4: [_file_link(lk.b) for lk in shown_links]},
        )
        emit({"links": [link_json(lk) for lk in shown_links]}, [table], fmt, out, out_console)
    if limit and len(found) > limit:
        note(f"showing {limit} of {len(found)} links; --limit 0 shows all")


def _verdict_label(v: Any) -> str:
    if v.type is not None:
        return str(v.type)
    return "no match (opposite directions)" if v.opposed else "no match"


@command()
def compare(
    a: Annotated[str | None, typer.Argument(help="A text, or a file (PDF, DOCX, HTML, TXT, MD).")] = None,
    b: Annotated[str | None, typer.Argument(help="Another text or file.")] = None,
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="CSV with columns id,a,b: judge every row, in input order.")
    ] = None,
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """The engine's score and type for two texts or files, or for every row of a CSV of pairs."""
    from dedup.corpus import read_pairs
    from dedup.models import Verdict

    data: dict[str, Any]
    check_output(fmt, out, [pairs, *(v for v in (a, b) if v and len(v) < 1024 and "\n" not in v)])
    if pairs is not None:
        if a is not None or b is not None:
            raise fail("give either two texts/files or --pairs FILE.csv, not both")
        rows = read_pairs(pairs)
        with open_corpus(model) as corpus:
            judged = corpus.compare_pairs([(r["a"], r["b"]) for r in rows])
        data = {
            "pairs": [
                {"id": r["id"], "score": round(v.score, 4), "type": v.type} for r, v in zip(rows, judged, strict=True)
            ]
        }
        table = Table(
            "Pairs",
            ["id", "score", "type", "cosine", "lexical", "opposed"],
            [
                [r["id"], v.score, _verdict_label(v), v.cosine, v.lexical, "yes" if v.opposed else ""]
                for r, v in zip(rows, judged, strict=True)
            ],
        )
        emit(data, [table], fmt, out, out_console)
        return
    if a is None or b is None:
        raise fail("give two texts or files to compare (or --pairs FILE.csv)")
    with open_corpus(model) as corpus:
        result = corpus.compare(a, b)
    if isinstance(result, Verdict):
        v = result
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
        emit(data, [table], fmt, out, out_console)
        return
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
            [[m.score, m.type, _short(pa[m.a]), _short(pb[m.b])] for m in result.matches],
        ),
    ]
    emit(data, tables, fmt, out, out_console)


def _pages(m: Any) -> str:
    """Where a member says it: its pages, and its versions' pages ("4, 9; draft p. 5")."""
    doc = m.passage.document.id
    own = sorted({p.page for p in m.passages if p.document.id == doc})
    others: dict[str, list[int]] = {}
    for p in m.copies:
        if p.document.id != doc:
            others.setdefault(p.document.title or p.document.id, []).append(p.page)
    text = ", ".join(str(n) for n in own)
    for title, pages in others.items():
        text += f"; {_short(title, 60)} p. {', '.join(str(n) for n in sorted(set(pages)))}"
    return text


def _said_by(m: Any) -> str:
    """Who said it: the unit's name, with the body it rolls up to when that differs."""
    org = m.passage.document.organisation
    if not org:
        return "?"
    return org if not m.body or m.body == org or ";" in m.body else f"{m.body} ({org})"


def _recurring_tables(clusters: list[Any]) -> list[Table]:
    overview = Table(
        "Recurring recommendations",
        ["#", "recommendation", "labels", "scope", "first said", "years", "documents", "organisations", "same theme"],
        [
            [
                c.id,
                _short(c.representative.text, 200),
                ", ".join(c.labels) or "-",
                c.scope,
                f"{_said_by(c.first)} ({c.first.passage.document.year or '?'})",
                "-".join(str(y) for y in c.years if y) or "?",
                c.documents,
                c.organisations,
                len(c.theme),
            ]
            for c in clusters
        ],
    )
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
    evidence.links[1] = [_file_link(m.passage) for _, m in rows]
    return [overview, evidence]


AllOpt = Annotated[bool, typer.Option("--all", help="Cluster every passage, not only recommendations.")]
OrgFilter = Annotated[str | None, typer.Option("--org", help="Only clusters this organisation takes part in.")]
LabelOpt = Annotated[
    str | None,
    typer.Option("--label", help="Only clusters with this label: recurring, or duplicated-effort."),
]
YearsOpt = Annotated[str | None, typer.Option("--years", help="Only documents of these years, e.g. 2015-2020.")]
MinDocsOpt = Annotated[
    int, typer.Option("--min-documents", help="Only clusters spanning at least this many documents.")
]
ThemesOpt = Annotated[
    bool,
    typer.Option(
        "--themes",
        help="Also list clusters whose passages only share a theme (no two documents say the same thing).",
    ),
]
UnitsOpt = Annotated[
    bool,
    typer.Option("--units", help="Count an organisation's units as bodies of their own (default: roll up to parents)."),
]
ClusterLimitOpt = Annotated[int, typer.Option(min=0, help="Show at most this many clusters (0 = all).")]
ThresholdOpt = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        help="How alike members must be on average: a pair weight on a fixed scale, about 0 for "
        "unrelated passages and 1 for the same words (default 0.16, one setting for every corpus; "
        "lower gives bigger, looser clusters).",
    ),
]


def _run_recurring(
    corpus: Corpus,
    all_: bool,
    org: str | None,
    years: str | None,
    min_documents: int,
    limit: int,
    fmt: Format,
    out: Path | None,
    threshold: float | None = None,
    label: str | None = None,
    themes: bool = False,
    units: bool = False,
) -> None:
    from dedup.output import cluster_json

    with progress_bar("clustering passages") as (advance, total):
        total(1)
        clusters = corpus.recurring(
            all_passages=all_,
            organisation=org,
            years=years,
            min_documents=min_documents,
            threshold=threshold,
            themes=True,
            label=label,
            units=units,
        )
        advance(1)
    theme_only = sum(1 for c in clusters if c.documents < min_documents)
    if not themes:  # they sort last, so the ids of the others stay 1, 2, 3 ...
        clusters = [c for c in clusters if c.documents >= min_documents]
    shown = clusters[:limit] if limit else clusters
    emit({"clusters": [cluster_json(c) for c in shown]}, _recurring_tables(shown), fmt, out, out_console)
    if limit and len(clusters) > limit:
        note(f"showing {limit} of {len(clusters)} clusters; --limit 0 shows all")
    if theme_only and not themes:
        note(
            f"{theme_only} more clusters only share a theme (no two documents say the same thing); --themes lists them"
        )
    if not clusters:
        if org or years or label or min_documents > 2:
            note("no cluster matches the filters (--org, --years, --label, --min-documents); try fewer")
        else:
            note("no recommendation recurs across documents" + ("" if all_ else " (--all looks at every passage)"))


@command()
def recurring(
    all_: AllOpt = False,
    org: OrgFilter = None,
    label: LabelOpt = None,
    years: YearsOpt = None,
    min_documents: MinDocsOpt = 2,
    threshold: ThresholdOpt = None,
    themes: ThemesOpt = False,
    units: UnitsOpt = False,
    limit: ClusterLimitOpt = 30,
    model: ModelOpt = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Recommendations made again and again: who said it first, who repeated it, when, with quotes and pages.

    Labels: `recurring` (repeated over time), `duplicated-effort` (two or more organisations in
    overlapping years); scope tells repetition within one organisation from repetition across them.
    """
    check_output(fmt, out)
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        _run_recurring(corpus, all_, org, years, min_documents, limit, fmt, out, threshold, label, themes, units)


@command()
def scan(
    folder: Annotated[list[Path], typer.Argument(help="Folders or files of documents.")],
    manifest: Annotated[Path | None, typer.Option(help="CSV with file,title,organisation,year.")] = None,
    all_: AllOpt = False,
    org: OrgFilter = None,
    label: LabelOpt = None,
    years: YearsOpt = None,
    min_documents: MinDocsOpt = 2,
    threshold: ThresholdOpt = None,
    themes: ThemesOpt = False,
    units: UnitsOpt = False,
    limit: ClusterLimitOpt = 30,
    model: ModelOpt = None,
    max_file_mb: MaxFileOpt = DEFAULT_LIMITS.max_file_mb,
    max_chars: MaxCharsOpt = DEFAULT_LIMITS.max_chars,
    max_passages: MaxPassagesOpt = DEFAULT_LIMITS.max_passages,
    max_docx_xml_mb: MaxDocxOpt = DEFAULT_LIMITS.max_docx_xml_mb,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Ingest, index and report recurring recommendations in one go: the main job."""
    check_output(fmt, out, [*folder, manifest])
    with open_corpus(model, create=True) as corpus:
        report = _ingest_with_progress(
            corpus, folder, manifest=manifest, limits=_limits(max_file_mb, max_chars, max_passages, max_docx_xml_mb)
        )
        note(f"{len(corpus.documents())} documents, {corpus.store.passage_count()} passages in {safe(corpus.path)}")
        ensure_indexed(corpus)
        _run_recurring(corpus, all_, org, years, min_documents, limit, fmt, out, threshold, label, themes, units)
    if report.failed:
        note(f"[red]{len(report.failed)} files could not be read[/red] (see above); the rest were scanned")
        raise typer.Exit(1)


@command()
def check(
    draft: Annotated[Path, typer.Argument(help="The draft: PDF, DOCX, HTML, TXT or MD.")],
    add: Annotated[bool, typer.Option("--add", help="Also add the draft to the corpus afterwards.")] = False,
    include_self: Annotated[
        bool,
        typer.Option(
            "--include-self",
            help="When the draft is already in the store, keep it and its versions among the matches.",
        ),
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML report of the draft to this file.")
    ] = None,
    model: ModelOpt = None,
    max_file_mb: MaxFileOpt = DEFAULT_LIMITS.max_file_mb,
    max_chars: MaxCharsOpt = DEFAULT_LIMITS.max_chars,
    max_passages: MaxPassagesOpt = DEFAULT_LIMITS.max_passages,
    max_docx_xml_mb: MaxDocxOpt = DEFAULT_LIMITS.max_docx_xml_mb,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Which of a draft's recommendations were made before, where and how often; which are new.

    The draft is not added to the corpus unless --add is given. A draft already in the store is said
    so, and it and its versions are left out of the matches unless --include-self is given.
    """
    check_output(fmt, out, [draft], html=html)
    from dedup.output import resolve_format

    fmt = resolve_format(fmt, out)  # `--out c.xlsx` is XLSX with every sheet, as `--format xlsx` is
    limits = _limits(max_file_mb, max_chars, max_passages, max_docx_xml_mb)
    from datetime import datetime

    from dedup.output import draft_check_json

    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        result = corpus.check(draft, limits=limits, include_self=include_self)
        if result.in_store is not None:
            others = [d.id for d in result.excluded if d.id != result.in_store.id]
            left = f"it and its versions {', '.join(others)} are" if others else "it is"
            if include_self:
                note(f"{draft.name} is already in the store as {result.in_store.id}; it is kept among the matches")
            else:
                note(
                    f"{draft.name} is already in the store as {result.in_store.id}; {left} left out "
                    "of the matches (--include-self keeps them)"
                )
        data = draft_check_json(result)
        recs = result.recommendations
        summary = Table(
            "Summary",
            ["", "count"],
            [
                ["recommendations in the draft", len(recs)],
                ["made before", len(result.repeated)],
                ["new", len(result.new)],
            ],
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
                    _short(p.draft.text, 200),
                    _where(p.repeats[0].passage) if p.repeats else "",
                    p.repeats[0].score if p.repeats else None,
                    p.repeats[0].type if p.repeats else "",
                ]
                for n, p in enumerate(result.passages, start=1)
                if fmt is not Format.table or p.draft.kind == "recommendation" or p.repeats
            ],
        )
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
            links={1: [_file_link(m.passage) for p in result.passages for m in p.matches]},
        )
        emit(
            data,
            [summary, passages, matches] if fmt is not Format.table else [summary, passages],
            fmt,
            out,
            out_console,
            csv_table=1,
        )
        if html is not None:
            from dedup.report import render_check_report

            data["generated"] = datetime.now().strftime("%Y-%m-%d %H:%M")
            render_check_report(_shareable(data), html)
            note(f"wrote {safe(html)}")
        if add:
            corpus.add([draft], limits=limits)
            ensure_indexed(corpus)
            note(f"added {safe(draft.name)} to the corpus")


def _shareable(obj: Any) -> Any:
    """A copy of report data fit to share: local file paths cut to their file names (a report sent
    to colleagues should not reveal the sender's folders); web addresses are kept."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in ("source", "store") and isinstance(v, str) and not v.startswith(("http://", "https://")):
                out[k] = Path(v.split("#")[0]).name + ("#" + v.split("#", 1)[1] if "#" in v else "")
            else:
                out[k] = _shareable(v)
        return out
    if isinstance(obj, list):
        return [_shareable(v) for v in obj]
    return obj


@command()
def report(
    html: Annotated[Path, typer.Option("--html", help="Write a self-contained HTML report to this file.")],
    all_: AllOpt = False,
    min_documents: MinDocsOpt = 2,
    limit: Annotated[int, typer.Option(min=0, help="At most this many clusters in the report (0 = all).")] = 50,
    model: ModelOpt = None,
) -> None:
    """A report to share: the corpus at a glance, recurring recommendations with evidence and timelines,
    organisations repeating each other, and document overlaps. Opens in any browser, offline."""
    from dedup.report import render_corpus_report

    check_output(None, None, html=html)
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        with progress_bar("finding links and clusters") as (advance, total):
            total(1)
            data = corpus.report_data(all_passages=all_, min_documents=min_documents, limit=limit)
            advance(1)
    render_corpus_report(_shareable(data), html)
    clusters, shown = data["summary"]["clusters"], len(data["clusters"])
    counted = f"{shown} of {clusters}" if shown < clusters else clusters
    note(f"wrote {safe(html)} ({counted} recommendations, {len(data['documents'])} documents)")


def main() -> None:
    try:
        app()
    except DedupError as exc:  # raised outside a command (e.g. while loading a model)
        err_console.print(f"[red]error:[/red] {safe(exc)}", soft_wrap=True)
        sys.exit(1)
    except SystemExit as exc:
        if exc.code == 130:
            # Stopped with Ctrl-C: the store is closed and what was kept is said; skip the seconds
            # of interpreter teardown (torch's thread pools) so the prompt is back at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise


if __name__ == "__main__":
    main()
