"""Masking of personal identifiers for display: keep the first three and last four characters.

>>> mask_identifier("13812345678")
'138****5678'
>>> mask_identifier("+8613812345678")
'+86138****5678'
>>> mask_identifier("6222020200112233445")
'622************3445'
>>> mask_identifier("3601021990010112")
'360*********0112'
>>> mask_identifier("12345")
'*****'

Pseudonyms (keyed hashes in an association's store, :mod:`graph.keys.pseudonyms`) are shown as
they are: they are not the identifier, and an insurer needs the whole of one to find its own
customer behind it (``ringscope reveal``).

>>> mask_identifier("BK7ITR2YDHQQCWBWSOQVOUR2HQ")
'BK7ITR2YDHQQCWBWSOQVOUR2HQ'
"""

from __future__ import annotations

from graph.keys.pseudonyms import is_pseudonym

__all__ = ["mask_identifier"]

_KEEP_HEAD, _KEEP_TAIL = 3, 4


def mask_identifier(value: str) -> str:
    """Mask a phone number, bank account or ID number; short values are masked entirely."""
    if is_pseudonym(value):
        return value
    prefix = ""
    if value.startswith("+86") and len(value) > 3:
        prefix, value = "+86", value[3:]
    if len(value) <= _KEEP_HEAD + _KEEP_TAIL:
        return prefix + "*" * len(value)
    hidden = len(value) - _KEEP_HEAD - _KEEP_TAIL
    return prefix + value[:_KEEP_HEAD] + "*" * hidden + value[-_KEEP_TAIL:]
