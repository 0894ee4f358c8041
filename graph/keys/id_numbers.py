"""ID-number keys: a resident ID number as typed → its upper-case 18-character form, with a
validity flag (Person node keys and the Customer ``id_number`` property).

>>> normalize_id_number(" 11010519491231002x ")
IdNumber(value='11010519491231002X', valid=True)
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import numdb
from stdnum.cn import ric

from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow
from graph.keys.text import nfkc_cell

__all__ = ["IdNumber", "normalize_id_number", "normalize_id_numbers"]


class IdNumber(NamedTuple):
    """A resident ID number, upper case without separators; ``valid`` per ``stdnum.cn.ric``."""

    value: str
    valid: bool


_ID_SEPARATORS = re.compile(r"[\s\-]")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@lru_cache(maxsize=65_536)
def _region_years(region: str) -> tuple[tuple[int, int], ...]:
    """Birth-year ranges in which ``stdnum`` accepts a region code (none: unknown region).

    The same rule as ``stdnum.cn.ric.get_birth_place``, read once per region from its database.
    """
    info = {k: v for _, props in numdb.get("cn/loc").info(region) for k, v in props.items()}
    if not info:
        return ()
    ranges = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return ((0, 9999),)
        start, end = county[1:].split("]")[0].split("-")
        ranges.append((int(start) if start else 0, int(end) if end else 9999))
    return tuple(ranges)


def _id_valid(value: str) -> bool:
    """``stdnum.cn.ric.is_valid`` for a compact upper-case value, with the slow birth-place
    database look-up cached per region."""
    if not _ID_SHAPE.fullmatch(value) or value[17] != ric.calc_check_digit(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return any(start <= born.year <= end for start, end in _region_years(value[:6]))


def normalize_id_number(raw: object) -> IdNumber | None:
    """Upper-case a resident ID number without separators.

    ``valid`` checks the length, birth date, birth place and check character (``stdnum.cn.ric``).

    >>> normalize_id_number("110105194912310021")
    IdNumber(value='110105194912310021', valid=False)
    >>> normalize_id_number("") is None
    True
    """
    text = nfkc_cell(raw)
    if text is None:
        return None
    value = _ID_SEPARATORS.sub("", text).upper()
    return IdNumber(value, _id_valid(value))


def _fast_id_numbers(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_id_number` with Arrow and numpy for well-shaped numbers."""
    text = nfkc_arrow(raw)
    value = pc.utf8_upper(pc.replace_substring_regex(text, pattern=r"[ \-]", replacement=""))
    decided = matches(text, r"^[0-9Xx \-]+$") & matches(value, r"^[0-9]{17}[0-9X]$")
    values = as_numpy(value)
    shaped = np.where(decided, values, "0" * 18).astype("U18")
    digits = shaped.view(np.uint32).reshape(len(shaped), 18)[:, :17].astype(np.int64) - 48
    # stdnum: check = (1 - 2 * int(first17, 13)) % 11, and 13 = 2 (mod 11)
    weights = np.array([pow(2, 16 - i, 11) for i in range(17)], dtype=np.int64)
    check = (1 - 2 * (digits @ weights)) % 11
    valid = shaped.view(np.uint32).reshape(len(shaped), 18)[:, 17] == np.where(
        check == 10, ord("X"), check + 48)
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    born = pd.to_datetime(pd.Series(shaped).str.slice(6, 14), format="%Y%m%d", errors="coerce")
    decided &= (year >= 1800) & (year <= 2200)
    valid &= born.notna().to_numpy()
    regions = shaped.astype("U6")
    region_ok = {}
    for region, y in set(zip(regions[valid].tolist(), year[valid].tolist(), strict=True)):
        region_ok[(region, y)] = any(a <= y <= b for a, b in _region_years(region))
    valid[valid] = [region_ok[(r, y)] for r, y in zip(regions[valid].tolist(),
                                                       year[valid].tolist(), strict=True)]
    return [values, valid.astype(object)], decided


def normalize_id_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_id_number`: columns ``value``, ``valid``."""
    return expand(series, normalize_id_number, ["value", "valid"], ["str", "boolean"],
                   _fast_id_numbers)
