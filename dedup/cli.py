"""The command line: each command parses its options, makes one call on a :class:`~dedup.corpus.Corpus`
and renders the result (:mod:`dedup.render.views`); errors become one red line and exit code 1. The
options are declared in :mod:`dedup.cli_options`, what the commands share in :mod:`dedup.cli_support`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dedup import cli_support
from dedup.cli_options import AllOpt, Clustering, FormatOpt, MinDocsOpt, ModelOpt, OutOpt
from dedup.cli_support import add, busy, check_output, ensure_indexed, fail, open_corpus, show, term
from dedup.limits import DEFAULT_LIMITS, Limits
from dedup.render import views
from dedup.render.output import resolve_format
from dedup.render.table import Format
from dedup.render.terminal import safe

app = typer.Typer(
    name="dedup",
    help="Find where policy documents repeat each other: recurring recommendations, duplicated efforts, "
    "and which parts of a new draft have been said before.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(cli_support.global_options)
command = cli_support.commands(app)


@command
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
    limits: Limits = DEFAULT_LIMITS,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Read documents (PDF, DOCX, HTML, TXT/MD; CSV/JSONL tables, one row a document) into the store.

    Unchanged files are skipped; a changed file replaces its earlier version. Exit code 1 if any file failed.
    """
    from dedup.read.tables import TableColumns

    if title and len(paths) > 1:
        raise fail("--title names one document: give a single file with it")
    check_output(fmt, out, [*paths, manifest])
    columns = TableColumns(text_column, id_column, org_column, year_column, date_column, title_column)  # in field order
    with open_corpus(create=True) as corpus:
        report = add(
            corpus, paths, manifest=manifest, title=title, organisation=org, year=year, columns=columns, limits=limits
        )
    show(views.ingested(report), fmt, out)
    if report.failed:
        raise typer.Exit(1)


@command
def docs(fmt: FormatOpt = Format.table, out: OutOpt = None) -> None:
    """List the documents in the store with their metadata, passage counts, and what metadata is missing."""
    check_output(fmt, out)
    with open_corpus() as corpus:
        show(views.documents(corpus.documents()), fmt, out)


@command
def remove(
    doc: Annotated[list[str], typer.Argument(help="Document ids (see `dedup docs`), paths or file names.")],
) -> None:
    """Take documents out of the store (and out of its index)."""
    with open_corpus() as corpus:
        for ref in doc:
            removed = corpus.remove(ref)
            term.note(f"removed {safe(removed.id)} ({removed.passage_count} passages)")


@command
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
    if remove and (name is None or canonical is not None):
        raise fail("give just the alias to remove: dedup alias --remove ALIAS")
    with open_corpus(create=name is not None and not remove) as corpus:
        if remove and name is not None:
            corpus.remove_alias(name)
            return term.note(f"'{safe(name)}' is no longer an alias")
        if name is not None:
            corpus.add_alias(name, canonical or "")
            return term.note(f"'{safe(name)}' now counts as '{safe(canonical)}'")
        show(views.aliases(corpus.aliases()), fmt, out)


@command
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
    check_output(fmt, out)
    with open_corpus() as corpus:
        if name is not None and reset:
            return term.note(f"'{safe(name)}' rolls up as its name says: {safe(corpus.forget_parent(name))}")
        if name is not None and (parent is not None or top):
            return term.note(
                f"'{safe(name)}' now counts as '{safe(corpus.set_parent(name, parent if not top else None))}'"
            )
        show(views.organisations(corpus.organisations(name)), fmt, out)


@command
def index(
    model: ModelOpt = None,
    reindex: Annotated[bool, typer.Option("--reindex", help="Drop all vectors and embed everything again.")] = False,
) -> None:
    """Embed new passages and update the FAISS index (other commands do this for you when needed)."""
    with open_corpus(model) as corpus:
        term.note(views.indexed(ensure_indexed(corpus, reindex=reindex)))


@command
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
    from dedup.corpus import link_types

    check_output(fmt, out)
    types = link_types(link_type)
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        found = corpus.links(types=types, min_score=min_score, documents=doc, recommendations=recommendations)
        fmt = resolve_format(fmt, out)
        show(views.overlaps(corpus.overlaps(found), limit) if documents else views.links(found, limit, fmt), fmt, out)


@command
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

    check_output(fmt, out, [pairs, *(v for v in (a, b) if v and len(v) < 1024 and "\n" not in v)])
    if pairs is not None and (a is not None or b is not None):
        raise fail("give either two texts/files or --pairs FILE.csv, not both")
    if pairs is None and (a is None or b is None):
        raise fail("give two texts or files to compare (or --pairs FILE.csv)")
    rows = read_pairs(pairs) if pairs is not None else []
    with open_corpus(model) as corpus:
        if pairs is not None:
            return show(views.pairs(rows, corpus.compare_pairs([(r["a"], r["b"]) for r in rows])), fmt, out)
        result = corpus.compare(a or "", b or "")
    show(views.comparison(result), fmt, out)


@command
def recurring(
    clustering: Clustering = Clustering(),
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
        show(cli_support.recurring(corpus, clustering, resolve_format(fmt, out)), fmt, out)


@command
def scan(
    folder: Annotated[list[Path], typer.Argument(help="Folders or files of documents.")],
    manifest: Annotated[Path | None, typer.Option(help="CSV with file,title,organisation,year.")] = None,
    clustering: Clustering = Clustering(),
    model: ModelOpt = None,
    limits: Limits = DEFAULT_LIMITS,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Ingest, index and report recurring recommendations in one go: the main job."""
    check_output(fmt, out, [*folder, manifest])
    with open_corpus(model, create=True) as corpus:
        report = add(corpus, folder, manifest=manifest, limits=limits)
        term.note(views.stored(len(corpus.documents()), corpus.store.passage_count(), corpus.path))
        ensure_indexed(corpus)
        show(cli_support.recurring(corpus, clustering, resolve_format(fmt, out)), fmt, out)
    if report.failed:
        term.note(f"[red]{len(report.failed)} files could not be read[/red] (see above); the rest were scanned")
        raise typer.Exit(1)


@command
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
    limits: Limits = DEFAULT_LIMITS,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Which of a draft's recommendations were made before, where and how often; which are new.

    The draft is not added to the corpus unless --add is given. A draft already in the store is said
    so, and it and its versions are left out of the matches unless --include-self is given.
    """
    from dedup.render.html import write_check_report

    check_output(fmt, out, [draft], html=html)
    fmt = resolve_format(fmt, out)  # `--out c.xlsx` is XLSX with every sheet, as `--format xlsx` is
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        result = corpus.check(draft, limits=limits, include_self=include_self)
        if (said := views.in_store(result, draft.name, include_self)) is not None:
            term.note(said)
        view = views.check(result, every_passage=fmt is not Format.table)
        show(view, fmt, out)
        if html is not None:
            write_check_report(view.data, html)
            term.note(f"wrote {safe(html)}")
        if add:
            corpus.add([draft], limits=limits)
            ensure_indexed(corpus)
            term.note(f"added {safe(draft.name)} to the corpus")


@command
def report(
    html: Annotated[Path, typer.Option("--html", help="Write a self-contained HTML report to this file.")],
    all_: AllOpt = False,
    min_documents: MinDocsOpt = 2,
    limit: Annotated[int, typer.Option(min=0, help="At most this many clusters in the report (0 = all).")] = 50,
    model: ModelOpt = None,
) -> None:
    """A report to share: the corpus at a glance, recurring recommendations with evidence and timelines,
    organisations repeating each other, and document overlaps. Opens in any browser, offline."""
    from dedup.render.html import write_corpus_report

    check_output(None, None, html=html)
    with open_corpus(model) as corpus:
        ensure_indexed(corpus)
        result = busy(
            "finding links and clusters",
            lambda: corpus.report(all_passages=all_, min_documents=min_documents, limit=limit),
        )
    write_corpus_report(result, html)
    term.note(views.report_written(result, html))


def main() -> None:
    cli_support.main(app)


if __name__ == "__main__":
    main()
