"""Frames of stored properties: the same frame whichever way the store builds it.

The reference is the frame pandas makes of one record per row holding the properties it has,
as a store of JSON documents (the embedded store's earlier layout) gave it; the embedded store
now keeps typed columns and Arrow copies of them, and must give exactly that frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import StoreError
from graph.frames import property_frame
from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.sqlite_store import SQLiteStore


def _reference(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One record per row, key order, with the properties it has, through JSON and back."""
    records = []
    for row in frame.sort_values(keys).astype(object).to_dict("records"):
        present = {k: v for k, v in row.items() if not (v is None or v is pd.NA or v != v)}
        records.append(orjson.loads(orjson.dumps(present)))
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=keys)


_TEXT = st.one_of(st.none(), st.text("ab张 ", max_size=3))
_COLUMNS = {
    "text": (st.lists(_TEXT, min_size=6, max_size=6), lambda v: pd.Series(v, dtype="str")),
    "text_object": (st.lists(_TEXT, min_size=6, max_size=6), lambda v: pd.Series(v, dtype=object)),
    "flag": (st.lists(st.one_of(st.none(), st.booleans()), min_size=6, max_size=6),
             lambda v: pd.Series(v, dtype="boolean")),
    "flag_object": (st.lists(st.one_of(st.none(), st.booleans()), min_size=6, max_size=6),
                    lambda v: pd.Series(v, dtype=object)),
    "count": (st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=6, max_size=6),
              lambda v: pd.Series(v, dtype="Int64")),
    "amount": (st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6), st.just(30.0)),
                        min_size=6, max_size=6), lambda v: pd.Series(v, dtype="float64")),
}


@st.composite
def property_columns(draw: Any) -> pd.DataFrame:
    names = draw(st.lists(st.sampled_from(sorted(_COLUMNS)), unique=True, max_size=6))
    frame = pd.DataFrame({"key": [f"K{i}" for i in draw(st.permutations(range(6)))]})
    for name in names:
        values, build = _COLUMNS[name]
        frame[name] = build(draw(values))
    return frame


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=property_columns())
def test_nodes_frame_is_the_reference_frame(tmp_path: Path, frame: pd.DataFrame) -> None:
    expected = _reference(frame, ["key"])
    path = tmp_path / f"{abs(hash(frame.to_json()))}.db"
    with SQLiteStore(path) as store:
        store.load(GraphBundle(nodes=[NodeBatch(Label.CLAIM, frame)]))
        got = store.nodes_frame(Label.CLAIM)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        # a second load of the same rows goes the row-by-row way and gives the same frame
        store.load(GraphBundle(nodes=[NodeBatch(Label.CLAIM, frame)]))
        pd.testing.assert_frame_equal(store.nodes_frame(Label.CLAIM), expected, check_exact=True)
    sorted_frame = frame.sort_values("key", ignore_index=True)
    pd.testing.assert_frame_equal(property_frame(sorted_frame, ["key"]), expected, check_exact=True)


def test_newer_load_merges_like_the_reference(tmp_path: Path) -> None:
    first = pd.DataFrame({"src": ["U2", "U1"], "dst": ["+861", "+862"],
                          "raw": ["138", None], "date": [None, "2024-01-02"]})
    newer = pd.DataFrame({"src": ["U1", "U3"], "dst": ["+862", "+861"], "raw": ["139", "137"]})
    with SQLiteStore(tmp_path / "g.db") as store:
        for frame in (first, newer):
            store.load(GraphBundle(edges=[EdgeBatch(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE,
                                                    frame)]))
        got = store.edges_frame(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE)
    merged = pd.DataFrame({"src": ["U1", "U2", "U3"], "dst": ["+862", "+861", "+861"],
                           "raw": ["139", "138", "137"], "date": ["2024-01-02", None, None]})
    pd.testing.assert_frame_equal(got, _reference(merged, ["src", "dst"]), check_exact=True)
    # row U1 has both; a row's properties come in the order their columns were first stored
    assert list(got.columns) == ["src", "dst", "raw", "date"]


def test_a_property_keeps_one_kind_of_value(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "g.db") as store:
        store.load(GraphBundle(nodes=[NodeBatch(Label.PHONE, pd.DataFrame(
            {"key": ["+861"], "valid": [True]}))]))
        with pytest.raises(StoreError, match="'valid' of node_phone holds booleans"):
            store.load(GraphBundle(nodes=[NodeBatch(Label.PHONE, pd.DataFrame(
                {"key": ["+862"], "valid": ["yes"]}))]))
        with pytest.raises(StoreError, match="mixed"):
            store.load(GraphBundle(nodes=[NodeBatch(Label.PHONE, pd.DataFrame(
                {"key": ["+863", "+864"], "kind": pd.Series(["mobile", 3], dtype=object)}))]))
        with pytest.raises(StoreError, match="use lower-case letters"):
            store.load(GraphBundle(nodes=[NodeBatch(Label.PHONE, pd.DataFrame(
                {"key": ["+865"], 'kind" TEXT); DROP TABLE node_phone; --': ["x"]}))]))
        assert store.nodes_frame(Label.PHONE)["key"].tolist() == ["+861"]
        assert store.get_node(Label.PHONE, "+861").props == {"valid": True}  # type: ignore[union-attr]


def test_a_store_in_the_json_layout_is_refused_untouched(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE nodes (label INTEGER, key TEXT, props TEXT)")
    before = path.read_bytes()
    from graph.errors import StoreUnavailableError

    with pytest.raises(StoreUnavailableError, match="older layout"):
        SQLiteStore(path)
    assert path.read_bytes() == before


def test_empty_tables_give_the_key_columns() -> None:
    assert list(property_frame(pd.DataFrame({"key": []}), ["key"]).columns) == ["key"]
    frame = property_frame(pd.DataFrame({"key": ["a"], "n": [np.nan]}), ["key"])
    assert list(frame.columns) == ["key"]
