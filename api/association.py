"""The association's key where the app and the command line use it.

A :class:`~graph.keys.pseudonyms.Pseudonymizer` keeps exactly what detection reads from a name
and a letter, so it is built here with detection's own readers (``detectors.book.surname``,
``detectors.book.is_company``, ``detectors.templates.shingles``): ``ringscope pseudonymize``
at an insurer, ``ringscope reveal`` and real-time scoring in an association's store all hash
with it.
"""

from __future__ import annotations

from pathlib import Path

from detectors.book import is_company, surname
from detectors.templates import shingles
from graph.keys.pseudonyms import Pseudonymizer, TextReaders, read_secret

__all__ = ["DETECTION_READERS", "pseudonymizer"]

DETECTION_READERS = TextReaders(surname=surname, is_organisation=is_company, shingles=shingles)
"""How detection reads a name's surname, tells an organisation and cuts a letter."""


def pseudonymizer(key_file: Path | str) -> Pseudonymizer:
    """The pseudonymizer of the secret in ``key_file`` (raises ``ConfigError`` for a file that
    cannot be read or holds too short a key)."""
    return Pseudonymizer(read_secret(key_file), DETECTION_READERS)
