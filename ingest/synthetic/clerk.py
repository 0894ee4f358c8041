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


def _apply(values: StrArray, rows: npt.NDArray[np.bool_], new: pd.Series) -> None:
    values[rows] = new.to_numpy(dtype=object)


def type_phones(rng: np.random.Generator, phones: StrArray, messy: float) -> StrArray:
    """Phones as typed: mobiles with +86, spaces or dashes; landlines with or without the dash,
    in brackets or with a space. Canonical mobiles are 11 digits, landlines `0797-8123456`."""
    out = np.asarray(phones, dtype=object).copy()
    s = pd.Series(out, dtype=object)
    mobile = (s.str.len() == 11).to_numpy() & (s.str[:1] == "1").to_numpy()
    style = _styles(rng, out, messy, [3, 2, 2, 1, 1, 1])
    a, b, c = s.str[:3], s.str[3:7], s.str[7:]
    mobile_forms = {
        1: a + "-" + b + "-" + c,
        2: "+86 " + a + " " + b + " " + c,
        3: a + " " + b + " " + c,
        4: "86" + s,
        5: "+86" + s,
        6: "+86-" + s,
    }
    parts = s.str.split("-", n=1, expand=True) if (~mobile & (out != "")).any() else None
    for k, form in mobile_forms.items():
        rows = mobile & (style == k)
        if rows.any():
            _apply(out, rows, form[rows])
    if parts is not None and parts.shape[1] == 2:
        area, local = parts[0], parts[1]
        land_forms = {1: area + local, 2: "(" + area + ")" + local, 3: area + " " + local,
                      4: "+86 " + area.str[1:] + " " + local, 5: area + "－" + local}
        for k, form in land_forms.items():
            rows = ~mobile & (style == k) & local.notna().to_numpy()
            if rows.any():
                _apply(out, rows, form[rows])
    return out


def type_cards(rng: np.random.Generator, cards: StrArray, messy: float) -> StrArray:
    """Bank cards in groups of four (space or dash) or with a stray leading space."""
    out = np.asarray(cards, dtype=object).copy()
    s = pd.Series(out, dtype=object)
    style = _styles(rng, out, messy, [6, 1, 1])
    grouped = s.str.replace(r"(\d{4})(?=\d)", r"\1 ", regex=True)
    forms = {1: grouped, 2: s.str.replace(r"(\d{4})(?=\d)", r"\1-", regex=True), 3: " " + s}
    for k, form in forms.items():
        rows = style == k
        if rows.any():
            _apply(out, rows, form[rows])
    return out


def type_ids(rng: np.random.Generator, ids: StrArray, messy: float) -> StrArray:
    """ID numbers with a lower-case check `x` or a stray space."""
    out = np.asarray(ids, dtype=object).copy()
    s = pd.Series(out, dtype=object)
    style = _styles(rng, out, messy, [4, 1])
    lower = (style == 1) & s.str.endswith("X").fillna(False).to_numpy(dtype=bool)
    if lower.any():
        _apply(out, lower, s[lower].str.lower())
    spaced = style == 2
    if spaced.any():
        _apply(out, spaced, s[spaced].str[:6] + " " + s[spaced].str[6:])
    return out


def type_names(rng: np.random.Generator, names: StrArray, messy: float) -> StrArray:
    """Names with a stray space after the surname or at the end (a tenth of `messy`)."""
    out = np.asarray(names, dtype=object).copy()
    s = pd.Series(out, dtype=object)
    style = _styles(rng, out, messy * 0.1, [2, 1])
    rows = style == 1
    if rows.any():
        _apply(out, rows, s[rows].str[:1] + " " + s[rows].str[1:])
    rows = style == 2
    if rows.any():
        _apply(out, rows, s[rows] + " ")
    return out


def type_addresses(rng: np.random.Generator, addresses: StrArray, messy: float) -> StrArray:
    """Addresses with full-width digits or stray spaces (a third of `messy`)."""
    out = np.asarray(addresses, dtype=object).copy()
    s = pd.Series(out, dtype=object)
    style = _styles(rng, out, messy / 3, [3, 2])
    rows = style == 1
    if rows.any():
        _apply(out, rows, s[rows].str.translate(_FULL_WIDTH))
    rows = style == 2
    if rows.any():
        _apply(out, rows, s[rows].str.replace(r"(省|市|区|县)", r"\1 ", n=1, regex=True))
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
    s = pd.Series(out, dtype=object)
    style = _styles(rng, out, messy / 5, [2, 1])
    rows = style == 1
    if rows.any():
        _apply(out, rows, s[rows].str.replace("-", "/", regex=False))
    rows = style == 2
    if rows.any():
        _apply(out, rows, s[rows].str.replace("-", "", regex=False))
    return out
