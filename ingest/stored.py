"""Records a daily export may name without repeating them: those the store already holds.

An insurer's daily export holds the day's new surrender requests, letters and contact changes of
customers and policies loaded long ago; it does not repeat them. Validation checks each
reference against the folder first and then against the store (:class:`StoredRecords`), and a
letter that names only its policy gets the policy's holder from the store when the policy is not
in the folder.

>>> import tempfile, pathlib
>>> from graph.sqlite_store import SQLiteStore
>>> from graph.model import GraphBundle, NodeBatch
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "g.db")
>>> policies = pd.DataFrame({"key": ["P1"], "customer_id": ["C1"]})
>>> _ = store.load(GraphBundle(nodes=[NodeBatch(Label.POLICY, policies)]))
>>> stored = StoredRecords(store)
>>> stored.holds("policies", pd.Series(["P1", "P2"])).tolist()
[True, False]
>>> stored.holders(pd.Series(["P1", "P2"])).tolist()
['C1', None]
>>> stored.stored_values("policies", pd.Series(["P2", "P1"]), ["customer_id"])["customer_id"].tolist()
[None, 'C1']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from graph.keys import StoredTwin, odd_twins, stored_twin, twin_form
from graph.model import SCHEMA, GraphCounts, Label, NodeRef, Rel
from graph.store import GraphStore

__all__ = ["CORRECTED_DATES", "FIXED_REFERENCES", "RECORD_NOUNS", "REPLACED_REFERENCES", "TABLE_LABELS", "StoredRecords"]

TABLE_LABELS: dict[str, Label] = {
    "agents": Label.AGENT,
    "customers": Label.CUSTOMER,
    "policies": Label.POLICY,
    "surrenders": Label.CLAIM,
    "complaints": Label.COMPLAINT,
}
"""The node label a table's records become, for the tables other tables refer to."""

RECORD_NOUNS = {"agents": "agent", "customers": "customer", "policies": "policy",
                "surrenders": "request", "complaints": "letter"}
"""What a record of each of :data:`TABLE_LABELS`' tables is, for a sentence."""

FIXED_REFERENCES: dict[str, tuple[str, ...]] = {
    "surrenders": ("policy_id", "customer_id"),
    "complaints": ("policy_id",),
}
"""References a record keeps for life: a surrender request is of one policy of one customer, a
letter about one policy. (A policy's agent or holder may change; a request never moves.)"""

REPLACED_REFERENCES: dict[str, tuple[str, ...]] = {
    "policies": ("customer_id", "agent_id"),
    "contact_changes": ("customer_id", "field"),
}
"""References a record sent again may change: a policy's holder (a change of policyholder,
变更投保人) and its agent; a contact-change record's customer and field (a correction of the
record, :data:`graph.model.RECORD_IDS`). The newest export's value replaces the stored
relationship (:data:`graph.model.SINGLE_VALUED`); ingest warns, naming the value it replaces."""

CORRECTED_DATES: dict[str, tuple[str, ...]] = {
    "surrenders": ("request_date",),
    "complaints": ("received_date",),
    "policies": ("issue_date",),
}
"""Dates a record sent again may correct: the newest export's date replaces the stored one, and
ingest warns, naming the date it replaces (a request's date places it in every burst and window
detection looks at, a policy's issue date orders its requests; they were replaced without a
word)."""


class StoredRecords:
    """What ``store`` already holds, asked by table name and record key (keys as validation
    normalized them: ``CODE:id`` in an association's store)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    @cached_property
    def _counts(self) -> GraphCounts:
        # counted once: validation reads before the load, and counting every table costs
        # a scan of each at a million customers
        return self._store.counts()

    def holds_a_book(self) -> bool:
        """Whether the store holds surrender requests (an export may then leave out any table)."""
        return bool(self._counts.nodes.get(Label.CLAIM.value, 0))

    def holds(self, table: str, keys: pd.Series) -> np.ndarray:
        """Which of ``keys`` are records of ``table`` in the store (missing keys: ``False``)."""
        if table not in TABLE_LABELS:
            return np.zeros(len(keys), dtype=bool)
        return keys.isin(self._props(table, keys).keys()).to_numpy(dtype=bool)

    def stored_values(self, table: str, keys: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
        """The stored values of properties ``columns`` of each record of ``keys`` (``None`` for
        a record the store does not hold), indexed like ``keys``; one read of the store."""
        props = self._props(table, keys)
        found = [props.get(k, {}) if isinstance(k, str) else {} for k in keys]
        return pd.DataFrame({c: pd.Series([p.get(c) for p in found], index=keys.index, dtype=object)
                             for c in columns})

    def stored_changes(self, change_ids: pd.Series) -> pd.DataFrame:
        """The stored ``customer_id`` and ``field`` of each contact-change record of
        ``change_ids`` (``None`` for one the store does not hold), indexed like ``change_ids``.
        A change record is a ``CHANGED_TO`` relationship, found by its ``change_id``: the
        store's contact changes are read whole (once, and only when it holds some)."""
        found: dict[str, tuple[str, str | None]] = {}
        if self._counts.relationships.get(Rel.CHANGED_TO.value, 0):
            wanted = set(change_ids.dropna().astype(str))
            for src, rel, dst in SCHEMA:
                if rel is not Rel.CHANGED_TO:
                    continue
                edges = self._store.edges_frame(src, rel, dst)
                if "change_id" not in edges.columns:
                    continue
                edges = edges[edges["change_id"].isin(wanted)]
                fields = edges["field"] if "field" in edges.columns else pd.Series(None, index=edges.index)
                for change, customer, field in zip(edges["change_id"], edges["src"], fields, strict=True):
                    found[str(change)] = (str(customer), None if pd.isna(field) else str(field))
        rows = [found.get(c) if isinstance(c, str) else None for c in change_ids]
        return pd.DataFrame({"customer_id": [r[0] if r else None for r in rows],
                             "field": [r[1] if r else None for r in rows]}, index=change_ids.index, dtype=object)

    def twins(self, table: str, keys: pd.Series) -> dict[str, StoredTwin]:
        """The stored twin of each of ``keys`` that no stored record of ``table`` holds but one
        holds typed another way (:func:`graph.keys.stored_twin`), by key. Reads the keys of
        ``table``'s stored records, once, when some of ``keys`` are not stored."""
        wanted = pd.Series(keys.dropna().astype(str).unique(), dtype=object)
        if table not in TABLE_LABELS or wanted.empty:
            return {}
        held = set(self._props(table, pd.concat([wanted, wanted.map(twin_form)])))
        if wanted.isin(held).all():
            return {}
        nodes = self._store.nodes_frame(TABLE_LABELS[table])
        odd = odd_twins(nodes["key"]) if "key" in nodes.columns else {}
        found = {key: stored_twin(key, held.__contains__, odd.get) for key in wanted.tolist()}
        return {key: twin for key, twin in found.items() if twin is not None}

    def holders(self, policy_ids: pd.Series) -> pd.Series:
        """The customer holding each stored policy of ``policy_ids`` (``None`` for a policy the
        store does not hold, or holds without its customer), indexed like ``policy_ids``."""
        return self.stored_values("policies", policy_ids, ["customer_id"])["customer_id"]

    def _props(self, table: str, keys: pd.Series) -> dict[str, Mapping[str, Any]]:
        wanted = keys.dropna().astype(str).unique().tolist()
        label = TABLE_LABELS[table]
        return {node.key: node.props for node in self._store.get_nodes(NodeRef(label, k) for k in wanted)}
