"""The manifest of a pseudonymized book: which scheme, which key and which insurer.

``ringscope pseudonymize`` writes ``manifest.json`` beside the tables; a folder that has one is
read as a pseudonymized book (identifier columns hold pseudonyms, letters are sketches, see
:mod:`graph.keys.pseudonyms`), a folder without one as a raw book.

>>> m = Manifest(scheme=SCHEME, key_id="c1be2c21ca97e157", insurer="PA", rows={"agents": 3})
>>> Manifest.from_json(m.to_json(), "manifest.json") == m
True
>>> Manifest.from_json('{"scheme": "md5"}', "manifest.json")
Traceback (most recent call last):
...
graph.errors.InputError: manifest.json: unknown scheme 'md5'; this version reads ringscope-hmac-sha256/v1
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import InputError
from graph.keys import normalize_insurer_code
from graph.keys.pseudonyms import SCHEME

__all__ = ["MANIFEST_FILE", "Manifest", "read_manifest"]

MANIFEST_FILE = "manifest.json"
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Manifest:
    """``scheme`` (:data:`graph.keys.pseudonyms.SCHEME`), ``key_id`` (the public name of the
    key the book was hashed with), ``insurer`` (its code) and the rows written per table."""

    scheme: str
    key_id: str
    insurer: str
    rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"scheme": self.scheme, "key_id": self.key_id, "insurer": self.insurer,
                           "rows": self.rows}, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, name: str) -> Manifest:
        """Parse and check a manifest; raises :class:`InputError` naming what is wrong."""
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise InputError(f"{name}: expected a JSON object")
        if data.get("scheme") != SCHEME:
            raise InputError(f"{name}: unknown scheme {data.get('scheme')!r}; this version reads "
                             f"{SCHEME}")
        key = data.get("key_id")
        if not isinstance(key, str) or not _KEY_ID.fullmatch(key):
            raise InputError(f"{name}: key_id must be 16 hexadecimal digits")
        insurer = normalize_insurer_code(data.get("insurer"))
        if insurer is None or insurer != data.get("insurer"):
            raise InputError(f"{name}: insurer must be a code of 2 to 8 capital letters or "
                             "digits, starting with a letter")
        rows = data.get("rows", {})
        if not isinstance(rows, dict) or not all(isinstance(v, int) for v in rows.values()):
            raise InputError(f"{name}: rows must map table names to counts")
        return cls(SCHEME, key, insurer, {str(k): int(v) for k, v in rows.items()})


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or ``None`` for a raw book; raises :class:`InputError` for one
    that cannot be read."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{MANIFEST_FILE}: cannot be read ({exc})") from None
    return Manifest.from_json(text, MANIFEST_FILE)
