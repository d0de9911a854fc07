"""The terminal: data on stdout; notes, errors and progress bars on stderr (``--quiet`` silences notes
and progress, never errors)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

from dedup.safeio import clean_for_terminal


def safe(text: object) -> str:
    """Untrusted text (from a document, a file name, a user) fit for a rich console line: no control
    characters or escape sequences, no rich markup."""
    from rich.markup import escape

    return escape(clean_for_terminal(str(text)))


class Terminal:
    """Where a command writes: ``out`` for data, ``err`` for everything said to the person."""

    def __init__(self) -> None:
        self.out = Console(highlight=False, soft_wrap=False)
        if not self.out.is_terminal:  # piped or redirected: wide enough that tables stay readable
            self.out = Console(highlight=False, soft_wrap=False, width=160)
        self.err = Console(stderr=True, highlight=False)
        self.quiet = False

    def note(self, message: str) -> None:
        """A message on stderr; ``message`` may use rich markup, so interpolate untrusted text with safe()."""
        if not self.quiet:
            self.err.print(clean_for_terminal(message), soft_wrap=True)

    def error(self, message: object) -> None:
        """One red line, whatever ``--quiet`` says."""
        self.err.print(f"[red]error:[/red] {safe(' '.join(str(message).split()))}", soft_wrap=True)

    def interrupted(self, message: str) -> None:
        self.err.print(f"[yellow]interrupted:[/yellow] {message}", soft_wrap=True)

    @contextmanager
    def progress(self, description: str) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
        """(advance, set_total) callbacks driving a progress bar on stderr (silent with --quiet)."""
        if self.quiet:
            yield (lambda n: None), (lambda n: None)
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.err,
            transient=True,
        ) as bar:
            task = bar.add_task(description, total=None)
            yield (lambda n: bar.advance(task, n)), (lambda n: bar.update(task, total=n))
