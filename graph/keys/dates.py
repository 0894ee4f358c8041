"""Dates as the input contract writes them, read strictly: one reading or a refusal.

A date is ``YYYY-MM-DD`` or ``YYYY/MM/DD`` (month and day may have one digit: the separators
say where they end) or ``YYYYMMDD`` with exactly eight digits, optionally followed by a time
(``2023-11-01 00:00:00``, ``2023-11-01T08:30+08:00``), which is ignored: the date is the one
written. The cell is cleaned like every cell (:func:`graph.keys.cells.clean_cell`: full-width
digits, invisible characters, a leading ``'``). Nothing else is guessed:

* a compact date of 6 or 7 digits (``2023111``: 2023-01-11 or 2023-11-01?) is refused;
* day-first or month-first dates (``11/01/2023``) and two-digit years are refused;
* a spreadsheet's date serial number (``45231``: days since 1899-12-30, or since 1904-01-01
  in the other date system) is refused;
* a day that does not exist, or a year outside 1900–2099, is refused.

A date that reads well may still be impossible where it is used: nothing in an export, nor a
request being scored, happened after today (:func:`after_today`).

>>> parse_date("2023/11/1 0:00"), parse_date("２０２３１１０１")
('2023-11-01', '2023-11-01')
>>> parse_date("2023111")
DateProblem(reason='not a date: a compact date has exactly 8 digits (YYYYMMDD); 2023111 could be read more than one way')
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from graph.keys.cells import clean_cell

__all__ = ["FIRST_YEAR", "LAST_YEAR", "DateProblem", "after_today", "parse_date", "parse_dates"]

FIRST_YEAR, LAST_YEAR = 1900, 2099
_EXPECTED = "expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD"
_TIME = (r"(?:[ T](?:[01]?\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,9})?)?"
         r"(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?)?")
_SEPARATED = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})" + _TIME)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})" + _TIME)
_SHORT_COMPACT = re.compile(r"(?:19|20)\d{4,5}")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_YEAR_LAST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}" + _TIME)


class DateProblem(NamedTuple):
    """Why a cell is not a date."""

    reason: str


def _refusal(text: str) -> DateProblem:
    if _SHORT_COMPACT.fullmatch(text):
        return DateProblem(f"not a date: a compact date has exactly 8 digits (YYYYMMDD); {text} "
                           "could be read more than one way")
    if _SERIAL.fullmatch(text):
        return DateProblem("not a date: looks like a spreadsheet's date serial number, which "
                           "depends on its date system; write the date as YYYY-MM-DD")
    if _YEAR_LAST.fullmatch(text):
        return DateProblem("not a date: day and month order (or the century) is ambiguous; "
                           f"{_EXPECTED}")
    return DateProblem(f"not a date ({_EXPECTED})")


def parse_date(raw: object) -> str | DateProblem | None:
    """The ISO date a cell holds, a :class:`DateProblem`, or ``None`` for an empty cell.

    >>> parse_date("2024-02-30").reason, parse_date("45231").reason[:36], parse_date(" ")
    ('not a date: no such day (2024-02-30)', 'not a date: looks like a spreadsheet', None)
    """
    text = clean_cell(raw)
    if text is None:
        return None
    found = _SEPARATED.fullmatch(text)
    parts = (found.group(1), found.group(3), found.group(4)) if found else None
    if parts is None and (compact := _COMPACT.fullmatch(text)):
        parts = compact.group(1), compact.group(2), compact.group(3)
    if parts is None:
        return _refusal(text)
    year, month, day = (int(p) for p in parts)
    try:
        day_ = date(year, month, day)
    except ValueError:
        return DateProblem(f"not a date: no such day ({parts[0]}-{parts[1]:0>2}-{parts[2]:0>2})")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return DateProblem(f"not a date: year {year} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return day_.isoformat()


def after_today(day: str, today: date | None = None) -> DateProblem | None:
    """Why the ISO date ``day`` cannot be in an export or a request being scored, or ``None``:
    nothing there has happened yet, so a date after ``today`` (by default the machine's; a
    day's slack for time zones) is a typo or a date system's error (a request dated 2099
    would stretch its ring's weeks to that year).

    >>> after_today("2025-03-02", today=date(2025, 3, 1)) is None
    True
    >>> after_today("2025-03-03", today=date(2025, 3, 1)).reason
    "date after today (2025-03-01): an export holds no later event (a typo, or a date system's error?)"
    """
    today = today or date.today()
    if day <= (today + timedelta(days=1)).isoformat():
        return None
    return DateProblem(f"date after today ({today.isoformat()}): an export holds no later event "
                       "(a typo, or a date system's error?)")


def parse_dates(series: pd.Series) -> pd.DataFrame:
    """:func:`parse_date` per distinct value of a column: columns ``value`` (ISO date) and
    ``problem`` (why a non-empty cell is not a date); both NA for empty cells.

    >>> frame = parse_dates(pd.Series(["2025-03-01", "2025/3/1", "20250301", "", "202531"]))
    >>> frame["value"].tolist()
    ['2025-03-01', '2025-03-01', '2025-03-01', None, None]
    >>> frame["problem"].dropna().tolist()
    ['not a date: a compact date has exactly 8 digits (YYYYMMDD); 202531 could be read more than one way']
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    value = np.full(len(uniques) + 1, None, dtype=object)
    problem = np.full(len(uniques) + 1, None, dtype=object)
    for i, raw in enumerate(uniques):
        parsed = parse_date(raw)
        if isinstance(parsed, DateProblem):
            problem[i] = parsed.reason
        else:
            value[i] = parsed
    return pd.DataFrame({"value": pd.Series(value[codes], index=series.index, dtype=object),
                         "problem": pd.Series(problem[codes], index=series.index, dtype=object)})
