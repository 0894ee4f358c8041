"""An association's book for the tests: a synthetic book split among three member insurers,
pseudonymized by each with the same key and loaded into one store, next to the whole book
loaded raw into another, both detected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from api.association import pseudonymizer
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest import ingest_folder, read_book
from ingest.pseudonymize import pseudonymize_book
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.split import split_book

CODES = ("PA", "PB", "PC")
CUSTOMERS = 12_000
SEED = 1
RING_RATE = 6.0
KEY = "association-test-key-0123456789abcdef0123456789"
OTHER_KEY = "another-association-key-fedcba9876543210fedcba"


@dataclass(frozen=True)
class Association:
    """Where everything is: the whole book, each insurer's raw and pseudonymized books, the
    key files, the association's store and the raw store of the whole book."""

    root: Path
    book: Path
    raw: dict[str, Path]
    pseudonymized: dict[str, Path]
    key_file: Path
    other_key_file: Path
    store: Path
    raw_store: Path

    @property
    def truth(self) -> Path:
        """``truth.csv`` with claims named ``CODE:claim_id``."""
        return self.root / "truth.csv"


def build_association(root: Path) -> Association:
    """Generate, split, pseudonymize, ingest and detect (about 20 s)."""
    book = root / "book"
    generate_book(book, BookConfig(customers=CUSTOMERS, seed=SEED, ring_rate=RING_RATE))
    raw = split_book(book, root, list(CODES), seed=SEED)
    key_file, other_key_file = root / "association.key", root / "other.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    other_key_file.write_text(OTHER_KEY + "\n", encoding="utf-8")
    hasher = pseudonymizer(key_file)
    pseudonymized = {}
    with SQLiteStore(root / "association.db") as store:
        for code, folder in raw.items():
            pseudonymized[code] = root / "pseudonymized" / code
            pseudonymize_book(read_book(folder, insurer=code), hasher, code, pseudonymized[code])
            ingest_folder(pseudonymized[code], store)
        detect(store)
    with SQLiteStore(root / "raw.db") as store:
        ingest_folder(book, store)
        detect(store)
    return Association(root, book, raw, pseudonymized, key_file, other_key_file,
                       root / "association.db", root / "raw.db")
