"""How clerks type identifiers: the same canonical value written in the varied ways real
exports contain (`+86 138 1234 5678`, `138-1234-5678`, card numbers in groups of four, a
lower-case `x` in ID numbers, full-width digits and stray spaces in addresses, dates as
`YYYY/MM/DD` or `YYYYMMDD`).

Every function takes canonical values (empty string = missing) and a `messy` share in [0, 1]:
the share of values typed in a non-canonical way. Empty values stay empty.

>>> rng = np.random.default_rng(3)
>>> type_phones(rng, np.array(["13812345678"] * 4, dtype=object), messy=1.0).tolist()
['138-1234-5678', '138-1234-5678', '+8613812345678', '138 1234 5678']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "format_dates",
    "type_addresses",
    "type_cards",
    "type_dates",
    "type_ids",
    "type_names",
    "type_phones",
]

StrArray = npt.NDArray[np.object_]

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _styles(
    rng: np.random.Generator, values: StrArray, messy: float, weights: list[float]
) -> npt.NDArray[np.int64]:
    """Style 0 (canonical) for most rows, else one of the styles 1.. with `weights`;
    -1 for empty values."""
    n = len(values)
    p = np.asarray(weights, dtype=float)
    style = 1 + rng.choice(len(p), size=n, p=p / p.sum())
    style = np.where(rng.random(n) < messy, style, 0)
    return np.where(values == "", -1, style)


def _restyle(
    values: StrArray,
    style: npt.NDArray[np.int64],
    forms: dict[int, Callable[[pd.Series], pd.Series]],
    rows: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Rewrite in place the values whose style has a form (only those rows are touched)."""
    for k, form in forms.items():
        hit = style == k if rows is None else (style == k) & rows
        if hit.any():
            values[hit] = form(pd.Series(values[hit], dtype=object)).to_numpy(dtype=object)


def _grouped(s: pd.Series, sep: str) -> pd.Series:
    """Digits in groups of four: `6222 0202 0011 2233 445`."""
    out = s.str[0:4] + sep + s.str[4:8] + sep + s.str[8:12] + sep + s.str[12:16]
    tail = s.str[16:]
    return out.where(tail == "", out + sep + tail)


def type_phones(rng: np.random.Generator, phones: StrArray, messy: float) -> StrArray:
    """Phones as typed: mobiles with +86, spaces or dashes; landlines with or without the dash,
    in brackets or with a space. Canonical mobiles are 11 digits, landlines `0797-8123456`."""
    out = np.asarray(phones, dtype=object).copy()
    style = _styles(rng, out, messy, [3, 2, 2, 1, 1, 1])
    lengths = np.fromiter((len(v) for v in out), dtype=np.int64, count=len(out))
    firsts = np.fromiter((v[:1] == "1" for v in out), dtype=bool, count=len(out))
    mobile = (lengths == 11) & firsts
    landline = ~mobile & (style > 0)
    _restyle(out, style, {
        1: lambda s: s.str[:3] + "-" + s.str[3:7] + "-" + s.str[7:],
        2: lambda s: "+86 " + s.str[:3] + " " + s.str[3:7] + " " + s.str[7:],
        3: lambda s: s.str[:3] + " " + s.str[3:7] + " " + s.str[7:],
        4: lambda s: "86" + s,
        5: lambda s: "+86" + s,
        6: lambda s: "+86-" + s,
    }, mobile)
    _restyle(out, style, {
        1: lambda s: s.str.replace("-", "", n=1, regex=False),
        2: lambda s: "(" + s.str.replace("-", ")", n=1, regex=False),
        3: lambda s: s.str.replace("-", " ", n=1, regex=False),
        4: lambda s: "+86 " + s.str[1:].str.replace("-", " ", n=1, regex=False),
        5: lambda s: s.str.replace("-", "－", n=1, regex=False),
    }, landline)
    return out


def type_cards(rng: np.random.Generator, cards: StrArray, messy: float) -> StrArray:
    """Bank cards in groups of four (space or dash) or with a stray leading space."""
    out = np.asarray(cards, dtype=object).copy()
    style = _styles(rng, out, messy, [6, 1, 1])
    _restyle(out, style, {1: lambda s: _grouped(s, " "), 2: lambda s: _grouped(s, "-"),
                          3: lambda s: " " + s})
    return out


def type_ids(rng: np.random.Generator, ids: StrArray, messy: float) -> StrArray:
    """ID numbers with a lower-case check `x` or a stray space."""
    out = np.asarray(ids, dtype=object).copy()
    style = _styles(rng, out, messy, [4, 1])
    _restyle(out, style, {1: lambda s: s.str.lower(), 2: lambda s: s.str[:6] + " " + s.str[6:]})
    return out


def type_names(rng: np.random.Generator, names: StrArray, messy: float) -> StrArray:
    """Names with a stray space after the surname or at the end (a tenth of `messy`)."""
    out = np.asarray(names, dtype=object).copy()
    style = _styles(rng, out, messy * 0.1, [2, 1])
    _restyle(out, style, {1: lambda s: s.str[:1] + " " + s.str[1:], 2: lambda s: s + " "})
    return out


def type_addresses(rng: np.random.Generator, addresses: StrArray, messy: float) -> StrArray:
    """Addresses with full-width digits or stray spaces (a third of `messy`)."""
    out = np.asarray(addresses, dtype=object).copy()
    style = _styles(rng, out, messy / 3, [3, 2])
    _restyle(out, style, {
        1: lambda s: s.str.translate(_FULL_WIDTH),
        2: lambda s: s.str.replace(r"(省|市|区|县)", r"\1 ", n=1, regex=True),
    })
    return out


def format_dates(dates: npt.NDArray[np.datetime64]) -> StrArray:
    """Canonical `YYYY-MM-DD` strings; NaT becomes the empty string."""
    d = np.asarray(dates).astype("datetime64[D]")
    text = np.datetime_as_string(d, unit="D").astype(object)
    text[np.isnat(d)] = ""
    out: StrArray = text
    return out


def type_dates(
    rng: np.random.Generator, dates: npt.NDArray[np.datetime64], messy: float
) -> StrArray:
    """Dates mostly as `YYYY-MM-DD`; a fifth of `messy` as `YYYY/MM/DD` or `YYYYMMDD`."""
    out = format_dates(dates)
    style = _styles(rng, out, messy / 5, [2, 1])
    _restyle(out, style, {1: lambda s: s.str.replace("-", "/", regex=False),
                          2: lambda s: s.str.replace("-", "", regex=False)})
    return out
