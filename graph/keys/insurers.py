"""Insurer codes and record keys namespaced by insurer.

In an association's store several insurers' books share one graph. Their record ids may
collide (``P0001`` at two insurers are two policies), so a record loaded with an insurer code
is keyed ``CODE:id``; identifier nodes (phones, accounts, addresses, representatives) are not
namespaced, which is what links the books. A code is 2 to 8 capital letters or digits, starting
with a letter (``PA``, ``CPIC``, ``TK01``); small letters typed in an option or a cell are read
as capitals. It never holds a colon, so the first colon of a key ends the code.

>>> normalize_insurer_code(" ｐａ "), normalize_insurer_code("P-A")
('PA', None)
>>> namespaced_key("PA", "S0001")
'PA:S0001'
>>> split_key("PA:S0001", {"PA", "PB"}), split_key("S0001", {"PA"}), split_key("XX:1", {"PA"})
(('PA', 'S0001'), (None, 'S0001'), (None, 'XX:1'))
"""

from __future__ import annotations

import re
from collections.abc import Collection

from graph.keys.cells import clean_cell

__all__ = ["INSURER_CODE_RULE", "namespaced_key", "normalize_insurer_code", "split_key"]

INSURER_CODE_RULE = ("2 to 8 letters or digits, starting with a letter; small letters are read "
                     "as capitals, pa as PA")
_CODE = re.compile(r"[A-Z][A-Z0-9]{1,7}")


def normalize_insurer_code(raw: object) -> str | None:
    """The insurer code a cell or option holds (cleaned like every cell, upper case), or
    ``None`` when it is empty or not a code (see :data:`INSURER_CODE_RULE`)."""
    text = clean_cell(raw)
    if text is None:
        return None
    code = text.upper()
    return code if _CODE.fullmatch(code) else None


def namespaced_key(code: str, key: str) -> str:
    """The key of insurer ``code``'s record ``key``."""
    return f"{code}:{key}"


def split_key(key: str, codes: Collection[str]) -> tuple[str | None, str]:
    """(insurer code, record id) of a record key; the code is ``None`` when the key does not
    start with one of ``codes`` (a store loaded without insurer codes)."""
    code, sep, rest = key.partition(":")
    if sep and code in codes:
        return code, rest
    return None, key
