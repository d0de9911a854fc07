"""The package's layout holds: no import cycles, the core apart from rendering and the command line,
the test fakes outside the package."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "dedup"


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The dedup modules ``name`` imports anywhere (inside functions too), except for type checking."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules:
                    found.add(full)
                elif base in modules:
                    found.add(base)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_module_of_dedup_imports_itself_back() -> None:
    graph = _graph()
    assert "dedup.read.pdf" in graph and graph["dedup.cli"]  # the walk sees subpackages and lazy imports
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


COMMAND_LINE = ("dedup.cli", "dedup.cli_options", "dedup.cli_support")  # the commands, their options, their helpers


def test_the_core_knows_nothing_of_rendering_or_the_command_line() -> None:
    for name, imported in _graph().items():
        if name in (*COMMAND_LINE, "dedup.__main__") or name.startswith("dedup.render"):
            continue
        shown = sorted(m for m in imported if m in COMMAND_LINE or m.startswith("dedup.render"))
        assert not shown, f"{name} imports {shown}: the core returns objects, dedup.render shows them"
    for path in PACKAGE.rglob("*.py"):
        if f"dedup.{path.stem}" not in COMMAND_LINE and "render" not in path.parts:
            source = path.read_text()
            assert "import typer" not in source and "from rich" not in source, path


def test_reading_files_is_apart_from_cutting_them_into_passages() -> None:
    graph = _graph()
    for name in (n for n in graph if n.startswith("dedup.read")):
        later = sorted(m for m in graph[name] if m in ("dedup.segment", "dedup.ingest", "dedup.store", "dedup.embed"))
        assert not later, f"{name} imports {later}: reading a file comes before segmenting and storing it"


def test_test_fakes_live_under_tests() -> None:
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    assert "class HashingEmbedder" not in source
    assert "HashingEmbedder" in (ROOT / "tests" / "fakes.py").read_text()
