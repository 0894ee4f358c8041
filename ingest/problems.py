"""Problems found in an input folder, the error that carries them, and their CSV report.

Row numbers are those a person sees when opening the file in a spreadsheet: the header is
row 1 and the first record row 2. Identifier values are masked; long text is truncated; control
characters in anything a problem shows are escaped (:func:`graph.escaping.escape_text`), on the
terminal and in the CSV report alike.

>>> p = Problem("customers.csv", 7, "phone", "12", "not a valid phone number", "warning")
>>> str(p)
'customers.csv row 7, column phone: not a valid phone number (value 12) [warning]'
>>> print(Problem("surrenders.csv", 2, "reason_text", "ok\\x1b[2J", "control character in text"))
surrenders.csv row 2, column reason_text: control character in text (value ok\\x1b[2J) [error]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from graph.errors import InputError
from graph.escaping import escape_text
from graph.masking import mask_identifier
from graph.spreadsheet_csv import spreadsheet_bytes, spreadsheet_csv

__all__ = [
    "Problem",
    "ProblemLog",
    "Severity",
    "ValidationError",
    "display_value",
    "write_problems_csv",
]

Severity = Literal["error", "warning"]
MAX_SHOWN_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (``row``/``column`` may be ``None`` for file-level problems)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    severity: Severity = "error"

    def __post_init__(self) -> None:
        # Every text here may hold what the input holds (a value, a header, a file name).
        for name in ("file", "column", "value", "reason"):
            text = getattr(self, name)
            if text is not None:
                object.__setattr__(self, name, escape_text(text))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        shown = f" (value {self.value})" if self.value else ""
        return f"{where}: {self.reason}{shown} [{self.severity}]"


class ValidationError(InputError):
    """The input folder has error-severity problems; nothing was stored. ``problems`` has them all."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        shown = "; ".join(str(p) for p in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(f"{len(errors)} input error(s): {shown}{more}")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def display_value(value: object, masked: bool) -> str | None:
    """A value as shown in a report: masked when it is an identifier, truncated when long.

    >>> display_value("13812345678", masked=True)
    '138****5678'
    >>> display_value("很" * 100, masked=False)[-15:]
    '很很… (100 chars)'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    if masked:
        text = mask_identifier("".join(text[:40].split()))
    if len(text) > MAX_SHOWN_CHARS:
        return f"{text[:MAX_SHOWN_CHARS]}… ({len(text)} chars)"
    return text


class ProblemLog:
    """Collects problems, one at a time or for many rows of a column at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, reason: str,
            severity: Severity = "error", value: object = None, masked: bool = False) -> None:
        self.problems.append(Problem(file, row, column, display_value(value, masked), reason, severity))

    def add_rows(self, file: str, column: str | None, values: pd.Series, reason: str,
                 severity: Severity = "error", masked: bool = False) -> None:
        """One problem per row of ``values`` (its index holds the row numbers)."""
        shown = values.astype(object).tolist()
        for row, value in zip(values.index.tolist(), shown, strict=True):
            self.problems.append(
                Problem(file, int(row), column, display_value(value, masked), reason, severity)
            )

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        """Errors first, then by file, row and column."""
        return sorted(self.problems, key=lambda p: (
            p.severity != "error", p.file, p.row if p.row is not None else -1, p.column or ""
        ))


def write_problems_csv(problems: Iterable[Problem], path: Path) -> Path:
    """Write problems as UTF-8 CSV (with BOM, so spreadsheets detect it) by
    :func:`graph.spreadsheet_csv.spreadsheet_csv` (formula-like cells neutralised); control
    characters are escaped (as in every :class:`Problem`), so each problem is one line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = spreadsheet_csv([f.name for f in fields(Problem)], (astuple(p) for p in problems))
    path.write_bytes(spreadsheet_bytes(text))
    return path
