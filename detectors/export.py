"""The export contract: rings as a JSON array (score descending) or a flat CSV, each with its case.

Only rings of two or more claims are exported. Each ring carries its case (status, assignee,
the last note, and whether a later run re-alerted it with new claims; ``new`` and unassigned
when no case is given). CSV cells are flattened (lists joined with ``;``) and written by
:func:`graph.spreadsheet_csv.spreadsheet_csv`: a cell a spreadsheet would run as a formula is
prefixed with ``'``, and a cell holding a line break (a note may) is quoted.

>>> from graph.results import Ring, RingIdentifier
>>> ring = Ring("R-1", 0.8, "high", ("C1", "C2"), identifiers=(RingIdentifier("phone", "+8613800138000"),))
>>> print(export_rings([ring], "csv").splitlines()[1])
R-1,0.8,high,2,C1;C2,,,phone:+8613800138000,,,,new,,,false,
>>> export_rings([ring], "json")[:16]
'[{"ring_id":"R-1'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import orjson

from graph.cases import Case
from graph.results import Ring
from graph.spreadsheet_csv import spreadsheet_csv

__all__ = ["CSV_COLUMNS", "ExportFormat", "export_rings"]

ExportFormat = Literal["json", "csv"]
CSV_COLUMNS = ("ring_id", "score", "level", "claims", "claim_ids", "customer_ids", "agent_ids",
               "identifiers", "evidence", "first_request_date", "last_request_date",
               "case_status", "assignee", "last_note", "realerted", "realert_new_claim_ids")


def _exportable(rings: Iterable[Ring]) -> list[Ring]:
    return sorted((r for r in rings if len(r.claim_ids) >= 2), key=lambda r: (-r.score, r.ring_id))


def export_rings(rings: Iterable[Ring], format: ExportFormat = "json",
                 cases: Mapping[str, Case] | None = None) -> str:
    """The rings as the export contract defines them, with their ``cases`` (by ring id), as text."""
    chosen = _exportable(rings)
    known = cases or {}
    case_of = {r.ring_id: known.get(r.ring_id) or Case(r.ring_id) for r in chosen}
    if format == "json":
        return orjson.dumps([{**r.to_export(), "case": case_of[r.ring_id].to_dict()}
                             for r in chosen]).decode("utf-8")
    if format != "csv":
        raise ValueError(f"format must be 'json' or 'csv', got {format!r}")
    rows: list[list[object]] = []
    for ring in chosen:
        data = ring.to_export()
        case = case_of[ring.ring_id]
        row = [
            data["ring_id"], data["score"], data["level"], len(ring.claim_ids),
            ";".join(ring.claim_ids), ";".join(ring.customer_ids), ";".join(ring.agent_ids),
            ";".join(f"{i.type}:{i.value}" for i in ring.identifiers),
            " | ".join(f"{e.code}: {e.en}" for e in ring.evidence),
            data["first_request_date"] or "", data["last_request_date"] or "",
            case.status.value, case.assignee or "", case.last_note,
            "true" if case.realert else "false",
            ";".join(case.realert.new_claims) if case.realert else "",
        ]
        rows.append(row)
    return spreadsheet_csv(CSV_COLUMNS, rows)
