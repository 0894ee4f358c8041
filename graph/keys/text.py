"""Text keys: names and addresses NFKC-normalized with whitespace folded (Address node keys,
the name half of a representative's key).

>>> normalize_text("  张 三  ")
'张三'
>>> normalize_texts(pd.Series(["李 四", None])).tolist()
['李四', nan]
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow, true_mask

__all__ = ["nfkc_cell", "normalize_text", "normalize_texts"]

_SPACES = re.compile(r"\s+")
_CJK = (r"\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\U00020000-\U0003134f")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def nfkc_cell(raw: object) -> str | None:
    """A cell as NFKC text, trimmed; ``None`` for missing (``None``, NA, NaN) or blank cells.

    >>> nfkc_cell(" １３８ ")
    '138'
    """
    if raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw):
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return text or None


def normalize_text(raw: object) -> str | None:
    """NFKC, trim, collapse inner whitespace to one space and drop spaces between CJK characters.

    Clerks type names as ``张 三`` or with full-width digits in addresses; both collapse here.
    Empty or blank text is ``None``.

    >>> normalize_text("北京市 朝阳区　建国路８８号  A座")
    '北京市朝阳区建国路88号 A座'
    >>> normalize_text("   ") is None
    True
    """
    text = nfkc_cell(raw)
    if text is None:
        return None
    return _SPACE_BETWEEN_CJK.sub("", _SPACES.sub(" ", text))


_ODD_SPACE = r"[\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _fast_texts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_text` with Arrow for text without spaces left after trimming
    (spaces between CJK characters need the scalar path's look-around)."""
    text = pc.replace_substring_regex(nfkc_arrow(raw), pattern=r"\s+", replacement=" ")
    text = pc.utf8_trim(text, characters=" ")
    decided = ~matches(raw, _ODD_SPACE) & ~matches(text, _ODD_SPACE)
    decided &= ~true_mask(pc.match_substring(text, pattern=" "))
    values = as_numpy(text)
    decided &= np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False)) > 0
    return [values], decided


def normalize_texts(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (missing = NA)."""
    frame = expand(series, lambda v: (text,) if (text := normalize_text(v)) else None,
                   ["value"], ["str"], _fast_texts)
    return frame["value"]
