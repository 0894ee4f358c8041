"""The frame form of stored properties: what ``nodes_frame`` and ``edges_frame`` return.

A store keeps property values as scalars and leaves missing ones out, so a frame of them is
what pandas makes of one record per row, ``{key columns…, the properties it has…}``: the key
columns first, then one column per property some row has, in the order properties first
appear row by row; a missing value is NaN, and each column's dtype is the one pandas infers
from its values: text ``str``; whole numbers ``int64``, or ``float64`` when some are missing;
booleans ``bool``, or ``object`` (``True``/``False``/NaN) when some are missing.
:func:`property_frame` gives that form from typed columns, deciding each column's dtype from
its type instead of looking at every value.

>>> frame = pd.DataFrame({"key": ["b", "a"], "valid": pd.array([None, True], dtype="boolean"),
...                       "kind": [None, None], "seen": pd.array([3, None], dtype="Int64")})
>>> out = property_frame(frame, ["key"])
>>> list(out.columns), out["valid"].tolist(), out["seen"].tolist()
(['key', 'seen', 'valid'], [nan, True], [3.0, nan])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_string_dtype,
)

from graph.errors import StoreError

__all__ = ["by_key", "empty_frame", "is_boolean_column", "key_steps", "property_frame"]

_INFERRED_KIND = {
    "string": "str", "boolean": "bool", "integer": "int", "floating": "float",
    "mixed-integer-float": "float", "empty": "empty",
}


def empty_frame(key_columns: list[str]) -> pd.DataFrame:
    """The frame of a label or relationship with nothing stored: the key columns, no rows."""
    return pd.DataFrame(columns=key_columns)


def _kind(column: pd.Series) -> str:
    """``str``, ``bool``, ``int``, ``float`` or ``empty`` (no value at all)."""
    dtype = column.dtype
    if is_bool_dtype(dtype):
        return "bool"
    if is_integer_dtype(dtype):
        return "int"
    if is_float_dtype(dtype):
        return "float"
    if is_string_dtype(dtype) and dtype is not np.dtype(object):
        return "str"
    found = infer_dtype(column, skipna=True)
    if found not in _INFERRED_KIND:
        raise StoreError(f"property {column.name!r} holds {found} values; a property holds "
                         "text, whole numbers, decimals or booleans, one kind per property")
    return _INFERRED_KIND[found]


def is_boolean_column(column: pd.Series) -> bool:
    """Whether a property column holds booleans (plain, nullable or object dtype).

    >>> is_boolean_column(pd.Series([True, None], dtype=object)), is_boolean_column(pd.Series([1]))
    (True, False)
    """
    return _kind(column) == "bool"


def _canonical(column: pd.Series, kind: str, present: np.ndarray) -> object:
    complete = bool(present.all())
    if kind == "str":
        return column.astype("str").array
    if kind == "float" or (kind == "int" and not complete):
        return column.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    if kind == "int":
        return column.to_numpy(dtype="int64")
    if complete:
        return column.to_numpy(dtype=bool)
    values = column.to_numpy(dtype=object, copy=True)
    values[~present] = np.nan
    return values


def property_frame(frame: pd.DataFrame, key_columns: list[str]) -> pd.DataFrame:
    """``frame`` (key columns, then one typed column per property) in the frame form above.

    Columns with no value at all are left out, as a store keeps no missing values. Raises
    :class:`StoreError` for a property column holding values of mixed or unsupported types.
    """
    if frame.empty:
        return empty_frame(key_columns)
    columns: dict[str, object] = {c: frame[c].astype("str").array for c in key_columns}
    found: list[tuple[int, int, str, object]] = []
    for position, name in enumerate(c for c in frame.columns if c not in key_columns):
        column = frame[name]
        present = column.notna().to_numpy(dtype=bool)
        if not present.any():
            continue
        kind = _kind(column)
        found.append((int(present.argmax()), position, str(name),
                      _canonical(column, kind, present)))
    columns |= {name: values for _, _, name, values in sorted(found, key=lambda f: f[:2])}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))


def _text(column: pd.Series) -> pa.ChunkedArray:
    # Without a type, Arrow-backed text converts without a copy (with one, chunk by chunk).
    found = pa.array(column, from_pandas=True)
    chunked = pa.chunked_array([found]) if isinstance(found, pa.Array) else found
    return chunked if chunked.type == pa.large_string() else chunked.cast(pa.large_string())


def key_steps(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """How each row's key compares with the row before it: 1 greater, 0 equal, -1 smaller
    (keys compared column by column as text, byte by byte, as SQLite's ``ORDER BY`` does).

    >>> key_steps(pd.DataFrame({"k": ["a", "b", "b", "a"]}), ["k"]).tolist()
    [1, 0, -1]
    """
    steps = np.zeros(max(len(frame) - 1, 0), dtype=np.int8)
    if not len(steps):
        return steps
    for name in reversed(keys):
        column = _text(frame[name])
        later, earlier = column.slice(1), column.slice(0, len(steps))
        greater = np.asarray(pc.greater(later, earlier).to_numpy(zero_copy_only=False), dtype=bool)
        equal = np.asarray(pc.equal(later, earlier).to_numpy(zero_copy_only=False), dtype=bool)
        steps = np.where(greater, 1, np.where(equal, steps, -1)).astype(np.int8)
    return steps


def by_key(frame: pd.DataFrame, keys: list[str], keep: Literal["first", "last"]) -> pd.DataFrame:
    """``frame``'s rows in key order, one per key (its first or last row), index reset: what
    ``drop_duplicates(keys, keep=keep).sort_values(keys)`` gives, without factorizing the keys.

    >>> by_key(pd.DataFrame({"k": ["b", "a", "b"], "v": [1, 2, 3]}), ["k"], "last")["v"].tolist()
    [2, 3]
    """
    steps = key_steps(frame, keys)
    if (steps == 1).all():
        return frame.reset_index(drop=True)
    order = np.arange(len(frame))
    if (steps < 0).any():
        table = pa.table({f"k{i}": _text(frame[name]) for i, name in enumerate(keys)})
        order = pc.sort_indices(table, [(f"k{i}", "ascending") for i in range(len(keys))])
        order = np.asarray(order.to_numpy(), dtype=np.int64)  # a stable sort: ties keep their order
        steps = key_steps(frame[keys].take(order), keys)
    new = np.concatenate([[True], steps != 0])
    kept = new if keep == "first" else np.concatenate([new[1:], [True]])
    return frame.take(order[kept]).reset_index(drop=True)
