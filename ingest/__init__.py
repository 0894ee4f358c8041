"""Ingest: an input folder (the input contract) → validated, normalized tables → graph store.

>>> sorted(CONTRACT)[:3]
['agents', 'complaints', 'contact_changes']
"""

from ingest.contract import CONTRACT, contract_markdown
from ingest.normalize import (
    BankAccount,
    IdNumber,
    Phone,
    normalize_bank_account,
    normalize_id_number,
    normalize_phone,
    normalize_phones,
    normalize_text,
    person_key,
)
from ingest.pipeline import Book, IngestReport, ingest_folder, read_book
from ingest.problems import Problem, ValidationError, write_problems_csv

__all__ = [
    "CONTRACT",
    "BankAccount",
    "Book",
    "IdNumber",
    "IngestReport",
    "Phone",
    "Problem",
    "ValidationError",
    "contract_markdown",
    "ingest_folder",
    "normalize_bank_account",
    "normalize_id_number",
    "normalize_phone",
    "normalize_phones",
    "normalize_text",
    "person_key",
    "read_book",
    "write_problems_csv",
]
