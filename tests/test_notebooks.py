"""The analyst notebooks run top to bottom on a fresh kernel, and are stored without outputs.

``04_cypher`` needs a Cypher server: Neo4j when ``NEO4J_URI`` is set, else a graph of its own
on the FalkorDB server the suite starts (passed to the kernel as ``FALKORDB_URL``).
``03_tuning_and_evaluation`` also measures the outside book when its folder is beside the
repository (``RINGSCOPE_OUTSIDE_BOOK`` names another); without it, that part is skipped.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
# what each notebook prints once its figures are in (each also asserts them itself)
PRINTS = {
    "01_quickstart.ipynb": "claim precision",
    "02_investigate_a_ring.ipynb": "case report for R-",
    "03_tuning_and_evaluation.ipynb": "realistic ringscope",
    "04_cypher.ipynb": "shortest path",
    "05_score_a_request.ipynb": "ROC AUC",
}
# notebooks that draw figures, and how many at least
FIGURES = {"02_investigate_a_ring.ipynb": 1, "03_tuning_and_evaluation.ipynb": 3}
NEEDS_SERVER = {"04_cypher.ipynb"}


def _params() -> list[object]:
    return [pytest.param(p, id=p.name, marks=[pytest.mark.falkordb] if p.name in NEEDS_SERVER
                         and not os.environ.get("NEO4J_URI") else []) for p in NOTEBOOKS]


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in NOTEBOOKS) == sorted(PRINTS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.parametrize("path", _params())
def test_notebook_runs(path: Path, tmp_path: Path, request: pytest.FixtureRequest,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    graph = None
    if path.name in NEEDS_SERVER and not os.environ.get("NEO4J_URI"):
        server = request.getfixturevalue("falkordb_server")
        server.ensure_alive()
        graph = f"notebook-{uuid.uuid4().hex[:12]}"
        monkeypatch.setenv("FALKORDB_URL", server.url(graph))
    notebook = nbformat.read(path, as_version=4)
    try:
        NotebookClient(notebook, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        if graph is not None:
            server.delete_graph(graph)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert PRINTS[path.name] in printed
    figures = sum("image/png" in o.get("data", {}) for o in outputs)
    assert figures >= FIGURES.get(path.name, 0)
