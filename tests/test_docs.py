"""The README stays true: its two commands, and every dedup command and option it shows."""

from __future__ import annotations

import re
import shlex

import typer.main
from typer.testing import CliRunner

from dedup.cli import app

from .conftest import ROOT

README = (ROOT / "README.md").read_text()
runner = CliRunner()


def _blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, re.S)


def test_readme_opens_with_the_setup_and_test_commands() -> None:
    first = _blocks()[0]
    commands = [line.split("#")[0].strip() for line in first.splitlines() if line.strip()]
    assert commands == ["make demo", "make check"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^check:", makefile, re.M)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [x.strip() for x in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "make check" in lines


def test_every_dedup_command_and_option_in_the_readme_exists() -> None:
    group = typer.main.get_group(app)
    lines = [line.split("  #")[0].strip() for block in _blocks() for line in block.splitlines()]
    shown = [shlex.split(line) for line in lines if line.startswith("dedup ")]
    assert len(shown) >= 8
    for argv in shown:
        name = argv[1]
        assert name in group.commands, f"README shows `dedup {name}`, which does not exist"
        help_text = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"}).stdout
        for flag in (a.split("=")[0] for a in argv[2:] if a.startswith("--")):
            assert flag in help_text, f"README shows `dedup {name} {flag}`, which `dedup {name} --help` lacks"


def test_every_command_is_documented_in_the_readme() -> None:
    for name in typer.main.get_group(app).commands:
        assert f"dedup {name}" in README, f"`dedup {name}` is not in the README"
