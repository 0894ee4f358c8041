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


def expand(series: pd.Series, fn: Callable[[object], tuple[Hashable, ...] | None],
           columns: list[str], dtypes: list[str], fast: Fast | None = None) -> pd.DataFrame:
    """Apply ``fn`` (one cell → a tuple of ``columns``, or ``None``) to each distinct value.

    Returns a frame on ``series.index`` with one column per name in ``columns`` (pandas dtypes
    ``dtypes``); missing cells and cells ``fn`` maps to ``None`` are NA in every column.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    count = len(uniques)
    arrays = [np.full(count + 1, None, dtype=object) for _ in columns]  # last: missing rows
    decided = np.zeros(count, dtype=bool)
    values = np.asarray(uniques, dtype=object)
    if fast is not None and count and all(isinstance(v, str) for v in values[:1000]):
        try:
            strings = pa.array(values, type=pa.string())
        except (pa.ArrowException, TypeError):
            strings = None
        if strings is not None:
            found, decided = fast(strings)
            for target, source in zip(arrays, found, strict=True):
                target[:count][decided] = source[decided]
    for i in np.flatnonzero(~decided):
        result = fn(values[i])
        if result is not None:
            for target, value in zip(arrays, result, strict=True):
                target[i] = value
    return pd.DataFrame(
        {c: pd.Series(a[codes], index=series.index, dtype=d)
         for c, a, d in zip(columns, arrays, dtypes, strict=True)},
        index=series.index,
    )
