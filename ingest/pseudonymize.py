"""A member's book, pseudonymized at the insurer before it goes to the association.

:func:`pseudonymize_book` takes a book read and validated exactly as ingest reads it
(:func:`ingest.read_book`: identifiers normalized to their node keys by :mod:`graph.keys`) and
writes a contract folder in which

* every identifier (phones, bank accounts, ID numbers, addresses, representatives) is the
  pseudonym of its node key (:class:`graph.keys.pseudonyms.Pseudonymizer`), and its validity
  (and a phone's kind) is kept in ``<column>_valid`` and ``<column>_kind``;
* every person's name (customers, agents, payout account holders, representatives, watchlist
  entries) is a name pseudonym; organisations' names stay;
* a complaint's text is its letter sketch; the free text of a surrender reason is left out;
* the representative's node key, made from the values as typed, is ``representative_key``;
* record ids, dates, amounts and codes are as ingest read them, and every row names the
  insurer; a ``#CLEAR`` cell stays ``#CLEAR`` (in the field's first column);

plus ``manifest.json`` (scheme, key id, insurer, rows per table). Ingest reads such a folder
as a pseudonymized book (:mod:`ingest.manifest`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graph.errors import InputError
from graph.keys import person_keys
from graph.keys.pseudonyms import SCHEME, Pseudonymizer
from graph.model import Label
from graph.store import ProgressCallback
from ingest.contract import CLEAR_MARKER, CLEARABLE, CONTRACT, ColumnKind, Table, pseudonym_columns
from ingest.manifest import MANIFEST_FILE, Manifest
from ingest.pipeline import Book

__all__ = ["NAME_COLUMNS", "PseudonymizeReport", "check_out_folder", "pseudonymize_book",
           "pseudonymized_tables"]

log = logging.getLogger(__name__)

NAME_COLUMNS: frozenset[tuple[str, str]] = frozenset({
    ("agents", "name"), ("customers", "name"), ("surrenders", "payout_account_name"),
    ("surrenders", "representative_name"), ("watchlist", "name"),
})
"""Columns holding a person's (or an organisation's) name."""

_LEFT_OUT = frozenset({("surrenders", "reason_text")})
_LETTERS = ("complaints", "text")
_LABEL_OF_KIND = {"phone": Label.PHONE, "bank_account": Label.BANK_ACCOUNT,
                  "address": Label.ADDRESS, "id_number": Label.PERSON}
_KIND_OF_COLUMN = {ColumnKind.PHONE: "phone", ColumnKind.BANK_ACCOUNT: "bank_account",
                   ColumnKind.ADDRESS: "address", ColumnKind.ID_NUMBER: "id_number"}
_TYPE_COLUMN = {"contact_changes": "field", "watchlist": "identifier_type"}


@dataclass(frozen=True)
class PseudonymizeReport:
    """What :func:`pseudonymize_book` wrote: rows per table, the manifest and the seconds
    hashing and writing took (reading and validating is the book's ``seconds``)."""

    folder: Path
    rows: dict[str, int]
    manifest: Manifest
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.seconds if self.seconds else 0.0


def _flag(values: pd.Series) -> pd.Series:
    return values.map({True: "true", False: "false"}, na_action="ignore")


class _Writer:
    def __init__(self, book: Book, pseudonymizer: Pseudonymizer, insurer: str) -> None:
        self.book, self.p, self.insurer = book, pseudonymizer, insurer

    def table(self, table: Table) -> pd.DataFrame:
        frame = self.book.tables[table.name]
        out: dict[str, pd.Series] = {}
        for column in table.columns:
            name = column.name
            values = frame[name]
            if column.kind is ColumnKind.KEY:
                out[name] = values.str.slice(len(self.insurer) + 1)
            elif column.kind is ColumnKind.INSURER:
                out[name] = pd.Series(self.insurer, index=frame.index, dtype=object)
            elif (table.name, name) in NAME_COLUMNS:
                out[name] = self.p.names(values)
            elif (table.name, name) == _LETTERS:
                out[name] = self.p.letters(values)
            elif (table.name, name) in _LEFT_OUT:
                out[name] = pd.Series(None, index=frame.index, dtype=object)
            elif column.kind in _KIND_OF_COLUMN:
                out[name] = self.p.node_keys(_LABEL_OF_KIND[_KIND_OF_COLUMN[column.kind]], values)
            elif column.kind is ColumnKind.IDENTIFIER:
                out[name] = self.typed(frame, table, name)
            else:
                out[name] = values
        for name in pseudonym_columns(table):
            if name == "representative_key":
                keys = person_keys(frame["representative_name"],
                                   frame["representative_id_number_raw"],
                                   frame["representative_phone_raw"])
                out[name] = self.p.node_keys(Label.PERSON, keys.replace("", None))
            elif name.endswith("_valid"):
                out[name] = _flag(frame[name])
            else:
                out[name] = frame[name]
        for field in CLEARABLE:  # a clear stays a clear (nothing to hash)
            cleared = frame.get(f"cleared_{field.name}")
            if field.table == table.name and cleared is not None and cleared.any():
                out[field.columns[0]] = out[field.columns[0]].astype(object).where(~cleared, CLEAR_MARKER)
        return pd.DataFrame(out, index=frame.index)

    def typed(self, frame: pd.DataFrame, table: Table, name: str) -> pd.Series:
        """A column whose identifier kind another column gives, hashed row by row."""
        types = frame[_TYPE_COLUMN[table.name]]
        out = pd.Series(None, index=frame.index, dtype=object)
        for kind, label in _LABEL_OF_KIND.items():
            rows = types.eq(kind).fillna(False).astype(bool)
            if rows.any():
                out[rows] = self.p.node_keys(label, frame[name][rows])
        return out


def check_out_folder(out: Path, source: Path) -> None:
    """Raise :class:`InputError` unless ``out`` can take the pseudonymized book of ``source``:
    another folder than ``source``, new or empty."""
    if Path(out).resolve() == Path(source).resolve():
        raise InputError("the pseudonymized book must go to another folder than the raw one")
    if Path(out).exists() and (not Path(out).is_dir() or any(Path(out).iterdir())):
        raise InputError(f"{out} exists and is not an empty folder; choose a new one")


def pseudonymized_tables(book: Book, pseudonymizer: Pseudonymizer,
                         insurer: str) -> dict[str, pd.DataFrame]:
    """The tables of a pseudonymized book (see the module), indexed like ``book``'s. Raises
    :class:`InputError` for a book that is already pseudonymized or names other insurers."""
    if book.manifest is not None:
        raise InputError(f"{book.folder} is already pseudonymized (it has a {MANIFEST_FILE})")
    if book.insurers not in ([insurer], []):
        raise InputError(f"{book.folder} names insurers {', '.join(book.insurers)}; "
                         f"pseudonymize one insurer's book at a time ({insurer})")
    writer = _Writer(book, pseudonymizer, insurer)
    return {table.name: writer.table(table) for table in CONTRACT.values()}


def pseudonymize_book(book: Book, pseudonymizer: Pseudonymizer, insurer: str, out: Path,
                      progress: ProgressCallback | None = None) -> PseudonymizeReport:
    """Write ``book`` (read with ``insurer`` as its code) pseudonymized into the new or empty
    folder ``out`` (see the module). Raises :class:`InputError` for a book that is already
    pseudonymized, names other insurers, or an ``out`` that holds files."""
    start = time.perf_counter()
    tables = pseudonymized_tables(book, pseudonymizer, insurer)
    check_out_folder(out, book.folder)
    Path(out).mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    for number, (name, frame) in enumerate(tables.items(), start=1):
        frame.to_csv(Path(out) / f"{name}.csv", index=False, encoding="utf-8")
        rows[name] = len(frame)
        if progress:
            progress("pseudonymize", number, len(tables))
    manifest = Manifest(SCHEME, pseudonymizer.key_id, insurer, rows)
    (Path(out) / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    seconds = time.perf_counter() - start
    log.info("pseudonymized %s into %s: %d rows in %.1f s", book.folder, out,
             sum(rows.values()), seconds)
    return PseudonymizeReport(Path(out), rows, manifest, seconds)
