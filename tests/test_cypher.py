"""graph.cypher: every statement passes Neo4j's own Cypher front end; statement text holds no values."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph import cypher
from graph.cypher import Dialect, IndexSpec, ResultLabel, ResultRel
from graph.cypher_store import _rows, batched
from graph.model import SCHEMA, Label, NodeBatch, Rel

LINT_DIR = Path(__file__).parent / "setup" / "cypher"

# Parameters are bound at run time; the front end cannot know them.
_PARAMETER_NOT_DEFINED = re.compile(r"^Parameter \$\w+ is not defined\.$")


def _lint_schema() -> dict[str, object]:
    """The graph's labels, types and allowed paths, so typos and impossible patterns are reported."""
    triples = [(s.value, r.value, d.value) for s, r, d in SCHEMA] + list(cypher.RESULT_SCHEMA)
    return {
        "labels": list(cypher.KEYED_LABELS),
        "relationshipTypes": [r.value for r in Rel] + [r.value for r in ResultRel],
        "graphSchema": [{"from": s, "to": d, "relType": r} for s, r, d in triples],
    }


def _lint(statements: list[str]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@neo4j-cypher").is_dir():
        pytest.skip("Neo4j's Cypher front end is not installed: run tests/setup/system.sh")
    done = subprocess.run(
        [node, str(LINT_DIR / "lint.mjs")],
        input=json.dumps({"statements": statements, "schema": _lint_schema()}),
        capture_output=True, text=True, timeout=120, check=True,
    )
    result: list[dict[str, object]] = json.loads(done.stdout)
    return result


@pytest.mark.cypherlint
def test_every_statement_passes_neo4j_front_end() -> None:
    statements = cypher.all_statements()
    assert len(statements) > 100
    problems = [
        f"{d['severity']}: {d['message']}\n    in: {statements[int(str(d['index']))]}"
        for d in _lint(statements)
        if not _PARAMETER_NOT_DEFINED.match(str(d["message"]))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.cypherlint
def test_front_end_catches_mistakes() -> None:
    """The lint is real: a syntax error, a deprecated function and a path the model lacks."""
    found = _lint([
        "MATCH (n:Claim) RETURN n ORDER BY",
        "MATCH (n:Claim) RETURN id(n) AS i",
        "MATCH (c:Claim)-[:PAID_TO]->(p:Phone) RETURN p.key AS k",
    ])
    assert {d["index"] for d in found} == {0, 1, 2}


def test_statements_hold_no_values() -> None:
    """Only enum names, structural literals and ``$parameters`` appear in statement text."""
    allowed_literals = {f"'{x.value}'" for x in Label} | {f"'{x.value}'" for x in Rel}
    for text in cypher.all_statements():
        literals = set(re.findall(r"'[^']*'|\"[^\"]*\"", text))
        assert literals <= allowed_literals, text
        if "UNWIND" in text or "{key:" in text:
            assert "$" in text, text


def test_every_label_and_triple_has_its_statements() -> None:
    statements = set(cypher.all_statements())
    for label in Label:
        assert cypher.upsert_nodes(label) in statements
        assert cypher.nodes_page(label, first=False) in statements
    for src, rel, dst in SCHEMA:
        assert cypher.upsert_edges(src, rel, dst) in statements
    for dialect in Dialect:
        assert cypher.create_index(dialect, IndexSpec(ResultLabel.RING, "key", True)) in statements


def test_adjacency_follows_the_model() -> None:
    assert cypher.adjacent(Label.PHONE, outgoing=True) is None  # phones point nowhere
    incoming = cypher.adjacent(Label.PHONE, outgoing=False)
    assert incoming is not None and "CONTACT_PHONE" in incoming and "HOLDS" not in incoming


def test_only_enum_names_reach_statement_text() -> None:
    with pytest.raises(ValueError, match="not a RingScope label"):
        cypher.upsert_nodes("Claim) DETACH DELETE (x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a plain property name"):
        cypher.create_index(Dialect.NEO4J, IndexSpec("Claim", "key) DETACH DELETE (x", False))


def test_batches_are_bounded_in_rows_and_bytes() -> None:
    rows = [{"key": f"K{i}", "props": {"text": "x" * 100}} for i in range(50)]
    by_rows = list(batched(rows, max_rows=20, max_bytes=10**6))
    assert [len(b) for b in by_rows] == [20, 20, 10]
    by_bytes = list(batched(rows, max_rows=1000, max_bytes=1_000))
    assert all(len(json.dumps(b)) <= 1_000 for b in by_bytes)
    assert sum(len(b) for b in by_bytes) == 50 and len(by_bytes) > 5
    huge = [{"key": "big", "props": {"text": "y" * 5_000}}]
    assert list(batched(huge, max_rows=10, max_bytes=1_000)) == [huge]  # alone, never dropped


def test_load_rows_hold_plain_values_and_drop_missing_ones() -> None:
    frame = pd.DataFrame({
        "key": ["a", "b"], "n": pd.Series([np.int64(3), None], dtype=object),
        "f": [1.5, np.nan], "flag": [True, False],
    })
    rows = list(_rows(NodeBatch(Label.CLAIM, frame)))
    assert rows == [{"key": "a", "props": {"n": 3, "f": 1.5, "flag": True}},
                    {"key": "b", "props": {"flag": False}}]
    assert type(rows[0]["props"]["n"]) is int
