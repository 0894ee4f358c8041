"""Untrusted text (cell values, header names, request fields) made safe to show.

A value echoed to a terminal, an error file or an error reply is shown with its control
characters written out as escapes, so that an escape sequence in a cell cannot clear a screen,
recolour a line or retitle a window, a NUL cannot cut a line short in another program, and a
line break cannot forge a line of the report. Bidirectional controls and the Unicode line
separators are escaped too (they reorder or break what a reader sees).

>>> escape_text("ok\\x1b[2J\\x1b[31mALL CLEAR")
'ok\\\\x1b[2J\\\\x1b[31mALL CLEAR'
>>> print(escape_text("a\\x00b\\tc\\nd\\u202ee"))
a\\x00b\\tc\\nd\\u202ee
>>> escape_text("张三 13812345678")
'张三 13812345678'
"""

from __future__ import annotations

import re

__all__ = ["escape_text"]

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# C0 controls, DEL, C1 controls; left/right marks, bidirectional embeddings, overrides and
# isolates; the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\x00``,
    ``\\t``, ``\\n``, ``\\u202e``); everything else, Chinese included, as is. Used wherever
    RingScope shows text it did not write: ingest problems (terminal, ``--errors`` file), the
    CLI's error lines, the API's error replies.
    """
    return _CONTROL.sub(_escape, text)
