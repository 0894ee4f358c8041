"""Masking of phones, bank accounts and ID numbers in API responses.

Responses are plain JSON-like structures; :func:`mask_payload` walks one and masks

* values under keys that always hold such an identifier (``contact_phone``, ``id_number`` …),
* the ``value`` of an identifier item whose ``type`` names such an identifier,
* the ``key`` of Phone, BankAccount and Person nodes (``{"label": ..., "key": ...}``),
* and, inside any other text (evidence sentences, free-form data, raw values), every run of
  digits that looks like a phone, account or ID number.

Record ids (``claim_id``, ``ring_id`` …) are left alone so that callers can follow them.

>>> mask_payload({"contact_phone": "+8613812345678", "claim_id": "C1"})
{'contact_phone': '+86138****5678', 'claim_id': 'C1'}
>>> mask_payload({"en": "6 claims paid to 6222020200112233446 within 9 days"})["en"]
'6 claims paid to 622************3446 within 9 days'
>>> mask_payload([{"type": "phone", "value": "13812345678"}])
[{'type': 'phone', 'value': '138****5678'}]
>>> mask_payload({"raw": "138 0013 8000"}), mask_payload({"raw": "建国路88号"})
({'raw': '138******8000'}, {'raw': '建国路88号'})
>>> mask_text("王五|+8613812345678")
'王五|+86138****5678'
"""

from __future__ import annotations

import re
from typing import Any

from graph.masking import mask_identifier

__all__ = ["PII_KEYS", "mask_payload", "mask_text"]

PII_KEYS: frozenset[str] = frozenset({
    "phone", "phones", "contact_phone", "representative_phone", "representative_id_number",
    "id_number", "id_numbers", "payout_account", "account", "accounts", "bank_account",
    "identifier_value", "old_value", "new_value", "numbers",
})
"""Keys whose string values (or lists of strings) are identifiers to mask whole."""

_ID_KEYS: frozenset[str] = frozenset({
    "claim_id", "claim_ids", "customer_id", "customer_ids", "policy_id", "policy_ids",
    "agent_id", "agent_ids", "ring_id", "ring_ids", "complaint_id", "run_id", "id", "code",
    "label", "type", "source", "target", "status", "level", "rel", "job_id", "new_claim_ids",
    "runs", "stored_ids",
})
"""Keys holding record ids, codes and enum values: never masked."""

_IDENTIFIER_TYPES = frozenset({
    "phone", "mobile", "landline", "bank_account", "account", "id_number", "person",
    "representative", "Phone", "BankAccount", "Person", "number_block", "NumberBlock",
})
_MASKED_LABELS = frozenset({"Phone", "BankAccount", "Person", "NumberBlock"})
_MIN_DIGITS = 7

# Between the groups of a number as people write it (``138 0013 8000``, ``139-7970-1234``,
# ``138.0013.8002``, ``138_0013_8011``, ``138/0013/8012``, ``(138)00138004``, a card in groups
# of four): one or two spaces (also no-break and full-width), or a dash, dot, underscore,
# slash or parenthesis with a space either side or none.
_SEPARATOR = r"(?:[ \u00a0\u3000]{1,2}|[ \u00a0\u3000]?[-－–—._/()（）][ \u00a0\u3000]?)"
_SEPARATOR_CHARS = frozenset(" \u00a0\u3000-－–—._/()（）")
# A grouped number has 9 digits at least: every identifier the book holds has (mobiles 11,
# landlines with their area code 10-12, ID numbers 15 or 18, cards 16-19, a number block 9 and
# its asterisks), while dates and year ranges (``2024-05-09``, ``2023-2024``) have 8 at most.
_GROUPED_MIN_DIGITS = 9
# A number written in groups: +86, then a first group of 2 or more digits (``13 800 138 010``),
# groups of 3 or more but the last, which may be shorter (an ID number's ``… 1010 06``) and end
# in an ID number's X or a number block's asterisks. A short last group is no number's end when
# more digits follow it: that is a date (``13800138000 2024-05-09`` takes the year at most,
# never the month; ``2024.05.09`` and ``2023/11/01`` have a short middle group). Tried first.
_END = r"(?:[Xx]|\*+)?(?![0-9A-Za-z_])"
_GROUPED = (rf"(?<![0-9A-Za-z_])(?<!R-)(?:[+＋]86{_SEPARATOR}?)?\d{{2,19}}(?:{_SEPARATOR}\d{{3,19}})*"
            rf"(?:{_SEPARATOR}\d{{3,19}}{_END}|{_SEPARATOR}\d{{1,2}}{_END}(?!{_SEPARATOR}\d))")
# +86 and 7 to 19 digits (phones, cards, ID numbers with an optional X, a number block with its
# open digits as asterisks: masked as the numbers it stands for), not part of a word nor
# a ring id (``R-`` and 8 hex digits, all of them digits in about one ring of 40); and a mobile
# number run into a word (``微信号wx13800138005``), which no record id or date is.
_NUMBER = re.compile(
    rf"(?P<grouped>{_GROUPED})"
    r"|(?<![0-9A-Za-z_])(?<!R-)(?:\+86)?\d{7,19}(?:[Xx]|\*+)?(?![0-9A-Za-z_])"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"
)


def mask_text(text: str) -> str:
    """Mask every identifier-like run of digits inside free text (not a ring id's digits),
    also a number written in groups (masked as the number, its separators kept).

    >>> mask_text("no ring 'R-00000000'; call 13800138000 or 0797-8123456")
    "no ring 'R-00000000'; call 138****8000 or 079*-***3456"
    >>> mask_text("numbers of one block +86170676816**")
    'numbers of one block +86170****16**'
    >>> mask_text("电话138 0013 8000, +86 186-7910-0555; 卡号6222 0202 0011 2233 446")
    '电话138 **** 8000, +86 186-****-0555; 卡号622* **** **** ***3 446'
    >>> mask_text("ID 360102 19560211 107X 2024-05-09 至 2024-06-01, 2023-2024, 3 份")
    'ID 360*** ******** 107X 2024-05-09 至 2024-06-01, 2023-2024, 3 份'
    """
    return _NUMBER.sub(_mask_match, text)


def _mask_match(match: re.Match[str]) -> str:
    number = match.group(0)
    if match.group("grouped") is None:
        return mask_identifier(number)
    if sum(c.isdigit() for c in number) < _GROUPED_MIN_DIGITS:
        return number
    # mask the number without its separators, then put them back where they were
    masked = iter(mask_identifier("".join(c for c in number if c not in _SEPARATOR_CHARS)))
    return "".join(c if c in _SEPARATOR_CHARS else next(masked) for c in number)


def _mask_whole(value: Any) -> Any:
    if isinstance(value, str):
        return mask_identifier(value)
    if isinstance(value, list | tuple):
        return [_mask_whole(v) for v in value]
    return mask_payload(value)


def mask_payload(payload: Any) -> Any:
    """A copy of a JSON-like structure with personal identifiers masked."""
    if isinstance(payload, str):
        return mask_text(payload)
    if isinstance(payload, list | tuple):
        return [mask_payload(v) for v in payload]
    if not isinstance(payload, dict):
        return payload
    kind = payload.get("type")
    label = payload.get("label")
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in PII_KEYS:
            out[key] = _mask_whole(value)
        elif key == "value" and isinstance(value, str) and kind in _IDENTIFIER_TYPES:
            out[key] = mask_identifier(value) if kind != "person" else mask_text(value)
        elif key == "key" and isinstance(value, str) and label in _MASKED_LABELS:
            out[key] = mask_identifier(value) if label != "Person" else _mask_person(value)
        elif key == "raw" and isinstance(value, str):
            out[key] = _mask_raw(value)
        elif key in _ID_KEYS:
            out[key] = value
        else:
            # a mapping keyed by values (payout holders: {"王五 6222…": claims}) masks its keys too
            out[mask_text(key) if isinstance(key, str) else key] = mask_payload(value)
    return out


def _mask_raw(value: str) -> str:
    """A value as a clerk typed it (``138 0013 8000``): masked whole when it holds a number."""
    digits = sum(c.isdigit() for c in value)
    return mask_identifier(value) if digits >= _MIN_DIGITS else mask_text(value)


def _mask_person(key: str) -> str:
    """A representative's key is an ID number or ``name|phone``."""
    name, sep, phone = key.rpartition("|")
    return f"{name}|{mask_identifier(phone)}" if sep else mask_identifier(key)
