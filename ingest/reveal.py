"""Re-identification at home: which of an insurer's own records a pseudonym stands for.

An association's store shows identifiers and names as pseudonyms. A member that wants to know
which of *its* customers is behind one hashes its own raw book with the association's key, as
``ringscope pseudonymize`` would, and looks the pseudonym up there. Nobody else's records can
come out: the book searched is the member's own, and the store holds no value to reverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from graph.keys.pseudonyms import Pseudonymizer
from ingest.contract import CONTRACT
from ingest.pipeline import Book
from ingest.pseudonymize import pseudonymized_tables

__all__ = ["Revealed", "reveal"]


@dataclass(frozen=True)
class Revealed:
    """A pseudonym found in the book: the table, the row (as a spreadsheet numbers it in the
    table's file), the record's id, the column and the value there (normalized, as the node key
    was made)."""

    pseudonym: str
    table: str
    row: int
    record: str
    column: str
    value: str


def reveal(book: Book, pseudonymizer: Pseudonymizer, insurer: str,
           pseudonyms: Iterable[str]) -> list[Revealed]:
    """Every place in ``book`` (read with ``insurer`` as its code) where one of ``pseudonyms``
    comes from, by table, row and column."""
    wanted = set(pseudonyms)
    found: list[Revealed] = []
    hashed = pseudonymized_tables(book, pseudonymizer, insurer)
    for table in CONTRACT.values():
        frame, plain = hashed[table.name], book.tables[table.name]
        ids = frame[table.primary_key].astype(str)
        for column in frame.columns:
            values = frame[column]
            hits = values[values.isin(wanted)]
            for row, pseudonym in zip(hits.index.tolist(), hits.tolist(), strict=True):
                found.append(Revealed(pseudonym, table.name, int(row), ids[row], column,
                                      _shown(plain, column, row)))
    return sorted(found, key=lambda r: (r.pseudonym, r.table, r.row, r.column))


def _shown(plain: pd.DataFrame, column: str, row: int) -> str:
    """The insurer's own value behind a pseudonym: the normalized value (the representative's
    key from the values as typed)."""
    if column == "representative_key":
        parts = [plain.at[row, c] for c in ("representative_id_number", "representative_name",
                                             "representative_phone")]
        return " / ".join(str(p) for p in parts if isinstance(p, str))
    value = plain.at[row, column]
    return value if isinstance(value, str) else ""
