"""Person keys: a representative is keyed by the normalized ID number, else by ``name|phone``,
else by ``|phone`` (an unnamed representative known by the phone they gave: dropping them would
lose the one trace a ring's runner left on every request).

>>> person_key("李 四", None, "138 1234 5678"), person_key(None, None, "138-1234-5678")
('李四|+8613812345678', '|+8613812345678')
"""

from __future__ import annotations

import pandas as pd

from graph.keys.id_numbers import normalize_id_number, normalize_id_numbers
from graph.keys.phones import normalize_phone, normalize_phones
from graph.keys.text import normalize_text, normalize_texts

__all__ = ["person_key", "person_keys", "person_shown"]


def person_key(name: object, id_number: object, phone: object) -> str | None:
    """Key of a representative: the normalized ID number, else ``name|phone``, else ``|phone``,
    else ``None``.

    >>> person_key("王五", "11010519491231002x", None)
    '11010519491231002X'
    >>> person_key("王五", None, None) is None
    True
    """
    ident = normalize_id_number(id_number)
    if ident is not None:
        return ident.value
    clean_name, clean_phone = normalize_text(name), normalize_phone(phone)
    if clean_phone is None:
        return None
    return f"{clean_name or ''}|{clean_phone.value}"


def person_keys(name: pd.Series, id_number: pd.Series, phone: pd.Series) -> pd.Series:
    """Vectorised :func:`person_key` over three aligned columns."""
    ids = normalize_id_numbers(id_number)["value"]
    names = normalize_texts(name)
    phones = normalize_phones(phone)["value"]
    fallback = names.fillna("").str.cat(phones, sep="|")  # NA without a phone
    return ids.fillna(fallback).astype("str")


def person_shown(key: str) -> tuple[str, str]:
    """A representative's key as evidence sentences show it, in Chinese and English:
    ``name (phone)``, the phone of one who gave no name, or the ID number.

    >>> person_shown("李四|+8613812345678")
    ('李四（+8613812345678）', '李四 (+8613812345678)')
    >>> person_shown("|+8613812345678")
    ('+8613812345678（未留姓名）', '+8613812345678 (no name given)')
    >>> person_shown("11010519491231002X")
    ('11010519491231002X', '11010519491231002X')
    """
    name, sep, phone = key.rpartition("|")
    if not sep:
        return key, key
    if name:
        return f"{name}（{phone}）", f"{name} ({phone})"
    return f"{phone}（未留姓名）", f"{phone} (no name given)"
