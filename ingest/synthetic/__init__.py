"""Synthetic life-insurance books with planted proxy-surrender rings and their ground truth.

>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     summary = generate_book(Path(tmp), BookConfig(customers=1_000, seed=1))
>>> summary.tables["customers"]
1000
"""

from .book import TABLES, BookSummary, Progress, generate_book
from .config import BookConfig, Difficulty, OutputFormat

__all__ = [
    "TABLES",
    "BookConfig",
    "BookSummary",
    "Difficulty",
    "OutputFormat",
    "Progress",
    "generate_book",
]
