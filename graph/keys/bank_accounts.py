"""Bank-account keys: a card or account number as typed → its digits, with a Luhn flag
(BankAccount node keys).

The cell is cleaned first (:mod:`graph.keys.cells`); a card a spreadsheet damaged
(``6.22203E+18``) has no key.

>>> normalize_bank_account("6222 0202 0011 2233 445")
BankAccount(value='6222020200112233445', luhn_valid=False)
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import luhn

from graph.keys.cells import Damaged, identifier_cell, plain_mask, run_together, with_damage
from graph.keys.columns import as_numpy, expand, matches, nfkc_arrow

__all__ = ["BankAccount", "normalize_bank_account", "normalize_bank_accounts"]


class BankAccount(NamedTuple):
    """A bank card or account number as digits; ``luhn_valid`` says whether the check digit fits."""

    value: str
    luhn_valid: bool


_NON_DIGITS = re.compile(r"\D")
_NOT_CARD_MARKS = re.compile(r"[^0-9\s\-]+")


def _account_or_damage(raw: object) -> BankAccount | Damaged | None:
    text = identifier_cell(raw)
    if text is None or isinstance(text, Damaged):
        return text
    digits = _NON_DIGITS.sub("", text)
    if not digits or run_together(text, _NOT_CARD_MARKS):
        return BankAccount(text, False)  # digits on both sides of other marks: no one card
    return BankAccount(digits, bool(luhn.is_valid(digits)))


def normalize_bank_account(raw: object) -> BankAccount | None:
    """Digits only (cards are typed in groups of four); ``luhn_valid`` checks the last digit;
    ``None`` when empty or damaged.

    >>> normalize_bank_account("6222-0202-0011-2233-446")
    BankAccount(value='6222020200112233446', luhn_valid=True)
    >>> normalize_bank_account("6.22203E+18") is None
    True
    >>> normalize_bank_account("622202020011223344（6")  # a note's digit run on: no card
    BankAccount(value='622202020011223344(6', luhn_valid=False)
    """
    found = _account_or_damage(raw)
    return found if isinstance(found, BankAccount) else None


def _luhn(digits: np.ndarray) -> np.ndarray:
    """Luhn check of right-aligned digit rows (left padding with zeros does not change it)."""
    doubled = digits[:, ::-1].copy()
    doubled[:, 1::2] *= 2
    doubled[doubled > 9] -= 9
    return doubled.sum(axis=1) % 10 == 0


def _fast_bank_accounts(raw: pa.Array) -> tuple[list[np.ndarray], np.ndarray]:
    """:func:`normalize_bank_account` with Arrow and numpy for digits typed with spaces/dashes."""
    text = nfkc_arrow(raw)
    digits = pc.replace_substring_regex(text, pattern=r"[^0-9]", replacement="")
    size = as_numpy(pc.utf8_length(digits)).astype(np.int64)
    decided = matches(text, r"^[0-9 \t\-]+$") & plain_mask(text) & (size > 0) & (size <= 40)
    values = as_numpy(digits)
    padded = np.where(decided, values, "0").astype(object)
    width = int(size[decided].max()) if decided.any() else 1
    matrix = np.char.rjust(padded.astype(str), width, "0")
    matrix = matrix.astype(f"U{width}").view(np.uint32).reshape(len(raw), width).astype(np.int64) - 48
    return [values, _luhn(matrix).astype(object), np.full(len(raw), None, dtype=object)], decided


def normalize_bank_accounts(series: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`normalize_bank_account`: columns ``value``, ``luhn_valid`` and
    ``damaged`` (why a damaged cell has no value)."""
    return expand(series, lambda raw: with_damage(_account_or_damage(raw), 2),
                  ["value", "luhn_valid", "damaged"], ["str", "boolean", "str"],
                  _fast_bank_accounts)
