"""Schemathesis against the app's OpenAPI schema: whatever a client sends, never a 500, and
every answer matches the schema."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.schemas import parse_date
from api.settings import Settings
from detectors.params import DetectionParams
from graph.keys.dates import after_today
from graph.results import DetectionResult, RunRecord
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore, ProgressCallback
from tests.test_api_book import ADMIN_KEY, KEYS, load_ring_book


def _detect(store: GraphStore, params: DetectionParams, progress: ProgressCallback,
            *, allow_empty: bool = False, run: RunRecord | None = None) -> DetectionResult:
    raise ValueError("detection is switched off in this test")


_store = SQLiteStore(Path(tempfile.mkdtemp(prefix="ringscope-schema-")) / "graph.db")
load_ring_book(_store)
# Schemathesis sends many wrong keys on purpose; throttling them is tested in test_throttle.py.
app = create_app(Settings(RINGSCOPE_API_KEYS=KEYS, RINGSCOPE_KEY_FAILURES=10**6), store=_store,
                 detect=_detect)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.hook
def filter_query(ctx: schemathesis.HookContext, query: dict[str, object] | None) -> bool:
    """Leave out a ``date_to`` before ``date_from``: refused on purpose (422 naming the field,
    tested in ``tests/test_api.py``), a rule between two parameters a schema cannot state, so
    schema-valid data that breaks it is no contract failure."""
    if not query:
        return True
    try:
        return not parse_date(query["date_to"]) < parse_date(query["date_from"])
    except (KeyError, ValueError):
        return True


@schema.hook
def filter_body(ctx: schemathesis.HookContext, body: object) -> bool:
    """Leave out a ``request_date`` after today: refused on purpose (422 naming the field, as
    ingest refuses it), a rule against the clock a schema cannot state."""
    day = body.get("request_date") if isinstance(body, dict) else None
    try:
        return not (isinstance(day, str) and after_today(parse_date(day).isoformat()))
    except ValueError:
        return True


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"X-API-Key": ADMIN_KEY})


def test_a_runs_status_in_the_schema_is_one_a_run_can_have() -> None:
    """A run over HTTP is recorded running before the answer: no status is ever 'queued'."""
    run = app.openapi()["components"]["schemas"]["RunOut"]["properties"]["status"]
    assert run["enum"] == ["running", "succeeded", "failed"]
