"""Named exceptions raised by the core. Each message is one sentence that says what to do.

Only the CLI turns these into a red line and an exit code.
"""

from __future__ import annotations


class DedupError(Exception):
    """Base class for every error dedup reports to a user."""


class InputError(DedupError):
    """A file given to dedup cannot be read as a document (corrupt, encrypted, empty, no text...)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(path, message)  # both in args, so the error survives pickling across processes

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class UnsupportedFormat(InputError):
    """The file's type is not one dedup reads."""


class StoreError(DedupError):
    """The store cannot be opened, is from an incompatible version, or mixes models."""


class ModelError(DedupError):
    """The embedding model cannot be loaded, or differs from the one the store was indexed with."""


class NotFound(DedupError):
    """A document or passage named by the user is not in the store."""


class Interrupted(DedupError):
    """The user stopped a run (Ctrl-C); the message says what was kept and how to resume."""
