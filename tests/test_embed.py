"""Which embedder a store gets: the ONNX int8 model only when ONNX Runtime is installed, and a store
always keeps the model its vectors were recorded with."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from dedup import embed
from dedup.corpus import Corpus
from dedup.embed import DEFAULT_MODEL_NAME, ONNX_MODEL_NAME
from dedup.errors import ModelError


def _without_onnx(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n in ("onnx", "onnxruntime") else real(n, *a)
    )
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    monkeypatch.setitem(sys.modules, "onnx", None)


def test_without_onnxruntime_new_stores_use_the_pytorch_model(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_onnx(monkeypatch)
    assert not embed.onnx_available()
    assert embed.default_model_name() == embed.default_model_name("cpu") == DEFAULT_MODEL_NAME


def test_onnx_is_the_default_only_when_installed_and_not_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embed, "onnx_available", lambda: True)
    assert embed.default_model_name("cpu") == ONNX_MODEL_NAME
    monkeypatch.undo()
    monkeypatch.setenv("DEDUP_ONNX", "0")
    assert not embed.onnx_available() and embed.default_model_name("cpu") == DEFAULT_MODEL_NAME


@pytest.mark.parametrize("recorded", [DEFAULT_MODEL_NAME, ONNX_MODEL_NAME])
@pytest.mark.parametrize("onnx_installed", [True, False])
def test_a_store_is_queried_with_the_model_it_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: str, onnx_installed: bool
) -> None:
    monkeypatch.setattr(embed, "onnx_available", lambda: onnx_installed)
    with Corpus(tmp_path / "new.db", device="cpu") as new:
        assert new.model_name() == (ONNX_MODEL_NAME if onnx_installed else DEFAULT_MODEL_NAME)
    with Corpus(tmp_path / "s.db", device="cpu") as corpus:
        corpus.store.set_meta("model", recorded)
        corpus.store.set_meta("dim", "384")
        assert corpus.model_name() == recorded  # whatever is installed now


def test_an_onnx_store_without_onnxruntime_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _without_onnx(monkeypatch)
    with Corpus(tmp_path / "s.db", device="cpu") as corpus:
        corpus.store.set_meta("model", ONNX_MODEL_NAME)
        corpus.store.set_meta("dim", "384")
        with pytest.raises(ModelError, match=r"dedup\[onnx\].*--reindex"):
            _ = corpus.embedder
