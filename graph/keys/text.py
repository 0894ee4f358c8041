"""Text keys: names and addresses NFKC-normalized with whitespace folded (the name half of a
representative's key); addresses also with the building words that mean the same written one
way (Address node keys).

>>> normalize_text("  张 三  ")
'张三'
>>> normalize_texts(pd.Series(["李 四", None])).tolist()
['李四', nan]
>>> normalize_address("红旗大道１号 十幢 二单元号 301室")
'红旗大道1号10栋2单元301室'
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.keys.cells import clean_cell, plain_mask
from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow, true_mask

__all__ = ["ADDRESS_RESPELLED_RE2", "normalize_address", "normalize_addresses", "normalize_text", "normalize_texts"]

_SPACES = re.compile(r"\s+")
_CJK = (r"\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        r"\U00020000-\U0003134f")
# a space between two CJK characters, or between one and a digit ("红旗大道 1 号"), says nothing
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}0-9])|(?<=[0-9]) (?=[{_CJK}])")


def normalize_text(raw: object) -> str | None:
    """The cell cleaned (:func:`~graph.keys.cells.clean_cell`: NFKC, invisible characters and
    text-forcing wrappers gone), inner whitespace collapsed to one space and no spaces between
    CJK characters, or between a CJK character and a digit.

    Clerks type names as ``张 三`` or with full-width digits and stray spaces in addresses
    (``红旗大道 1 号``); all collapse here.
    Empty or blank text is ``None``.

    >>> normalize_text("北京市 朝阳区　建国路８８号  A座")
    '北京市朝阳区建国路88号 A座'
    >>> normalize_text("江西省 赣州市 章贡区 红旗大道 1 号 3 栋") == normalize_text("江西省赣州市章贡区红旗大道１号3栋")
    True
    >>> normalize_text("   ") is None
    True
    """
    text = clean_cell(raw)
    if text is None:
        return None
    return _SPACE_BETWEEN_CJK.sub("", _SPACES.sub(" ", text))


def _arrow_texts(raw: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """:func:`normalize_text` with Arrow for text without spaces left after trimming
    (spaces between CJK characters need the scalar path's look-around): the texts, and which
    of them are decided."""
    text = pc.replace_substring_regex(nfkc_arrow(raw), pattern=r"\s+", replacement=" ")
    text = pc.utf8_trim(text, characters=" ")
    decided = plain_mask(text)
    decided &= ~true_mask(pc.match_substring(text, pattern=" "))
    decided &= np.asarray(pc.utf8_length(text).to_numpy(zero_copy_only=False)) > 0
    return text, decided


def _fast_texts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    text, decided = _arrow_texts(raw)
    return [as_numpy(text)], decided


def normalize_texts(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_text` (missing = NA)."""
    frame = expand(series, lambda v: (text,) if (text := normalize_text(v)) else None,
                   ["value"], ["str"], _fast_texts)
    return frame["value"]

_NUMERALS = "零〇一二两三四五六七八九十百千"
_DIGIT_OF = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNIT_OF = {"十": 10, "百": 100, "千": 1000}
# the words after a number that a numeral before them is read as digits for
_NUMBERED = "栋|幢|号楼|单元|号|室|层|楼"
_CHINESE_NUMBER = re.compile(f"([{_NUMERALS}]+)(?={_NUMBERED})")
_CHINESE_NUMBER_RE2 = f"[{_NUMERALS}](?:{_NUMBERED})"
_PROVINCE_RE2 = ("^(?:[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治区)([\u4e00-\u9fff]{1,10}?(?:市|州|盟|地区))", r"\1")
# 湖南省衡阳市… → 衡阳市…: exports give the province or leave it out
_BUILDING_RE2 = ("([0-9A-Za-z])(?:幢|号楼)", r"\1栋")  # 10幢, 10号楼 → 10栋
_UNIT_RE2 = ("([0-9A-Za-z])号?单元号?", r"\1单元")  # 2号单元, 2单元号 → 2单元
ADDRESS_RESPELLED_RE2 = f"省|自治区|幢|号楼|号单元|单元号|{_CHINESE_NUMBER_RE2}"
"""Matches every address text :func:`normalize_address` may write otherwise than
:func:`normalize_text` (a superset): how to find keys a store wrote before these rules."""


def _chinese_number(numerals: str) -> str:
    """Chinese numerals as digits: positional (``二十三`` 23, ``一百零五`` 105) or digit by
    digit (``三零一`` 301)."""
    if not any(c in _UNIT_OF for c in numerals):
        return "".join(str(_DIGIT_OF[c]) for c in numerals)
    total = current = 0
    for c in numerals:
        if c in _UNIT_OF:
            total += (current or 1) * _UNIT_OF[c]
            current = 0
        else:
            current = _DIGIT_OF[c]
    return str(total + current)


def normalize_address(raw: object) -> str | None:
    """An address's node key: :func:`normalize_text`, then a leading province (``…省``,
    ``…自治区``) left out when a city, prefecture or league follows, Chinese numerals before a
    building, unit, number, room or floor word as digits (``十幢`` → ``10幢``), ``幢`` and ``号楼``
    after a building number as ``栋``, ``号单元`` and ``单元号`` as ``单元``: spellings one
    building has in one export and another in the next. ``楼`` alone (often a floor) and ``座``
    stay as typed.

    >>> normalize_address("赣州市章贡区红旗大道1号10幢") == normalize_address("江西省赣州市章贡区红旗大道1号10栋")
    True
    >>> normalize_address("章贡区 八号楼 三单元 502室"), normalize_address("二十三栋一百零五室")
    ('章贡区8栋3单元502室', '23栋105室')
    >>> normalize_address("五一路 十里铺")  # numerals that are names stay
    '五一路十里铺'
    """
    text = normalize_text(raw)
    if text is None:
        return None
    text = _CHINESE_NUMBER.sub(lambda m: _chinese_number(m.group(1)), text)
    for pattern, replacement in (_PROVINCE_RE2, _BUILDING_RE2, _UNIT_RE2):
        text = re.sub(pattern, replacement, text)
    return text


def _fast_addresses(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_address` with Arrow where :func:`_arrow_texts` decides the text and no
    Chinese numeral stands before a building word."""
    text, decided = _arrow_texts(raw)
    values = as_numpy(text)
    respelled = matches(text, ADDRESS_RESPELLED_RE2)  # one pass; most addresses have none
    if respelled.any():
        decided &= ~matches(text, _CHINESE_NUMBER_RE2)
        some = text.filter(pa.array(respelled))
        for pattern, replacement in (_PROVINCE_RE2, _BUILDING_RE2, _UNIT_RE2):
            some = pc.replace_substring_regex(some, pattern=pattern, replacement=replacement)
        values[respelled] = as_numpy(some)
    return [values], decided


def normalize_addresses(series: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_address` (missing = NA)."""
    frame = expand(series, lambda v: (text,) if (text := normalize_address(v)) else None,
                   ["value"], ["str"], _fast_addresses)
    return frame["value"]
