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
    "runs",
})
"""Keys holding record ids, codes and enum values: never masked."""

_IDENTIFIER_TYPES = frozenset({
    "phone", "mobile", "landline", "bank_account", "account", "id_number", "person",
    "representative", "Phone", "BankAccount", "Person", "number_block", "NumberBlock",
})
_MASKED_LABELS = frozenset({"Phone", "BankAccount", "Person", "NumberBlock"})
_MIN_DIGITS = 7

# +86 and 7 to 19 digits (phones, cards, ID numbers with an optional X, a number block with its
# open digits as asterisks: masked as the numbers it stands for), not part of a word nor
# a ring id (``R-`` and 8 hex digits, all of them digits in about one ring of 40);
# also area-code landlines typed with a dash.
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z_])(?<!R-)(?:\+86)?\d{7,19}(?:[Xx]|\*+)?(?![0-9A-Za-z_])"
    r"|(?<![0-9A-Za-z_])0\d{2,3}-\d{7,8}(?!\d)"
)


def mask_text(text: str) -> str:
    """Mask every identifier-like run of digits inside free text (not a ring id's digits).

    >>> mask_text("no ring 'R-00000000'; call 13800138000 or 0797-8123456")
    "no ring 'R-00000000'; call 138****8000 or 079*****3456"
    >>> mask_text("numbers of one block +86170676816**")
    'numbers of one block +86170****16**'
    """
    return _NUMBER.sub(lambda m: mask_identifier(m.group(0)), text)


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
