"""Record ids typed another way than a stored one: in another letter case, with spaces, or
without the leading zeros a spreadsheet drops from a number.

Two record ids (as :func:`~graph.keys.records.normalize_record_key` reads them) are *twins*
when their :func:`twin_form` is one: ASCII letters in upper case, no whitespace, and an id of
digits alone without its leading zeros (``s00000358``, ``S0000 0358`` and ``S00000358``;
``358``, ``0000358`` and ``00000358``). Ingest and real-time scoring both ask
:func:`stored_twin`, each with its own view of what the store holds, so the rule is one.

A twin is never taken for the stored record when it could be another record: ids are kept as
typed, ingest keeps ``s1`` beside ``S1`` as two records, and an unpadded ``358`` may be another
channel's or branch's number beside a padded ``00000358``. Re-keyed silently, a request would
take the stored record's customer, accounts and ring (a false merge). So the caller says so,
naming the stored id and what differs (:meth:`StoredTwin.describe`).

One difference cannot make another record: whitespace inside an id whose stored twin holds none
(:attr:`StoredTwin.same_record`). The data contract reads every identifier with its spaces as
grouping, not content (phones, ID numbers and bank cards typed in groups are one node), and a
cell's own whitespace is already dropped at both ends; an insurer's numbering that holds
``S00000358`` (the store shows it: the stored twin has no space) cannot also hold
``S0000 0358`` as another record, since the two read alike aloud and on paper. Such an id
names the stored record; a store whose ids hold spaces keeps them (the twin there has a space
and the rule does not apply).

>>> twin_form("s0000 0358"), twin_form("0000358"), twin_form("P-7b")
('S00000358', '358', 'P-7B')
>>> stored = {"S00000358", "00000358"}
>>> odd = odd_twins(pd.Series(sorted(stored)))
>>> odd
{'358': ['00000358']}
>>> def find(key):
...     return stored_twin(key, stored.__contains__, odd.get)
>>> find("s00000358").describe("request")
'the stored request S00000358 differs from it only in letter case'
>>> from graph.keys import normalize_record_key
>>> find(normalize_record_key("3.58E+02")).describe("request")
'the stored request 00000358 differs from it only in leading zeros'
>>> found = find("S0000 0358")
>>> found.same_record, found.stored
(True, ('S00000358',))
>>> find("S00000358") is None, find("S1") is None
(True, True)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["StoredTwin", "odd_twins", "stored_twin", "twin_form", "twin_forms", "twin_of"]

# Both engines (Python's re, Arrow's RE2) read these patterns alike: ASCII classes only.
_SPACE = "[\t\n\v\f\r ]+"
_PADDED = "^0*([0-9]+)$"
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIFFERENCES = ("letter case", "spaces", "leading zeros")


def twin_form(key: str) -> str:
    """The form in which an id and its twins meet (see the module docstring).

    >>> twin_form("ab 01"), twin_form("000"), twin_form("赵 01")
    ('AB01', '0', '赵01')
    """
    return re.sub(_PADDED, r"\1", re.sub(_SPACE, "", key).translate(_UPPER))


def twin_forms(keys: pd.Series) -> pd.Series:
    """Vectorised :func:`twin_form` (Arrow kernels; the same patterns), indexed like ``keys``."""
    found = pa.array(keys.astype(object), type=pa.large_string(), from_pandas=True)
    spaced = pc.ascii_upper(pc.replace_substring_regex(found, pattern=_SPACE, replacement=""))
    forms = pc.replace_substring_regex(spaced, pattern=_PADDED, replacement=r"\1")
    return pd.Series(forms.to_numpy(zero_copy_only=False), index=keys.index, dtype=object)


def odd_twins(keys: pd.Series) -> dict[str, list[str]]:
    """The stored ``keys`` that are not their own twin form, sorted, by form: with
    ``form in stored`` they are every stored twin a typed id can have (:func:`stored_twin`),
    and almost every store's ids are their own form, so the table is small."""
    keys = keys.dropna().astype(str)
    forms = twin_forms(keys)
    odd = forms != keys
    out: dict[str, list[str]] = {}
    for key, form in zip(keys[odd].tolist(), forms[odd].tolist(), strict=True):
        out.setdefault(form, []).append(key)
    return {form: sorted(found) for form, found in sorted(out.items())}


@dataclass(frozen=True)
class StoredTwin:
    """The stored ids (``stored``, sorted) a ``typed`` id no stored record holds is a twin of,
    and what differs between them (``differs``: some of ``letter case``, ``spaces``,
    ``leading zeros``, in that order)."""

    typed: str
    stored: tuple[str, ...]
    differs: tuple[str, ...]

    @property
    def same_record(self) -> bool:
        """Whether ``typed`` names the stored record: one stored twin, whitespace the only
        difference and none in the stored id (see the module docstring)."""
        return (len(self.stored) == 1 and self.differs == ("spaces",)
                and re.search(_SPACE, self.stored[0]) is None)

    @property
    def what(self) -> str:
        """What differs, in words (``letter case and spaces``)."""
        return self.differs[0] if len(self.differs) == 1 else f"{', '.join(self.differs[:-1])} and {self.differs[-1]}"

    def describe(self, record: str) -> str:
        """``the stored <record> <id> differs from it only in <what>``, for a warning."""
        ids = (f"{record} {self.stored[0]} differs" if len(self.stored) == 1
               else f"{record}s {', '.join(self.stored)} differ")
        return f"the stored {ids} from it only in {self.what}"


def stored_twin(key: str, holds: Callable[[str], bool],
                odd: Callable[[str], Sequence[str] | None]) -> StoredTwin | None:
    """The stored twins of ``key``, ``None`` when a stored record holds ``key`` itself or it
    has no twin. ``holds(id)``: whether a stored record holds ``id``; ``odd(form)``: the
    stored ids of that form that are not their own form (:func:`odd_twins`)."""
    if holds(key):
        return None
    form = twin_form(key)
    found = sorted({*(odd(form) or ()), *((form,) if form != key and holds(form) else ())})
    if not found:
        return None
    differs = {what for other in found for what in _differences(key, other)}
    return StoredTwin(key, tuple(found), tuple(d for d in _DIFFERENCES if d in differs))


def twin_of(typed: str, stored: str) -> StoredTwin | None:
    """``stored`` as a twin of ``typed``, ``None`` when they are equal or no twins.

    >>> twin_of("p14964", "P14964").what, twin_of("P1", "P2")
    ('letter case', None)
    """
    if typed == stored or twin_form(typed) != twin_form(stored):
        return None
    return StoredTwin(typed, (stored,), tuple(d for d in _DIFFERENCES if d in _differences(typed, stored)))


def _differences(typed: str, stored: str) -> set[str]:
    """What differs between two twins."""
    out = set()
    bare, other = re.sub(_SPACE, "", typed), re.sub(_SPACE, "", stored)
    moved = [len(p) for p in re.split(_SPACE, typed)] != [len(p) for p in re.split(_SPACE, stored)]
    if re.findall(_SPACE, typed) != re.findall(_SPACE, stored) or (moved and len(bare) == len(other)):
        out.add("spaces")
    if bare != other and bare.translate(_UPPER) == other.translate(_UPPER):
        out.add("letter case")
    elif bare != other:
        out.add("leading zeros")
    return out
