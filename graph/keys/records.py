"""Record keys: a record's id as typed (``claim_id``, ``policy_id``, ``customer_id`` …) → the
key of its node, the same in every file that names it.

Ids are compared exactly once cleaned like every cell (:mod:`graph.keys.cells`: NFKC,
invisible characters, text-forcing wrappers) and, as they are often numbers, with a
spreadsheet's rendering undone (``1001.0`` is ``1001``). An id a spreadsheet damaged
(``2.02311E+15``: two policies become one text) has no key.

>>> normalize_record_key(" ＣＬ-0001\\u200b "), normalize_record_key("1001.0")
('CL-0001', '1001')
>>> normalize_record_key("2.02311E+15") is None
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys.cells import Damaged, number_cell, plain_mask, with_damage
from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow

__all__ = ["normalize_record_key", "normalize_record_keys"]


def normalize_record_key(raw: object) -> str | None:
    """The key of a record id as typed; ``None`` when empty or damaged.

    Beyond every cell's cleaning, an id loses the quotation marks or brackets an input method
    puts around it (``“S1”``, ``‘S1’``, ``'S1'``, ``「S1」``, ``【S1】``, or one mark left at the
    end): a record id never holds them, and a request typed that way is the stored one.

    >>> [normalize_record_key(x) for x in ("“S1”", "'S1'", "「S1」", "【S1】", "S1’")]
    ['S1', 'S1', 'S1', 'S1', 'S1']
    """
    text = _record_text(raw)
    return None if isinstance(text, Damaged) else text


_QUOTE_PAIRS = {"“": "”", "‘": "’", "「": "」", "『": "』", "【": "】", "《": "》", "〈": "〉", "'": "'", '"': '"'}
_TRAILING_MARKS = "'\"’”"
_QUOTED = f"^[{''.join(_QUOTE_PAIRS)}]|[{''.join(_QUOTE_PAIRS.values()) + _TRAILING_MARKS}]$"
"""Ids that begin or end with a mark :func:`_record_text` may take off (an RE2 pattern, derived
from the marks so the fast path and :func:`_record_text` cannot drift apart)."""


def _record_text(raw: object) -> str | Damaged | None:
    text = number_cell(raw)
    while isinstance(text, str):
        inner = text[1:-1] if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1] else text
        inner = inner[:-1] if len(inner) > 1 and inner[-1] in _TRAILING_MARKS else inner
        if inner == text:
            break
        text = number_cell(inner.strip())
    return text


def _key_row(raw: object) -> tuple[object, ...] | None:
    text = _record_text(raw)
    return with_damage(text if text is None or isinstance(text, Damaged) else (text,), 1)


# Ids made only of printable ASCII, without a wrapper at either end or the marks of a number
# rendering, are their own key: almost every id, decided for the whole column at once.
_PRINTABLE = "^[!-~]+$"
_SPECIAL = r"^['\"=`]|['\"]$|^[0-9]+\.0+$|[0-9][eE][+\-]?[0-9]|^[0-9]{1,3}(,[0-9]{3})+"


def _fast_record_keys(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    text = pc.utf8_trim_whitespace(nfkc_arrow(raw))
    decided = plain_mask(text) & ~matches(text, _QUOTED)
    decided &= np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False)) > 0
    return [as_numpy(text), np.full(len(raw), None, dtype=object)], decided


def normalize_record_keys(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_record_key`: columns ``value`` and ``damaged`` (why a
    damaged id has no key).

    >>> normalize_record_keys(pd.Series(["P1", "'P1", None]))["value"].tolist()
    ['P1', 'P1', nan]
    """
    cells = pa.array(series.astype(object) if series.dtype == object else series,
                     type=pa.large_string(), from_pandas=True)
    plain = matches(cells, _PRINTABLE) & ~matches(cells, _SPECIAL)
    frame = pd.DataFrame({"value": series.astype("str").where(plain),
                          "damaged": pd.Series(pd.NA, index=series.index, dtype="str")})
    if not plain.all():
        rest = expand(series[~plain], _key_row, ["value", "damaged"], ["str", "str"],
                      _fast_record_keys)
        frame.loc[~plain, ["value", "damaged"]] = rest
    return frame
