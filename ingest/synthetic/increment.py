"""One book cut at a date into what was loaded before and the daily export that follows.

A daily export of a book already loaded holds the records dated after the last export: new
surrender requests, complaints and contact changes. It repeats none of the customers, policies
and agents they name (the base holds every one of them, and ingest checks an export's
references against the store it goes into: :mod:`ingest.stored`). Loading the increment into a
store holding the base adds the new records: the store then holds the same data as one load of
the whole book.

Dates are read as ingest reads them (:func:`graph.keys.dates.parse_dates`: a generated book types
some ``2024/12/28`` or ``20241228``). The cut is the request date that leaves ``share`` of the surrender requests after it (requests
of that date stay in the base, so a day is never split). Cells are copied as typed; each folder
gets the ``truth.csv`` rows of its own requests. The watchlist stays in the base.

>>> import tempfile
>>> from ingest.synthetic import BookConfig, generate_book
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = generate_book(Path(tmp) / "book", BookConfig(customers=2_000, seed=1))
...     cut = split_increment(Path(tmp) / "book", Path(tmp) / "base", Path(tmp) / "day", 0.05)
...     base = pd.read_csv(Path(tmp) / "base" / "surrenders.csv", dtype=str)
...     day = pd.read_csv(Path(tmp) / "day" / "surrenders.csv", dtype=str)
>>> len(day) / (len(base) + len(day)) < 0.06, sorted(set(base["claim_id"]) & set(day["claim_id"]))
(True, [])
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graph.keys.dates import parse_dates

__all__ = ["split_increment"]

_DATED = {"surrenders": "request_date", "complaints": "received_date", "contact_changes": "change_date"}


def _read(folder: Path, table: str) -> pd.DataFrame | None:
    path = folder / f"{table}.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _iso_dates(column: pd.Series, where: str) -> pd.Series:
    parsed = parse_dates(column)
    if parsed["value"].isna().any():
        raise ValueError(f"{where}: {column[parsed['value'].isna()].iloc[0]!r} is not a date")
    return parsed["value"].astype(str)


def split_increment(book: Path, base: Path, increment: Path, share: float = 0.01) -> str:
    """Write ``base`` (the book up to the cut) and ``increment`` (the export after it) from the
    CSV book in ``book`` (see the module); returns the cut date (``YYYY-MM-DD``, the last day
    in the base).

    Raises ``ValueError`` for a ``share`` outside (0, 0.5], a folder that is not a CSV book
    with ``truth.csv``, a date that is not one, or a book whose requests all fall on one day.
    """
    if not 0.0 < share <= 0.5:
        raise ValueError(f"share must be in (0, 0.5], got {share}")
    tables = {t: f for t in ("agents", "customers", "policies", "surrenders", "complaints",
                             "contact_changes", "watchlist", "truth") if (f := _read(book, t)) is not None}
    if not {"agents", "customers", "policies", "surrenders", "truth"} <= set(tables):
        raise ValueError(f"{book} is not a CSV book with truth.csv")
    dated = {t: _iso_dates(tables[t][column], f"{t}.{column}") for t, column in _DATED.items() if t in tables}
    dates = dated["surrenders"].sort_values(ignore_index=True)
    cut = str(dates.iloc[int(len(dates) * (1.0 - share)) - 1])
    if cut >= dates.iloc[-1]:
        raise ValueError(f"no surrender request of {book} is dated after {cut}")
    later = {t: column > cut for t, column in dated.items()}
    claims = set(tables["surrenders"][later["surrenders"]]["claim_id"])
    parts = {"truth": tables["truth"]["claim_id"].isin(claims), **later}
    for folder in (base, increment):
        folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        if table in _DATED or table == "truth":
            frame[~parts[table]].to_csv(base / f"{table}.csv", index=False)
        else:
            frame.to_csv(base / f"{table}.csv", index=False)
        if table in parts:
            frame[parts[table]].to_csv(increment / f"{table}.csv", index=False)
    return cut
