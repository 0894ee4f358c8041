"""CSV text for people to open in a spreadsheet: the one writer of every CSV file RingScope
writes for people (the ingest's ``--errors`` report, ``ringscope export rings --format csv``,
the tables of a case file), and the bytes such a file is written as (:func:`spreadsheet_bytes`:
UTF-8 with a byte-order mark, so that Excel on a Chinese Windows does not read it as GBK).

Its cells hold text RingScope did not write (a cell of an input file, an investigator's note),
and two things such a cell could do in a spreadsheet are closed:

- **run as a formula.** A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return (the prefixes OWASP's "CSV Injection" page lists) gets a leading ``'``, so a
  spreadsheet shows it as text;
- **forge a row.** A cell holding a line feed or a carriage return is quoted (RFC 4180), so the
  break stays inside its cell: a bare carriage return ends a record for spreadsheets and for
  Python's ``csv`` alike, and Python's writer quotes only the characters of its own line
  terminator, so the terminator here is ``\\r\\n`` (RFC 4180's), which holds both.

>>> spreadsheet_csv(["note"], [["=1+1"], ["\\r=1+1"], ["\\t@SUM(1)"], ["ok"]]).split("\\r\\n")
['note', "'=1+1", '"\\'\\r=1+1"', "'\\t@SUM(1)", 'ok', '']
>>> import csv, io
>>> list(csv.reader(io.StringIO(spreadsheet_csv(["a", "b"], [["x\\ry", "z"]]), newline="")))
[['a', 'b'], ['x\\ry', 'z']]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

__all__ = ["FORMULA_STARTS", "neutralise_cell", "spreadsheet_bytes", "spreadsheet_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula (it starts
    with one of :data:`FORMULA_STARTS`), else unchanged.

    >>> neutralise_cell("-1"), neutralise_cell("\\t=1"), neutralise_cell("C1")
    ("'-1", "'\\t=1", 'C1')
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def spreadsheet_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of ``header`` and ``rows`` (each cell written as ``str(cell)``, ``None`` as
    an empty cell), every cell neutralised (:func:`neutralise_cell`), lines ending in ``\\r\\n``
    and every cell holding a line break or a comma or a quote quoted. Write it with
    ``newline=""`` (or as bytes) so that nothing translates its line ends.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_cell(str(cell)) for cell in header])
    for row in rows:
        writer.writerow(["" if cell is None else neutralise_cell(str(cell)) for cell in row])
    return buffer.getvalue()


def spreadsheet_bytes(text: str) -> bytes:
    """The bytes of a CSV file for people holding ``text`` (:func:`spreadsheet_csv`): UTF-8 with
    a byte-order mark. Excel opens a CSV file without one in the system's code page (GBK on a
    Chinese Windows), which garbles every Chinese name and sentence; with it, Excel, LibreOffice,
    pandas and RingScope's own ingest (which reads such files) all read UTF-8.

    >>> data = spreadsheet_bytes(spreadsheet_csv(["姓名"], [["李明"]]))
    >>> data[:3], data.decode("utf-8-sig")
    (b'\\xef\\xbb\\xbf', '姓名\\r\\n李明\\r\\n')
    """
    return text.encode("utf-8-sig")
