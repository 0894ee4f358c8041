"""Column helpers shared by the key modules: normalize each distinct value of a column once.

A column is factorized; an optional Arrow fast path (RE2 regex kernels and numpy) decides the
plainly typed distinct values, and whatever it cannot decide goes through the scalar function,
so the vectorised result is by construction the scalar one (the tests check both agree).

>>> expand(pd.Series(["a", None, "a"]), lambda v: (str(v).upper(),), ["value"], ["str"])["value"].tolist()
['A', nan, 'A']
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Fast", "as_numpy", "expand", "matches", "nfkc_arrow", "true_mask"]

Fast = Callable[[pa.Array], tuple[list[np.ndarray], np.ndarray]]
"""A fast path: distinct values in, (one array per output column, mask of decided values) out."""


def as_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow array as a numpy object array (nulls as ``None``)."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def true_mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as ``False``."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def matches(values: pa.Array, pattern: str) -> np.ndarray:
    """Which strings contain a match of the RE2 ``pattern`` (nulls: ``False``)."""
    return true_mask(pc.match_substring_regex(values, pattern=pattern))


def nfkc_arrow(values: pa.Array) -> pa.Array:
    """NFKC of every string (Arrow's ``utf8_normalize``)."""
    return pc.utf8_normalize(values, form="NFKC")


def _distinct(series: pd.Series) -> tuple[np.ndarray, pa.Array | None, np.ndarray | None]:
    """Each row's distinct-value number (-1 when missing) and the distinct values: as Arrow
    text when the column is text (Arrow's hash table, no Python object per row), else as a
    numpy object array (pandas' ``factorize``)."""
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != np.dtype(object):
        found = pa.array(series, from_pandas=True)
        whole = found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found
        encoded = whole.dictionary_encode()
        codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False),
                           dtype=np.int64)
        return codes, encoded.dictionary.cast(pa.string()), None  # the fast paths take string
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), None, np.asarray(uniques, dtype=object)


def _column(values: np.ndarray, codes: np.ndarray, index: pd.Index, dtype: str) -> pd.Series:
    """Per-distinct-value results (last entry: missing rows) mapped back to every row."""
    if dtype == "str":
        try:
            text = pa.array(values, type=pa.large_string(), from_pandas=True)
        except (pa.ArrowException, TypeError):
            text = None
        if text is not None:
            return pd.Series(text.take(pa.array(codes)), index=index, dtype="str")
    if dtype == "boolean":
        missing = pd.isna(values)
        flags = np.where(missing, False, values).astype(bool)
        return pd.Series(pd.arrays.BooleanArray(flags[codes], missing[codes]), index=index)
    return pd.Series(values[codes], index=index, dtype=dtype)


def expand(series: pd.Series, fn: Callable[[object], tuple[Hashable, ...] | None],
           columns: list[str], dtypes: list[str], fast: Fast | None = None) -> pd.DataFrame:
    """Apply ``fn`` (one cell → a tuple of ``columns``, or ``None``) to each distinct value.

    Returns a frame on ``series.index`` with one column per name in ``columns`` (pandas dtypes
    ``dtypes``); missing cells and cells ``fn`` maps to ``None`` are NA in every column.
    """
    codes, strings, values = _distinct(series)
    count = len(strings) if strings is not None else len(values)  # type: ignore[arg-type]
    arrays = [np.full(count + 1, None, dtype=object) for _ in columns]  # last: missing rows
    codes = np.where(codes < 0, count, codes)
    decided = np.zeros(count, dtype=bool)
    if strings is None and values is not None and fast is not None and count and all(
            isinstance(v, str) for v in values[:1000]):
        try:
            strings = pa.array(values, type=pa.string())
        except (pa.ArrowException, TypeError):
            strings = None
    if strings is not None and fast is not None and count:
        found, decided = fast(strings)
        for target, source in zip(arrays, found, strict=True):
            target[:count][decided] = source[decided]
    undecided = np.flatnonzero(~decided)
    if values is None and strings is not None:
        values = np.full(count, None, dtype=object)
        values[undecided] = strings.take(pa.array(undecided)).to_pylist()
    assert values is not None
    for i in undecided:
        result = fn(values[i])
        if result is not None:
            for target, value in zip(arrays, result, strict=True):
                target[i] = value
    return pd.DataFrame(
        {c: _column(a, codes, series.index, d) for c, a, d in zip(columns, arrays, dtypes, strict=True)},
        index=series.index,
    )
