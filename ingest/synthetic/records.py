"""Events of the surrender window in canonical form, collected before they become tables.

Claims, complaints, contact changes and watchlist entries are gathered as column batches
(dicts of equal-length arrays; entities referenced by row index, dates as datetime64, empty
string for a missing value) by the legitimate-activity and ring modules, then assembled.

>>> log = EventLog()
>>> log.add("changes", customer=[3], change_date=np.array(["2024-01-02"], "datetime64[D]"),
...         field=["phone"], old_value=["13812345678"], new_value=["13912345678"],
...         channel=["app"])
>>> len(log.frame("changes"))
1
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["COLUMNS", "EventLog"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "claims": (
        "policy", "customer", "request_date", "channel", "reason_code", "reason_text",
        "contact_phone", "payout_account", "payout_account_name", "representative_name",
        "representative_id_number", "representative_phone", "refund_type", "ring",
    ),
    "complaints": (
        "policy", "customer", "received_date", "channel", "text", "contact_phone",
        "mailing_address",
    ),
    "changes": ("customer", "change_date", "field", "old_value", "new_value", "channel"),
    "watchlist": (
        "name", "kind", "identifier_type", "identifier_value", "source", "added_date",
    ),
}

_DEFAULTS: dict[str, Any] = {"ring": -1, "policy": -1, "customer": -1}


class EventLog:
    """Collects batches of events per table and hands them back as DataFrames."""

    def __init__(self) -> None:
        self._batches: dict[str, list[dict[str, npt.NDArray[Any]]]] = defaultdict(list)

    def add(self, table: str, **columns: npt.ArrayLike) -> None:
        """Add a batch; columns left out are empty strings (or -1 for row references)."""
        unknown = set(columns) - set(COLUMNS[table])
        if unknown:
            raise KeyError(f"unknown {table} columns: {sorted(unknown)}")
        arrays = {k: np.asarray(v) for k, v in columns.items()}
        lengths = {len(v) for v in arrays.values()}
        if len(lengths) != 1:
            raise ValueError(f"{table} batch has columns of different lengths: {lengths}")
        n = lengths.pop()
        if n == 0:
            return
        for col in COLUMNS[table]:
            if col not in arrays:
                fill = _DEFAULTS.get(col, "")
                arrays[col] = np.full(n, fill, dtype=np.int64 if fill == -1 else object)
        self._batches[table].append(arrays)

    def count(self, table: str) -> int:
        """Rows collected so far for `table`."""
        return sum(len(next(iter(b.values()))) for b in self._batches[table])

    def frame(self, table: str) -> pd.DataFrame:
        """All batches of `table` as one DataFrame (columns in `COLUMNS` order)."""
        batches = self._batches[table]
        if not batches:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[table]})
        columns = {c: np.concatenate([b[c] for b in batches]) for c in COLUMNS[table]}
        return pd.DataFrame({
            c: pd.Series(v, dtype=object) if v.dtype.kind in "OUS" else v
            for c, v in columns.items()
        })
