"""Books into a store: write a synthetic book, load a folder in the input contract.

The only module of :mod:`api.analysis` that reaches :mod:`ingest`: loading is ingest's job
(validation, normalization, one transaction), this module only hands it the folder.

>>> import pathlib, tempfile
>>> from graph import open_store
>>> work = pathlib.Path(tempfile.mkdtemp())
>>> summary = synthetic_book(work / "book", customers=1_000, seed=1)
>>> summary.tables["customers"], (work / "book" / "truth.csv").exists()
(1000, True)
>>> store = open_store(f"sqlite:///{work / 'graph.db'}")
>>> report = load_book(store, work / "book")
>>> report.rows["customers"], store.counts().nodes["Customer"]
(1000, 1000)
>>> store.close()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph.store import GraphStore
from ingest import IngestReport, ingest_folder
from ingest.synthetic import BookConfig, BookSummary, generate_book

__all__ = ["load_book", "synthetic_book"]


def synthetic_book(folder: Path | str, customers: int = 3_000, seed: int = 1,
                   difficulty: str = "hard", **config: Any) -> BookSummary:
    """Write a synthetic book with planted rings into ``folder`` (created if missing).

    ``folder`` receives one CSV per table of the input contract plus ``truth.csv``
    (``claim_id, ring_id``; an empty ring_id is a legitimate claim). ``difficulty`` is one of
    ``easy``, ``normal``, ``hard``, ``extreme``, ``realistic``; further keywords are fields of
    :class:`ingest.synthetic.BookConfig` (``ring_rate``, ``years``, ``messy_share`` …). The same
    arguments write byte-identical files. A 3 000-customer book takes about half a second.

    Raises :class:`ValueError` for a setting the generator does not accept.
    """
    return generate_book(Path(folder), BookConfig(customers=customers, seed=seed,
                                                  difficulty=difficulty,  # type: ignore[arg-type]
                                                  **config))


def load_book(store: GraphStore, folder: Path | str) -> IngestReport:
    """Validate the folder and load it into ``store`` in one transaction.

    Returns what was loaded: ``rows`` per table, ``nodes``, ``relationships``, ``warnings``
    (records kept with a remark), ``seconds``. Raises :class:`ingest.ValidationError` listing
    every problem (file, row, column, reason) and then the store is exactly as it was.
    Loading the same folder twice changes nothing.
    """
    return ingest_folder(Path(folder), store)
