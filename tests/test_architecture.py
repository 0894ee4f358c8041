"""Imports point one way: graph is the base, ingest and detectors build on it, api on them.

Node keys (how a raw identifier becomes a node's key) live in ``graph.keys``, so detection and
the API read identifiers exactly as ingest does without importing ``ingest``; within ``api``
only the command line and the analysts' book loader (``api/analysis/books.py``), which run
ingest and the book generator, import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ALLOWED = {
    "graph": {"graph"},
    "ingest": {"graph", "ingest"},
    "detectors": {"graph", "detectors"},
    "api": {"graph", "detectors", "api"},
}
# Modules allowed one more package than the rest of their own package.
EXCEPTIONS = {"api/cli.py": {"ingest"}, "api/analysis/books.py": {"ingest"}}
PACKAGES = {*ALLOWED, "ingest"}


def _project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & PACKAGES


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    wrong = {}
    for path in (ROOT / package).rglob("*.py"):
        name = path.relative_to(ROOT).as_posix()
        wrong[name] = sorted(_project_imports(path) - ALLOWED[package] - EXCEPTIONS.get(name, set()))
    assert {k: v for k, v in wrong.items() if v} == {}


def test_only_the_command_line_imports_ingest_in_api() -> None:
    importers = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "api").rglob("*.py")
                       if "ingest" in _project_imports(path))
    assert importers == sorted(EXCEPTIONS)


def test_the_rule_catches_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import ingest.reader\nfrom api import app\nfrom graph.keys import x\n",
                      encoding="utf-8")
    assert _project_imports(module) == {"ingest", "api", "graph"}


def test_packages_are_listed_in_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packages = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                for package in ALLOWED for p in (ROOT / package).rglob("__init__.py")}
    assert all(f'"{p}"' in text for p in packages), packages
