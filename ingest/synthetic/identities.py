"""Vectorised generation of personal identifiers in their canonical form.

Chinese names, 18-character resident ID numbers (GB 11643 check character), mobile numbers,
landlines, bank cards (Luhn) and postal addresses. Every generator takes a numpy Generator and
returns a numpy object array of Python strings. `Registry` keeps identifiers unique across the
whole book, so that two unrelated people never share a number by accident.

>>> id_check_char("11010519491231002")
'X'
>>> luhn_valid("6222020200112233445")
False
>>> luhn_valid("4111111111111111")
True
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .geography import COMMUNITY_SUFFIXES, COMMUNITY_WORDS, STREETS, City

__all__ = [
    "ID_WEIGHTS",
    "Registry",
    "addresses",
    "bank_cards",
    "birthplace_codes",
    "digits_to_str",
    "given_names",
    "id_check_char",
    "id_numbers",
    "landlines",
    "luhn_valid",
    "mobile_numbers",
    "numbers_as_str",
    "office_address",
    "surnames",
]

StrArray = npt.NDArray[np.object_]
IntArray = npt.NDArray[np.int64]

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"), dtype=object)

# Common surnames, most frequent first (weights follow a Zipf-like law).
_SURNAMES = np.array(list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "邵万钱严覃武戴莫孔向汤"
), dtype=object)
_SURNAME_P = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.9
_SURNAME_P /= _SURNAME_P.sum()

_MALE_CHARS = np.array(list(
    "伟强军明建国平志勇俊文华刚斌辉超杰波鹏涛磊鑫宇浩凯毅龙海峰林东兵成坤德福贵荣生才"
), dtype=object)
_FEMALE_CHARS = np.array(list(
    "秀英华丽芳娟敏静燕玲桂兰霞红梅琴艳萍娜婷雪慧莉凤洁珍玉琳翠春菊淑云月"
), dtype=object)
_NEUTRAL_CHARS = np.array(list("小文海金晓新永春佳子家天一宏思雨晨嘉"), dtype=object)

_MOBILE_PREFIXES = np.array([
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 153, 155, 156, 157,
    158, 159, 166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
    191, 198, 199,
], dtype=np.int64)

# (issuer identification number, card length): debit cards of large Chinese banks.
_CARD_BINS: tuple[tuple[str, int], ...] = (
    ("622202", 19), ("621226", 19), ("622848", 19), ("622700", 19), ("621700", 19),
    ("621661", 19), ("622262", 19), ("621799", 19), ("622188", 19), ("622588", 16),
    ("621483", 16), ("622609", 16), ("622908", 18), ("625965", 16),
)

_SMALL_INTS = np.array([str(i) for i in range(10_000)], dtype=object)


def numbers_as_str(values: npt.ArrayLike) -> StrArray:
    """Non-negative integers below 10 000 as an object array of decimal strings."""
    return _SMALL_INTS[np.asarray(values, dtype=np.int64)]


def digits_to_str(digits: npt.NDArray[Any]) -> StrArray:
    """Rows of a 2-D digit matrix (values 0-9) as an object array of strings.

    >>> digits_to_str(np.array([[1, 2], [0, 9]])).tolist()
    ['12', '09']
    """
    width = digits.shape[1]
    raw = np.ascontiguousarray((digits + 48).astype(np.uint8)).view(f"S{width}").ravel()
    return raw.astype(f"U{width}").astype(object)


def _str_to_digits(values: StrArray, width: int) -> npt.NDArray[np.int64]:
    raw = np.asarray(values).astype(f"S{width}")
    return np.frombuffer(raw.tobytes(), dtype=np.uint8).reshape(len(values), width).astype(
        np.int64
    ) - 48


def id_check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of a resident ID number."""
    total = sum(int(c) * int(w) for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return str(_ID_CHECK[total % 11])


def luhn_valid(number: str) -> bool:
    """True when a digit string passes the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def surnames(rng: np.random.Generator, n: int) -> StrArray:
    """`n` surnames drawn with realistic frequencies."""
    return _SURNAMES[rng.choice(len(_SURNAMES), size=n, p=_SURNAME_P)]


def given_names(rng: np.random.Generator, female: npt.NDArray[np.bool_]) -> StrArray:
    """Given names of one or two characters, drawn from gendered character lists."""
    n = len(female)
    male_pick = _MALE_CHARS[rng.integers(0, len(_MALE_CHARS), n)]
    female_pick = _FEMALE_CHARS[rng.integers(0, len(_FEMALE_CHARS), n)]
    first = np.where(female, female_pick, male_pick)
    neutral = _NEUTRAL_CHARS[rng.integers(0, len(_NEUTRAL_CHARS), n)]
    second_m = _MALE_CHARS[rng.integers(0, len(_MALE_CHARS), n)]
    second_f = _FEMALE_CHARS[rng.integers(0, len(_FEMALE_CHARS), n)]
    second = np.where(rng.random(n) < 0.3, neutral, np.where(female, second_f, second_m))
    two = rng.random(n) < 0.72
    out: StrArray = np.where(two, np.where(rng.random(n) < 0.5, first + second, second + first),
                             first)
    return out


def id_numbers(
    rng: np.random.Generator,
    region_codes: StrArray,
    birth: npt.NDArray[np.datetime64],
    female: npt.NDArray[np.bool_],
) -> StrArray:
    """Resident ID numbers: region code, birth date, sequence (odd = male) and check char."""
    n = len(region_codes)
    birth_d = birth.astype("datetime64[D]")
    year = birth_d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth_d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth_d - birth_d.astype("datetime64[M]")).astype(np.int64) + 1
    seq = 2 * rng.integers(0, 499, n) + np.where(female, 2, 1)
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = _str_to_digits(region_codes, 6)
    for pos, (value, div) in enumerate(
        [(year, 1000), (year, 100), (year, 10), (year, 1), (month, 10), (month, 1),
         (day, 10), (day, 1), (seq, 100), (seq, 10), (seq, 1)]
    ):
        digits[:, 6 + pos] = (value // div) % 10
    check = _ID_CHECK[(digits @ ID_WEIGHTS) % 11]
    out: StrArray = digits_to_str(digits) + check
    return out


@cache
def _region_table() -> tuple[npt.NDArray[np.str_], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Administrative codes of counties with the years they were in use (python-stdnum's
    table, the one validators check ID numbers against)."""
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    codes: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, rest = line.split(None, 1)
        if code.endswith(("00", "01")):
            continue
        found = re.search(r'county="(.*)"', rest)
        county = found.group(1) if found else ""
        span = re.match(r"\[(\d*)-(\d*)\]", county)
        if span is not None and "," in county:
            continue  # renamed counties: keep the simple cases
        codes.append(province + code)
        starts.append(int(span.group(1)) if span and span.group(1) else 0)
        ends.append(int(span.group(2)) if span and span.group(2) else 9999)
    return (np.array(codes), np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64))


def birthplace_codes(
    rng: np.random.Generator, home_codes: StrArray, birth_year: npt.NDArray[np.int64]
) -> StrArray:
    """Region codes for ID numbers: a county of the home city (else of the home province)
    that existed in the birth year, so that ID validators accept the number.

    >>> birthplace_codes(np.random.default_rng(0), np.array(["360702"], dtype=object),
    ...                  np.array([1960])).tolist()[0][:2]
    '36'
    """
    codes, starts, ends = _region_table()
    out = np.empty(len(home_codes), dtype=object)
    home = np.asarray(home_codes).astype("U6")
    keys = np.char.add(np.char.add(home, "|"), birth_year.astype("U4"))
    uniq, inverse = np.unique(keys, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(uniq) + 1))
    for k, key in enumerate(uniq):
        rows = order[bounds[k] : bounds[k + 1]]
        code, year = str(key).split("|")
        alive = (starts <= int(year)) & (ends >= int(year))
        pool = codes[alive & (np.char.startswith(codes, code[:4]))]
        province = codes[alive & (np.char.startswith(codes, code[:2]))]
        if len(province) == 0:
            province = codes[alive]
        if len(pool) == 0:
            pool = province
        choice = np.where(
            rng.random(len(rows)) < 0.8,
            pool[rng.integers(0, len(pool), len(rows))],
            province[rng.integers(0, len(province), len(rows))],
        )
        out[rows] = choice
    return out


def mobile_numbers(rng: np.random.Generator, n: int) -> StrArray:
    """`n` 11-digit mainland mobile numbers (1[3-9]x…)."""
    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), n)]
    value = prefix * 100_000_000 + rng.integers(0, 100_000_000, n)
    return value.astype("U11").astype(object)


def sim_batch(first: str, n: int, rng: np.random.Generator) -> StrArray:
    """`n` mobile numbers of one batch of SIM cards bought together: consecutive numbers from
    near `first` (an 11-digit mobile), a step of one to three apart, so most fall in one block
    of a hundred.

    >>> sim_batch("17067681643", 3, np.random.default_rng(1)).tolist()
    ['17067681619', '17067681622', '17067681625']
    """
    start = int(first) // 100 * 100 + int(rng.integers(0, 40))
    value = start + np.cumsum(rng.integers(1, 4, n)) - 1
    return value.astype("U11").astype(object)


def landlines(rng: np.random.Generator, city: City, n: int) -> StrArray:
    """`n` landlines of `city` in the canonical form `0797-8123456`."""
    local = rng.integers(2, 9, n) * 10 ** (city.local_digits - 1) + rng.integers(
        0, 10 ** (city.local_digits - 1), n
    )
    out: StrArray = (city.area_code + "-") + local.astype(f"U{city.local_digits}").astype(object)
    return out


def bank_cards(rng: np.random.Generator, n: int) -> StrArray:
    """`n` debit card numbers of 16 to 19 digits with a valid Luhn check digit."""
    out = np.empty(n, dtype=object)
    which = rng.integers(0, len(_CARD_BINS), n)
    for k, (bin_, length) in enumerate(_CARD_BINS):
        rows = np.flatnonzero(which == k)
        if len(rows) == 0:
            continue
        payload = np.empty((len(rows), length - 1), dtype=np.int64)
        payload[:, : len(bin_)] = [int(c) for c in bin_]
        payload[:, len(bin_):] = rng.integers(0, 10, (len(rows), length - 1 - len(bin_)))
        # Luhn: double every second digit counting from the right of the payload.
        rev = payload[:, ::-1]
        doubled = rev[:, 0::2] * 2
        doubled = np.where(doubled > 9, doubled - 9, doubled)
        total = doubled.sum(axis=1) + rev[:, 1::2].sum(axis=1)
        check = (10 - total % 10) % 10
        out[rows] = digits_to_str(np.column_stack([payload, check]))
    return out


def addresses(
    rng: np.random.Generator, city: City, district_idx: npt.NDArray[np.int64]
) -> StrArray:
    """Home addresses in `city`: province, city, district, street, number and flat."""
    n = len(district_idx)
    prefix = np.array(
        [city.province + city.name + d.name for d in city.districts], dtype=object
    )[district_idx]
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    number = numbers_as_str(rng.integers(1, 400, n)) + "号"
    community = (
        np.array(COMMUNITY_WORDS, dtype=object)[rng.integers(0, len(COMMUNITY_WORDS), n)]
        + np.array(COMMUNITY_SUFFIXES, dtype=object)[rng.integers(0, len(COMMUNITY_SUFFIXES), n)]
    )
    flat = (
        numbers_as_str(rng.integers(1, 30, n)) + "栋"
        + numbers_as_str(rng.integers(1, 5, n)) + "单元"
        + numbers_as_str(rng.integers(1, 33, n) * 100 + rng.integers(1, 5, n)) + "室"
    )
    plain = rng.random(n) < 0.25
    out: StrArray = prefix + street + number + np.where(plain, "", community + flat)
    return out


def office_address(rng: np.random.Generator, city: City) -> str:
    """One office address (a business tower room) in `city`, used by intermediaries."""
    district = city.districts[int(rng.integers(0, len(city.districts)))]
    street = STREETS[int(rng.integers(0, len(STREETS)))]
    tower = COMMUNITY_WORDS[int(rng.integers(0, len(COMMUNITY_WORDS)))]
    return (
        f"{city.province}{city.name}{district.name}{street}{int(rng.integers(1, 300))}号"
        f"{tower}大厦{int(rng.integers(3, 30))}{int(rng.integers(1, 20)):02d}室"
    )


def _keys(values: StrArray) -> npt.NDArray[np.uint64]:
    """64-bit hashes of strings (collisions are negligible at book sizes)."""
    keys: npt.NDArray[np.uint64] = pd.util.hash_array(
        np.asarray(values, dtype=object), categorize=False
    )
    return keys


class Registry:
    """Keeps identifiers of each kind unique across a book.

    Identifiers are kept as 64-bit hashes: the bulk (customers) as one sorted array, the few
    added later (agents, rings, watchlist) in a set.

    >>> reg = Registry()
    >>> rng = np.random.default_rng(0)
    >>> phones = reg.unique("phone", 1000, lambda k: mobile_numbers(rng, k))
    >>> len(set(phones.tolist())), bool(reg.contains("phone", phones[:1])[0])
    (1000, True)
    """

    def __init__(self) -> None:
        self._bulk: dict[str, npt.NDArray[np.uint64]] = {}
        self._extra: dict[str, set[int]] = {}

    def contains(self, kind: str, values: StrArray) -> npt.NDArray[np.bool_]:
        """Which of `values` are already registered under `kind`."""
        return self._contains_keys(kind, _keys(values))

    def _contains_keys(self, kind: str, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        found = np.zeros(len(keys), dtype=bool)
        bulk = self._bulk.get(kind)
        if bulk is not None and len(bulk) and len(keys):
            pos = np.searchsorted(bulk, keys).clip(0, len(bulk) - 1)
            found |= bulk[pos] == keys
        extra = self._extra.get(kind)
        if extra:
            found |= np.isin(keys, np.fromiter(extra, dtype=np.uint64, count=len(extra)))
        return found

    def add(self, kind: str, values: StrArray) -> None:
        """Register `values` under `kind`."""
        keys = _keys(values)
        if len(keys) > 5_000 or kind not in self._bulk:
            merged = np.concatenate([self._bulk.get(kind, np.empty(0, dtype=np.uint64)), keys])
            self._bulk[kind] = np.sort(merged)
        else:
            self._extra.setdefault(kind, set()).update(int(k) for k in keys)

    def fresh_mask(self, kind: str, values: StrArray) -> npt.NDArray[np.bool_]:
        """Rows of `values` that are neither registered nor repeat an earlier row."""
        keys = _keys(values)
        first: npt.NDArray[np.bool_] = ~pd.Index(keys).duplicated(keep="first")
        return first & ~self._contains_keys(kind, keys)

    def unique(self, kind: str, n: int, make: Callable[[int], StrArray]) -> StrArray:
        """Draw `n` new identifiers with `make`, redrawing clashes, and register them."""
        out = np.empty(0, dtype=object)
        while len(out) < n:
            need = n - len(out)
            cand = make(need + need // 20 + 2)
            cand = cand[self.fresh_mask(kind, cand)]
            if len(out):
                cand = cand[~np.isin(_keys(cand), _keys(out))]
            out = np.concatenate([out, cand[:need]])
        self.add(kind, out)
        return out

    def unique_rows(
        self, kind: str, make: Callable[[npt.NDArray[np.int64]], StrArray], n: int
    ) -> StrArray:
        """Like `unique`, for identifiers tied to their row (e.g. ID numbers tied to a birth
        date): `make(rows)` draws new values for the given rows until all rows are fresh."""
        out = make(np.arange(n, dtype=np.int64))
        bad = np.flatnonzero(~self.fresh_mask(kind, out))
        while len(bad):
            out[bad] = make(bad)
            bad = np.flatnonzero(~self.fresh_mask(kind, out))
        self.add(kind, out)
        return out
