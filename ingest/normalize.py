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
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
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
# Each column is normalized per distinct value. Arrow string kernels (RE2 regexes) decide the
# common, plainly typed values; whatever they cannot decide goes through the scalar function,
# so the vectorised result is by construction the scalar one (tests check both agree).
Fast = Callable[[pa.Array], tuple[list[np.ndarray], np.ndarray]]


def _np(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return _mask(pc.match_substring_regex(values, pattern=pattern))


def _nfkc_arrow(values: pa.Array) -> pa.Array:
    return pc.utf8_normalize(values, form="NFKC")


def _expand(series: pd.Series, fn: Callable[[object], tuple[Hashable, ...] | None],
            columns: list[str], dtypes: list[str], fast: Fast | None = None) -> pd.DataFrame:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    count = len(uniques)
    arrays = [np.full(count + 1, None, dtype=object) for _ in columns]  # last: missing rows
    decided = np.zeros(count, dtype=bool)
    values = np.asarray(uniques, dtype=object)
    if fast is not None and count and all(isinstance(v, str) for v in values[:1000]):
        try:
            strings = pa.array(values, type=pa.string())
        except (pa.ArrowException, TypeError):
            strings = None
        if strings is not None:
            found, decided = fast(strings)
            for target, source in zip(arrays, found, strict=True):
                target[:count][decided] = source[decided]
    for i in np.flatnonzero(~decided):
        result = fn(values[i])
        if result is not None:
            for target, value in zip(arrays, result, strict=True):
                target[i] = value
    return pd.DataFrame(
        {c: pd.Series(a[codes], index=series.index, dtype=d)
         for c, a, d in zip(columns, arrays, dtypes, strict=True)},
        index=series.index,
    )


_PHONE_PLAIN = r"^[0-9+\s\-\x{2010}-\x{2015}\x{2212}.()/]*[0-9][0-9+\s\-\x{2010}-\x{2015}\x{2212}.()/]*$"
_PHONE_SEPARATORS = r"[\s\-\x{2010}-\x{2015}\x{2212}.()/]"


def _desc_mask(desc: _Desc, national: pa.Array, lengths: np.ndarray) -> np.ndarray:
    ok = _matches(national, f"^(?:{desc.pattern.pattern})$")
    if desc.lengths:
        ok &= np.isin(lengths, list(desc.lengths))
    return ok


def _fast_phones(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`_fast_phone` with Arrow kernels; undecided rows are left for the scalar path."""
    text = _nfkc_arrow(raw)
    plain = _matches(text, _PHONE_PLAIN)
    compact = pc.replace_substring_regex(text, pattern=_PHONE_SEPARATORS, replacement="")
    plain &= _matches(compact, r"^\+?[0-9]+$")
    size = _np(pc.utf8_length(compact)).astype(np.int64)
    cut = np.zeros(len(raw), dtype=np.int64)
    starts = {p: _mask(pc.starts_with(compact, pattern=p)) for p in ("+86", "0086", "+", "00", "861", "0")}
    cut[starts["0"]] = 1
    cut[starts["861"] & (size == 13)] = 2
    plain &= ~((starts["+"] & ~starts["+86"]) | (starts["00"] & ~starts["0086"]))
    cut[starts["0086"]] = 4
    cut[starts["+86"]] = 3
    national = pa.array(
        [c[k:] if isinstance(c, str) else None for c, k in zip(_np(compact), cut, strict=True)],
        type=pa.string())
    lengths = size - cut
    plain &= ~_matches(national, r"^(?:0|1(?:[12][0-9]|79)[0-9][0-9])")
    if _GENERAL is None or _FIXED is None or _MOBILE is None:
        return [np.full(len(raw), None, dtype=object)] * 3, np.zeros(len(raw), dtype=bool)
    plain &= _desc_mask(_GENERAL, national, lengths)
    special = np.zeros(len(raw), dtype=bool)
    for desc in _SPECIAL:
        special |= _desc_mask(desc, national, lengths)
    fixed, mobile = _desc_mask(_FIXED, national, lengths), _desc_mask(_MOBILE, national, lengths)
    kind = np.select([special, fixed & mobile, fixed, mobile],
                     ["other", "other", "landline", "mobile"], default="")
    decided = plain & (kind != "")
    value = np.char.add("+86", np.asarray(_np(national), dtype=str))
    return [value.astype(object), kind.astype(object), np.full(len(raw), True, dtype=object)], decided


def _fast_id_numbers(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_id_number` with Arrow and numpy for well-shaped numbers."""
    text = _nfkc_arrow(raw)
    value = pc.utf8_upper(pc.replace_substring_regex(text, pattern=r"[ \-]", replacement=""))
    decided = _matches(text, r"^[0-9Xx \-]+$") & _matches(value, r"^[0-9]{17}[0-9X]$")
    values = _np(value)
    shaped = np.where(decided, values, "0" * 18).astype("U18")
    digits = shaped.view(np.uint32).reshape(len(shaped), 18)[:, :17].astype(np.int64) - 48
    # stdnum: check = (1 - 2 * int(first17, 13)) % 11, and 13 = 2 (mod 11)
    weights = np.array([pow(2, 16 - i, 11) for i in range(17)], dtype=np.int64)
    check = (1 - 2 * (digits @ weights)) % 11
    valid = shaped.view(np.uint32).reshape(len(shaped), 18)[:, 17] == np.where(
        check == 10, ord("X"), check + 48)
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    born = pd.to_datetime(pd.Series(shaped).str.slice(6, 14), format="%Y%m%d", errors="coerce")
    decided &= (year >= 1800) & (year <= 2200)
    valid &= born.notna().to_numpy()
    regions = shaped.astype("U6")
    region_ok = {}
    for region, y in set(zip(regions[valid].tolist(), year[valid].tolist(), strict=True)):
        region_ok[(region, y)] = any(a <= y <= b for a, b in _region_years(region))
    valid[valid] = [region_ok[(r, y)] for r, y in zip(regions[valid].tolist(),
                                                       year[valid].tolist(), strict=True)]
    return [values, valid.astype(object)], decided


def _luhn(digits: np.ndarray) -> np.ndarray:
    """Luhn check of right-aligned digit rows (left padding with zeros does not change it)."""
    doubled = digits[:, ::-1].copy()
    doubled[:, 1::2] *= 2
    doubled[doubled > 9] -= 9
    return doubled.sum(axis=1) % 10 == 0


def _fast_bank_accounts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_bank_account` with Arrow and numpy for digits typed with spaces/dashes."""
    text = _nfkc_arrow(raw)
    digits = pc.replace_substring_regex(text, pattern=r"[^0-9]", replacement="")
    size = _np(pc.utf8_length(digits)).astype(np.int64)
    decided = _matches(text, r"^[0-9 \t\-]+$") & (size > 0) & (size <= 40)
    values = _np(digits)
    padded = np.where(decided, values, "0").astype(object)
    width = int(size[decided].max()) if decided.any() else 1
    matrix = np.char.rjust(padded.astype(str), width, "0")
    matrix = matrix.astype(f"U{width}").view(np.uint32).reshape(len(raw), width).astype(np.int64) - 48
    return [values, _luhn(matrix).astype(object)], decided


def normalize_phones(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_phone`: columns ``value``, ``kind``, ``valid`` (missing = NA).

    >>> normalize_phones(pd.Series(["13812345678", "", "+86 138 1234 5678"]))["value"].tolist()
    ['+8613812345678', nan, '+8613812345678']
    """
    return _expand(series, normalize_phone, ["value", "kind", "valid"], ["str", "str", "boolean"],
                   _fast_phones)


def normalize_id_numbers(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_id_number`: columns ``value``, ``valid``."""
    return _expand(series, normalize_id_number, ["value", "valid"], ["str", "boolean"],
                   _fast_id_numbers)


def normalize_bank_accounts(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_bank_account`: columns ``value``, ``luhn_valid``."""
    return _expand(series, normalize_bank_account, ["value", "luhn_valid"], ["str", "boolean"],
                   _fast_bank_accounts)


_ODD_SPACE = r"[\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


def _fast_texts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_text` with Arrow for text without spaces left after trimming
    (spaces between CJK characters need the scalar path's look-around)."""
    text = pc.replace_substring_regex(_nfkc_arrow(raw), pattern=r"\s+", replacement=" ")
    text = pc.utf8_trim(text, characters=" ")
    decided = ~_matches(raw, _ODD_SPACE) & ~_matches(text, _ODD_SPACE)
    decided &= ~_mask(pc.match_substring(text, pattern=" "))
    values = _np(text)
    decided &= np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False)) > 0
    return [values], decided


def normalize_texts(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (missing = NA)."""
    frame = _expand(series, lambda v: (text,) if (text := normalize_text(v)) else None,
                    ["value"], ["str"], _fast_texts)
    return frame["value"]


def person_keys(name: pd.Series, id_number: pd.Series, phone: pd.Series) -> pd.Series:
    """Vectorised :func:`person_key` over three aligned columns."""
    ids = normalize_id_numbers(id_number)["value"]
    names = normalize_texts(name)
    phones = normalize_phones(phone)["value"]
    fallback = names.str.cat(phones, sep="|")  # NA when either part is missing
    return ids.fillna(fallback).astype("str")
