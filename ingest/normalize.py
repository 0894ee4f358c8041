"""Normalization of identifiers and text, so the same identifier typed differently is one value.

Pure functions, safe to call per request (the scoring API uses them) and vectorised variants
for whole columns (each distinct value is normalized once, then mapped back).

>>> normalize_phone("+86 138-1234-5678")
Phone(value='+8613812345678', kind='mobile', valid=True)
>>> normalize_phone("0797-8123456")
Phone(value='+867978123456', kind='landline', valid=True)
>>> normalize_id_number(" 11010519491231002x ")
IdNumber(value='11010519491231002X', valid=True)
>>> normalize_bank_account("6222 0202 0011 2233 445")
BankAccount(value='6222020200112233445', luhn_valid=False)
>>> normalize_text("  张 三  ")
'张三'
>>> person_key("李 四", None, "138 1234 5678")
'李四|+8613812345678'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple, TypeVar

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import luhn, numdb
from stdnum.cn import ric

__all__ = [
    "BankAccount",
    "IdNumber",
    "Phone",
    "PhoneKind",
    "normalize_bank_account",
    "normalize_bank_accounts",
    "normalize_id_number",
    "normalize_id_numbers",
    "normalize_phone",
    "normalize_phones",
    "normalize_text",
    "normalize_texts",
    "person_key",
    "person_keys",
]

PhoneKind = Literal["mobile", "landline", "other"]


class Phone(NamedTuple):
    """A phone number: E.164 ``value`` when valid, otherwise the digits as typed."""

    value: str
    kind: PhoneKind
    valid: bool


class IdNumber(NamedTuple):
    """A resident ID number, upper case without separators; ``valid`` per ``stdnum.cn.ric``."""

    value: str
    valid: bool


class BankAccount(NamedTuple):
    """A bank card or account number as digits; ``luhn_valid`` says whether the check digit fits."""

    value: str
    luhn_valid: bool


# ---------------------------------------------------------------------------- text
_SPACES = re.compile(r"\s+")
_CJK = (r"\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\U00020000-\U0003134f")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def _nfkc(raw: object) -> str | None:
    if raw is None or raw is pd.NA or (isinstance(raw, float) and raw != raw):
        return None
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    return text or None


def normalize_text(raw: object) -> str | None:
    """NFKC, trim, collapse inner whitespace to one space and drop spaces between CJK characters.

    Clerks type names as ``张 三`` or with full-width digits in addresses; both collapse here.
    Empty or blank text is ``None``.

    >>> normalize_text("北京市 朝阳区　建国路８８号  A座")
    '北京市朝阳区建国路88号 A座'
    >>> normalize_text("   ") is None
    True
    """
    text = _nfkc(raw)
    if text is None:
        return None
    return _SPACE_BETWEEN_CJK.sub("", _SPACES.sub(" ", text))


# ---------------------------------------------------------------------------- phones
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212.()/]")
_PLAIN_NUMBER = re.compile(r"\+?\d+")
# Carrier-selection prefixes phonenumbers strips from Chinese numbers (e.g. 17951); left to it.
_CARRIER_PREFIX = re.compile(r"1(?:[12]\d|79)\d\d")
_NON_DIGITS = re.compile(r"\D")


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
    digits = _NON_DIGITS.sub("", text)
    return Phone(digits or text, "other", False)


def _parsed_phone(text: str) -> Phone:
    """Normalize with ``phonenumbers`` (region CN) only: the reference the fast path must match."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return _invalid_phone(text)
    if not phonenumbers.is_valid_number(number):
        return _invalid_phone(text)
    kind = _KIND_OF_TYPE.get(phonenumbers.number_type(number), "other")
    return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164), kind, True)


def normalize_phone(raw: object) -> Phone | None:
    """Normalize a phone number as typed; ``None`` when empty.

    Valid numbers become E.164 (``+8613812345678``, landline ``+867978123456``) with their
    kind (400/800 numbers and other special numbers are ``other``). Anything else keeps its
    digits (or the trimmed text if it has none) and ``valid=False``.

    >>> normalize_phone("００８６　１３８.１２３４.５６７８").value
    '+8613812345678'
    >>> normalize_phone("400-800-8888")
    Phone(value='+864008008888', kind='other', valid=True)
    >>> normalize_phone("95519")
    Phone(value='95519', kind='other', valid=False)
    >>> normalize_phone(" ") is None
    True
    """
    text = _nfkc(raw)
    if text is None:
        return None
    return _fast_phone(text) or _parsed_phone(text)


# ---------------------------------------------------------------------------- ID numbers, accounts
_ID_SEPARATORS = re.compile(r"[\s\-]")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


@lru_cache(maxsize=65_536)
def _region_years(region: str) -> tuple[tuple[int, int], ...]:
    """Birth-year ranges in which ``stdnum`` accepts a region code (none: unknown region).

    The same rule as ``stdnum.cn.ric.get_birth_place``, read once per region from its database.
    """
    info = {k: v for _, props in numdb.get("cn/loc").info(region) for k, v in props.items()}
    if not info:
        return ()
    ranges = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return ((0, 9999),)
        start, end = county[1:].split("]")[0].split("-")
        ranges.append((int(start) if start else 0, int(end) if end else 9999))
    return tuple(ranges)


def _id_valid(value: str) -> bool:
    """``stdnum.cn.ric.is_valid`` for a compact upper-case value, with the slow birth-place
    database look-up cached per region."""
    if not _ID_SHAPE.fullmatch(value) or value[17] != ric.calc_check_digit(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return any(start <= born.year <= end for start, end in _region_years(value[:6]))


def normalize_id_number(raw: object) -> IdNumber | None:
    """Upper-case a resident ID number without separators.

    ``valid`` checks the length, birth date, birth place and check character (``stdnum.cn.ric``).

    >>> normalize_id_number("110105194912310021")
    IdNumber(value='110105194912310021', valid=False)
    >>> normalize_id_number("") is None
    True
    """
    text = _nfkc(raw)
    if text is None:
        return None
    value = _ID_SEPARATORS.sub("", text).upper()
    return IdNumber(value, _id_valid(value))


def normalize_bank_account(raw: object) -> BankAccount | None:
    """Digits only (cards are typed in groups of four); ``luhn_valid`` checks the last digit.

    >>> normalize_bank_account("6222-0202-0011-2233-446")
    BankAccount(value='6222020200112233446', luhn_valid=True)
    """
    text = _nfkc(raw)
    if text is None:
        return None
    digits = _NON_DIGITS.sub("", text)
    if not digits:
        return BankAccount(text, False)
    return BankAccount(digits, bool(luhn.is_valid(digits)))


def person_key(name: object, id_number: object, phone: object) -> str | None:
    """Key of a representative: the normalized ID number, else ``name|phone``, else ``None``.

    >>> person_key("王五", "11010519491231002x", None)
    '11010519491231002X'
    >>> person_key("王五", None, None) is None
    True
    """
    ident = normalize_id_number(id_number)
    if ident is not None:
        return ident.value
    clean_name, clean_phone = normalize_text(name), normalize_phone(phone)
    if clean_name is None or clean_phone is None:
        return None
    return f"{clean_name}|{clean_phone.value}"


# ---------------------------------------------------------------------------- vectorised
T = TypeVar("T")


def _per_unique(
    series: pd.Series, fn: Callable[[object], T | None]
) -> tuple[list[T | None], np.ndarray]:
    """Apply ``fn`` once per distinct value; returns the results and each row's index into them."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results: list[T | None] = [fn(v) for v in uniques]
    results.append(None)  # code -1 (missing) picks this
    return results, codes


def _expand(series: pd.Series, fn: Callable[[object], tuple[Hashable, ...] | None],
            columns: list[str], dtypes: list[str]) -> pd.DataFrame:
    results, codes = _per_unique(series, fn)
    out: dict[str, pd.Series] = {}
    for i, (column, dtype) in enumerate(zip(columns, dtypes, strict=True)):
        values = np.array([None if r is None else r[i] for r in results], dtype=object)
        out[column] = pd.Series(values[codes], index=series.index, dtype=dtype)
    return pd.DataFrame(out, index=series.index)


def normalize_phones(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_phone`: columns ``value``, ``kind``, ``valid`` (missing = NA).

    >>> normalize_phones(pd.Series(["13812345678", "", "+86 138 1234 5678"]))["value"].tolist()
    ['+8613812345678', nan, '+8613812345678']
    """
    return _expand(series, normalize_phone, ["value", "kind", "valid"], ["str", "str", "boolean"])


def normalize_id_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_id_number`: columns ``value``, ``valid``."""
    return _expand(series, normalize_id_number, ["value", "valid"], ["str", "boolean"])


def normalize_bank_accounts(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_bank_account`: columns ``value``, ``luhn_valid``."""
    return _expand(series, normalize_bank_account, ["value", "luhn_valid"], ["str", "boolean"])


def normalize_texts(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (missing = NA)."""
    results, codes = _per_unique(series, normalize_text)
    values = np.array(results, dtype=object)
    return pd.Series(values[codes], index=series.index, dtype="str")


def person_keys(name: pd.Series, id_number: pd.Series, phone: pd.Series) -> pd.Series:
    """Vectorised :func:`person_key` over three aligned columns."""
    ids = normalize_id_numbers(id_number)["value"]
    names = normalize_texts(name)
    phones = normalize_phones(phone)["value"]
    fallback = names.str.cat(phones, sep="|")  # NA when either part is missing
    return ids.fillna(fallback).astype("str")
