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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.model import Label, NodeRef
from graph.store import GraphStore

__all__ = ["TABLE_LABELS", "StoredRecords"]

TABLE_LABELS: dict[str, Label] = {
    "agents": Label.AGENT,
    "customers": Label.CUSTOMER,
    "policies": Label.POLICY,
    "surrenders": Label.CLAIM,
    "complaints": Label.COMPLAINT,
}
"""The node label a table's records become, for the tables other tables refer to."""


class StoredRecords:
    """What ``store`` already holds, asked by table name and record key (keys as validation
    normalized them: ``CODE:id`` in an association's store)."""

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def holds_a_book(self) -> bool:
        """Whether the store holds surrender requests (an export may then leave out any table)."""
        return bool(self._store.counts().nodes.get(Label.CLAIM.value, 0))

    def holds(self, table: str, keys: pd.Series) -> np.ndarray:
        """Which of ``keys`` are records of ``table`` in the store (missing keys: ``False``)."""
        label = TABLE_LABELS.get(table)
        if label is None or keys.empty:
            return np.zeros(len(keys), dtype=bool)
        wanted = keys.dropna().astype(str).unique().tolist()
        found = {node.key for node in self._store.get_nodes(NodeRef(label, k) for k in wanted)}
        return keys.isin(found).to_numpy(dtype=bool)

    def holders(self, policy_ids: pd.Series) -> pd.Series:
        """The customer holding each stored policy of ``policy_ids`` (``None`` for a policy the
        store does not hold, or holds without its customer), indexed like ``policy_ids``."""
        wanted = policy_ids.dropna().astype(str).unique().tolist()
        nodes = self._store.get_nodes(NodeRef(Label.POLICY, k) for k in wanted)
        holder = {node.key: node.props.get("customer_id") for node in nodes}
        return pd.Series([holder.get(p) if isinstance(p, str) else None for p in policy_ids],
                         index=policy_ids.index, dtype=object)
