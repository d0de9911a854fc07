"""The command line: each command opens the store, calls one core function and renders the result."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from dedup.errors import DedupError
from dedup.output import Format, Table, emit

if TYPE_CHECKING:
    from dedup.embed import Embedder
    from dedup.store import Store

app = typer.Typer(
    name="dedup",
    help="Find where policy documents repeat each other: recurring recommendations, duplicated efforts, "
    "and which parts of a new draft have been said before.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out_console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)


class State:
    store_path: Path | None = None
    quiet: bool = False


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
) -> None:
    state.store_path = store
    state.quiet = quiet


def fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(1)


def note(message: str) -> None:
    if not state.quiet:
        err_console.print(message, soft_wrap=True)


@contextmanager
def open_store(create: bool = False) -> Iterator[Store]:
    """The store for this command; DedupErrors inside become one red line and exit code 1."""
    from dedup.store import Store, default_store_path

    path = state.store_path or default_store_path()
    try:
        with Store(path, create=create) as store:
            yield store
    except DedupError as exc:
        raise fail(str(exc)) from None


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


def load_model(store: Store, model: str | None) -> Embedder:
    """The embedder for a command: ``--model``, else the model the store was indexed with."""
    from dedup.embed import DEFAULT_MODEL_NAME, load_embedder

    chosen = model or os.environ.get("DEDUP_MODEL") or store.get_meta("model")
    if chosen == DEFAULT_MODEL_NAME:
        chosen = None
    note("[dim]loading the embedding model…[/dim]")
    return load_embedder(chosen)


def ensure_indexed(store: Store, model: str | None) -> Embedder:
    from dedup.index import ensure_index

    embedder = load_model(store, model)
    with progress_bar("embedding passages") as (advance, total):
        stats = ensure_index(store, embedder, progress=advance, on_total=total)
    if stats.embedded:
        note(f"indexed {stats.embedded} new passage texts ({stats.total} in the index)")
    return embedder


# --- corpus commands --------------------------------------------------------------------------------


@app.command()
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
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Read documents (PDF, DOCX, HTML, TXT/MD; CSV/JSONL tables, one row a document) into the store.

    Unchanged files are skipped; a changed file replaces its earlier version. Exit code 1 if any file failed.
    """
    from dedup.ingest import Metadata, TableColumns
    from dedup.ingest import ingest as run_ingest

    if title and len(paths) > 1:
        raise fail("--title names one document: give a single file with it")
    with open_store(create=True) as store, progress_bar("ingesting") as (advance, total):

        def on_result(r: Any) -> None:
            advance(1)
            if r.status == "failed":
                err_console.print(f"[red]failed[/red] {r.path}: {r.message}", soft_wrap=True)

        report = run_ingest(
            store,
            paths,
            manifest=manifest,
            metadata=Metadata(title=title, organisation=org, year=year),
            columns=TableColumns(
                text=text_column, id=id_column, org=org_column, year=year_column, date=date_column, title=title_column
            ),
            on_result=on_result,
            on_total=total,
        )
    table = Table(
        "Ingested",
        ["file", "status", "documents", "pages", "passages", "note"],
        [[Path(r.path).name, r.status, len(r.doc_ids), r.pages, r.passages, r.message] for r in report.results],
    )
    data = {"files": [r.__dict__ | {"doc_ids": list(r.doc_ids)} for r in report.results]}
    emit(data, [table], fmt, out, out_console)
    counts = ", ".join(
        f"{report.count(s)} {s}"
        for s in ("added", "replaced", "updated", "unchanged", "failed")
        if report.count(s)
    )
    note(f"{len(report.results)} files: {counts or 'nothing to do'}")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def docs(fmt: FormatOpt = Format.table, out: OutOpt = None) -> None:
    """List the documents in the store with their metadata, passage counts, and what metadata is missing."""
    from dedup.output import document_json

    with open_store() as store:
        documents = store.documents()
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
            f"{incomplete} documents lack metadata: add them to a manifest.csv (file,title,organisation,year) "
            "and ingest again, or use --org/--year/--title"
        )


@app.command()
def remove(
    doc: Annotated[list[str], typer.Argument(help="Document ids (see `dedup docs`), paths or file names.")],
) -> None:
    """Take documents out of the store (and out of its index)."""
    with open_store() as store:
        for ref in doc:
            removed = store.remove_document(ref)
            note(f"removed {removed.id} ({removed.passage_count} passages)")
        if store.index_path.exists() and store.get_meta("dim"):
            from dedup.index import _sync_faiss

            model = store.get_meta("model")
            if model:
                _sync_faiss(store, model, int(store.get_meta("dim") or 0))


@app.command()
def alias(
    name: Annotated[str | None, typer.Argument(help="A variant spelling, e.g. NHSE.")] = None,
    canonical: Annotated[str | None, typer.Argument(help="The organisation's canonical name.")] = None,
    fmt: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """Show organisation aliases, or add one: `dedup alias "NHSE" "NHS England"`."""
    with open_store(create=True) as store:
        if name is not None:
            if canonical is None:
                raise fail("give both the alias and the canonical name: dedup alias ALIAS CANONICAL")
            store.add_alias(name, canonical)
            note(f"'{name}' now counts as '{canonical}'")
            return
        table = store.aliases()
    emit(
        {"aliases": table},
        [Table("Organisation aliases", ["alias (folded)", "canonical"], [[k, v] for k, v in sorted(table.items())])],
        fmt,
        out,
        out_console,
    )


@app.command()
def index(
    model: ModelOpt = None,
    reindex: Annotated[bool, typer.Option("--reindex", help="Drop all vectors and embed everything again.")] = False,
) -> None:
    """Embed new passages and update the FAISS index (other commands do this for you when needed)."""
    from dedup.index import ensure_index
    from dedup.index import reindex as run_reindex

    with open_store() as store:
        embedder = load_model(store, model) if not reindex else _fresh_model(model)
        with progress_bar("embedding passages") as (advance, total):
            run = run_reindex if reindex else ensure_index
            stats = run(store, embedder, progress=advance, on_total=total)
    note(
        f"model {stats.model}: embedded {stats.embedded} new texts; index +{stats.added} -{stats.removed}, "
        f"{stats.total} passages"
    )


def _fresh_model(model: str | None) -> Embedder:
    from dedup.embed import load_embedder

    note("[dim]loading the embedding model…[/dim]")
    return load_embedder(model or os.environ.get("DEDUP_MODEL"))


def main() -> None:
    try:
        app()
    except DedupError as exc:  # raised outside open_store (e.g. while loading a model)
        err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
