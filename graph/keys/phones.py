"""Phone keys: a phone number as typed → E.164 with its kind (Phone node keys).

Pure functions, safe to call per request (real-time scoring uses them), and a vectorised
variant for whole columns that agrees with ``phonenumbers`` (region CN) by construction.

The cell is cleaned first (:mod:`graph.keys.cells`: full-width characters, invisible
characters, text-forcing wrappers, ``.0`` and other spreadsheet renderings, a clerk's note in
brackets: :func:`graph.keys.cells.identifier_cell`). An extension
(``转801``, ``分机 801``, ``ext. 801``, ``x801``) is not part of the key: the key is the line's
E.164 number, as ``phonenumbers`` formats a number with an extension, and the number is valid
when the line is.

>>> normalize_phone("+86 138-1234-5678")
Phone(value='+8613812345678', kind='mobile', valid=True)
>>> normalize_phone("0797-8123456转801")
Phone(value='+867978123456', kind='landline', valid=True)
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from graph.keys.cells import Damaged, identifier_cell, plain_mask, run_together, with_damage
from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow, true_mask

__all__ = ["NUMBER_BLOCK_DIGITS", "Phone", "PhoneKind", "is_number_block", "normalize_phone", "normalize_phones",
           "number_block"]

PhoneKind = Literal["mobile", "landline", "other"]

NUMBER_BLOCK_DIGITS = 2
"""Trailing digits a number block leaves open: a block is a hundred consecutive numbers."""
_MOBILE_KEY = re.compile(r"\+861\d{10}")


class Phone(NamedTuple):
    """A phone number: E.164 ``value`` when valid, otherwise the digits as typed."""

    value: str
    kind: PhoneKind
    valid: bool


_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()/]")
_PLAIN_NUMBER = re.compile(r"\+?\d+")
# Carrier-selection prefixes phonenumbers strips from Chinese numbers (e.g. 17951); left to it.
_CARRIER_PREFIX = re.compile(r"1(?:[12]\d|79)\d\d")
_NON_DIGITS = re.compile(r"\D")
# What may stand between a phone's digits: spaces, dashes, dots, slashes. A bracket only around
# a leading area or country code, a plus only at the start.
_NOT_PHONE_MARKS = re.compile(r"[^0-9\s\-\u2010-\u2015\u2212./]+")
_LEADING_CODE = re.compile(r"\A\s*(?:[(\[]\s*(?:\+?86|0\d{2,3})\s*[)\]]|\+)")
# What Chinese and English records write before an extension; the line must end in a digit.
_EXTENSION = re.compile(
    r"(.*?\d)[\s\-]*[(\[]?\s*(?:转分机|分机号?|转|ext\.?|extn\.?|extension|x|#)\s*:?\s*"
    r"(\d{1,6})\s*[)\]]?", re.IGNORECASE)
# A landline written area code, number, extension, all with dashes: 0797-8123457-801.
# (Area codes never start 00: that is the international prefix, 0086….)
_DASH_EXTENSION = re.compile(r"(\(?0[1-9]\d{1,2}\)?[\s\-]?\d{7,8})\s*-\s*(\d{1,5})")
_DASH_EXTENSION_RE2 = r"^\s*\(?0[1-9][0-9]{1,2}\)?[\s\-]?[0-9]{7,8}\s*-\s*[0-9]{1,5}\s*$"


class _Desc(NamedTuple):
    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def matches(self, national: str) -> bool:
        return (not self.lengths or len(national) in self.lengths) and bool(
            self.pattern.fullmatch(national)
        )


def _desc(name: str) -> _Desc | None:
    desc = getattr(_CN, name)
    if desc is None or not desc.national_number_pattern:
        return None
    return _Desc(re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ()))


_GENERAL = _desc("general_desc")
_FIXED = _desc("fixed_line")
_MOBILE = _desc("mobile")
# The special-number types phonenumbers checks before fixed line and mobile, in its order.
_SPECIAL = [
    d for d in map(_desc, ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
                           "pager", "uan", "voicemail"]) if d is not None
]
_KIND_OF_TYPE: dict[int, PhoneKind] = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
}


def _classify_cn(national: str) -> PhoneKind | None:
    """Kind of a Chinese national significant number, ``None`` when it is not a valid number.

    Mirrors ``phonenumbers.number_type`` for region CN using the library's own metadata.
    """
    if _GENERAL is None or _FIXED is None or _MOBILE is None or not _GENERAL.matches(national):
        return None
    if any(d.matches(national) for d in _SPECIAL):
        return "other"
    if _FIXED.matches(national):
        return "other" if _MOBILE.matches(national) else "landline"
    return "mobile" if _MOBILE.matches(national) else None


def _fast_phone(text: str) -> Phone | None:
    """The common Chinese forms without calling the parser; ``None`` means "ask phonenumbers"."""
    compact = _SEPARATORS.sub("", text)
    if not _PLAIN_NUMBER.fullmatch(compact):
        return None
    if compact.startswith("+86"):
        national = compact[3:]
    elif compact.startswith("0086"):
        national = compact[4:]
    elif compact.startswith(("+", "00")):
        return None
    elif compact.startswith("861") and len(compact) == 13:
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = compact
    if national.startswith("0") or _CARRIER_PREFIX.match(national):
        return None
    kind = _classify_cn(national)
    if kind is None:
        return None
    return Phone("+86" + national, kind, True)


def _invalid_phone(text: str) -> Phone:
    """A number the numbering plan does not know, flagged invalid. Mobile-shaped numbers (eleven
    digits from 1, with or without the country code) keep one key however they were typed, since
    a number outside today's allocated ranges (data-only 14x, retired 16x…) still names one SIM.

    >>> _invalid_phone("+86 148 0838 2525") == _invalid_phone("14808382525")
    True

    >>> _invalid_phone("13812345678 张三").value
    '+8613812345678'
    """
    digits = _NON_DIGITS.sub("", text)
    national = digits
    for prefix in ("0086", "86"):
        if national.startswith(prefix) and len(national) == len(prefix) + 11:
            national = national[len(prefix):]
            break
    if len(national) == 11 and national.startswith("1"):
        return Phone("+86" + national, "other", False)
    return Phone(digits or text, "other", False)


def _run_together(line: str) -> bool:
    """Whether the line holds digits on both sides of a mark no phone is typed with (text, a
    stray bracket, a plus after the start, a star): no one number, whatever they add up to.

    >>> _run_together("1381234568号1"), _run_together("1381234568+1"), _run_together("(0797)812-3456")
    (True, True, False)
    """
    return run_together(_LEADING_CODE.sub("", line, count=1), _NOT_PHONE_MARKS)


def _parsed_phone(text: str) -> Phone:
    """Normalize with ``phonenumbers`` (region CN) only: the reference the fast path must match.
    Digits run together across other marks are the cell as typed (:func:`_run_together`)."""
    if _run_together(text):
        return Phone(text, "other", False)
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return _invalid_phone(text)
    if not phonenumbers.is_valid_number(number):
        return _invalid_phone(text)
    kind = _KIND_OF_TYPE.get(phonenumbers.number_type(number), "other")
    return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164), kind, True)


def _line(text: str) -> str:
    """The line of a cleaned phone cell: an extension and its marker cut off."""
    extension = _EXTENSION.fullmatch(text) or _DASH_EXTENSION.fullmatch(text)
    return extension.group(1) if extension else text


def _phone_or_damage(raw: object) -> Phone | Damaged | None:
    text = identifier_cell(raw)
    if text is None or isinstance(text, Damaged):
        return text
    line = _line(text)
    return (None if _run_together(line) else _fast_phone(line)) or _parsed_phone(line)


def normalize_phone(raw: object) -> Phone | None:
    """Normalize a phone number as typed; ``None`` when empty or damaged (``1.57123E+10``).

    Valid numbers become E.164 (``+8613812345678``, landline ``+867978123456``) with their
    kind (400/800 numbers and other special numbers are ``other``). Anything else keeps its
    digits (or the trimmed text if it has none) and ``valid=False``.

    >>> normalize_phone("００８６　１３８.１２３４.５６７８").value
    '+8613812345678'
    >>> normalize_phone("'15712349999.0").value, normalize_phone("0797 8123456 分机 801").value
    ('+8615712349999', '+867978123456')
    >>> normalize_phone("400-800-8888")
    Phone(value='+864008008888', kind='other', valid=True)
    >>> normalize_phone("95519")
    Phone(value='95519', kind='other', valid=False)
    >>> normalize_phone(" ") is None, normalize_phone("1.57123E+10") is None
    (True, True)
    """
    found = _phone_or_damage(raw)
    return found if isinstance(found, Phone) else None


_PHONE_PLAIN = r"^[0-9+\s\-\x{2010}-\x{2015}\x{2212}.()/]*[0-9][0-9+\s\-\x{2010}-\x{2015}\x{2212}.()/]*$"
_LEADING_CODE_RE2 = r"^\s*\(\s*(?:\+?86|0[0-9]{2,3})\s*\)[^()\[\]]*$"
_PHONE_SEPARATORS = r"[\s\-\x{2010}-\x{2015}\x{2212}.()/]"


def _desc_mask(desc: _Desc, national: pa.Array, lengths: np.ndarray) -> np.ndarray:
    ok = matches(national, f"^(?:{desc.pattern.pattern})$")
    if desc.lengths:
        ok &= np.isin(lengths, list(desc.lengths))
    return ok


def _fast_phones(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`_fast_phone` with Arrow kernels; undecided rows are left for the scalar path."""
    text = nfkc_arrow(raw)
    plain = (matches(text, _PHONE_PLAIN) & plain_mask(text) & ~matches(text, _DASH_EXTENSION_RE2)
             & ~matches(text, r"[)\]]\s*$")  # a bracket at the end: a note, read by the scalar path
             & ~(matches(text, r"[()\[\]]") & ~matches(text, _LEADING_CODE_RE2))  # other brackets too
             & ~matches(text, r"^\s*[^+\s].*\+|\+.*\+"))  # and a plus after the start
    compact = pc.replace_substring_regex(text, pattern=_PHONE_SEPARATORS, replacement="")
    plain &= matches(compact, r"^\+?[0-9]+$")
    size = as_numpy(pc.utf8_length(compact)).astype(np.int64)
    cut = np.zeros(len(raw), dtype=np.int64)
    starts = {p: true_mask(pc.starts_with(compact, pattern=p)) for p in ("+86", "0086", "+", "00", "861", "0")}
    cut[starts["0"]] = 1
    cut[starts["861"] & (size == 13)] = 2
    plain &= ~((starts["+"] & ~starts["+86"]) | (starts["00"] & ~starts["0086"]))
    cut[starts["0086"]] = 4
    cut[starts["+86"]] = 3
    national = pa.array(
        [c[k:] if isinstance(c, str) else None for c, k in zip(as_numpy(compact), cut, strict=True)],
        type=pa.string())
    lengths = size - cut
    plain &= ~matches(national, r"^(?:0|1(?:[12][0-9]|79)[0-9][0-9])")
    if _GENERAL is None or _FIXED is None or _MOBILE is None:
        return [np.full(len(raw), None, dtype=object)] * 4, np.zeros(len(raw), dtype=bool)
    plain &= _desc_mask(_GENERAL, national, lengths)
    special = np.zeros(len(raw), dtype=bool)
    for desc in _SPECIAL:
        special |= _desc_mask(desc, national, lengths)
    fixed, mobile = _desc_mask(_FIXED, national, lengths), _desc_mask(_MOBILE, national, lengths)
    kind = np.select([special, fixed & mobile, fixed, mobile],
                     ["other", "other", "landline", "mobile"], default="")
    decided = plain & (kind != "")
    value = np.char.add("+86", np.asarray(as_numpy(national), dtype=str))
    none = np.full(len(raw), None, dtype=object)
    return [value.astype(object), kind.astype(object), np.full(len(raw), True, dtype=object),
            none], decided


def normalize_phones(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_phone`: columns ``value``, ``kind``, ``valid`` and
    ``damaged`` (why a damaged cell has no value); missing = NA.

    >>> normalize_phones(pd.Series(["13812345678", "", "+86 138 1234 5678"]))["value"].tolist()
    ['+8613812345678', nan, '+8613812345678']
    """
    return expand(series, lambda raw: with_damage(_phone_or_damage(raw), 3), ["value", "kind", "valid", "damaged"],
                  ["str", "str", "boolean", "str"], _fast_phones)


def number_block(key: str) -> str | None:
    """The block of a hundred consecutive mobile numbers a Phone key belongs to: the key with
    its last :data:`NUMBER_BLOCK_DIGITS` digits masked. ``None`` for a landline, a number not
    in E.164 form, or a pseudonymized key.

    SIM cards bought in one batch carry consecutive numbers (连号): an agency that hands each
    customer a fresh SIM card (``../shared/domain.md``) leaves its customers' numbers in one
    block, all different yet all of one purchase.

    >>> number_block("+8617067681643"), number_block("+8617067681667")
    ('+86170676816**', '+86170676816**')
    >>> number_block("+867978123456") is None, number_block("sha256:ab12") is None
    (True, True)
    """
    if not _MOBILE_KEY.fullmatch(key):
        return None
    return key[:-NUMBER_BLOCK_DIGITS] + "*" * NUMBER_BLOCK_DIGITS


def is_number_block(key: str) -> bool:
    """Whether ``key`` is a number block's key (:func:`number_block`), not a phone's.

    >>> is_number_block("+86170676816**"), is_number_block("+8617067681643"), is_number_block("**")
    (True, False, False)
    """
    digits = "0" * NUMBER_BLOCK_DIGITS
    return key.endswith("*" * NUMBER_BLOCK_DIGITS) and number_block(key[:-NUMBER_BLOCK_DIGITS] + digits) == key
