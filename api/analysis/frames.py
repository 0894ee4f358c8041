"""Detection results as pandas DataFrames: rings, members, evidence, claim risks, identifier uses
and runs.

Everything here reads the store's current results (those of its last successful run, see
:func:`runs`) and the graph; nothing writes. Dates are ``datetime64`` (calendar days), scores
and risks are in [0, 1], amounts in yuan.

>>> import pathlib, tempfile
>>> from api import analysis as rs
>>> work = pathlib.Path(tempfile.mkdtemp())
>>> _ = rs.synthetic_book(work / "book", customers=1_000, seed=1)
>>> store = rs.open_store(f"sqlite:///{work / 'graph.db'}", create=True)
>>> _ = rs.load_book(store, work / "book")
>>> _ = rs.detect(store)
>>> table = rings(store)
>>> list(table.columns)  # doctest: +NORMALIZE_WHITESPACE
['ring_id', 'score', 'level', 'status', 'claims', 'customers', 'agents',
 'first_request_date', 'last_request_date', 'days', 'evidence']
>>> bool(table["score"].between(0, 1).all()), bool(table["score"].is_monotonic_decreasing)
(True, True)
>>> top = table["ring_id"].iloc[0]
>>> len(members(store, top)) == int(table["claims"].iloc[0])
True
>>> list(claim_risks(store).columns), len(claim_risks(store)) == store.counts().nodes["Claim"]
(['claim_id', 'risk', 'ring_id'], True)
>>> store.close()
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from api.views import ring_detail
from detectors.book import load_book as read_book
from detectors.params import DetectionParams
from graph.model import Label, NodeRef
from graph.results import Ring
from graph.store import GraphStore

__all__ = ["claim_risks", "evidence", "identifier_uses", "members", "rings", "runs"]

RING_COLUMNS = ["ring_id", "score", "level", "status", "claims", "customers", "agents",
                "first_request_date", "last_request_date", "days", "evidence"]
MEMBER_COLUMNS = ["claim_id", "customer_id", "policy_id", "agent_id", "request_date", "risk",
                  "refund_type", "reason_code", "channel", "cash_value", "requested_amount",
                  "payout_account_name", "representative_name"]
USE_COLUMNS = ["claim_id", "customer_id", "label", "key", "kind", "holder", "third_party",
               "company", "change_date", "customers", "households", "suspicion",
               "identifier_ring_id", "notes"]


def rings(store: GraphStore, min_score: float | None = None) -> pd.DataFrame:
    """The current rings, highest score first; one row each.

    Columns: ``ring_id``, ``score`` (0–1; ≥ the run's alert threshold, 0.5 by default, means
    "investigate"), ``level`` (high / medium / low), ``status`` (case status), ``claims``,
    ``customers``, ``agents`` (counts), ``first_request_date``, ``last_request_date``
    (datetime64), ``days`` (from first to last request), ``evidence`` (the evidence codes,
    comma-separated). ``min_score`` keeps rings scoring at least that much.
    """
    found = [r for r in store.rings() if min_score is None or r.score >= min_score]
    frame = pd.DataFrame([{
        "ring_id": r.ring_id, "score": r.score, "level": r.level,
        "status": store.case_status(r.ring_id).value, "claims": len(r.claim_ids),
        "customers": len(r.customer_ids), "agents": len(r.agent_ids),
        "first_request_date": r.first_request_date, "last_request_date": r.last_request_date,
        "evidence": ", ".join(e.code for e in r.evidence),
    } for r in found], columns=[c for c in RING_COLUMNS if c != "days"])
    for column in ("first_request_date", "last_request_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame.insert(9, "days", (frame["last_request_date"] - frame["first_request_date"]).dt.days)
    return frame


def members(store: GraphStore, ring_id: str) -> pd.DataFrame:
    """A ring's claims, one row each, in the ring's order.

    Columns: ``claim_id``, ``customer_id``, ``policy_id``, ``agent_id`` (who sold the policy),
    ``request_date`` (datetime64), ``risk`` (0–1, the claim's current risk), ``refund_type``
    (``cash_value`` / ``full_premium``), ``reason_code``, ``channel``, ``cash_value`` and
    ``requested_amount`` (yuan), ``payout_account_name``, ``representative_name``.
    Raises :class:`graph.errors.NotFoundError` for a ring that is not current.
    """
    rows = []
    for member in ring_detail(store, ring_id)["members"]:
        props = member["props"]
        rows.append({**{c: props.get(c) for c in MEMBER_COLUMNS}, **{
            c: member[c] for c in ("claim_id", "customer_id", "policy_id", "agent_id",
                                   "request_date", "risk")}})
    frame = pd.DataFrame(rows, columns=MEMBER_COLUMNS)
    frame["request_date"] = pd.to_datetime(frame["request_date"])
    for column in ("risk", "cash_value", "requested_amount"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def evidence(store: GraphStore, ring_id: str | None = None) -> pd.DataFrame:
    """Evidence items, one row each: of one ring, or of every current ring when ``ring_id`` is
    ``None``.

    Columns: ``ring_id``, ``code`` (stable, e.g. ``shared_payout_account``), ``en`` and ``zh``
    (the sentence an investigator reads), ``data`` (a dict: the identifiers, claims and
    counts behind the sentence). Raises :class:`graph.errors.NotFoundError` for an unknown ring.
    """
    chosen: Sequence[Ring] = store.rings() if ring_id is None else [store.get_ring(ring_id)]
    return pd.DataFrame([{"ring_id": r.ring_id, "code": e.code, "en": e.en, "zh": e.zh,
                          "data": dict(e.data)} for r in chosen for e in r.evidence],
                        columns=["ring_id", "code", "en", "zh", "data"])


def claim_risks(store: GraphStore, claim_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Risk of claims as the current run stored it, highest first: of ``claim_ids``, or of every
    claim in the graph. A case decided since the run does not change it (the verdict that follows
    decisions, as ``POST /v1/score`` and the explorer's claim page give it: ``rs.score_request``
    with the claim's id and request date).

    Columns: ``claim_id``, ``risk`` (0–1; 0 for a claim the current run did not score),
    ``ring_id`` (the ring it belongs to or was tied to, else ``None``).
    """
    wanted = list(claim_ids) if claim_ids is not None else \
        store.nodes_frame(Label.CLAIM)["key"].astype(str).tolist()
    found = store.claim_risks(wanted)
    frame = pd.DataFrame([{"claim_id": c, "risk": found[c].risk if c in found else 0.0,
                           "ring_id": found[c].ring_id if c in found else None} for c in wanted],
                         columns=["claim_id", "risk", "ring_id"])
    frame["ring_id"] = _none_if_missing(frame["ring_id"])
    return frame.sort_values(["risk", "claim_id"], ascending=[False, True], ignore_index=True)


def identifier_uses(store: GraphStore, ring_id: str | None = None) -> pd.DataFrame:
    """How claims touch identifiers: one row per (claim, identifier, kind of use), with what
    detection concluded about the identifier.

    Read the way detection reads the book (:func:`detectors.book.load_book`, with the current
    run's ``household_max`` and ``change_window_days``), so it reads the whole graph: about a
    second per 30 000 customers on the embedded store. ``ring_id`` keeps the uses of that
    ring's claims.

    Columns: ``claim_id``, ``customer_id``, ``label`` (``Phone``, ``BankAccount``, ``Address``,
    ``Person``), ``key`` (the normalized identifier), ``kind`` (``contact_phone``,
    ``payout_account``, ``representative``, ``representative_phone``, ``complaint_phone``,
    ``mailing_address``, ``changed_to``), ``holder`` (payout account holder name),
    ``third_party`` (paid to someone outside the policyholder's family), ``company`` (holder
    looks like an agency), ``change_date`` (for ``changed_to``: when the customer switched to
    it), and from the identifier's current profile: ``customers`` and ``households`` (counts:
    :meth:`graph.results.IdentifierProfile.households`), ``suspicion`` (0–1),
    ``identifier_ring_id``, ``notes``.
    """
    run = store.current_run()
    defaults = DetectionParams()
    params = run.params if run else {}
    book = read_book(store, int(params.get("household_max", defaults.household_max)),
                     int(params.get("change_window_days", defaults.change_window_days)))
    uses = book.uses
    if ring_id is not None:
        uses = uses[uses["claim_id"].isin(store.get_ring(ring_id).claim_ids)]
    refs = {NodeRef(Label(label), key) for label, key in zip(uses["label"], uses["key"], strict=True)}
    profiles = store.identifier_profiles(refs)
    out = uses.reset_index(drop=True).copy()
    days = pd.to_numeric(out["change_day"], errors="coerce")
    out["change_date"] = pd.to_datetime(days, unit="D").where(days.notna())
    looked_up = [profiles.get(NodeRef(Label(lbl), key))
                 for lbl, key in zip(out["label"], out["key"], strict=True)]
    out["customers"] = [p.customers if p else np.nan for p in looked_up]
    out["households"] = [p.households if p else np.nan for p in looked_up]
    out["suspicion"] = [p.suspicion if p else np.nan for p in looked_up]
    out["identifier_ring_id"] = _none_if_missing(
        pd.Series([p.ring_id if p else None for p in looked_up], dtype=object))
    out["notes"] = [", ".join(p.notes) if p else "" for p in looked_up]
    out["third_party"] = out["third_party"].astype(bool)
    out["company"] = out["company"].astype(bool)
    return out[USE_COLUMNS].sort_values(["claim_id", "kind", "key"], ignore_index=True)


def _none_if_missing(column: pd.Series) -> pd.Series:
    """Text columns hold ``None`` where there is no value (pandas turns it into NaN)."""
    return column.astype(object).where(column.notna(), None)


def runs(store: GraphStore) -> pd.DataFrame:
    """Every detection run recorded, newest first.

    Columns: ``run_id``, ``status`` (running / succeeded / failed), ``started_at``,
    ``finished_at`` (ISO timestamps, UTC), ``claims``, ``rings``, ``alerted_rings`` (counts
    from the run's summary), ``seconds`` (the run's total), ``error`` (why a run failed),
    ``params`` (a dict of every parameter).
    """
    rows = []
    for run in store.runs():
        summary = run.summary
        rows.append({"run_id": run.run_id, "status": run.status, "started_at": run.started_at,
                     "finished_at": run.finished_at, "claims": summary.get("claims"),
                     "rings": summary.get("rings"), "alerted_rings": summary.get("alerted_rings"),
                     "seconds": round(sum(summary.get("seconds", {}).values()), 3),
                     "error": summary.get("error", ""), "params": dict(run.params)})
    return pd.DataFrame(rows, columns=["run_id", "status", "started_at", "finished_at", "claims",
                                       "rings", "alerted_rings", "seconds", "error", "params"])
