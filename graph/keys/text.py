"""Text keys: names and addresses NFKC-normalized with whitespace folded (Address node keys,
the name half of a representative's key).

>>> normalize_text("  张 三  ")
'张三'
>>> normalize_texts(pd.Series(["李 四", None])).tolist()
['李四', nan]
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys.cells import clean_cell, plain_mask
from graph.keys.columns import as_numpy, expand, nfkc_arrow, true_mask

__all__ = ["normalize_text", "normalize_texts"]

_SPACES = re.compile(r"\s+")
_CJK = (r"\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\U00020000-\U0003134f")
# a space between two CJK characters, or between one and a digit ("红旗大道 1 号"), says nothing
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}0-9])|(?<=[0-9]) (?=[{_CJK}])")


def normalize_text(raw: object) -> str | None:
    """The cell cleaned (:func:`~graph.keys.cells.clean_cell`: NFKC, invisible characters and
    text-forcing wrappers gone), inner whitespace collapsed to one space and no spaces between
    CJK characters, or between a CJK character and a digit.

    Clerks type names as ``张 三`` or with full-width digits and stray spaces in addresses
    (``红旗大道 1 号``); all collapse here.
    Empty or blank text is ``None``.

    >>> normalize_text("北京市 朝阳区　建国路８８号  A座")
    '北京市朝阳区建国路88号 A座'
    >>> normalize_text("江西省 赣州市 章贡区 红旗大道 1 号 3 栋") == normalize_text("江西省赣州市章贡区红旗大道１号3栋")
    True
    >>> normalize_text("   ") is None
    True
    """
    text = clean_cell(raw)
    if text is None:
        return None
    return _SPACE_BETWEEN_CJK.sub("", _SPACES.sub(" ", text))


def _fast_texts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_text` with Arrow for text without spaces left after trimming
    (spaces between CJK characters need the scalar path's look-around)."""
    text = pc.replace_substring_regex(nfkc_arrow(raw), pattern=r"\s+", replacement=" ")
    text = pc.utf8_trim(text, characters=" ")
    decided = plain_mask(text)
    decided &= ~true_mask(pc.match_substring(text, pattern=" "))
    values = as_numpy(text)
    decided &= np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False)) > 0
    return [values], decided


def normalize_texts(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (missing = NA)."""
    frame = expand(series, lambda v: (text,) if (text := normalize_text(v)) else None,
                   ["value"], ["str"], _fast_texts)
    return frame["value"]
