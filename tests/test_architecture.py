"""Imports point one way: graph is the base, ingest and detectors build on it, api on all three."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ALLOWED = {
    "graph": {"graph"},
    "ingest": {"graph", "ingest"},
    "detectors": {"graph", "ingest", "detectors"},
    "api": {"graph", "ingest", "detectors", "api"},
}


def _project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(_project_imports(path) - ALLOWED[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_packages_are_listed_in_pyproject() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packages = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
                for package in ALLOWED for p in (ROOT / package).rglob("__init__.py")}
    assert all(f'"{p}"' in text for p in packages), packages
