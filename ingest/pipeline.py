"""Folder → validated book → graph bundle → store, all or nothing.

:func:`ingest_folder` reads and loads in one call; :func:`read_book` gives the validated,
normalized tables without touching a store, and :func:`load_book` loads them (``ringscope
ingest`` reads first and opens the store only for a book it accepted, so a refused ingest
into a store that did not exist leaves no file behind). On any error-severity problem
:func:`read_book` and :func:`ingest_folder` raise :class:`~ingest.problems.ValidationError`
(carrying every problem) and the store is not touched; ``errors_out`` receives the full
problem list as CSV first.

**Insurers.** A book read with an insurer code (``insurer=``, an ``insurer`` column, or a
pseudonymized book's manifest) is one member's book of an association: its records are keyed
``CODE:id`` and :func:`load_book` records the member (an ``Insurer`` node: code, whether the
book was pseudonymized, the key id). A store holds either one book without insurer codes
(everything works as for a single insurer) or members' books only; members' books are all raw
or all pseudonymized, all with one key. :func:`load_book` refuses anything else with
:class:`~graph.errors.InputError`, before it writes.

**Stores keyed by older rules.** Address keys read ``10幢``, ``10号楼`` and ``十栋`` as ``10栋``
and leave a leading province out (:func:`graph.keys.normalize_address`). A store written before that holds some addresses
under their old keys; a load into it would give one building two nodes, so :func:`load_book`
refuses it (:func:`check_address_keys`): the books are ingested again into a new store.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from graph.errors import InputError
from graph.keys import normalize_addresses
from graph.keys.columns import matches
from graph.keys.text import ADDRESS_RESPELLED_RE2
from graph.model import Label
from graph.store import GraphStore, ProgressCallback, Removed
from ingest.build import build_bundle
from ingest.manifest import Manifest
from ingest.problems import Problem, ProblemLog, ValidationError, write_problems_csv
from ingest.reader import read_folder
from ingest.stored import StoredRecords
from ingest.validate import validate_book

__all__ = ["Book", "IngestReport", "check_address_keys", "check_membership", "ingest_folder", "load_book",
           "read_book"]

log = logging.getLogger(__name__)


@dataclass
class Book:
    """A validated, normalized input folder: one frame per contract table.

    Frame indexes are the rows as numbered in the files (header = row 1). Identifier columns
    hold normalized values, with ``<column>_raw`` (as typed) and ``<column>_valid`` beside them.
    ``manifest`` is a pseudonymized book's (its identifiers are pseudonyms, its raw columns
    empty).
    """

    folder: Path
    tables: dict[str, pd.DataFrame]
    fingerprint: str
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    manifest: Manifest | None = None

    @property
    def rows(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}

    @property
    def insurers(self) -> list[str]:
        """The insurer codes the book's rows name (none for a single insurer's book)."""
        return sorted(set().union(*(set(f["insurer"].dropna()) for f in self.tables.values())))

    @property
    def member(self) -> dict[str, object]:
        """What an ``Insurer`` node of this book records."""
        if self.manifest is None:
            return {"pseudonymized": False}
        return {"pseudonymized": True, "scheme": self.manifest.scheme,
                "key_id": self.manifest.key_id}


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
    removed: Removed = field(default_factory=Removed)
    """What the load removed: relationships a record's newer value replaced
    (:data:`graph.model.SINGLE_VALUED`) or a ``#CLEAR`` cell cleared, identifiers no record
    uses any more (:class:`graph.store.Removed`)."""


def _step(progress: ProgressCallback | None, name: str, done: int, total: int) -> None:
    if progress is not None:
        progress(name, done, total)


def read_book(folder: Path, progress: ProgressCallback | None = None,
              errors_out: Path | None = None, insurer: str | None = None,
              store: GraphStore | None = None) -> Book:
    """Read and validate ``folder`` (``insurer``: the code of rows that name none); raises
    :class:`ValidationError` on any error. With the ``store`` the book goes into, references may
    name records it already holds (a daily export: see :mod:`ingest.stored`)."""
    start = time.perf_counter()
    problems = ProblemLog()
    _step(progress, "read", 0, 2)
    raw = read_folder(Path(folder), problems)
    _step(progress, "validate", 1, 2)
    tables = validate_book(raw, problems, insurer, None if store is None else StoredRecords(store))
    _step(progress, "validate", 2, 2)
    ordered = problems.sorted()
    if errors_out is not None:  # also when there are warnings only: still worth a look
        write_problems_csv(ordered, errors_out)
    if problems.errors:
        raise ValidationError(ordered)
    return Book(Path(folder), tables, raw.fingerprint, ordered, time.perf_counter() - start,
                raw.manifest)


def check_membership(book: Book, store: GraphStore) -> None:
    """Refuse a book the store's other books do not go with (see the module)."""
    members = store.nodes_frame(Label.INSURER)
    codes = book.insurers
    if members.empty:
        if codes and store.counts().nodes[Label.CLAIM.value]:
            raise InputError("the store holds a book loaded without an insurer code; an "
                             "association's store takes members' books only (use a new store)")
        return
    held = ", ".join(members["key"].astype(str))
    if not codes:
        raise InputError(f"the store holds the books of member insurers ({held}): load this "
                         "book with --insurer CODE")
    flags = members["pseudonymized"].astype(bool) if "pseudonymized" in members else None
    pseudonymized = book.manifest is not None
    if flags is not None and bool(flags.iloc[0]) != pseudonymized:
        kind = ("pseudonymized", "raw") if flags.iloc[0] else ("raw", "pseudonymized")
        raise InputError(f"the store holds {kind[0]} books ({held}); it refuses a {kind[1]} "
                         "one: an association's store holds raw or pseudonymized books, not both")
    if book.manifest is not None and "key_id" in members:
        keys = set(members["key_id"].dropna().astype(str))
        if keys and keys != {book.manifest.key_id}:
            raise InputError(f"the book was hashed with key {book.manifest.key_id}, the store's "
                             f"books ({held}) with key {', '.join(sorted(keys))}: one "
                             "association, one key")


def check_address_keys(store: GraphStore) -> None:
    """Refuse a store holding addresses keyed before :func:`graph.keys.normalize_address` read
    building words that mean the same as one (see the module): a load would add the new
    spelling beside the old one. Only keys :data:`~graph.keys.text.ADDRESS_RESPELLED_RE2`
    matches are normalized again (an Arrow regex over the keys: a fraction of a second at a
    million addresses)."""
    keys = store.nodes_frame(Label.ADDRESS)["key"]
    if keys.empty:
        return
    text = pa.array(keys.astype(str), type=pa.string())
    maybe = keys[matches(text, ADDRESS_RESPELLED_RE2)]
    stale = int((normalize_addresses(maybe.astype(str)) != maybe).sum()) if len(maybe) else 0
    if stale:
        raise InputError(
            f"the store holds {stale:,} addresses keyed before 栋, 幢 and 号楼 (and 单元, 号单元 "
            "and 单元号, and Chinese numerals before them) were read as one and a leading province "
            "left out; loading into it would give one building two addresses: ingest the books "
            "again into a new store")


def load_book(book: Book, store: GraphStore,
              progress: ProgressCallback | None = None) -> IngestReport:
    """Build the graph of a validated ``book`` and load it into ``store`` in one transaction.

    Loading the same book twice changes nothing; a newer export adds and updates records (a
    member's records only: they are keyed by its code), and a record's newer value of a
    single-valued field replaces its old relationship (the report counts them). Raises
    :class:`~graph.errors.InputError` for a book the store's other books do not go with.
    """
    built = time.perf_counter()
    check_membership(book, store)
    check_address_keys(store)
    members = dict.fromkeys(book.insurers, book.member)
    bundle = build_bundle(book.tables, book.fingerprint, members, book.manifest is not None)
    _step(progress, "build", 1, 1)
    loaded = time.perf_counter()
    report = store.load(bundle, progress)
    end = time.perf_counter()
    phases = {"read+validate": book.seconds, "build": loaded - built, "load": end - loaded}
    seconds = book.seconds + end - built
    log.info("ingested %s: %d rows, %d warnings, %.1f s", book.folder, sum(book.rows.values()),
             len(book.warnings), seconds)
    return IngestReport(book.folder, book.rows, book.warnings, report.nodes,
                        report.relationships, book.fingerprint, seconds, phases, report.removed)


def ingest_folder(folder: Path, store: GraphStore, progress: ProgressCallback | None = None,
                  errors_out: Path | None = None, insurer: str | None = None) -> IngestReport:
    """Validate ``folder`` (references may name records ``store`` holds) and load it into
    ``store`` in one transaction (see :func:`load_book`)."""
    return load_book(read_book(folder, progress, errors_out, insurer, store), store, progress)
