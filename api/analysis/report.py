"""A ring's case file: what the HTTP API says about the ring, its tables, its network and its
timeline, written to one folder an investigator can open or attach to the case.

Files: ``case.json`` (the ring as ``GET /v1/rings/{id}`` returns it: export fields, case status,
members, timeline, plus ``history``, the case's audit log), ``members.csv``, ``evidence.csv``
and ``timeline.csv`` (UTF-8 with a byte-order mark, written as the CSV export is, by
:func:`graph.spreadsheet_csv.spreadsheet_csv`: cells a spreadsheet would run as formulas are
neutralised, cells holding line breaks quoted), ``timeline.png`` (:func:`~api.analysis.timeline.plot_timeline`) and
``network.html`` (:func:`~api.analysis.drawing.draw_ring`, opens offline in any browser).
Phones, bank accounts and ID numbers are masked in every file unless ``show_pii=True``, as the
API masks them for callers without access to personal data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import orjson
import pandas as pd

from api.analysis.drawing import draw_ring
from api.analysis.frames import evidence, members
from api.analysis.timeline import plot_timeline, ring_timeline
from api.privacy import mask_payload
from api.views import audit_view, ring_detail
from graph.spreadsheet_csv import spreadsheet_bytes, spreadsheet_csv
from graph.store import GraphStore

__all__ = ["CASE_FILES", "case_history", "case_report"]

CASE_FILES = ("case.json", "members.csv", "evidence.csv", "timeline.csv", "timeline.png",
              "network.html")


def case_history(store: GraphStore, ring_id: str) -> pd.DataFrame:
    """A ring's case history, oldest first: ``at`` (ISO timestamp, UTC), ``actor``,
    ``from_status``, ``to_status`` (``new``, ``investigating``, ``confirmed``, ``dismissed``),
    ``note``. Empty while the case is new."""
    return pd.DataFrame(audit_view(store.case_audit(ring_id)),
                        columns=["ring_id", "at", "actor", "from_status", "to_status", "note"])


def case_report(store: GraphStore, ring_id: str, folder: Path | str, *,
                show_pii: bool = False) -> dict[str, Path]:
    """Write the case file of a current ring into ``folder`` (created if missing; files of an
    earlier report are replaced). Returns each file's path by name (:data:`CASE_FILES`).
    Raises :class:`graph.errors.NotFoundError` for a ring that is not current.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    shown = (lambda payload: payload) if show_pii else mask_payload
    paths = {name: out / name for name in CASE_FILES}
    case = {**ring_detail(store, ring_id), "history": audit_view(store.case_audit(ring_id))}
    paths["case.json"].write_bytes(orjson.dumps(shown(case), option=orjson.OPT_INDENT_2))
    timeline = ring_timeline(store, ring_id)
    for name, frame in (("members.csv", members(store, ring_id)),
                        ("evidence.csv", evidence(store, ring_id)), ("timeline.csv", timeline)):
        _write_csv(frame, paths[name], shown)
    figure = plot_timeline(timeline, title=f"ring {ring_id}")
    figure.savefig(paths["timeline.png"], dpi=120)
    plt.close(figure)
    draw_ring(store, ring_id, show_pii=show_pii).save(paths["network.html"])
    return paths


def _write_csv(frame: pd.DataFrame, path: Path, shown: Any) -> None:
    records = shown(frame.astype(object).where(frame.notna(), None).to_dict("records"))
    columns = list(frame.columns)
    text = spreadsheet_csv(columns, ([None if r[c] is None else _text(r[c]) for c in columns]
                                     for r in records))
    path.write_bytes(spreadsheet_bytes(text))


def _text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode("utf-8")
    return str(value)
