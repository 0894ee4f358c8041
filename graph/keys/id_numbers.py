"""ID-number keys: a resident ID number as typed → its upper-case 18-character form, with a
validity flag (Person node keys and the Customer ``id_number`` property).

The cell is cleaned first (:mod:`graph.keys.cells`: full-width characters, invisible
characters, a leading ``'`` or ``="…"``); a number a spreadsheet damaged (``1.10105E+17``) has
no key. A first-generation 15-digit number (region, ``YYMMDD``, sequence) is upgraded to the
18-character form the way the issuing system did (GB 11643-1999): century ``19`` inserted
before the birth date and the check character appended, so old and new records of one person
meet on one key.

A number is *valid* when it has the 18-character shape, its check character fits, its birth
date is a real day between 1900-01-01 and today, and its first six digits are a region code
that has ever existed (python-stdnum's table of region codes, old and current alike).
The region is not compared with the birth year: a number carries the code of the place that
issued it, often a county created after its holder was born.

>>> normalize_id_number(" 11010519491231002x ")
IdNumber(value='11010519491231002X', valid=True)
>>> normalize_id_number("320102880505001")
IdNumber(value='320102198805050013', valid=True)
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import numdb
from stdnum.cn import ric

from graph.keys.cells import Damaged, identifier_cell, plain_mask, with_damage
from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow

__all__ = ["FIRST_BIRTH_DATE", "IdNumber", "normalize_id_number", "normalize_id_numbers",
           "region_codes"]

FIRST_BIRTH_DATE = date(1900, 1, 1)
"""The earliest birth date a valid ID number may carry."""


class IdNumber(NamedTuple):
    """A resident ID number, upper case without separators (15-digit numbers upgraded to 18);
    ``valid`` per the checks above."""

    value: str
    valid: bool


_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_FIRST_GENERATION = re.compile(r"[0-9]{15}")


@cache
def region_codes() -> frozenset[str]:
    """Every six-digit region code in python-stdnum's ``cn/loc`` table, whatever its years.

    >>> {"110105", "360702", "110103"} <= region_codes(), "999999" in region_codes()
    (True, False)
    """
    codes = set()
    for _, low, high, _, counties in numdb.get("cn/loc").prefixes:
        for _, county_low, county_high, props, _ in counties:
            if "county" not in props:
                continue
            for province in range(int(low), int(high) + 1):
                for county in range(int(county_low), int(county_high) + 1):
                    codes.add(f"{province:02d}{county:04d}")
    return frozenset(codes)


def _upgraded(value: str) -> str:
    """The 18-character form of a 15-digit first-generation number."""
    body = value[:6] + "19" + value[6:]
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def _id_valid(value: str) -> bool:
    if not _ID_SHAPE.fullmatch(value) or value[17] != ric.calc_check_digit(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return FIRST_BIRTH_DATE <= born <= date.today() and value[:6] in region_codes()


def _id_or_damage(raw: object) -> IdNumber | Damaged | None:
    text = identifier_cell(raw)
    if text is None or isinstance(text, Damaged):
        return text
    value = _ID_SEPARATORS.sub("", text).upper()
    if _FIRST_GENERATION.fullmatch(value):
        value = _upgraded(value)
    return IdNumber(value, _id_valid(value))


def normalize_id_number(raw: object) -> IdNumber | None:
    """Upper-case a resident ID number without separators, 15-digit numbers upgraded to 18;
    ``None`` when empty or damaged.

    >>> normalize_id_number("110105194912310021")
    IdNumber(value='110105194912310021', valid=False)
    >>> normalize_id_number("") is None, normalize_id_number("1.10105E+17") is None
    (True, True)
    """
    found = _id_or_damage(raw)
    return found if isinstance(found, IdNumber) else None


# stdnum: check = (1 - 2 * int(first17, 13)) % 11, and 13 = 2 (mod 11)
_WEIGHTS = np.array([pow(2, 16 - i, 11) for i in range(17)], dtype=np.int64)


def _fast_id_numbers(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_id_number` with Arrow and numpy for well-shaped numbers."""
    text = nfkc_arrow(raw)
    value = pc.utf8_upper(pc.replace_substring_regex(text, pattern=r"[ \-]", replacement=""))
    old = matches(value, r"^[0-9]{15}$")
    decided = (matches(text, r"^[0-9Xx \-]+$") & plain_mask(text)
               & (matches(value, r"^[0-9]{17}[0-9X]$") | old))
    upgraded = pc.binary_join_element_wise(pc.utf8_slice_codeunits(value, 0, 6), "19",
                                           pc.utf8_slice_codeunits(value, 6, 15), "")
    body = np.where(old, as_numpy(upgraded), as_numpy(pc.utf8_slice_codeunits(value, 0, 17)))
    body = np.where(decided, body, "0" * 17).astype("U17")
    digits = body.view(np.uint32).reshape(len(body), 17).astype(np.int64) - 48
    check = (1 - 2 * (digits @ _WEIGHTS)) % 11
    check_char = np.where(check == 10, "X", check.astype("U1"))
    values = np.where(old, np.char.add(body, check_char), as_numpy(value)).astype(object)
    last = np.where(decided, values, "0" * 18).astype("U18").view(np.uint32)[17::18]
    valid = old | (last == np.where(check == 10, ord("X"), check + 48))
    born = pd.to_datetime(pd.Series(body).str.slice(6, 14), format="%Y%m%d", errors="coerce")
    valid &= (born >= pd.Timestamp(FIRST_BIRTH_DATE)).to_numpy()
    valid &= (born <= pd.Timestamp(date.today())).to_numpy()
    valid &= np.isin(body.astype("U6"), list(region_codes()))
    return [values, valid.astype(object), np.full(len(raw), None, dtype=object)], decided


def normalize_id_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_id_number`: columns ``value``, ``valid`` and ``damaged``
    (why a damaged cell has no value)."""
    return expand(series, lambda raw: with_damage(_id_or_damage(raw), 2),
                  ["value", "valid", "damaged"], ["str", "boolean", "str"], _fast_id_numbers)
