"""The README's Python section runs as written, on a copy of the sample corpus, with the real model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT


def _python_block() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 1, "the README has one Python example"
    return blocks[0]


@pytest.mark.model
def test_readme_python_section_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    (tmp_path / "examples").mkdir()
    shutil.copy(ROOT / "examples" / "draft_strategy_2026.md", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEDUP_MODEL", raising=False)
    exec(compile(_python_block(), "README.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert int(lines[0].split()[0]) >= 3
    made_before, of = re.fullmatch(r"(\d+) of (\d+) draft recommendations were made before", lines[1]).groups()
    assert 0 < int(made_before) < int(of)
    assert lines[2] == "None True"
    assert (tmp_path / "indexes" / "notebook.db").exists()
