"""Validation and normalization of the tables read from a folder, collecting every problem.

Nothing here stops at the first problem: each table is checked completely and every problem is
logged with its file, row, column and (masked) value, then the caller decides. Errors:

* a required file missing or empty; a required table with a header but no rows;
* a required column missing, a required value empty;
* a duplicate primary key; a reference to a policy, customer or agent neither the folder nor
  (for a daily export, :mod:`ingest.stored`) the store holds; a record id a
  spreadsheet damaged (``2.02311E+15``: which record it named cannot be known);
* a date that is not exactly one day (:mod:`graph.keys.dates`: ``YYYY-MM-DD``, ``YYYY/MM/DD``,
  ``YYYYMMDD``; ``2023111`` is refused) or an unparseable amount (decimal yuan, thousands
  separators allowed); an enum value outside the contract;
* undecodable text or a malformed row (found while reading); a cell over
  :data:`MAX_CELL_CHARS` characters.

Warnings (the record is kept): a phone that is not a valid number, an ID number failing its
checks, a bank card failing Luhn (each flagged ``<column>_valid = False``); an identifier a
spreadsheet damaged (``6.22203E+18``: digits lost), which is left out of the graph so that it
never links two people; an optional file that is completely empty; columns outside the
contract; a request dated before its policy's issue date, an agent's leave date before the hire
date (a typo, or a record rewritten later: only the source can tell).

A header-only optional table is fine (no rows, no problem).

**Insurers.** Every table may have an ``insurer`` column, and ``ringscope ingest --insurer
CODE`` names the insurer of every row. A row with an insurer has its record ids (every key
column: its own id and the ids it refers to) namespaced ``CODE:id``
(:mod:`graph.keys.insurers`), so references and duplicates are checked within each insurer.
Errors: a cell that is not a code; a row naming another insurer than ``--insurer`` (or the
manifest); a book in which some rows name an insurer and others none.

**Pseudonymized books** (a folder with a manifest, written by ``ringscope pseudonymize``):
identifier cells must be pseudonyms (:mod:`graph.keys.pseudonyms`), their flags come from the
``<column>_valid`` and ``<column>_kind`` columns, a complaint's text must be a letter sketch
and the representative's key comes from ``representative_key``. Errors: an identifier or a
letter in the clear (an association's store takes none), a flag that is not ``true`` or
``false``, a damaged sketch.

Normalized frames keep each identifier column's normalized value under the column's name (its
node key: see :mod:`graph.keys`), the value as typed in ``<column>_raw``, its flag in
``<column>_valid`` and, for phones, ``<column>_kind``.

>>> from ingest.reader import RawBook, RawTable
>>> frame = pd.DataFrame({"agent_id": ["A1", "A1"], "status": ["active", "gone"]},
...                      index=[2, 3], dtype="str")
>>> log = ProblemLog()
>>> out = validate_table(CONTRACT["agents"], RawTable("agents", "agents.csv", frame, "utf-8"), log)
>>> [(p.row, p.column, p.reason) for p in log.errors]  # doctest: +NORMALIZE_WHITESPACE
[(3, 'status', 'unknown value; expected one of: active, resigned, terminated'),
 (3, 'agent_id', 'duplicate agent_id (first at row 2)')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys import (
    StoredTwin,
    blank_cells,
    normalize_addresses,
    normalize_bank_accounts,
    normalize_id_numbers,
    normalize_insurer_code,
    normalize_phones,
    normalize_record_keys,
    normalize_texts,
)
from graph.keys.cells import clean_cell
from graph.keys.dates import after_today, parse_dates
from graph.keys.insurers import INSURER_CODE_RULE
from graph.keys.pseudonyms import is_letter_sketch, is_pseudonym, letter_sketch_shingles
from graph.model import MAX_AMOUNT
from ingest.contract import CLEAR_MARKER, CLEARABLE, CONTRACT, Column, ColumnKind, Table, enum_value
from ingest.problems import ProblemLog, Severity
from ingest.reader import RawBook, RawTable
from ingest.stored import (
    CORRECTED_DATES,
    FIXED_REFERENCES,
    RECORD_NOUNS,
    REPLACED_REFERENCES,
    StoredRecords,
)

__all__ = ["MAX_CELL_CHARS", "parse_amounts", "validate_book", "validate_table"]

MAX_CELL_CHARS = 100_000
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def _per_unique(series: pd.Series, fn: Callable[[pd.Index], pd.Series]) -> pd.Series:
    """``fn`` applied to the distinct values only, mapped back to every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = fn(pd.Index(uniques)).to_numpy(dtype=object)
    out = np.concatenate([mapped, np.array([None], dtype=object)])[codes]
    return pd.Series(out, index=series.index, dtype=object)


def parse_amounts(series: pd.Series) -> pd.Series:
    """Amounts in yuan as floats (NaN for empty or unparseable cells); full-width digits and
    marks read as their ASCII forms (NFKC), as in every other cell.

    >>> parse_amounts(pd.Series(["1,200.50", " 30 ", "", "abc", "inf", "１２，０００．５０"])).tolist()
    [1200.5, 30.0, nan, nan, nan, 12000.5]
    """
    text = series.str.normalize("NFKC").str.strip().str.replace(",", "", regex=False).replace("", None)
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(np.isfinite(numbers))


def _spelt_again(keys: pd.Series, folded: pd.Series) -> list[tuple[int, str, int]]:
    """``(row, key, first row)`` of each of ``keys`` (indexed by row) whose ``folded`` form
    (same index) a key in an earlier row has."""
    again = folded.duplicated(keep="first")
    first = pd.Series(keys.index, index=folded.to_numpy())[~again.to_numpy()]
    return [(row, value, int(first[fold])) for row, value, fold in
            zip(keys[again].index.tolist(), keys[again].tolist(), folded[again].tolist(), strict=True)]


class _TableCheck:
    """Validation of one table; ``out`` collects the normalized columns. ``insurer`` is the
    code every row gets unless it names one (``None``: none); ``pseudonymized`` reads the
    table as a pseudonymized book's."""

    def __init__(self, table: Table, raw: RawTable, log: ProblemLog, insurer: str | None = None,
                 pseudonymized: bool = False) -> None:
        self.table, self.file, self.log = table, raw.file, log
        self.frame = raw.frame
        self.out: dict[str, pd.Series] = {}
        self.default_insurer, self.pseudonymized = insurer, pseudonymized

    def problem_rows(self, column: Column, mask: pd.Series, reason: str,
                     severity: Severity = "error") -> None:
        if mask.any():
            self.log.add_rows(self.file, column.name, self.frame[column.name][mask], reason,
                              severity, column.masked)

    def reasoned_rows(self, column: Column, reasons: pd.Series, severity: Severity,
                      suffix: str = "") -> None:
        """One problem per row whose ``reasons`` entry is not NA, with that reason."""
        found = reasons.dropna()
        for reason in pd.unique(found):
            self.problem_rows(column, reasons.eq(reason).fillna(False).astype(bool).reindex(
                self.frame.index, fill_value=False), str(reason) + suffix, severity)

    def run(self) -> pd.DataFrame:
        for column in self.table.columns:
            missing = column.name not in self.frame.columns
            if missing:
                if column.required:  # one error for the column, not one per row as well
                    self.log.add(self.file, 1, column.name, "required column missing")
                self.frame[column.name] = pd.Series("", index=self.frame.index, dtype="str")
            self.check_size(column)
            if column.required and not missing:
                self.problem_rows(column, blank_cells(self.frame[column.name]),
                                  "required value is empty")
        self.clear_markers()
        for column in self.table.columns:
            _NORMALIZERS[column.kind](self, column)
        if self.pseudonymized and self.table.name == "surrenders":
            self.out["representative_key"] = self.pseudonyms(Column("representative_key"))
        self.namespace()
        self.check_duplicates()
        return pd.DataFrame(self.out, index=self.frame.index)

    def clear_markers(self) -> None:
        """Read :data:`~ingest.contract.CLEAR_MARKER` cells: in a column of a clearable field
        (:data:`~ingest.contract.CLEARABLE`) the row's ``cleared_<field>`` is true and the cell
        is read as blank; the field's other columns must then be blank (or the marker too);
        in any other column the marker is an error (it would be stored as a value)."""
        fields = [f for f in CLEARABLE if f.table == self.table.name]
        marked: dict[str, pd.Series] = {}
        for column in self.table.columns:
            cells = self.frame[column.name]
            hint = cells.str.contains("clear|ｃｌｅａｒ", case=False, regex=True, na=False).astype(bool)
            if not hint.any():
                continue
            exact = cells[hint].map(lambda v: (clean_cell(v) or "").upper() == CLEAR_MARKER)
            found = exact.reindex(cells.index, fill_value=False).astype(bool)
            if not found.any():
                continue
            if not any(column.name in f.columns for f in fields):
                named = ", ".join(c for f in fields for c in f.columns) or "none in this file"
                self.problem_rows(column, found, f"{CLEAR_MARKER} clears a record's phone, address, "
                                  f"account or representative, and {column.name} holds none of them "
                                  f"(columns it clears here: {named})")
            marked[column.name] = found
            self.frame.loc[found, column.name] = ""
        for field in fields:
            cleared = pd.Series(False, index=self.frame.index, dtype=bool)
            for name in field.columns:
                cleared |= marked.get(name, False)
            for name in field.columns if len(field.columns) > 1 and cleared.any() else ():
                self.problem_rows(self.table.column(name), cleared & ~blank_cells(self.frame[name]),
                                  f"{CLEAR_MARKER} in this row clears the {field.name}, and this cell "
                                  f"names one: leave it blank, or write {CLEAR_MARKER} here too")
            self.out[f"cleared_{field.name}"] = cleared

    def namespace(self) -> None:
        """Record ids of rows with an insurer become ``CODE:id`` (see the module)."""
        codes = self.out["insurer"]
        if not codes.notna().any():
            return
        for column in self.table.of_kind(ColumnKind.KEY):
            ids = self.out[column.name]
            named = ids.notna() & codes.notna()
            self.out[column.name] = ids.where(~named, codes.str.cat(ids, sep=":"))

    def check_size(self, column: Column) -> None:
        too_big = self.frame[column.name].str.len() > MAX_CELL_CHARS
        if too_big.any():
            self.problem_rows(column, too_big, f"cell too large (limit {MAX_CELL_CHARS} characters)")
            self.frame.loc[too_big, column.name] = ""

    def check_duplicates(self) -> None:
        key = self.out[self.table.primary_key]
        dup = key.duplicated(keep="first") & key.notna()
        if dup.any():
            first = key[key.notna()].drop_duplicates(keep="first")
            first_row = pd.Series(first.index, index=first.to_numpy())
            dups = key[dup]
            for row, value in zip(dups.index.tolist(), dups.tolist(), strict=True):
                self.log.add(self.file, row, self.table.primary_key,
                             f"duplicate {self.table.primary_key} (first at row {first_row[value]})",
                             value=value)
        distinct = key[key.notna() & ~dup]
        # an id holds no space (a stored `S5` is what `S 5` names), so two spellings of one id
        # in one file are one record given twice: both would land on it
        spaced = _spelt_again(distinct, distinct.str.replace(r"\s+", "", regex=True))
        for row, value, earlier in spaced:
            self.log.add(self.file, row, self.table.primary_key,
                         f"duplicate {self.table.primary_key}: differs from the one at row {earlier} "
                         "only in spaces, and an id holds no space", value=value)
        distinct = distinct.drop([row for row, _, _ in spaced])
        # ids are kept as typed, so `s00000002` is another record than `S00000002`: say so, as a
        # clerk's lower-case copy of a key is almost surely the same record
        for row, value, earlier in _spelt_again(distinct, distinct.str.upper()):
            self.log.add(self.file, row, self.table.primary_key,
                         f"{self.table.primary_key} differs only in letter case from the one at row "
                         f"{earlier}: read as another record", "warning", value=value)

    # -------------------------------------------------------------- one method per column kind
    def key(self, column: Column) -> None:
        keys = normalize_record_keys(self.frame[column.name])
        self.reasoned_rows(column, keys["damaged"], "error",
                           "; which record it names cannot be known")
        self.out[column.name] = keys["value"]

    def text(self, column: Column) -> None:
        texts = normalize_texts(self.frame[column.name])
        controls = texts.str.contains(_CONTROL, regex=True, na=False)
        self.problem_rows(column, controls.astype(bool),
                          "control character in text (NUL and the like; tab and line breaks are fine)")
        if self.pseudonymized and (self.table.name, column.name) == ("complaints", "text"):
            self.check_sketches(column, texts)
        self.out[column.name] = texts

    def check_sketches(self, column: Column, texts: pd.Series) -> None:
        clear = texts.notna() & ~texts.map(is_letter_sketch, na_action="ignore").astype(bool)
        self.problem_rows(column, clear.fillna(False).astype(bool),
                          "letter in the clear: a pseudonymized book carries letters as sketches")
        sketches = texts[texts.notna() & ~clear]
        for row, sketch in zip(sketches.index.tolist(), sketches.tolist(), strict=True):
            try:
                letter_sketch_shingles(str(sketch))
            except ValueError as exc:
                self.log.add(self.file, int(row), column.name, str(exc))

    def insurer(self, column: Column) -> None:
        raw = self.frame[column.name]
        codes = _per_unique(raw, lambda u: pd.Series([normalize_insurer_code(v) for v in u],
                                                     dtype=object))
        self.problem_rows(column, codes.isna() & ~blank_cells(raw),
                          f"not an insurer code ({INSURER_CODE_RULE})")
        if self.default_insurer is not None:
            self.problem_rows(column, codes.notna() & codes.ne(self.default_insurer),
                              f"names another insurer than {self.default_insurer} (--insurer or "
                              "the pseudonymized book's manifest)")
            codes = codes.fillna(self.default_insurer)
        self.out[column.name] = codes

    def date(self, column: Column) -> None:
        parsed = parse_dates(self.frame[column.name])
        self.reasoned_rows(column, parsed["problem"], "error")
        today = date.today()
        self.reasoned_rows(column, _per_unique(parsed["value"], lambda days: pd.Series(
            [problem.reason if (problem := after_today(d, today)) else None for d in days],
            dtype=object)), "error")
        self.out[column.name] = parsed["value"]

    def amount(self, column: Column) -> None:
        raw = self.frame[column.name]
        parsed = parse_amounts(raw)
        self.problem_rows(column, parsed.isna() & ~blank_cells(raw), "not an amount (decimal yuan)")
        self.problem_rows(column, ((parsed < 0) | (parsed > MAX_AMOUNT)).fillna(False).astype(bool),
                          f"amount out of range (0 to {MAX_AMOUNT:,.0f} yuan)")
        self.out[column.name] = parsed

    def enum(self, column: Column) -> None:
        raw = self.frame[column.name]
        mapped = _per_unique(raw.str.strip().replace("", None),
                             lambda u: pd.Series([enum_value(column, v) for v in u], dtype=object))
        self.problem_rows(column, mapped.isna() & ~blank_cells(raw),
                          f"unknown value; expected one of: {', '.join(column.allowed)}")
        self.out[column.name] = mapped

    def identifier(self, column: Column, kind: str, rows: pd.Series | None = None) -> None:
        """Normalize an identifier column (or the ``rows`` of it whose type is ``kind``)."""
        raw = self.frame[column.name]
        part = raw if rows is None else raw[rows]
        if self.pseudonymized:
            self.pseudonymized_identifier(column, kind, part, rows)
            return
        if kind == "address":
            self._put(column, {"": normalize_addresses(part)}, part, rows)
            return
        frame = _IDENTIFIER_NORMALIZERS[kind](part)
        valid_column = "luhn_valid" if kind == "bank_account" else "valid"
        columns = {"": frame["value"], "_valid": frame[valid_column]}
        if kind == "phone":
            columns["_kind"] = frame["kind"]
        invalid = frame[valid_column].eq(False).fillna(False).astype(bool)
        self.problem_rows(column, invalid.reindex(raw.index, fill_value=False),
                          _INVALID_REASONS[kind], "warning")
        self.reasoned_rows(column, frame["damaged"], "warning",
                           "; left out of the graph (record kept)")
        self._put(column, columns, part, rows)

    def _put(self, column: Column, columns: Mapping[str, pd.Series], raw: pd.Series | None,
             rows: pd.Series | None) -> None:
        """Store a column's outputs; ``raw`` (as typed) is ``None`` in a pseudonymized book."""
        typed = (pd.Series(None, index=next(iter(columns.values())).index, dtype=object)
                 if raw is None else raw.str.strip().replace("", None))
        columns = {**columns, "_raw": typed}
        for suffix, values in columns.items():
            name = column.name + suffix
            if rows is None:
                self.out[name] = values
            else:
                target = self.out.setdefault(name, pd.Series(None, index=self.frame.index,
                                                              dtype=object))
                target[rows] = values.astype(object)

    def pseudonyms(self, column: Column, rows: pd.Series | None = None) -> pd.Series:
        """A column of pseudonyms as they are (empty cells missing); others are errors."""
        raw = self.frame[column.name] if column.name in self.frame.columns else pd.Series(
            "", index=self.frame.index, dtype="str")
        part = raw if rows is None else raw[rows]
        values = part.str.strip().replace("", None)
        clear = values.notna() & ~values.map(is_pseudonym, na_action="ignore").astype(bool)
        self.problem_rows(column, clear.fillna(False).astype(bool).reindex(raw.index,
                                                                           fill_value=False),
                          "not a pseudonym: a pseudonymized book carries no identifier in the "
                          "clear")
        return values.where(~clear.fillna(False).astype(bool))

    def flags(self, name: str, part: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
        """A pseudonymized book's flag column ``name`` on the rows of ``part``."""
        column = Column(name)
        raw = self.frame[name] if name in self.frame.columns else pd.Series(
            "", index=self.frame.index, dtype="str")
        values = raw[part.index].str.strip().str.lower().replace("", None)
        wrong = values.notna() & ~values.isin(allowed)
        self.problem_rows(column, wrong.reindex(raw.index, fill_value=False),
                          f"expected one of: {', '.join(allowed)}")
        return values.where(~wrong)

    def pseudonymized_identifier(self, column: Column, kind: str, part: pd.Series,
                                 rows: pd.Series | None) -> None:
        columns = {"": self.pseudonyms(column, rows)}
        if kind != "address":
            valid = self.flags(f"{column.name}_valid", part, ("true", "false"))
            columns["_valid"] = valid.map({"true": True, "false": False}, na_action="ignore")
        if kind == "phone":
            columns["_kind"] = self.flags(f"{column.name}_kind", part,
                                          ("mobile", "landline", "other"))
        self._put(column, columns, None, rows)

    def typed_identifier(self, column: Column) -> None:
        """A value whose kind another column gives (contact_changes.field, watchlist type)."""
        type_column = "field" if self.table.name == "contact_changes" else "identifier_type"
        types = self.out.get(type_column)
        if types is None:
            raise AssertionError(f"{type_column} must come before {column.name} in the contract")
        for kind in ("phone", "bank_account", "id_number", "address"):
            rows = types.eq(kind).fillna(False).astype(bool)
            if rows.any():
                self.identifier(column, kind, rows)
        for suffix in ("", "_raw", "_valid", "_kind"):
            self.out.setdefault(column.name + suffix,
                                pd.Series(None, index=self.frame.index, dtype=object))


_IDENTIFIER_NORMALIZERS: dict[str, Callable[[pd.Series], pd.DataFrame]] = {
    "phone": normalize_phones,
    "id_number": normalize_id_numbers,
    "bank_account": normalize_bank_accounts,
}
_INVALID_REASONS = {
    "phone": "not a valid phone number (kept, flagged invalid)",
    "id_number": "ID number fails its shape, check-character, birth-date or region-code check "
                 "(kept, flagged)",
    "bank_account": "bank card fails the Luhn check (kept, flagged)",
}
_NORMALIZERS: dict[ColumnKind, Callable[[_TableCheck, Column], None]] = {
    ColumnKind.KEY: _TableCheck.key,
    ColumnKind.TEXT: _TableCheck.text,
    ColumnKind.ADDRESS: lambda check, column: check.identifier(column, "address"),
    ColumnKind.DATE: _TableCheck.date,
    ColumnKind.AMOUNT: _TableCheck.amount,
    ColumnKind.ENUM: _TableCheck.enum,
    ColumnKind.PHONE: lambda check, column: check.identifier(column, "phone"),
    ColumnKind.ID_NUMBER: lambda check, column: check.identifier(column, "id_number"),
    ColumnKind.BANK_ACCOUNT: lambda check, column: check.identifier(column, "bank_account"),
    ColumnKind.IDENTIFIER: _TableCheck.typed_identifier,
    ColumnKind.INSURER: _TableCheck.insurer,
}


def validate_table(table: Table, raw: RawTable, log: ProblemLog, insurer: str | None = None,
                   pseudonymized: bool = False) -> pd.DataFrame:
    """Check and normalize one table read from a file (references are checked by the book);
    ``insurer`` is the code of rows that name none, ``pseudonymized`` reads a pseudonymized
    book's table (see the module)."""
    if raw.status == "empty":
        if table.required:
            log.add(raw.file, None, None, "empty file: a required table needs a header and rows")
        else:
            log.add(raw.file, None, None, "empty file: read as a table with no rows", "warning")
    elif raw.status == "ok" and raw.frame.empty and table.required:
        log.add(raw.file, None, None, "no data rows: a required table needs at least one record")
    # A file without a usable header has no column problems worth reporting on top.
    column_log = log if raw.status == "ok" else ProblemLog()
    copy = RawTable(raw.name, raw.file, raw.frame.copy(), raw.encoding)
    return _TableCheck(table, copy, column_log, insurer, pseudonymized).run()


def _text(series: pd.Series) -> pa.Array:
    found = pa.array(series.astype("str"), from_pandas=True)
    whole = found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found
    return whole.cast(pa.large_string())


def _is_in(values: pd.Series, known: pd.Series) -> np.ndarray:
    """Which ``values`` are among ``known`` (Arrow's hash set; missing values are not)."""
    found = pc.is_in(_text(values), value_set=_text(known))
    return np.asarray(pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool)


def _check_references(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                      usable: set[str], unreadable: set[str], log: ProblemLog,
                      stored: StoredRecords | None) -> None:
    for name, table in CONTRACT.items():
        frame = tables[name]
        for ref in table.references:
            if frame.empty or ref.target in unreadable or (ref.target not in usable and stored is None):
                continue  # the target's own problem is already reported, or nothing to check against
            target = tables[ref.target][CONTRACT[ref.target].primary_key]
            values = frame[ref.column]
            unknown = values.notna() & ~_is_in(values, target.dropna())
            if unknown.any() and stored is not None:
                unknown[unknown] = ~stored.holds(ref.target, values[unknown])
            if not unknown.any():
                continue
            where = ref.target if stored is None else f"{ref.target} nor in the store"
            twins = stored.twins(ref.target, values[unknown]) if stored is not None else {}
            for row, value in zip(values.index[unknown].tolist(), values[unknown].tolist(), strict=True):
                twin = twins.get(value)
                told = f"; {twin.describe(RECORD_NOUNS[ref.target])}" if twin is not None else ""
                log.add(files[name], int(row), ref.column, f"refers to a record not in {where}{told}", value=value)


def _check_twins(tables: dict[str, pd.DataFrame], files: Mapping[str, str],
                 stored: StoredRecords, log: ProblemLog) -> None:
    """A record id of a daily export that no stored record holds but one holds typed another
    way (:mod:`graph.keys.twins`: letter case, spaces, the leading zeros a spreadsheet drops)
    gets a warning naming the stored id and what differs: the record is kept as another one, as
    ids are kept as typed (``358`` may be another system's number beside ``00000358``), so the
    warning is the list of rows to check, not a silent second copy of a stored request. An id
    whose only difference is whitespace the stored id does not hold names the stored record
    (:attr:`graph.keys.StoredTwin.same_record`), as a key and as a reference: it is read as
    that one, with a warning. Another reference typed so stays unknown, and its refusal names
    the stored id (:func:`_check_references`)."""
    for name, noun in RECORD_NOUNS.items():
        key = CONTRACT[name].primary_key
        if not tables[name].empty:
            _read_twins(tables, files, log, name, key, stored.twins(name, tables[name][key]), noun)
    for name, table in CONTRACT.items():
        for ref in table.references:
            frame = tables[name]
            if frame.empty:
                continue
            values = frame[ref.column]
            unknown = values.notna() & ~_is_in(values, tables[ref.target][CONTRACT[ref.target].primary_key].dropna())
            if unknown.any():
                twins = {k: t for k, t in stored.twins(ref.target, values[unknown]).items() if t.same_record}
                _read_twins(tables, files, log, name, ref.column, twins, RECORD_NOUNS[ref.target])


def _read_twins(tables: dict[str, pd.DataFrame], files: Mapping[str, str], log: ProblemLog, name: str,
                column: str, twins: Mapping[str, StoredTwin], noun: str) -> None:
    """Warn about each row of ``tables[name]`` whose ``column`` has a stored twin, reading it as
    the stored id where that names the same record."""
    if not twins:
        return
    frame = tables[name]
    values = frame[column]
    named = values.isin(twins.keys())
    for row, value in zip(values.index[named].tolist(), values[named].tolist(), strict=True):
        twin = twins[value]
        outcome = ("read as that one (an id holds no space)" if twin.same_record
                   else f"read as another {noun} (ids are kept as typed)")
        log.add(files[name], int(row), column, f"no stored {noun} has this id; {twin.describe(noun)}: {outcome}",
                "warning", value=value)
    same = {k: t.stored[0] for k, t in twins.items() if t.same_record}
    if same:
        frame = frame.copy()
        frame[column] = values.replace(same)
        tables[name] = frame


def _check_moved(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                 stored: StoredRecords, log: ProblemLog) -> None:
    """A stored request or letter sent again naming another policy or customer is refused: a
    merge would tie one record to two customers, a shared identifier between strangers. A
    stored policy sent again with another holder or agent is a change of them, a contact-change
    record with another customer or field a correction of it, a request or letter with another
    date a correction of its date (warnings)."""
    checks: tuple[tuple[Mapping[str, tuple[str, ...]], Severity], ...] = (
        (FIXED_REFERENCES, "error"), (REPLACED_REFERENCES, "warning"), (CORRECTED_DATES, "warning"))
    for references, severity in checks:
        for name, columns in references.items():
            frame = tables[name]
            if frame.empty:
                continue
            key = CONTRACT[name].primary_key
            stored_now = (stored.stored_changes(frame[key]) if name == "contact_changes"
                          else stored.stored_values(name, frame[key], columns))
            for column in columns:
                before = stored_now[column]
                moved = before.notna() & frame[column].notna() & (before != frame[column])
                for row, was in zip(before.index[moved].tolist(), before[moved].astype(str), strict=True):
                    outcome = ("a record sent again cannot move to another one (correct it at the "
                               "source)" if severity == "error" else
                               f"read as a change: {was} is replaced, as from this export")
                    log.add(files[name], int(row), column,
                            f"{frame.at[row, key]!s} is stored with {column} {was}: {outcome}",
                            severity, value=frame.at[row, column])


def _stored_holders(tables: dict[str, pd.DataFrame], stored: StoredRecords) -> None:
    """A letter naming only its policy, a policy the folder does not hold: its customer is the
    stored policy's holder."""
    complaints = tables["complaints"]
    if complaints.empty:
        return
    missing = complaints["customer_id"].isna() & ~_is_in(complaints["policy_id"],
                                                         tables["policies"]["policy_id"].dropna())
    if missing.any():
        complaints = complaints.copy()
        complaints.loc[missing, "customer_id"] = stored.holders(complaints["policy_id"][missing])
        tables["complaints"] = complaints


def _check_insurers(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str],
                    log: ProblemLog) -> None:
    """Every row names an insurer, or none does."""
    coded = any(frame["insurer"].notna().any() for frame in tables.values())
    if not coded:
        return
    for name, frame in tables.items():
        missing = frame["insurer"].isna()
        if missing.any():
            log.add_rows(files[name], "insurer", frame["insurer"][missing],
                         "no insurer while other rows name one: fill the column or give "
                         "--insurer")


def validate_book(raw: RawBook, log: ProblemLog, insurer: str | None = None,
                  stored: StoredRecords | None = None) -> dict[str, pd.DataFrame]:
    """Validate every table (absent optional tables become empty frames), the insurers and the
    references. ``insurer`` is the code of rows that name none (``--insurer``); a pseudonymized
    book's manifest names it too, and the two must agree.

    ``stored``: the records of the store the book goes into (:mod:`ingest.stored`). A reference
    may then name a stored record, and into a store holding a book no table is required (a
    daily export repeats none of the customers, policies and agents it names); a folder with no
    table at all is still an error."""
    manifest = raw.manifest
    if manifest is not None:
        if insurer is not None and insurer != manifest.insurer:
            log.add("manifest.json", None, "insurer",
                    f"the book was pseudonymized for insurer {manifest.insurer}, not {insurer}")
        insurer = manifest.insurer
    pseudonymized = manifest is not None
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    usable: set[str] = set()
    export = stored is not None and stored.holds_a_book()
    if export and not raw.tables:
        log.add(str(raw.folder), None, None,
                f"no table to load: none of {', '.join(f'{n}.csv' for n in CONTRACT)} is here")
    for name, table in CONTRACT.items():
        found = raw.tables.get(name)
        if found is None:
            both = all((raw.folder / f"{name}.{suffix}").is_file() for suffix in ("csv", "parquet"))
            if table.required and not both and not export:  # two files for one table: already an error
                log.add(f"{name}.csv", None, None,
                        f"required file missing ({name}.csv or {name}.parquet)")
            tables[name] = validate_table(table, RawTable(name, "", pd.DataFrame(), ""),
                                          ProblemLog(), insurer, pseudonymized)
            files[name] = f"{name}.csv"
            continue
        if found.status != "unreadable":
            usable.add(name)
        files[name] = found.file
        # in a daily export a required table may be there without rows (a pseudonymized export
        # holds every table)
        tables[name] = validate_table(replace(table, required=False) if export else table, found, log,
                                      insurer, pseudonymized)
    _check_insurers(tables, files, log)
    # A table with ragged rows (a stray quote can swallow the rest of its file) or without its
    # key column (a header the contract does not know) does not say which records it holds, and
    # a required table without rows or without its file is an error of its own: references to
    # any of them are not checked, so their own problem is the one reported.
    ragged = {name for name, found in raw.tables.items()
              if found.ragged_rows or CONTRACT[name].primary_key not in found.frame.columns}
    rowless = {name for name, found in raw.tables.items()
               if CONTRACT[name].required and not export and found.status != "unreadable"
               and found.frame.empty}
    missing = {name for name, table in CONTRACT.items()
               if table.required and not export and name not in raw.tables}
    if export and stored is not None:
        _check_twins(tables, files, stored, log)
    _check_references(tables, files, usable, set(raw.tables) - usable | ragged | rowless | missing, log, stored)
    _check_order(tables, files, log, stored)
    if stored is not None:
        _check_moved(tables, files, stored, log)
        _stored_holders(tables, stored)
    return tables


def _check_order(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str], log: ProblemLog,
                 stored: StoredRecords | None) -> None:
    """Dates out of order between two records are kept with a warning: a request dated before
    its policy's issue date (the policy in the folder, or else as stored: a daily export's
    request of a policy loaded long ago), an agent's leave date before the hire date. Either is
    a typo or a record rewritten later (a reinstated policy's new issue date, a rehired agent's
    new hire date), which only the source can tell; a surrender dated before its policy, if a
    typo, misplaces it in its ring's weeks."""
    claims, policies = tables["surrenders"], tables["policies"]
    if not claims.empty:
        issued = claims["policy_id"].map(policies.drop_duplicates("policy_id").set_index("policy_id")["issue_date"]) \
            if not policies.empty else pd.Series(None, index=claims.index, dtype=object)
        elsewhere = issued.isna() & claims["policy_id"].notna()
        if stored is not None and elsewhere.any():
            issued = issued.astype(object)
            issued[elsewhere] = stored.stored_values("policies", claims.loc[elsewhere, "policy_id"],
                                                     ["issue_date"])["issue_date"]
        early = claims["request_date"].notna() & issued.notna() & (claims["request_date"] < issued)
        for row in claims.index[early].tolist():
            log.add(files["surrenders"], int(row), "request_date",
                    f"dated before its policy's issue date ({issued[row]!s}): kept; check both dates",
                    "warning", value=claims.at[row, "request_date"])
    agents = tables["agents"]
    if not agents.empty:
        early = agents["leave_date"].notna() & agents["hire_date"].notna() & (agents["leave_date"] < agents["hire_date"])
        for row in agents.index[early].tolist():
            log.add(files["agents"], int(row), "leave_date",
                    f"before the hire date ({agents.at[row, 'hire_date']!s}): kept; a rehired agent's "
                    "dates, or a typo?", "warning", value=agents.at[row, "leave_date"])

