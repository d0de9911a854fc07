"""dedup: find where policy documents repeat each other.

``from dedup import Corpus`` is the library; importing dedup loads nothing heavy (no torch, no FAISS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Corpus", "DedupError"]

if TYPE_CHECKING:
    from dedup.corpus import Corpus
    from dedup.errors import DedupError


def __getattr__(name: str) -> Any:
    if name == "Corpus":
        from dedup.corpus import Corpus

        return Corpus
    if name == "DedupError":
        from dedup.errors import DedupError

        return DedupError
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
