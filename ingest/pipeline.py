"""Folder → validated book → graph bundle → store, all or nothing.

:func:`ingest_folder` reads and loads in one call; :func:`read_book` gives the validated,
normalized tables without touching a store, and :func:`load_book` loads them (``ringscope
ingest`` reads first and opens the store only for a book it accepted, so a refused ingest
into a store that did not exist leaves no file behind). On any error-severity problem
:func:`read_book` and :func:`ingest_folder` raise :class:`~ingest.problems.ValidationError`
(carrying every problem) and the store is not touched; ``errors_out`` receives the full
problem list as CSV first.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graph.store import GraphStore, ProgressCallback
from ingest.build import build_bundle
from ingest.problems import Problem, ProblemLog, ValidationError, write_problems_csv
from ingest.reader import read_folder
from ingest.validate import validate_book

__all__ = ["Book", "IngestReport", "ingest_folder", "load_book", "read_book"]

log = logging.getLogger(__name__)


@dataclass
class Book:
    """A validated, normalized input folder: one frame per contract table.

    Frame indexes are the rows as numbered in the files (header = row 1). Identifier columns
    hold normalized values, with ``<column>_raw`` (as typed) and ``<column>_valid`` beside them.
    """

    folder: Path
    tables: dict[str, pd.DataFrame]
    fingerprint: str
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did."""

    folder: Path
    rows: dict[str, int]
    warnings: list[Problem]
    nodes: int
    relationships: int
    fingerprint: str
    seconds: float
    phases: dict[str, float]

    @property
    def rows_per_second(self) -> float:
        return sum(self.rows.values()) / self.seconds if self.seconds else 0.0


def _step(progress: ProgressCallback | None, name: str, done: int, total: int) -> None:
    if progress is not None:
        progress(name, done, total)


def read_book(folder: Path, progress: ProgressCallback | None = None,
              errors_out: Path | None = None) -> Book:
    """Read and validate ``folder``; raises :class:`ValidationError` on any error."""
    start = time.perf_counter()
    problems = ProblemLog()
    _step(progress, "read", 0, 2)
    raw = read_folder(Path(folder), problems)
    _step(progress, "validate", 1, 2)
    tables = validate_book(raw, problems)
    _step(progress, "validate", 2, 2)
    ordered = problems.sorted()
    if errors_out is not None:  # also when there are warnings only: still worth a look
        write_problems_csv(ordered, errors_out)
    if problems.errors:
        raise ValidationError(ordered)
    return Book(Path(folder), tables, raw.fingerprint, ordered, time.perf_counter() - start)


def load_book(book: Book, store: GraphStore,
              progress: ProgressCallback | None = None) -> IngestReport:
    """Build the graph of a validated ``book`` and load it into ``store`` in one transaction.

    Loading the same book twice changes nothing; a newer export adds and updates records.
    """
    built = time.perf_counter()
    bundle = build_bundle(book.tables, book.fingerprint)
    _step(progress, "build", 1, 1)
    loaded = time.perf_counter()
    report = store.load(bundle, progress)
    end = time.perf_counter()
    phases = {"read+validate": book.seconds, "build": loaded - built, "load": end - loaded}
    seconds = book.seconds + end - built
    log.info("ingested %s: %d rows, %d warnings, %.1f s", book.folder, sum(book.rows.values()),
             len(book.warnings), seconds)
    return IngestReport(book.folder, book.rows, book.warnings, report.nodes,
                        report.relationships, book.fingerprint, seconds, phases)


def ingest_folder(folder: Path, store: GraphStore, progress: ProgressCallback | None = None,
                  errors_out: Path | None = None) -> IngestReport:
    """Validate ``folder`` and load it into ``store`` in one transaction (see :func:`load_book`)."""
    return load_book(read_book(folder, progress, errors_out), store, progress)
