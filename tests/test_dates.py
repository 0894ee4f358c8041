"""Dates are read one way or refused: no reading is ever chosen among several."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.schemas import parse_date as api_parse_date
from graph.keys.dates import DateProblem, after_today, parse_date


@given(st.text("0123456789", min_size=1, max_size=12).filter(lambda t: len(t) != 8))
def test_digits_alone_are_a_date_only_with_exactly_eight(typed: str) -> None:
    assert isinstance(parse_date(typed), DateProblem)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%Y%m%d}", "{0.year}-{0.month}-{0.day}",
                        "{0.year}/{0.month}/{0.day}", "'{:%Y-%m-%d}", "{:%Y-%m-%d} 00:00:00",
                        "{:%Y/%m/%d} 8:05", "{:%Y-%m-%d}T23:59:59.5+08:00", "{:%Y%m%d}\u200b"]))
def test_a_date_written_the_contract_ways_is_that_date(day: date, form: str) -> None:
    assert parse_date(form.format(day)) == day.isoformat()


@pytest.mark.parametrize(("typed", "reason"), [
    ("2023111", "a compact date has exactly 8 digits (YYYYMMDD); 2023111 could be read more "
                "than one way"),
    ("45231", "looks like a spreadsheet's date serial number, which depends on its date system; "
              "write the date as YYYY-MM-DD"),
    ("45231.5", "looks like a spreadsheet's date serial number, which depends on its date "
                "system; write the date as YYYY-MM-DD"),
    ("11/01/2023", "day and month order (or the century) is ambiguous; expected YYYY-MM-DD, "
                   "YYYY/MM/DD or YYYYMMDD"),
    ("23-11-01", "day and month order (or the century) is ambiguous; expected YYYY-MM-DD, "
                 "YYYY/MM/DD or YYYYMMDD"),
    ("2023-11/01", "(expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)"),
    ("2023.11.01", "(expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)"),
    ("2023-11-01 25:61", "(expected YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD)"),
    ("2023-02-29", "no such day (2023-02-29)"),
    ("20231301", "no such day (2023-13-01)"),
    ("2100-01-01", "year 2100 is outside 1900–2099"),
])
def test_refusals_say_why(typed: str, reason: str) -> None:
    got = parse_date(typed)
    assert isinstance(got, DateProblem)
    assert got.reason.removeprefix("not a date").lstrip(": ") == reason


@given(st.one_of(
    st.text("0123456789-/ :T+.'\u200b２０", max_size=24),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2110, 12, 31)).map(
        lambda day: f"{day.year}-{day.month}-{day.day}")))
def test_the_score_api_reads_a_date_as_ingest_does(typed: str) -> None:
    """One reading for a request's date and the export it will be part of: the API once read
    ``2024-2-1`` as a refusal that ingest read as 2024-02-01, and allowed 2100 that ingest refused."""
    read = parse_date(typed)
    try:
        answer: str | None = api_parse_date(typed).isoformat()
    except ValueError:
        answer = None
    assert answer == (read if isinstance(read, str) else None)


def test_a_date_after_today_is_refused_with_a_days_slack() -> None:
    today = date(2025, 3, 1)
    assert after_today("2025-03-02", today) is None
    assert after_today("2025-03-01", today) is None
    problem = after_today("2025-03-03", today)
    assert problem is not None and problem.reason.startswith("date after today (2025-03-01)")
