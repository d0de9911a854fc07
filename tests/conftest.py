"""Shared fixtures: a fresh store per test, the sample corpus, ../shared when present."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dedup.store import Store

from . import fakes  # noqa: F401  registers the hashing model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def shared_dir() -> Path:
    return Path(os.environ.get("DEDUP_SHARED", ROOT.parent / "shared"))


@pytest.fixture
def shared() -> Path:
    d = shared_dir()
    if not (d / "corpus").exists():
        pytest.skip(f"shared data not found at {d} (set DEDUP_SHARED)")
    return d


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "dedup.db"


@pytest.fixture
def store(store_path: Path):
    with Store(store_path) as s:
        yield s


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample corpus."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(autouse=True)
def _hashing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI tests embed with the deterministic hashing model unless a test asks for the real one; the
    ``dedup`` processes tests start find it through DEDUP_EMBEDDERS."""
    monkeypatch.setenv("DEDUP_MODEL", "hashing")
    monkeypatch.setenv("DEDUP_EMBEDDERS", "tests.fakes")
    monkeypatch.delenv("DEDUP_STORE", raising=False)
