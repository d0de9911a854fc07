"""Which embedder a store gets: the ONNX int8 model only when ONNX Runtime is installed, and a store
always keeps the model its vectors were recorded with."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from dedup import embed
from dedup.corpus import Corpus
from dedup.embed import DEFAULT_MODEL_NAME, ONNX_MODEL_NAME, TUNED_MODEL_NAME
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


@pytest.mark.parametrize("recorded", [DEFAULT_MODEL_NAME, ONNX_MODEL_NAME, TUNED_MODEL_NAME])
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


def test_the_tuned_model_is_chosen_by_name_and_kept_by_the_store(tmp_path: Path) -> None:
    with Corpus(tmp_path / "s.db", device="cpu", model=TUNED_MODEL_NAME) as corpus:
        assert corpus.model_name() == TUNED_MODEL_NAME


@pytest.mark.model
def test_the_tuned_layers_load_onto_the_packaged_minilm() -> None:
    """The shipped difference fits the packaged model, keeps what it knows (each sentence lands near
    where the untouched model puts it) and changes its judgement (the vectors differ)."""
    texts = [
        "Integrate mental and physical health care in one team.",
        "Provide 24/7 crisis support for people in a mental health emergency.",
        "The Trust should review its discharge policy for patients at risk of suicide.",
    ]
    tuned = embed.load_embedder(TUNED_MODEL_NAME, device="cpu")
    base = embed.load_embedder(DEFAULT_MODEL_NAME, device="cpu")
    assert (tuned.name, base.name) == (TUNED_MODEL_NAME, DEFAULT_MODEL_NAME)
    a, b = tuned.embed(texts), base.embed(texts)
    assert a.shape == b.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    same = (a * b).sum(axis=1)
    assert np.all(same > 0.6) and np.all(same < 0.9999)
    assert tuned.model.max_seq_length == embed.tuned_max_length() == 96  # type: ignore[attr-defined]
