"""The package declares what it uses and uses what it declares."""

from __future__ import annotations

import re

from .conftest import ROOT

#: Distribution name -> the module it installs, where they differ.
_MODULE = {
    "faiss-cpu": "faiss",
    "python-docx": "docx",
    "beautifulsoup4": "bs4",
}


def test_every_runtime_dependency_is_imported_by_the_package() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()  # tomllib is Python 3.11+; dedup runs on 3.10
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S)
    assert block is not None
    deps = re.findall(r'^\s*"([^"]+)"', block.group(1), re.M)
    assert len(deps) > 10
    source = "\n".join(p.read_text() for p in (ROOT / "dedup").rglob("*.py"))
    for dep in deps:
        dist = re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0]
        module = _MODULE.get(dist, dist.replace("-", "_"))
        assert re.search(rf"^\s*(?:import|from)\s+{module}\b", source, re.M), (
            f"{dist} is a dependency that nothing in dedup/ imports: drop it from pyproject.toml"
        )
