"""A ring's timeline: its surrender requests, its customers' complaints and contact changes, and
its agents leaving, as a DataFrame and as a matplotlib figure.

The events are the ones the HTTP API's ring detail lists (:func:`api.views.ring_detail`).

>>> frame = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-03-08", "2024-02-10"]),
...                       "kind": ["surrender_request", "surrender_request", "contact_change"],
...                       "subject": ["C1", "C2", "U1"]})
>>> figure = plot_timeline(frame, title="R-1")
>>> axes = figure.axes
>>> axes[0].get_xlabel(), axes[0].get_ylabel(), axes[1].get_ylabel()
('date (calendar day)', 'event', 'surrender requests filed so far (count)')
>>> [t.get_text() for t in axes[0].get_yticklabels()]
['surrender request (2)', 'contact change (1)']
>>> plt.close(figure)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from api.views import ring_detail
from graph.store import GraphStore

__all__ = ["EVENT_KINDS", "TIMELINE_COLUMNS", "plot_timeline", "ring_timeline"]

EVENT_KINDS = ("surrender_request", "payout", "complaint", "contact_change", "agent_left")
"""Event kinds, in the order the plot stacks them (top first)."""

TIMELINE_COLUMNS = ["date", "kind", "subject", "customer_id", "refund_type", "reason_code",
                    "channel", "field", "type", "value", "holder", "status"]

_MARKERS = {"surrender_request": ("o", "#d62728"), "payout": ("s", "#1f77b4"), "complaint": ("v", "#7f7f7f"),
            "contact_change": ("D", "#2ca02c"), "agent_left": ("*", "#ff7f0e")}


def ring_timeline(store: GraphStore, ring_id: str) -> pd.DataFrame:
    """A current ring's dated events, oldest first; one row each.

    Columns: ``date`` (datetime64, calendar day), ``kind`` (``surrender_request``, ``payout``,
    ``complaint``, ``contact_change``, ``agent_left``), ``subject`` (the claim, complaint,
    customer or agent id), and what the event says, ``None`` where it does not apply:
    ``customer_id`` (also for a contact change, whose subject it is, and a payout, the
    claim's customer); ``refund_type`` and ``reason_code`` (requests); ``channel``
    (complaints); ``field``, ``type`` and ``value`` (a contact change: which field, the
    identifier type and the new value; a payout: ``bank_account`` and the account, dated as
    its request: payouts carry no date of their own); ``holder`` (the payout account's
    holder); ``status`` (the agent's status when leaving).
    Raises :class:`graph.errors.NotFoundError` for a ring that is not current.
    """
    events = ring_detail(store, ring_id)["timeline"]
    frame = pd.DataFrame([{"date": e["date"], "kind": e["kind"], "subject": e["subject"],
                           **e["detail"]} for e in events])
    frame = frame.reindex(columns=TIMELINE_COLUMNS).astype(object)
    frame = frame.where(frame.notna(), None)
    changes = frame["kind"] == "contact_change"  # its subject is the customer
    frame.loc[changes, "customer_id"] = frame.loc[changes, "subject"]
    requests = frame[frame["kind"] == "surrender_request"].set_index("subject")["customer_id"]
    payouts = frame["kind"] == "payout"
    frame.loc[payouts, "customer_id"] = frame.loc[payouts, "subject"].map(requests).to_numpy()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def plot_timeline(timeline: pd.DataFrame, ax: Axes | None = None,
                  title: str | None = None) -> Figure:
    """Plot a timeline (:func:`ring_timeline`'s frame, or any frame with ``date`` and ``kind``).

    One row of markers per event kind (labelled with its count) against the date, and on a
    second axis the number of surrender requests filed so far (a step line): a ring shows as
    a steep climb, often after its members changed phones and after the agent left. Draws on
    ``ax`` when given; returns the figure.
    """
    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 3.6), layout="constrained")
    else:
        figure = ax.get_figure()  # type: ignore[assignment]
    kinds = [k for k in EVENT_KINDS if (timeline["kind"] == k).any()]
    kinds += sorted(set(timeline["kind"]) - set(kinds))
    for row, kind in enumerate(kinds):
        dates = timeline.loc[timeline["kind"] == kind, "date"]
        marker, colour = _MARKERS.get(kind, ("s", "#1f77b4"))
        ax.scatter(dates, [-row] * len(dates), marker=marker, color=colour, s=60, alpha=0.8,
                   zorder=3)
    ax.set_yticks([-row for row in range(len(kinds))],
                  [f"{k.replace('_', ' ')} ({int((timeline['kind'] == k).sum())})" for k in kinds])
    ax.set_ylim(-len(kinds) + 0.5, 0.5)
    ax.set_xlabel("date (calendar day)")
    ax.set_ylabel("event")
    ax.grid(axis="x", alpha=0.3)
    requests = timeline.loc[timeline["kind"] == "surrender_request", "date"].sort_values()
    filed = ax.twinx()
    filed.step(requests, range(1, len(requests) + 1), where="post", color="#d62728", alpha=0.35)
    filed.set_ylabel("surrender requests filed so far (count)")
    filed.set_ylim(0, max(len(requests), 1) * 1.05)
    ax.set_title(title or "ring timeline")
    return figure
