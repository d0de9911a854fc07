"""What the commands of :mod:`dedup.cli` share: the terminal, the global options, registering a
command (its errors become one red line and exit code 1), opening the corpus, progress bars, and
showing a view."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from dedup.cli_options import Clustering, DeviceOpt, QuietOpt, StoreOpt, grouped
from dedup.errors import DedupError, Interrupted
from dedup.render import views
from dedup.render.output import check_destinations, emit, emit_chunks
from dedup.render.table import Format
from dedup.render.terminal import Terminal, safe

if TYPE_CHECKING:
    from dedup.corpus import Corpus

T = TypeVar("T")
term = Terminal()


class State:
    store: Path | None = None  # --store
    device: str = "auto"  # --device


state = State()


def global_options(store: StoreOpt = None, quiet: QuietOpt = False, device: DeviceOpt = "auto") -> None:
    """The options before the command: ``dedup --store S.db --quiet --device cpu COMMAND``."""
    if device not in ("auto", "cpu", "cuda"):
        raise fail(f"--device must be auto, cpu or cuda, not {device!r}")
    state.store = store
    term.quiet = quiet
    state.device = device


def store_path() -> Path:
    from dedup.store import default_store_path

    return state.store or default_store_path()


def fail(message: str) -> typer.Exit:
    term.error(message)
    return typer.Exit(1)


def commands(app: typer.Typer) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The decorator registering a command of ``app`` whose DedupErrors, wherever raised, become one
    red line and exit code 1; its option groups are expanded (:func:`~dedup.cli_options.grouped`)."""

    def command(fn: Callable[..., None]) -> Callable[..., None]:
        call = grouped(fn)

        @functools.wraps(call)
        def run(**kwargs: Any) -> None:
            try:
                call(**kwargs)
            except Interrupted as exc:
                term.interrupted(safe(exc))
                raise typer.Exit(130) from None
            except KeyboardInterrupt:
                term.interrupted(
                    "stopped; what was already saved is kept whole, nothing half-written: run the command again"
                )
                raise typer.Exit(130) from None
            except DedupError as exc:
                raise fail(str(exc)) from None
            except sqlite3.Error as exc:
                from dedup.store import store_error

                raise fail(str(store_error(exc, store_path()))) from None

        app.command()(run)
        return fn

    return command


def check_output(
    fmt: Format | None, out: Path | None, inputs: Sequence[Path | str | None] = (), html: Path | None = None
) -> None:
    check_destinations(fmt, out, store_path(), inputs, html)


def show(view: views.View, fmt: Format, out: Path | None) -> None:
    if view.chunks is not None:  # written piece by piece: never the whole output in one string
        emit_chunks(view.chunks, out, term.out)
    else:
        emit(view.data, view.tables, fmt, out, term.out, csv_table=view.csv_table)
    for message in view.notes:
        term.note(message)


@contextmanager
def open_corpus(model: str | None = None, create: bool = False) -> Iterator[Corpus]:
    """The corpus for this command: ``--model``, else ``DEDUP_MODEL``, else the store's own model
    (loaded only when text must be embedded). The store is opened when first used."""
    from dedup.corpus import Corpus

    loading = "[dim]loading the embedding model…[/dim]"
    with Corpus(
        store_path(),
        model or os.environ.get("DEDUP_MODEL") or None,
        create=create,
        on_model_load=lambda _: term.note(loading),
        device=state.device,
    ) as corpus:
        yield corpus


def ensure_indexed(corpus: Corpus, reindex: bool = False) -> Any:
    """Embed what has no vector yet (with a progress bar) and bring the index up to date."""
    with term.progress("embedding passages") as (advance, total):
        stats = corpus.index(reindex=reindex, progress=advance, on_total=total)
    if stats is not None and stats.embedded and not reindex:
        term.note(f"indexed {stats.embedded} new passage texts ({stats.total} in the index)")
    return stats


def add(corpus: Corpus, paths: list[Path], **options: Any) -> Any:
    """Ingest with a progress bar, each failed file reported on its own line as it happens."""

    def each(r: Any) -> None:
        advance(1)
        if r.status == "failed":
            term.err.print(f"[red]failed[/red] {safe(r.path)}: {safe(r.message)}", soft_wrap=True)

    with term.progress("ingesting") as (advance, total):
        return corpus.add(paths, on_result=each, on_total=total, **options)


def busy(description: str, work: Callable[[], T]) -> T:
    """``work()`` under a progress bar saying ``description`` (one step: it gives no progress)."""
    with term.progress(description) as (advance, total):
        total(1)
        result = work()
        advance(1)
    return result


def recurring(corpus: Corpus, c: Clustering, fmt: Format = Format.table) -> views.View:
    """The recurring recommendations ``c`` asks for, those that only share a theme among them."""
    clusters = busy(
        "clustering passages",
        lambda: corpus.recurring(
            all_passages=c.all_,
            organisation=c.org,
            years=c.years,
            min_documents=c.min_documents,
            threshold=c.threshold,
            themes=True,
            label=c.label,
            units=c.units,
        ),
    )
    return views.recurring(
        clusters,
        min_documents=c.min_documents,
        limit=c.limit,
        themes=c.themes,
        filtered=c.filtered,
        all_passages=c.all_,
        fmt=fmt,
    )


def main(app: typer.Typer) -> None:
    try:
        app()
    except DedupError as exc:  # raised outside a command (e.g. while loading a model)
        term.err.print(f"[red]error:[/red] {safe(exc)}", soft_wrap=True)
        sys.exit(1)
    except SystemExit as exc:
        if exc.code == 130:
            # Stopped with Ctrl-C: the store is closed and what was kept is said; skip the seconds
            # of interpreter teardown (torch's thread pools) so the prompt is back at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        raise
