"""The ``ringscope`` command line: generate, ingest, stats, detect, export, evaluate, serve, demo,
and for an association of insurers pseudonymize and reveal.

Every command that touches the store takes ``--store URL`` (default ``RINGSCOPE_STORE``).
Errors print one clear message and exit non-zero: 2 for invalid input, 1 for everything else.
Each command checks its flags (the store URL, the files it will read or write) before it
reads or writes anything, so a mistyped flag costs no time.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.association import pseudonymizer
from api.progress import progress_bars
from api.settings import Settings
from detectors.export import export_rings
from detectors.params import DetectionParams
from graph.config import DEFAULT_STORE, StoreSettings
from graph.connect import check_store_url, open_store, sqlite_path
from graph.errors import ConfigError, InputError, RingScopeError
from graph.escaping import escape_text
from graph.keys import normalize_insurer_code
from graph.keys.insurers import INSURER_CODE_RULE
from graph.model import GraphCounts
from graph.spreadsheet_csv import spreadsheet_bytes
from graph.sqlite_store import new_store_file, remove_abandoned_loads
from graph.store import GraphStore, Removed
from ingest import Problem, load_book, read_book
from ingest import ValidationError as BookRefused
from ingest.contract import CLEAR_MARKER
from ingest.pseudonymize import check_out_folder, pseudonymize_book
from ingest.reveal import reveal as reveal_in_book
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.split import split_book

if TYPE_CHECKING:
    from detectors.evaluate import Evaluation

__all__ = ["app"]

app = typer.Typer(
    name="ringscope",
    help="Find organized proxy-surrender rings in life-insurance data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console(soft_wrap=True, markup=False, highlight=False)
errors = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store URL: sqlite:///PATH, bolt://…, neo4j://…, falkordb://… (default: RINGSCOPE_STORE).",
    ),
]

T = TypeVar("T")
_SHOWN_WARNINGS = 10


class Difficulty(StrEnum):
    easy = "easy"
    normal = "normal"
    hard = "hard"
    extreme = "extreme"
    realistic = "realistic"


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _fail(message: str, code: int = 1) -> NoReturn:
    # A message may quote the input (a value, a header, a file name): shown escaped.
    errors.print(Text.assemble(("error:", "bold red"), " ", escape_text(message)))
    raise typer.Exit(code)


@contextmanager
def _clear_errors() -> Iterator[None]:
    """Turn the project's errors into one message and an exit code, never a traceback."""
    try:
        yield
    except (InputError, ConfigError) as exc:  # bad input or settings (keys, store URL, key file)
        _fail(str(exc) + _every_problem_hint(exc), 2)
    except ValidationError as exc:
        if exc.title not in _SETTINGS:
            _fail(str(exc))
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))} (environment or .env): {e['msg']}"
                        for e in exc.errors()), 2)
    except (RingScopeError, OSError, ValueError) as exc:
        _fail(str(exc))


def _every_problem_hint(exc: Exception) -> str:
    """Where to read every problem of a refused book when its message shows only the first
    three errors, or when warnings (a column outside the contract, say) may explain them."""
    if not isinstance(exc, BookRefused) or exc.problems == exc.errors[:3]:
        return ""
    return "; --errors FILE lists every problem, warnings too"


_SETTINGS = (Settings.__name__, StoreSettings.__name__)
"""The settings read from the environment: a value they refuse is a configuration error
(exit code 2) naming the variable, not a validation report."""


class _TerminalLog(logging.Handler):
    """Log records of the libraries (a driver retrying, a store operation that failed) as one
    escaped line each on standard error, never a traceback. A record carrying an exception
    (``log.exception``) is not shown: that exception reaches :func:`_clear_errors`, which prints
    it as the command's one error line."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is None:
            errors.print(f"{record.levelname.lower()}: {escape_text(record.getMessage())}")


@app.callback()
def _check_settings(ctx: typer.Context) -> None:
    """Every command: a setting of the environment or ``.env`` that the settings refuse
    (``RINGSCOPE_MAX_BODY_BYTES=abc``) stops it before any work, one line naming the variable
    (exit code 2), whether or not the command uses that setting. Log records print as one line
    each (:class:`_TerminalLog`), except under ``serve``, whose log keeps its tracebacks."""
    if ctx.invoked_subcommand != "serve":
        logging.lastResort = _TerminalLog(logging.WARNING)  # used while nothing else handles logs
    with _clear_errors():
        Settings()
        StoreSettings()


def _from_flags(build: Callable[[], T]) -> T:
    """What the flags describe, built before anything is read or written; a value it cannot
    take is invalid input (exit code 2)."""
    try:
        return build()
    except ValueError as exc:
        _fail(str(exc), 2)


def _store_url(url: str | None, must_exist: bool = False) -> str:
    """The store URL a command will use (``--store``, else ``RINGSCOPE_STORE``), checked before
    any work: one :func:`open_store` cannot use is invalid input (exit code 2). With
    ``must_exist``, an embedded store's file must be there already (a mistyped path would
    otherwise be created, empty, and read as "no data"). The folder of an embedded store must
    exist, except the default store's (``./data``), which is created."""
    chosen = url or StoreSettings().store  # its values were checked before the command (_check_settings)
    try:
        check_store_url(chosen)
        path = sqlite_path(chosen)
    except ConfigError as exc:
        _fail(str(exc), 2)
    if path is not None and path.is_dir():
        _fail(f"store path {path} is a folder, not a SQLite file", 2)
    if path is not None and not path.parent.is_dir() and chosen != DEFAULT_STORE:
        _fail(f"no folder {path.parent} for the store {path}: create it first (a mistyped "
              "path would otherwise start a new store there)", 2)
    if must_exist and path is not None and not path.is_file():
        _fail(f"no store at {path}: ingest a book into it first "
              "(ringscope ingest FOLDER --store …)", 2)
    return chosen


@contextmanager
def _store(url: str) -> Iterator[GraphStore]:
    """The store a URL checked by :func:`_store_url` names."""
    with _clear_errors():
        store = open_store(url, StoreSettings())
    try:
        yield store
    finally:
        store.close()


def _file_to_write(path: Path | None, option: str) -> None:
    """A file a command will write at the end: its folder must exist (exit code 2)."""
    if path is None:
        return
    if path.is_dir():
        _fail(f"{option} {path} is a folder; give a file name", 2)
    if not path.parent.is_dir():
        _fail(f"{option} {path}: folder {path.parent} does not exist", 2)


def _file_to_read(path: Path, option: str) -> None:
    if path.is_dir():
        _fail(f"{option} {path}: a folder, not a file", 2)
    if not path.is_file():
        _fail(f"{option} {path}: no such file", 2)


def _insurer(value: str | None, option: str = "--insurer") -> str | None:
    if value is None:
        return None
    code = normalize_insurer_code(value)
    if code is None:
        _fail(f"{option} {value!r} is not an insurer code ({INSURER_CODE_RULE})", 2)
    return code


InsurerOption = Annotated[
    str | None,
    typer.Option("--insurer", help="The member insurer whose book this is (a code such as PA): "
                 "its records are keyed CODE:id in an association's store."),
]
KeyFileOption = Annotated[
    Path, typer.Option("--key-file", help="File holding the association's shared secret.")
]


def _with_progress(work: Callable[..., T], *args: object, **kwargs: object) -> T:
    with progress_bars(errors) as progress:
        return work(*args, progress=progress, **kwargs)


@app.command()
def generate(
    out: Annotated[
        Path, typer.Argument(help="Folder to write the book into (created if missing).")
    ],
    customers: Annotated[int, typer.Option(min=50, help="Number of customers.")] = 20_000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed writes the same files.")
    ] = 0,
    difficulty: Annotated[
        Difficulty, typer.Option(help="How well rings hide.")
    ] = Difficulty.normal,
    ring_rate: Annotated[
        float | None,
        typer.Option(min=0.0, help="Expected ring claims per 1 000 customers "
                     "[default: 3.0; 5.5 for realistic]."),
    ] = None,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="Table file format.")
    ] = FileFormat.csv,
    insurers: Annotated[
        str | None,
        typer.Option("--insurers", help="Split the book among member insurers, e.g. PA,PB,PC: "
                     "OUT/book holds the whole book, OUT/CODE each insurer's, OUT/truth.csv "
                     "names claims CODE:claim_id (CSV only)."),
    ] = None,
) -> None:
    """Write a synthetic insurer book with planted rings, plus truth.csv, into a new or empty
    folder."""
    codes = [_insurer(c.strip(), "--insurers") or "" for c in insurers.split(",")] if insurers else []
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        _fail(f"--insurers names {', '.join(repeated)} more than once", 2)
    if len(codes) == 1:
        _fail("--insurers needs two or more insurer codes to split the book among", 2)
    if codes and file_format is not FileFormat.csv:
        _fail("--insurers splits CSV books only", 2)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        _fail(f"{out} exists and is not an empty folder; choose a new one (a book is never "
              "written over another)", 2)
    config = _from_flags(lambda: BookConfig(
        customers=customers,
        seed=seed,
        difficulty=difficulty.value,
        ring_rate=ring_rate,
        output_format=file_format.value,
    ))
    _write_book(out, config, codes, seed)


def _write_book(out: Path, config: BookConfig, codes: list[str], seed: int) -> None:
    with _clear_errors():
        book = out / "book" if codes else out
        summary = _with_progress(generate_book, book, config)
        if codes:
            split_book(book, out, codes, seed)
    tables = ", ".join(f"{n:,} {name}" for name, n in summary.tables.items())
    split = f", split among {', '.join(codes)}" if codes else ""
    console.print(
        f"wrote {out}: {tables}; {summary.rings} planted rings with {summary.ring_claims} claims "
        f"(truth.csv){split}",
        highlight=False,
    )


@app.command()
def ingest(
    folder: Annotated[
        Path, typer.Argument(help="Folder with one file per table (CSV or Parquet).")
    ],
    store: StoreOption = None,
    errors_file: Annotated[
        Path | None, typer.Option("--errors", help="Write every problem found to this CSV file.")
    ] = None,
    insurer: InsurerOption = None,
) -> None:
    """Validate a folder of tables (raw, or pseudonymized by a member) and load it into the graph
    (all or nothing)."""
    url = _store_url(store)
    code = _insurer(insurer)
    _file_to_write(errors_file, "--errors")
    start = time.perf_counter()
    path = sqlite_path(url)
    if path is not None:
        for line in remove_abandoned_loads(path):
            errors.print(escape_text(line))
    if path is None or path.exists():  # a daily export may name records the store holds
        with _store(url) as graph, _clear_errors():
            book = _with_progress(read_book, folder, errors_out=errors_file, insurer=code, store=graph)
            held = graph.counts()
            report = _with_progress(load_book, book, graph)
            gained = _gained(held, graph.counts(), report.removed)
    else:
        with _clear_errors():  # refused before the store is opened: a new store is not created
            book = _with_progress(read_book, folder, errors_out=errors_file, insurer=code)
        # the new file is written aside and appears only once the load succeeded
        with _clear_errors(), new_store_file(path) as graph:
            report = _with_progress(load_book, book, graph)
            gained = _gained(None, graph.counts(), report.removed)
    seconds = time.perf_counter() - start  # a new store file included, synced and in place
    _print_warnings(report.warnings)
    rows = sum(report.rows.values())
    console.print(
        f"ingested {rows:,} rows from {folder} in {seconds:.1f} s ({rows / seconds:,.0f} rows/s): "
        f"{gained[0]:,} new nodes and {gained[1]:,} new relationships{_removals(report.removed)}",
        highlight=False,
    )


def _removals(removed: Removed) -> str:
    """The ingest line's account of what a load removed (nothing when it removed nothing)."""
    parts = [f"{removed.replaced:,} replaced by a record's newer value (the old one is removed)"
             if removed.replaced else "",
             f"{removed.cleared:,} cleared by {CLEAR_MARKER}" if removed.cleared else "",
             f"{removed.orphans:,} identifiers no record uses any more removed" if removed.orphans else ""]
    return "".join(f", {p}" for p in parts if p)


def _gained(before: GraphCounts | None, after: GraphCounts, removed: Removed) -> tuple[int, int]:
    """Nodes and relationships a load added: the counts' growth plus what it removed."""
    node_total, rel_total = sum(after.nodes.values()), sum(after.relationships.values())
    if before is None:
        return node_total, rel_total
    return (node_total - sum(before.nodes.values()) + removed.orphans,
            rel_total - sum(before.relationships.values()) + removed.replaced + removed.cleared
            + removed.orphan_relationships)


def _print_warnings(warnings: list[Problem]) -> None:
    for warning in warnings[:_SHOWN_WARNINGS]:
        errors.print(str(warning))
    if len(warnings) > _SHOWN_WARNINGS:
        errors.print(
            f"… and {len(warnings) - _SHOWN_WARNINGS} more warnings (use --errors FILE for all)"
        )


@app.command()
def pseudonymize(
    folder: Annotated[Path, typer.Argument(help="The insurer's raw book (the input contract).")],
    out: Annotated[Path, typer.Argument(help="New folder for the pseudonymized book.")],
    key_file: KeyFileOption,
    insurer: Annotated[str, typer.Option("--insurer", help="This insurer's member code.")],
    errors_file: Annotated[
        Path | None, typer.Option("--errors", help="Write every problem found to this CSV file.")
    ] = None,
) -> None:
    """Validate a book as ingest does and write it with identifiers, names and letters replaced
    by keyed hashes, for the association's store."""
    code = _insurer(insurer)
    _file_to_write(errors_file, "--errors")
    with _clear_errors():
        check_out_folder(out, folder)
    _file_to_read(key_file, "--key-file")
    with _clear_errors():
        hasher = pseudonymizer(key_file)
        book = _with_progress(read_book, folder, errors_out=errors_file, insurer=code)
        report = _with_progress(pseudonymize_book, book, hasher, code, out)
    _print_warnings(book.warnings)
    rows = sum(report.rows.values())
    console.print(
        f"pseudonymized {rows:,} rows of insurer {code} into {out} with key {hasher.key_id} in "
        f"{book.seconds + report.seconds:.1f} s ({rows / (book.seconds + report.seconds):,.0f} "
        "rows/s)",
        highlight=False,
    )


@app.command()
def reveal(
    folder: Annotated[Path, typer.Argument(help="This insurer's own raw book.")],
    pseudonyms: Annotated[list[str], typer.Argument(help="Pseudonyms shown by the association.")],
    key_file: KeyFileOption,
    insurer: Annotated[str, typer.Option("--insurer", help="This insurer's member code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the matches as JSON.")] = False,
) -> None:
    """Find which of this insurer's own records a pseudonym stands for (its raw book hashed with
    the association's key; nobody else's records can come out)."""
    code = _insurer(insurer)
    _file_to_read(key_file, "--key-file")
    with _clear_errors():
        hasher = pseudonymizer(key_file)
        book = read_book(folder, insurer=code)
        found = reveal_in_book(book, hasher, str(code), pseudonyms)
    if as_json:
        sys.stdout.write(json.dumps([vars(r) for r in found], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("pseudonym", "table", "row", "record", "column", "value",
                  title=f"{len(found)} matches in {folder}")
    for r in found:
        table.add_row(*(escape_text(str(v)) for v in (r.pseudonym, r.table, r.row, r.record, r.column, r.value)))
    console.print(table)
    missing = sorted(set(pseudonyms) - {r.pseudonym for r in found})
    if missing:
        errors.print(escape_text(f"not in {code}'s book: {', '.join(missing)}"), highlight=False)


@app.command()
def stats(
    store: StoreOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print counts as JSON for scripts.")
    ] = False,
) -> None:
    """Count nodes per label and relationships per type."""
    with _store(_store_url(store, must_exist=True)) as graph, _clear_errors():
        counts = graph.counts()
    if as_json:
        sys.stdout.write(json.dumps(counts.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("kind", "name", "count", title="graph")
    for name, n in counts.nodes.items():
        table.add_row("node", name, f"{n:,}")
    for name, n in counts.relationships.items():
        table.add_row("relationship", name, f"{n:,}")
    console.print(table)


@app.command("detect")
def detect_command(
    store: StoreOption = None,
    seed: Annotated[
        int, typer.Option(help="Seed of every randomised step.")
    ] = DetectionParams.seed,
    resolution: Annotated[
        float, typer.Option(help="Community resolution (0.05 to 5): higher gives smaller rings.")
    ] = DetectionParams.resolution,
    allow_empty: Annotated[
        bool, typer.Option("--allow-empty", help="Let a run that finds no rings replace current rings.")
    ] = False,
) -> None:
    """Find and score rings; the results replace the current ones atomically.

    A run that finds no rings while rings are current fails and keeps them, unless --allow-empty."""
    from detectors.pipeline import detect  # detection, the API and serving load only when used

    params = _from_flags(lambda: DetectionParams(seed=seed, resolution=resolution))
    url = _store_url(store, must_exist=True)
    with _store(url) as graph, _clear_errors():
        result = _with_progress(detect, graph, params, allow_empty=allow_empty)
    summary = result.run.summary
    console.print(
        f"run {result.run.run_id}: {summary.get('rings', 0)} rings, "
        f"{summary.get('alerted_rings', 0)} to investigate (score ≥ 0.5), "
        f"{summary.get('claims_in_alerted_rings', 0)} claims in them",
        highlight=False,
    )
    if "changes" in summary:
        console.print(_changes_line(summary["changes"]))


def _changes_line(changes: dict[str, Any]) -> str:
    """What the run changed since the previous one (:class:`detectors.incremental.Changes`)."""
    if changes["previous_run"] is None:
        return f"first run: {changes['new_claims']:,} claims screened"
    line = (f"since run {changes['previous_run']}: {changes['new_claims']:,} new claims touching "
            f"{changes['parts_touched']:,} of {changes['parts']:,} linked groups; rings: "
            f"{changes['rings_kept']:,} unchanged ({changes['rings_rescored']:,} rescored), "
            f"{changes['rings_changed']:,} changed, {changes['rings_new']:,} new, "
            f"{changes['rings_ended']:,} ended; {changes['risks_changed']:,} earlier claims' risk changed")
    if changes["parameters_changed"]:
        line += f" (parameters changed: {', '.join(changes['parameters_changed'])})"
    return line


export_app = typer.Typer(help="Export detection results.", no_args_is_help=True)
app.add_typer(export_app, name="export")


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


@export_app.command("rings")
def export_rings_command(
    store: StoreOption = None,
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="json (the export contract) or csv.")
    ] = ExportFormat.json,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Export the current rings (two or more claims), highest score first, each with its case
    (CSV as UTF-8 with a byte-order mark, for spreadsheets)."""
    url = _store_url(store, must_exist=True)
    _file_to_write(out, "--out")
    with _store(url) as graph, _clear_errors():
        rings = graph.rings()
        text = export_rings(rings, export_format.value, graph.cases(r.ring_id for r in rings))
        data = spreadsheet_bytes(text) if export_format is ExportFormat.csv else text.encode("utf-8")
        if out is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            out.write_bytes(data)
            errors.print(f"wrote {out}", highlight=False)


_EVALUATION_COLUMNS = {
    "claim_precision": "claim P",
    "claim_recall": "claim R",
    "claim_f1": "claim F1",
    "average_precision": "AP (risk)",
    "ring_recall": "ring recall",
    "ring_purity": "ring purity",
    "alerted_rings": "alerted rings",
    "legit_only_alerts": "legit-only alerts",
    "seconds": "seconds",
}


def _evaluation_table(evaluation: Evaluation) -> Table:
    rows = evaluation.rows()
    table = Table(
        "figure",
        *(str(r["method"]) for r in rows),
        title=f"{_claims(evaluation.truth_claims)}, {evaluation.truth_ring_claims:,} in "
        f"{evaluation.truth_rings} planted ring{'' if evaluation.truth_rings == 1 else 's'}",
    )
    for column, heading in _EVALUATION_COLUMNS.items():
        cells = [r[column] for r in rows]
        table.add_row(heading, *(f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells))
    return table


def _claims(count: int) -> str:
    return f"{count:,} claim{'' if count == 1 else 's'}"


def _print_evaluation(evaluation: Evaluation, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(evaluation.rows(), indent=2) + "\n")
    else:
        console.print(_evaluation_table(evaluation))
    if evaluation.left_out:
        errors.print(f"note: the store holds {_claims(evaluation.left_out)} the truth does not name; "
                     "they are left out of every figure")
    if not evaluation.detection_run:
        errors.print("note: the store has no detection run; detection ran for this evaluation and "
                     "stored nothing (run `ringscope detect` to keep results)")


@app.command("evaluate")
def evaluate_command(
    truth: Annotated[
        Path, typer.Option("--truth", help="truth.csv: claim_id, ring_id (empty = legitimate).")
    ],
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure the current results and both baselines against a truth file (claims the truth
    does not name are left out; without a detection run, detection runs first and stores nothing).

    Baseline (b), Louvain on every record, takes most of the time (about 40 s at 30 000
    customers); a bar shows each step."""
    from detectors.evaluate import evaluate

    url = _store_url(store, must_exist=True)
    _file_to_read(truth, "--truth")
    with _store(url) as graph, _clear_errors():
        _print_evaluation(_with_progress(evaluate, graph, truth), as_json)


HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


def _settings(store: str | None, **updates: object) -> Settings:
    with _clear_errors():
        settings = Settings()
    url = _store_url(store or settings.store)
    return settings.model_copy(update={**updates, "store": url})


def _serve(settings: Settings, host: str, port: int, workers: int = 1,
           access_log: bool = True) -> None:
    from api.app import create_app
    from api.server import check_address
    from api.server import serve as serve_app

    with _clear_errors():
        check_address(host, port)
        application = create_app(settings)
    console.print(
        f"serving the API on http://{host}:{port}/docs and the explorer on http://{host}:{port}/explorer/"
        + (f" with {workers} worker processes" if workers > 1 else ""),
        highlight=False,
    )
    serve_app(application, settings, host, port, workers=workers, access_log=access_log)


@app.command()
def serve(
    store: StoreOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev", help="Without API keys, let every caller in as admin (never expose this)."
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64,
            help="Worker processes, forked from one that loaded everything: they share its "
            "memory, imported modules and the run's scoring data alike.",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request (masked).")
    ] = True,
) -> None:
    """Serve the HTTP API and the explorer. Needs RINGSCOPE_API_KEYS unless --dev."""
    settings = _settings(store, dev=dev)
    if dev:
        errors.print(
            "DEV MODE: without API keys every caller is an admin. Never expose this server.",
            style="bold yellow",
        )
    _serve(settings, host, port, workers, access_log)


@app.command()
def demo(
    store: StoreOption = None,
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo book is written.")] = Path(
        "data/demo-book"
    ),
    customers: Annotated[int, typer.Option(min=50, help="Customers in the demo book.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the demo book.")] = 7,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the API and explorer at the end.")
    ] = True,
) -> None:
    """The whole job on one machine: generate a book, ingest it, detect rings, serve the results."""
    store = _store_url(store)
    # the demo's own folder: each demo writes its book again
    _write_book(folder, _from_flags(lambda: BookConfig(customers=customers, seed=seed, ring_rate=3.0)),
                [], seed)
    ingest(folder, store=store, errors_file=None, insurer=None)
    stats(store=store, as_json=False)
    detect_command(store=store, seed=DetectionParams.seed, resolution=DetectionParams.resolution,
                   allow_empty=False)
    from detectors.evaluate import evaluate

    with (
        _store(store) as graph,
        _clear_errors(),
    ):  # baseline (b) is minutes on big books: skip it here
        _print_evaluation(evaluate(graph, folder / "truth.csv", baselines=("a",)), as_json=False)
    if not serve_after:
        return
    settings = _settings(store)
    if not settings.api_keys:
        key = secrets.token_urlsafe(18)
        settings = settings.model_copy(update={"api_keys": f"{key}:admin:demo"})
        console.print(
            f"demo admin API key (this run only): {key}\n"
            f"open the explorer at http://{host}:{port}/explorer/ and sign in with that key",
            highlight=False,
        )
    _serve(settings, host, port)


if __name__ == "__main__":  # pragma: no cover
    app()
