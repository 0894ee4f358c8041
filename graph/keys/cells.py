"""What spreadsheets and clerks do to a cell before it reaches us, undone where it can be.

Every cell a key is made from is first *cleaned* (:func:`clean_cell`):

* NFKC, so full-width digits, letters and punctuation (``１３８``, ``＋８６``, ``（``) are the
  ASCII ones and no-break or ideographic spaces are spaces;
* invisible characters removed: every Unicode ``Default_Ignorable_Code_Point`` (zero-width
  space, non-joiner and joiner U+200B–U+200D, word joiner U+2060, the byte-order mark U+FEFF
  inside a cell, soft hyphen, bidirectional marks, variation selectors …);
* surrounding whitespace trimmed, then the wrappers people use to force a spreadsheet to keep
  a number as text: a formula ``="…"``, surrounding double quotes, a leading ``'`` (or ``‘``,
  ``’``, a backtick).

Cells that hold a *number* (phones, ID numbers, bank cards, record ids) may also have been
rendered by a spreadsheet or a float (:func:`number_text`): ``15712349999.0``, ``15,712,349,999``
and ``1.5712349999E+10`` carry every digit and are recovered when the number is small enough
for a float to hold it exactly (at most 2**53, i.e. every number of up to 15 digits); a number
whose digits a rendering lost (``6.22203E+18``: Excel keeps six) or that is too long for a
float is :class:`Damaged`: it must never become a key, because two different numbers
damaged the same way become the same text.

>>> clean_cell(" '１１０１０５\\u200b19800101０１１２ ")
'110105198001010112'
>>> clean_cell('="0797-8123456"')
'0797-8123456'
>>> number_text("15712349999.0")
'15712349999'
>>> number_text("6.22203E+18")
Damaged(reason='scientific notation: a spreadsheet kept 6 of its digits, the others are lost')
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys.columns import matches

__all__ = [
    "FLOAT_EXACT_LIMIT",
    "IGNORABLE",
    "IGNORABLE_RE2",
    "PLACEHOLDERS",
    "Damaged",
    "blank_cells",
    "clean_cell",
    "identifier_cell",
    "number_cell",
    "number_text",
    "plain_mask",
    "run_together",
    "with_damage",
]

FLOAT_EXACT_LIMIT = 2**53
"""The largest integer below which a float64 (what spreadsheets store) holds every integer."""

# Unicode's Default_Ignorable_Code_Point property (DerivedCoreProperties.txt, stable since
# Unicode 5): characters with no glyph of their own, which survive NFKC.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
IGNORABLE = re.compile("[" + "".join(
    f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in _IGNORABLE_RANGES) + "]")
"""Unicode's Default_Ignorable_Code_Point characters as a Python character class."""
IGNORABLE_RE2 = "[" + "".join(
    f"\\x{{{a:x}}}-\\x{{{b:x}}}" if a != b else f"\\x{{{a:x}}}" for a, b in _IGNORABLE_RANGES) + "]"
"""The same characters as an RE2 (Arrow) character class."""

_WRAPPED = re.compile(r'="(.*)"|"(.*)"', re.S)
_TEXT_MARKS = "'‘’`"
# Trimmed strings that need more than NFKC: a wrapper at either end, or a character Python and
# Arrow disagree about as whitespace.
_UNWRAP_RE2 = "^\\s*[='\"‘’`]|\"\\s*$"
_ODD_SPACE_RE2 = (r"[\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
                  r"\x{202f}\x{205f}\x{3000}]")


PLACEHOLDERS = frozenset({"无", "没有", "暂无", "同上", "同前", "不详", "未知", "空", "待定"})
"""What clerks type into a cell that has nothing to say: read as an empty cell, never as a
value (``无`` as the phone of a hundred customers is no shared phone)."""
_PLACEHOLDER_RE2 = "^\\s*(" + "|".join(re.escape(p) for p in sorted(PLACEHOLDERS)) + ")\\s*$"

_SPECIAL_RE2 = "|".join((IGNORABLE_RE2, _UNWRAP_RE2, _ODD_SPACE_RE2, _PLACEHOLDER_RE2, r"^\s*[0-9]+\.0+\s*$",
                         r"[0-9][eE][+\-]?[0-9]", r"^\s*[0-9]{1,3}(,[0-9]{3})+"))


class Damaged(NamedTuple):
    """A cell whose identifier a rendering destroyed; ``reason`` says how."""

    reason: str


def _clean_once(text: str) -> str:
    text = IGNORABLE.sub("", unicodedata.normalize("NFKC", IGNORABLE.sub("", text))).strip()
    wrapped = _WRAPPED.fullmatch(text)
    if wrapped:
        text = (wrapped.group(1) if wrapped.group(1) is not None else wrapped.group(2)).strip()
    if text[:1] in _TEXT_MARKS:
        text = text[1:].strip()
    return text


def clean_cell(raw: object) -> str | None:
    """A cell as clean text: NFKC, invisible characters removed, trimmed, text-forcing wrappers
    (``="…"``, ``"…"``, a leading ``'``) taken off, until nothing changes; ``None`` for missing
    (``None``, NA, NaN), blank cells and :data:`PLACEHOLDERS`.

    >>> clean_cell("\ufeff＝＂１３８＂"), clean_cell("`6222 0202"), clean_cell("\u200b") is None
    ('138', '6222 0202', True)
    >>> clean_cell(" 无 ") is None, clean_cell("同上") is None, clean_cell("无锡")
    (True, True, '无锡')
    """
    if raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw):
        return None
    text, cleaned = str(raw), _clean_once(str(raw))
    while cleaned != text:
        text, cleaned = cleaned, _clean_once(cleaned)
    return text if text and text not in PLACEHOLDERS else None


def blank_cells(series: pd.Series) -> pd.Series:
    """Which cells of a column :func:`clean_cell` makes ``None``: missing, blank, only
    invisible characters or an empty wrapper (``'``, ``=""``). Boolean, on ``series.index``.

    >>> blank_cells(pd.Series(["", " x", "\u200b ", '=""', None, "'"])).tolist()
    [True, False, True, True, True, True]
    """
    values = pa.array(series.astype(object) if series.dtype == object else series,
                      type=pa.large_string(), from_pandas=True)
    blank = ~np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    # An ASCII letter or digit survives cleaning; only the other cells need a closer look.
    suspect = np.flatnonzero(~blank & ~matches(values, "[0-9A-Za-z]"))
    if len(suspect):
        codes, uniques = pd.factorize(series.iloc[suspect])
        empty = np.array([clean_cell(u) is None for u in uniques], dtype=bool)
        blank[suspect] = empty[codes]
    return pd.Series(blank, index=series.index)


_DECIMAL = re.compile(r"(\d+)\.0+")
_GROUPED = re.compile(r"(\d{1,3}(?:,\d{3})+)(?:\.0+)?")
_SCIENTIFIC = re.compile(r"(\d+)(?:\.(\d*))?[eE]([+-]?\d{1,4})")


def _exact(digits: str, rendering: str) -> str | Damaged:
    if int(digits) > FLOAT_EXACT_LIMIT:
        return Damaged(f"{rendering}: a number of {len(digits.lstrip('0'))} digits is longer "
                       "than a spreadsheet holds exactly, its last digits cannot be trusted")
    return digits


def number_text(text: str) -> str | Damaged:
    """Undo a spreadsheet's or a float's rendering of a whole number in cleaned text.

    Text that is not such a rendering comes back unchanged. Leading zeros of ``…​.0`` text stay
    (it was text); a float could not have kept them, so other renderings give the number.

    >>> number_text("1.5712349999E+10"), number_text("15,712,349,999"), number_text("0797.0")
    ('15712349999', '15712349999', '0797')
    >>> number_text("6222029900000001018.0").reason[:60]
    'float rendering: a number of 19 digits is longer than a spre'
    >>> number_text("138.1234.5678"), number_text("A1.0")
    ('138.1234.5678', 'A1.0')
    """
    decimal = _DECIMAL.fullmatch(text)
    if decimal:
        return _exact(decimal.group(1), "float rendering")
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        return _exact(grouped.group(1).replace(",", ""), "thousands separators")
    scientific = _SCIENTIFIC.fullmatch(text)
    if scientific:
        whole, fraction, exponent = scientific.group(1), scientific.group(2) or "", int(
            scientific.group(3))
        written = len((whole + fraction).lstrip("0")) or 1
        if exponent < 0 or exponent < len(fraction.rstrip("0")) or exponent > len(fraction):
            return Damaged(f"scientific notation: a spreadsheet kept {written} of its digits, "
                           "the others are lost")
        return _exact(str(int(whole + fraction[:exponent])), "scientific notation")
    return text


def number_cell(raw: object) -> str | Damaged | None:
    """:func:`clean_cell`, then :func:`number_text`: how a cell holding a number is read.

    >>> number_cell(' ="1.5712349999E+10" ')
    '15712349999'
    """
    text = clean_cell(raw)
    return None if text is None else number_text(text)


def run_together(text: str, other: re.Pattern[str]) -> bool:
    """Whether digits stand on both sides of a mark ``other`` matches (text, a stray bracket, a
    plus, a star): two numbers, or a number and a note's digits, that only a careless reading
    runs into one (``1381234568号1``, ``1381234568（1``, ``6222…344+6``, an outside tester's).

    >>> marks = re.compile(r"[^0-9 \\-]+")
    >>> run_together("1381234568（1", marks), run_together("138 1234-5678", marks)
    (True, False)
    """
    return sum(1 for run in other.split(text) if any(c.isdigit() for c in run)) > 1


# A clerk's note in brackets after an identifier: whose number it is, a bed, a room.
_NOTE = re.compile(r"(.*?\S)\s*[(\[【〔]\s*[^()\[\]【】〔〕]{1,16}?\s*[)\]】〕]\s*")


def identifier_cell(raw: object) -> str | Damaged | None:
    """:func:`number_cell` of a phone, ID number or bank card cell, with a clerk's note in
    brackets at its end cut off first (``13812345678（子女）``, ``3622…8692（代办人）``,
    ``1381234568（1号床）``). No such identifier ends in a bracket, so the note is no part of it,
    digits and all: read whole, a note's digits ran on after a short number and made another
    person's number of it (an outside tester's).

    >>> identifier_cell("138 1234 5678（子女）"), identifier_cell("1381234568（1号床）")
    ('138 1234 5678', '1381234568')
    >>> identifier_cell("13812345696.0【本人】"), identifier_cell("(0797)8123456")
    ('13812345696', '(0797)8123456')
    """
    text = clean_cell(raw)
    if text is None:
        return None
    note = _NOTE.fullmatch(text)
    return number_text(note.group(1) if note else text)


def with_damage(found: tuple[object, ...] | Damaged | None,
                width: int) -> tuple[object, ...] | None:
    """A normalizer's result as a row for :func:`~graph.keys.columns.expand`: its ``width``
    fields (all ``None`` when damaged), then the damage reason (``None`` when not damaged).

    >>> with_damage(("k", True), 2), with_damage(Damaged("lost"), 2), with_damage(None, 2)
    (('k', True, None), (None, None, 'lost'), None)
    """
    if isinstance(found, Damaged):
        return (None,) * width + (found.reason,)
    return None if found is None else (*found, None)


def plain_mask(text: pa.Array) -> np.ndarray:
    """Which NFKC-normalized strings :func:`clean_cell` leaves as they are and
    :func:`number_text` need not look at (no invisible character, wrapper, odd space, or the
    marks of a number rendering); the vectorised fast paths decide only these."""
    special = matches(text, _SPECIAL_RE2)
    return ~special & np.asarray(pc.is_valid(text).to_numpy(zero_copy_only=False), dtype=bool)
