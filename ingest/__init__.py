"""Ingest: an input folder (the input contract) → validated, normalized tables → graph store.

>>> sorted(CONTRACT)[:3]
['agents', 'complaints', 'contact_changes']
"""

from ingest.contract import CONTRACT, contract_markdown
from ingest.pipeline import Book, IngestReport, ingest_folder, load_book, read_book
from ingest.problems import Problem, ValidationError, write_problems_csv

__all__ = [
    "CONTRACT",
    "Book",
    "IngestReport",
    "Problem",
    "ValidationError",
    "contract_markdown",
    "ingest_folder",
    "load_book",
    "read_book",
    "write_problems_csv",
]
