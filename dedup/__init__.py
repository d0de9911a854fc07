"""dedup: find where policy documents repeat each other."""

__version__ = "0.1.0"
