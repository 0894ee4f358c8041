"""How cells typed the ways real exports type them are read: worked examples, each run through
the code that ingest runs, as the README's table of readings (``tests/test_readme.py`` checks
that the README shows exactly this table).

>>> reading(Example("phone", "0797-8123456转801"))
('+867978123456', 'recovered')
>>> reading(Example("id_number", "360702199001010010"))  # a county younger than its holder
('360702199001010010', 'valid')
>>> reading(Example("date", "2023111"))[1]
'refused: a compact date has exactly 8 digits (YYYYMMDD); 2023111 could be read more than one way'
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import pandas as pd

from graph.keys import (
    normalize_addresses,
    normalize_bank_accounts,
    normalize_id_numbers,
    normalize_phones,
    normalize_record_keys,
)
from graph.keys.cells import IGNORABLE
from graph.keys.dates import DateProblem, parse_date

__all__ = ["EXAMPLES", "Example", "reading", "readings_markdown"]

CellKind = Literal["phone", "id_number", "bank_account", "address", "record id", "date"]


class Example(NamedTuple):
    """A cell of one kind of column, as typed."""

    kind: CellKind
    typed: str


EXAMPLES: tuple[Example, ...] = (
    Example("phone", "+86 138-1234-5678"),
    Example("phone", "１３８　１２３４　５６７８"),
    Example("phone", "15712349999.0"),
    Example("phone", "1.5712349999E+10"),
    Example("phone", "0797-8123456转801"),
    Example("phone", "(0797)8123456 分机 801"),
    Example("phone", "0797-8123456 ext. 801"),
    Example("phone", "138 1234 5678（子女）"),
    Example("id_number", "'320102198805050013"),
    Example("id_number", '="320102198805050013"'),
    Example("id_number", "110105 19491231 002x"),
    Example("id_number", "\u200b320102198805050013\ufeff"),
    Example("id_number", "320102880505001"),
    Example("id_number", "360702199001010010"),
    Example("bank_account", "6222 0202 0011 2233 446"),
    Example("bank_account", "6222020200112230.0"),
    Example("bank_account", "6,222,020,200,112,230"),
    Example("address", "红旗大道 1 号 10幢 2单元号 301室"),
    Example("address", "红旗大道一号十号楼二号单元三零一室"),
    Example("address", "湖南省衡阳市祁东县灶市街5号"),
    Example("record id", "Ｐ００１"),
    Example("record id", "1001.0"),
    Example("record id", "“P001”"),
    Example("date", "2023/11/1 0:00"),
    Example("date", "２０２３１１０１"),
    Example("date", "2023-11-01T08:30+08:00"),
    Example("phone", "12345"),
    Example("id_number", "320102198805050012"),
    Example("bank_account", "6222 0202 0011 2233 445"),
    Example("phone", "1.57123E+10"),
    Example("bank_account", "6.22203E+18"),
    Example("bank_account", "6222029900000001018.0"),
    Example("id_number", "1.10105E+17"),
    Example("record id", "2.02311E+15"),
    Example("date", "2023111"),
    Example("date", "202312"),
    Example("date", "45231"),
    Example("date", "11/01/2023"),
    Example("date", "2024-02-30"),
)
"""Recovered first, then flagged (kept, with a warning), then refused (error, exit code 2)."""

_FLAGS = {"phone": "not a valid phone number", "id_number": "fails the ID number checks",
          "bank_account": "fails the Luhn check"}


def reading(example: Example) -> tuple[str, str]:
    """What ``example`` becomes (its node key or ISO date, ``—`` for none) and what happens:
    ``valid`` (as typed), ``recovered`` (written another way), ``flagged: …`` (a warning; the
    record is kept) or ``refused: …``."""
    cell = pd.Series([example.typed])
    if example.kind == "date":
        parsed = parse_date(example.typed)
        if isinstance(parsed, DateProblem):
            return "—", "refused: " + parsed.reason.removeprefix("not a date: ")
        return str(parsed), _as_typed(example, str(parsed))
    if example.kind == "address":
        address = normalize_addresses(cell).iloc[0]
        return str(address), _as_typed(example, str(address))
    if example.kind == "record id":
        key = normalize_record_keys(cell).iloc[0]
        if pd.isna(key["value"]):
            return "—", f"refused: {key['damaged']}"
        return str(key["value"]), _as_typed(example, str(key["value"]))
    normalizer = {"phone": normalize_phones, "id_number": normalize_id_numbers,
                  "bank_account": normalize_bank_accounts}[example.kind]
    row = normalizer(cell).iloc[0]
    if pd.isna(row["value"]):
        return "—", f"flagged, left out of the graph: {row['damaged']}"
    if not bool(row["luhn_valid" if example.kind == "bank_account" else "valid"]):
        return str(row["value"]), f"flagged: {_FLAGS[example.kind]} (kept as a node)"
    return str(row["value"]), _as_typed(example, str(row["value"]))


def _as_typed(example: Example, value: str) -> str:
    return "valid" if example.typed == value else "recovered"


def _shown(typed: str) -> str:
    """``typed`` for Markdown, with invisible and odd space characters named."""
    named = IGNORABLE.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", typed)
    return "`" + named.replace("\u3000", "⟨U+3000⟩") + "`"


def readings_markdown() -> str:
    """The examples as a Markdown table: column kind, as typed, read as, what happens."""
    lines = ["| column kind | as typed | read as | what happens |", "|---|---|---|---|"]
    for example in EXAMPLES:
        value, outcome = reading(example)
        shown = value if value == "—" else f"`{value}`"
        lines.append(f"| {example.kind} | {_shown(example.typed)} | {shown} | {outcome} |")
    return "\n".join(lines) + "\n"
