"""Reading an input folder: one CSV or Parquet file per table, every cell as text.

CSV encoding is decided by the whole file, without guessing: a UTF-8 byte-order mark means
UTF-8; otherwise a file that is valid UTF-8 as a whole is UTF-8, else one that is valid GB18030
(a superset of GBK and GB2312) as a whole is GB18030, else it is refused, at the first byte
that breaks the encoding the file follows further. A GBK name may happen to be a valid UTF-8
byte pair (``陆`` is ``C2 BD``, ``½`` in UTF-8); only the whole file tells.
Cells stay strings (``0797…`` and leading zeros survive); headers are mapped to contract
columns through :mod:`ingest.contract` aliases, and columns outside the contract are ignored
with a warning. Each frame's index is the spreadsheet row number (header = row 1).

Parquet columns are read as text too. Dates and timestamps become ``YYYY-MM-DD`` (a timestamp
with a time zone: the date there). A record id or identifier column stored as *numbers* is
reported (a number keeps no leading zero and no ``X``): integers and decimals are read as
their exact digits; a float is read exactly when it is a whole number the float holds exactly
(up to 2**53 for float64, 2**24 for float32), and otherwise never rounded: the cell is
reported and left empty (an identifier: a warning, left out of the graph; a record id: an
error).

>>> decode_csv("保单号\\n".encode("gb18030")).decode()
'保单号\\n'
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from graph.errors import InputError
from ingest.contract import CONTRACT, IDENTIFIER_KINDS, ColumnKind, resolve_header
from ingest.manifest import Manifest, read_manifest
from ingest.problems import ProblemLog, Severity

__all__ = ["ANSWER_KEY", "RawBook", "RawTable", "UndecodableError", "decode_csv", "read_folder"]

ANSWER_KEY = "truth.csv"
"""The answer key ``ringscope generate`` writes beside a book's tables (``claim_id, ring_id``,
for ``ringscope evaluate --truth``): not a table of the contract, left out without a warning."""

TableStatus = Literal["ok", "empty", "unreadable"]
_BOM = b"\xef\xbb\xbf"
_BLOCK_SIZE = 16 << 20
FIRST_DATA_ROW = 2


class UndecodableError(ValueError):
    """The bytes are neither UTF-8 nor GB18030; ``offset`` is the first bad byte."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"undecodable text at byte {offset}")
        self.offset = offset


@dataclass
class RawTable:
    """One table as read: contract columns only, all strings, index = spreadsheet row number.

    ``status`` is ``empty`` for a file without even a header and ``unreadable`` when the
    file could not be parsed (the reason is already in the problem log). ``ragged_rows``
    counts rows with the wrong number of cells (reported; read padded or cut to the header).
    """

    name: str
    file: str
    frame: pd.DataFrame
    encoding: str
    status: TableStatus = "ok"
    ragged_rows: int = 0


@dataclass
class RawBook:
    """The tables found in a folder, the fingerprint of their files and, for a pseudonymized
    book, its manifest."""

    folder: Path
    tables: dict[str, RawTable] = field(default_factory=dict)
    fingerprint: str = ""
    manifest: Manifest | None = None


def decode_csv(data: bytes) -> bytes:
    """The CSV bytes as UTF-8 (BOM removed); raises :class:`UndecodableError`.

    >>> decode_csv(b"\\xef\\xbb\\xbfa,b\\n")
    b'a,b\\n'
    >>> decode_csv("陆涛,示例".encode("gb18030")).decode()  # 陆 alone would be valid UTF-8
    '陆涛,示例'
    >>> decode_csv(b"\\xe4\\xbf\\x9d\\xff")
    Traceback (most recent call last):
    ...
    ingest.reader.UndecodableError: undecodable text at byte 3
    """
    return _decode(data)[0]


def _decode(data: bytes) -> tuple[bytes, str]:
    if data.startswith(_BOM):
        body = data[len(_BOM):]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UndecodableError(exc.start + len(_BOM)) from None
        return body, "utf-8-sig"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    try:
        return data.decode("gb18030").encode("utf-8"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UndecodableError(max(utf8_error, exc.start)) from None


_CSV_MARKS = re.compile(rb'["\r\n,]')


def _row_and_column(data: bytes, offset: int) -> tuple[int, str | None]:
    """The spreadsheet row of byte ``offset`` of a CSV file, and the header of the cell holding
    it (``None`` in the header or past the header's columns). Line ends and commas count only
    outside quotes, so a quoted cell over several lines is one row; a line may end in CR LF, LF
    or CR alone. No UTF-8 or GB18030 character holds a comma, quote, CR or LF byte.

    >>> data = 'name,address\\n张三,"1号\\n2栋"\\n李四,3\\udcff号\\n'.encode("utf-8", "surrogateescape")
    >>> _row_and_column(data, data.index(b"\\xff")), _row_and_column(data, 2)
    ((3, 'address'), (1, None))
    """
    row, cell, quoted, last_cr, header_end = 1, 0, False, -2, -1
    for mark in _CSV_MARKS.finditer(data, 0, offset):
        byte = mark.group()
        if byte == b'"':
            quoted = not quoted
        elif quoted:
            continue
        elif byte == b",":
            cell += 1
        elif not (byte == b"\n" and mark.start() == last_cr + 1):
            if byte == b"\r":
                last_cr = mark.start()
            row, cell = row + 1, 0
            header_end = mark.start() if header_end < 0 else header_end
    if row == 1:
        return row, None
    first = data[:header_end].removeprefix(_BOM)
    try:
        header = next(csv.reader([first.decode("utf-8")]), [])
    except UnicodeDecodeError:
        header = next(csv.reader([first.decode("gb18030", errors="replace")]), [])
    except csv.Error:
        header = []
    return row, header[cell].strip() if cell < len(header) else None


_OTHER_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))


def _header(data: bytes) -> list[str]:
    first = data.split(b"\n", 1)[0].decode("utf-8")
    return next(csv.reader([first]), [])


def _parse_csv_arrow(data: bytes, header: list[str]) -> pa.Table | None:
    """Parse with pyarrow; ``None`` if some row has the wrong number of cells."""
    ragged = False

    def on_invalid(_row: object) -> str:
        nonlocal ragged
        ragged = True
        return "skip"

    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False, quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
    block = _BLOCK_SIZE
    while True:
        try:
            table = pacsv.read_csv(io.BytesIO(data), pacsv.ReadOptions(block_size=block),
                                   parse, convert)
            break
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or block > len(data):
                return None
            block = len(data) + 1  # a cell longer than a block: read in one piece
    return None if ragged else table


def _parse_csv_python(data: bytes, name: str, log: ProblemLog) -> tuple[pd.DataFrame, int]:
    """Slow, exact parser for broken files: reports each ragged row with its row number (and,
    for a row a quote ran over several lines, those lines); returns the rows, padded or cut to
    the header, and how many were ragged."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    header = next(reader)
    rows = []
    ragged, line = 0, reader.line_num
    for number, record in enumerate(reader, start=FIRST_DATA_ROW):
        first, line = line + 1, reader.line_num
        if len(record) != len(header):
            ragged += 1
            spans = (f"; a quote (\") opened in it runs from line {first} to line {line}, so "
                     f"those {line - first + 1} lines were read as this one row: check its quotes"
                     if line > first and any("\n" in cell for cell in record) else "")
            log.add(name, number, None,
                    f"row has {len(record)} cells, the header has {len(header)}{spans}")
            record = (record + [""] * len(header))[:len(header)]
        rows.append(record)
    return pd.DataFrame(rows, columns=header, dtype="str"), ragged


def _read_csv(data: bytes, name: str, log: ProblemLog) -> tuple[pd.DataFrame | None, str, int]:
    """The rows of a CSV file (``None`` when it cannot be read or is empty), its encoding, and
    how many of its rows had the wrong number of cells."""
    try:
        utf8, encoding = _decode(data)
    except UndecodableError as exc:
        log.add(name, *_row_and_column(data, exc.offset),
                f"undecodable text at byte {exc.offset} (neither UTF-8 nor GB18030)")
        return None, "unknown", 0
    if not utf8.strip():
        return None, encoding, 0  # empty file
    if b"\r" in utf8 and b"\n" not in utf8:  # old Mac line endings: every line ends in CR alone
        utf8 = utf8.replace(b"\r", b"\n")
    header = _header(utf8)
    other = next((what for sep, what in _OTHER_SEPARATORS if len(header) == 1 and sep in header[0]), None)
    if other is not None:
        log.add(name, 1, None, f"the header is one column holding {other}: the file is separated by "
                               f"{other}, not commas; save it as comma-separated CSV")
        return None, encoding, 0
    table = _parse_csv_arrow(utf8, header) if len(set(header)) == len(header) else None
    if table is None:
        frame, ragged = _parse_csv_python(utf8, name, log)
        return frame, encoding, ragged
    return table.to_pandas(), encoding, 0


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type):
        column = pc.strftime(column, format="%Y-%m-%d")
    elif not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


_FLOAT_EXACT_BITS = {16: 11, 32: 24, 64: 53}  # significand bits of IEEE half, single, double


def _numbers_as_text(column: pa.ChunkedArray, file: str, name: str, log: ProblemLog,
                     kind: ColumnKind) -> pa.ChunkedArray:
    """A record id or identifier column stored as numbers, as exact digits (see the module)."""
    key = kind is ColumnKind.KEY
    log.add(file, 1, name, f"{'record id' if key else 'identifier'} column stored as numbers "
            f"({column.type}) in Parquet: read as exact digits where the numbers hold them; "
            "store identifiers as text (a number keeps no leading zero or X)", "warning")
    if not pa.types.is_floating(column.type):
        text = pc.cast(column, pa.string())
        if pa.types.is_decimal(column.type):
            text = pc.replace_substring_regex(text, pattern=r"\.0+$", replacement="")
        return pc.fill_null(text, "")
    values = column.to_numpy().astype(np.float64)  # nulls are NaN
    limit = 2.0 ** _FLOAT_EXACT_BITS[column.type.bit_width]
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (values == np.floor(values)) & (np.abs(values) <= limit)
    text = np.where(whole, np.where(whole, values, 0).astype(np.int64).astype(str), "")
    for row in np.flatnonzero(~whole & ~np.isnan(values)):
        log.add(file, int(row) + FIRST_DATA_ROW, name,
                f"a float{column.type.bit_width} number cannot hold every digit of this "
                f"{'record id' if key else 'identifier'}; not rounded: "
                + ("the record cannot be identified" if key else
                   "left out of the graph (record kept)"),
                "error" if key else "warning", value=repr(float(values[row])),
                masked=kind in IDENTIFIER_KINDS)
    return pa.chunked_array([pa.array(text, type=pa.string())])


def _read_parquet(data: bytes, table: str, name: str, log: ProblemLog) -> pd.DataFrame | None:
    try:
        parquet = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError) as exc:
        log.add(name, None, None, f"unreadable Parquet file: {exc}")
        return None
    columns = []
    for header, column in zip(parquet.column_names, parquet.columns, strict=True):
        contract = resolve_header(table, str(header))
        kind = CONTRACT[table].column(contract).kind if contract else None
        numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or (
            pa.types.is_decimal(column.type))
        if numeric and contract and kind in (*IDENTIFIER_KINDS, ColumnKind.KEY):
            columns.append(_numbers_as_text(column, name, contract, log, kind))
        else:
            columns.append(_readable_as_text(column, name, str(header), log))
    return pa.table(columns, names=parquet.column_names).to_pandas()


def _readable_as_text(column: pa.ChunkedArray, file: str, header: str, log: ProblemLog) -> pa.ChunkedArray:
    """:func:`_as_text`, or, for a column no cell of which is one value's text (lists, structs,
    maps: a pipeline's nested data) or for bytes that are not UTF-8 text, an error naming the
    column (and the rows of the bytes) and a blank column in its place."""
    if pa.types.is_nested(column.type):
        log.add(file, 1, header, f"column of {column.type} in Parquet: each cell must be one value "
                "(text, a number or a date), not a list, map or record")
        return _blank(len(column))
    try:
        return _as_text(column)
    except pa.ArrowException as exc:
        bad = [row for row, cell in enumerate(column.to_pylist())
               if isinstance(cell, bytes) and not _is_utf8(cell)]
        for row in bad[:_MAX_ROWS_NAMED]:
            log.add(file, row + FIRST_DATA_ROW, header, f"bytes that are not UTF-8 text in a {column.type} column")
        if not bad:
            log.add(file, 1, header, f"column of {column.type} in Parquet cannot be read as text: {exc}")
        return _blank(len(column))


def _blank(rows: int) -> pa.ChunkedArray:
    """A column of empty text standing in for one refused (the file is refused either way)."""
    return pa.chunked_array([pa.array([""] * rows, pa.string())])


_MAX_ROWS_NAMED = 100
"""Rows named one by one for a column of undecodable bytes; the file is refused either way."""


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _map_columns(frame: pd.DataFrame, table: str, file: str, log: ProblemLog,
                 pseudonymized: bool) -> pd.DataFrame:
    keep: dict[int, str] = {}  # by position: a header may be written twice
    named_by: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(frame.columns):
        column = resolve_header(table, str(header), pseudonymized)
        if column is None:
            ignored.append(str(header))
        elif column in named_by:
            first = next(p for p, c in keep.items() if c == column)
            log.add(file, 1, column, f"headers {named_by[column]!r} and {header!r} both name column "
                                     f"{column} (columns {first + 1} and {position + 1})")
        else:
            keep[position] = column
            named_by[column] = str(header)
    if ignored:
        log.add(file, 1, None, f"column(s) not in the input contract, ignored: {', '.join(ignored)}",
                "warning")
    mapped = frame.iloc[:, list(keep)].set_axis(list(keep.values()), axis=1)
    mapped.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(mapped))
    return mapped


def _table_file(folder: Path, table: str, log: ProblemLog) -> Path | None:
    found = [p for p in (folder / f"{table}.csv", folder / f"{table}.parquet") if p.is_file()]
    if len(found) > 1:
        log.add(found[0].name, None, None,
                f"both {found[0].name} and {found[1].name} exist; keep only one")
        return None
    return found[0] if found else None


_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".et", ".ods")


def _stray_file(path: Path, read: set[str]) -> tuple[str, Severity] | None:
    """What to say of a file in the folder that is not read as a table, if anything: a file
    named for a table in another letter case or form (``Customers.CSV``, ``customers.xlsx``)
    is an error unless the table was read from its own file (``read``: the tables read), as
    its rows would otherwise be left out with nothing but "required file missing" to say why
    (with its own file there, it is the workbook it was saved from: a warning); any other
    ``.csv`` or ``.parquet`` is ignored with a warning."""
    typed = Path(unicodedata.normalize("NFKC", path.name))  # ｃｕｓｔｏｍｅｒｓ.csv too
    table, suffix = typed.stem.strip().lower(), typed.suffix.lower()
    severity: Severity = "warning" if table in read else "error"
    if table in CONTRACT and not path.is_file():
        return f"a folder, not a file: the {table} table is read from {table}.csv or {table}.parquet", severity
    if path.name == ANSWER_KEY or (table in CONTRACT and path.name in (f"{table}.csv", f"{table}.parquet")):
        return None  # the table's own file (when both exist, that is reported once)
    if table in CONTRACT:
        if suffix in _WORKBOOKS:
            return (f"a spreadsheet workbook is not read: save its sheet as {table}.csv (UTF-8) "
                    f"or {table}.parquet"), severity
        if suffix in (".csv", ".parquet"):
            return f"not read: name it {table}{suffix} (lower case, no spaces)", severity
        return f"not read: the {table} table is read from {table}.csv or {table}.parquet", severity
    if suffix in (".csv", ".parquet") and path.is_file():
        return "not a table of the input contract; ignored", "warning"
    return None


def read_folder(folder: Path, log: ProblemLog) -> RawBook:
    """Read every contract table present in ``folder``; problems go to ``log``.

    Missing files are not reported here (validation decides which tables are required);
    a file that cannot be read at all is reported and left out of the book. A folder with a
    manifest (:mod:`ingest.manifest`) is a pseudonymized book: its tables keep the columns of
    :func:`~ingest.contract.pseudonym_columns` too.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"input folder {folder} does not exist or is not a folder")
    book = RawBook(folder, manifest=read_manifest(folder))
    digest = hashlib.sha256()
    paths = {t: p for t in CONTRACT if (p := _table_file(folder, t, log)) is not None}
    for path in sorted(folder.iterdir()):
        if path.name not in {p.name for p in paths.values()} and (stray := _stray_file(path, set(paths))):
            log.add(path.name, None, None, *stray)
    for table, path in sorted(paths.items(), key=lambda item: item[1].name):
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + len(data).to_bytes(8, "big") + data)
        ragged = 0
        if path.suffix == ".csv":
            frame, encoding, ragged = _read_csv(data, path.name, log)
        else:
            frame, encoding = _read_parquet(data, table, path.name, log), "parquet"
        if frame is None:
            status: TableStatus = "unreadable" if data.strip() else "empty"
            book.tables[table] = RawTable(table, path.name, pd.DataFrame(), encoding, status)
        else:
            frame = _map_columns(frame, table, path.name, log, book.manifest is not None)
            book.tables[table] = RawTable(table, path.name, frame, encoding, ragged_rows=ragged)
    book.fingerprint = digest.hexdigest()
    return book

