"""Pseudonyms: keyed hashes that stand for identifiers, names and letters in an association's
store, so that insurers' books link without their customers' data leaving home.

Every value is hashed *after* normalization (:mod:`graph.keys`), so one phone typed two ways at
two insurers is one pseudonym, with HMAC-SHA256 (the standard library's :mod:`hmac`) under the
association's shared secret. A plain hash would not do: every Chinese mobile number can be
hashed in minutes, so a dictionary would reverse it; without the secret nobody can compute a
keyed hash to compare.

* An identifier node's key (phone, bank account, address, representative: the key
  :mod:`graph.keys` gives it) becomes 26 base-32 characters: the first 128 bits of
  ``HMAC(secret, label NUL key)``. The label separates the kinds; a customer's ID number is
  hashed as a ``Person`` key, like a representative identified by the same number.
* A person's name becomes one character standing for the surname (a private-use code point
  chosen by the keyed hash of the surname, from the 131 068 of Unicode planes 15 and 16)
  followed by the 26-character pseudonym of the whole name. Detection reads a surname as a
  name's first character (or two for compound surnames, which a private-use character never
  is), so it reads pseudonyms unchanged: same surname, same first character. An organisation's
  name (a company or agency receiving refunds) is not a person's and stays as it is.
* A complaint letter becomes a sketch: the set of its character shingles (cut exactly as
  detection cuts them) each replaced by 32 bits of its keyed hash, sorted, base64 after
  ``sketch/v1:``. The Jaccard similarity of two sketches is the similarity of the letters
  (a chance collision of two shingles among a few hundred is about one in 10⁵), so detection
  finds the same templates; the text itself is gone.

How detection reads names and cuts letters is detection's own (``detectors.book``,
``detectors.templates``); the caller passes those readers in as :class:`TextReaders`, so that
a pseudonym keeps exactly what detection reads.

>>> readers = TextReaders(surname=lambda n: n[:1], is_organisation=lambda n: "公司" in n,
...                       shingles=lambda t: np.array(sorted({ord(c) for c in t}), dtype=np.uint64))
>>> p = Pseudonymizer(b"an association secret of 32 chars", readers)
>>> p.node_key(Label.PHONE, "+8613812345678")
'BK7ITR2YDHQQCWBWSOQVOUR2HQ'
>>> is_pseudonym(p.node_key(Label.PHONE, "+8613812345678")), is_pseudonym("+8613812345678")
(True, False)
>>> a, b = p.name("王芳"), p.name("王强")
>>> a[0] == b[0], a == b, p.name("赣州某某咨询有限公司")
(True, False, '赣州某某咨询有限公司')
>>> len(letter_sketch_shingles(p.letter("要求全额退保")))
6
>>> letter_sketch_shingles("要求全额退保") is None
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graph.errors import ConfigError
from graph.model import IDENTIFIER_LABELS, Label

__all__ = [
    "MIN_SECRET_CHARS",
    "SCHEME",
    "Pseudonymizer",
    "TextReaders",
    "is_letter_sketch",
    "is_name_pseudonym",
    "is_pseudonym",
    "key_id",
    "letter_sketch_shingles",
    "read_secret",
    "stored_key",
]

SCHEME = "ringscope-hmac-sha256/v1"
"""The pseudonymization scheme: what this module does, named in every export's manifest."""

MIN_SECRET_CHARS = 32

_SKETCH_PREFIX = "sketch/v1:"
_PSEUDONYM = re.compile(r"[A-Z2-7]{26}")
_PLANES = ((0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))  # supplementary private use areas A, B
_PLANE_SIZE = _PLANES[0][1] - _PLANES[0][0] + 1
_NAME_PSEUDONYM = re.compile(r"[\U000F0000-\U0010FFFD][A-Z2-7]{26}")


def read_secret(path: Path | str) -> bytes:
    """The association's secret from a key file (its text, surrounding whitespace removed).

    Raises :class:`ConfigError` when the file cannot be read or holds fewer than
    :data:`MIN_SECRET_CHARS` characters (``python -c "import secrets;
    print(secrets.token_hex(32))"`` makes a good one).
    """
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the key file {path}: {exc}") from exc
    if len(text) < MIN_SECRET_CHARS:
        raise ConfigError(f"the key file {path} holds {len(text)} characters; a key needs at "
                          f"least {MIN_SECRET_CHARS} (for example 64 random hex digits)")
    return text.encode("utf-8")


def key_id(secret: bytes) -> str:
    """A short public name of a secret (16 hex digits of a keyed hash of a fixed text): two
    books hashed with the same secret carry the same id; the id says nothing of the secret."""
    return hmac.new(secret, b"ringscope key id", hashlib.sha256).hexdigest()[:16]


def is_pseudonym(value: object) -> bool:
    """Whether ``value`` has the shape of an identifier pseudonym (26 base-32 characters)."""
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None


def stored_key(label: Label, key: str, pseudonymizer: Pseudonymizer | None) -> str:
    """The key a node of ``label`` has in the store for a normalized ``key``: the key itself,
    or, in a store of pseudonymized books (``pseudonymizer`` given), an identifier's pseudonym
    (record ids are never hashed)."""
    if pseudonymizer is None or label not in IDENTIFIER_LABELS:
        return key
    return pseudonymizer.node_key(label, key)


def is_name_pseudonym(value: object) -> bool:
    """Whether ``value`` has the shape of a name pseudonym (surname character + pseudonym)."""
    return isinstance(value, str) and _NAME_PSEUDONYM.fullmatch(value) is not None


def is_letter_sketch(value: object) -> bool:
    """Whether ``value`` is a letter sketch (it starts with ``sketch/v1:``)."""
    return isinstance(value, str) and value.startswith(_SKETCH_PREFIX)


def letter_sketch_shingles(value: str) -> np.ndarray | None:
    """The keyed shingles of a letter sketch (sorted unique ``uint64``), or ``None`` when
    ``value`` is not a sketch (it is a letter's text). Raises ``ValueError`` for a damaged
    sketch."""
    if not is_letter_sketch(value):
        return None
    try:
        raw = base64.b64decode(value[len(_SKETCH_PREFIX):], validate=True)
    except ValueError as exc:
        raise ValueError(f"damaged letter sketch: {exc}") from None
    if len(raw) % 4:
        raise ValueError("damaged letter sketch: its length is not a whole number of shingles")
    return np.unique(np.frombuffer(raw, dtype="<u4").astype(np.uint64))


@dataclass(frozen=True)
class TextReaders:
    """How detection reads text: a name's surname, whether a name is an organisation's, and a
    letter's shingles (sorted unique integers)."""

    surname: Callable[[str], str]
    is_organisation: Callable[[str], bool]
    shingles: Callable[[str], np.ndarray]


class Pseudonymizer:
    """Keyed hashes under one secret (see the module). Values are normalized ones; ``None`` and
    empty values stay ``None``."""

    def __init__(self, secret: bytes, readers: TextReaders) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigError(f"a key needs at least {MIN_SECRET_CHARS} characters")
        self._secret = secret
        self.readers = readers
        self.key_id = key_id(secret)
        self._shingles: dict[int, int] = {}

    def _digest(self, domain: bytes, value: bytes) -> bytes:
        return hmac.digest(self._secret, domain + b"\0" + value, "sha256")

    def _token(self, domain: bytes, value: str) -> str:
        return base64.b32encode(self._digest(domain, value.encode("utf-8"))[:16]).decode()[:26]

    def node_key(self, label: Label, key: str) -> str:
        """The pseudonym of an identifier node's key."""
        if label not in IDENTIFIER_LABELS:
            raise ValueError(f"{label} keys are record ids, not identifiers: never hashed")
        return self._token(label.value.encode(), key)

    def name(self, name: str | None) -> str | None:
        """A person's name as its pseudonym; an organisation's name as it is."""
        if not name:
            return None
        if self.readers.is_organisation(name):
            return name
        code = int.from_bytes(self._digest(b"surname", self.readers.surname(name).encode())[:8])
        plane, offset = divmod(code % (2 * _PLANE_SIZE), _PLANE_SIZE)
        return chr(_PLANES[plane][0] + offset) + self._token(b"name", name)

    def letter(self, text: str | None) -> str | None:
        """A letter as its sketch (``None`` for no text)."""
        if not text:
            return None
        cache, out = self._shingles, []
        for gram in self.readers.shingles(text).tolist():
            hashed = cache.get(gram)
            if hashed is None:
                hashed = int.from_bytes(self._digest(b"shingle", gram.to_bytes(8, "little"))[:4],
                                        "little")
                cache[gram] = hashed
            out.append(hashed)
        packed = np.unique(np.array(out, dtype="<u4")).tobytes()
        return _SKETCH_PREFIX + base64.b64encode(packed).decode()

    # -------------------------------------------------------------- whole columns
    def node_keys(self, label: Label, column: pd.Series) -> pd.Series:
        """:meth:`node_key` of every value of a column (missing stays missing)."""
        return _per_value(column, lambda v: self.node_key(label, v))

    def names(self, column: pd.Series) -> pd.Series:
        """:meth:`name` of every value of a column."""
        return _per_value(column, self.name)

    def letters(self, column: pd.Series) -> pd.Series:
        """:meth:`letter` of every value of a column."""
        return _per_value(column, self.letter)


def _per_value(column: pd.Series, fn: Callable[[str], str | None]) -> pd.Series:
    """``fn`` of each distinct non-empty string of ``column``, mapped back to every row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    mapped = [fn(str(v)) if str(v) else None for v in uniques] + [None]
    return pd.Series(np.array(mapped, dtype=object)[codes], index=column.index, dtype=object)
