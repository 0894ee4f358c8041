"""Detection measured against a truth file: figures, parameter sweeps and their plot, and the
alerts made only of legitimate claims.

The figures are :mod:`detectors.evaluate`'s: claim precision, recall and F1 of claims in
alerted rings, average precision of claims ranked by risk, ring recall (planted rings matched
by an alerted ring with Jaccard ≥ 0.5), ring purity, alerted rings and legitimate-only alerts;
the baselines are (a) connected components of claims sharing a contact phone, payout account
or representative and (b) whole-graph Louvain (slow: tens of seconds per 30 000 customers).

A truth file is a CSV with ``claim_id`` and ``ring_id`` (empty for a legitimate claim), as
the synthetic books and the outside books carry.

>>> import pathlib, tempfile
>>> from api import analysis as rs
>>> work = pathlib.Path(tempfile.mkdtemp())
>>> _ = rs.synthetic_book(work / "book", customers=1_000, seed=1)
>>> store = rs.open_store(f"sqlite:///{work / 'graph.db'}", create=True)
>>> _ = rs.load_book(store, work / "book")
>>> scores = evaluate(store, work / "book" / "truth.csv", baselines=("a",))
>>> scores["method"].tolist()
['ringscope', 'baseline_a_shared_ids']
>>> curve = sweep(store, work / "book" / "truth.csv", {"resolution": [0.6, 1.2]})
>>> curve[["parameter", "value"]].values.tolist()
[['resolution', 0.6], ['resolution', 1.2]]
>>> figure = plot_sweep(curve, scores)
>>> figure.axes[0].get_xlabel(), figure.axes[0].get_ylabel()
('resolution (modularity γ, dimensionless)', 'share (0–1)')
>>> plt.close(figure)
>>> sweep(store, work / "book" / "truth.csv", {"resolution": [0.01]})
Traceback (most recent call last):
...
ValueError: resolution must be at least 0.05, got 0.01
>>> store.close()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from api.analysis.detection import detection_params
from detectors.evaluate import evaluate as score_detection
from detectors.evaluate import read_truth
from detectors.params import DetectionParams
from graph.results import ALERT_THRESHOLD
from graph.store import GraphStore

__all__ = ["METRICS", "evaluate", "legitimate_alerts", "plot_sweep", "sweep", "values_around"]

METRICS = ["claim_precision", "claim_recall", "claim_f1", "average_precision", "ring_recall",
           "ring_purity", "alerted_rings", "legit_only_alerts", "seconds"]
"""Figures per method or sweep point: shares in [0, 1], then counts, then seconds."""

_UNITS = {
    "resolution": "modularity γ, dimensionless",
    "alert_threshold": "ring score, 0–1",
    "min_edge_weight": "link weight, 0–1",
    "join_weight": "link weight",
    "template_threshold": "Jaccard similarity, 0–1",
    "burst_alpha": "significance level, 0–1",
    "expansion_tie_score": "log likelihood ratio",
    "expansion_alone_score": "log likelihood ratio",
}
_LABELS = {"claim_precision": "claim precision", "claim_recall": "claim recall",
           "claim_f1": "claim F1", "average_precision": "average precision",
           "ring_recall": "ring recall", "ring_purity": "ring purity"}
_BASELINE_STYLES = {"baseline_a_shared_ids": ("--", "(a) shared identifiers"),
                    "baseline_b_louvain": (":", "(b) whole-graph Louvain")}


def _truth(truth: pd.DataFrame | Path | str) -> pd.DataFrame:
    return truth if isinstance(truth, pd.DataFrame) else read_truth(truth)


def evaluate(store: GraphStore, truth: pd.DataFrame | Path | str,
             params: DetectionParams | None = None, *, baselines: Sequence[str] = ("a", "b"),
             **overrides: Any) -> pd.DataFrame:
    """Detection and the chosen baselines scored against ``truth``, one row per method.

    Without ``params`` or ``overrides``, detection's figures are those of the store's current
    results (when it has any); with them, detection runs now on those parameters and nothing
    is stored. Columns: ``method`` (``ringscope``, ``baseline_a_shared_ids``,
    ``baseline_b_louvain``) then :data:`METRICS`. Raises :class:`ValueError` for an unknown
    baseline or parameter and :class:`graph.errors.InputError` for a truth file it cannot
    read.
    """
    fresh = params is not None or bool(overrides)
    result = score_detection(store, _truth(truth), detection_params(params, **overrides),
                             use_current=not fresh, baselines=baselines)
    return pd.DataFrame(result.rows(), columns=["method", *METRICS])


def sweep(store: GraphStore, truth: pd.DataFrame | Path | str,
          grid: Mapping[str, Sequence[Any]], params: DetectionParams | None = None) -> pd.DataFrame:
    """Detection's figures as one parameter at a time moves away from ``params``.

    ``grid`` maps parameter names (fields of :class:`~detectors.params.DetectionParams`) to
    the values to try; every other parameter keeps its value in ``params`` (default: the
    product defaults). Every setting is checked before the first run, so a bad name or value
    raises :class:`ValueError` at once. Each setting is one detection run (nothing is stored):
    about 1.5 s per 10 000 customers on the embedded store.

    Returns one row per (parameter, value), in the grid's order: ``parameter``, ``value``,
    ``is_default`` (the value ``params`` has), then :data:`METRICS`.
    """
    base = params or DetectionParams()
    settings = [(name, value, detection_params(base, **{name: value}))
                for name, values in grid.items() for value in values]
    frame = _truth(truth)
    measured: dict[DetectionParams, dict[str, Any]] = {}  # the base setting recurs per parameter
    rows = []
    for name, value, setting in settings:
        if setting not in measured:
            measured[setting] = score_detection(store, frame, setting, use_current=False,
                                                baselines=()).rows()[0]
        rows.append({"parameter": name, "value": value,
                     "is_default": getattr(base, name) == value, **measured[setting]})
    out = pd.DataFrame(rows, columns=["parameter", "value", "is_default", "method", *METRICS])
    return out.drop(columns="method")


def values_around(name: str, factors: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
                  params: DetectionParams | None = None) -> list[Any]:
    """Values of a numeric parameter around its value in ``params`` (default: the product
    defaults): that value times each factor (integers rounded), in increasing order, keeping
    only values the parameter accepts. Raises :class:`ValueError` for an unknown or
    non-numeric parameter.

    >>> values_around("resolution"), values_around("alert_threshold")
    ([0.3, 0.6, 0.9, 1.2], [0.25, 0.5, 0.75])
    """
    base = params or DetectionParams()
    if name not in base.as_dict():
        raise ValueError(f"unknown detection parameter {name!r}")
    value = getattr(base, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} is not numeric ({value!r})")
    found = set()
    for factor in factors:
        candidate = round(value * factor) if isinstance(value, int) else round(value * factor, 6)
        try:
            detection_params(base, **{name: candidate})
        except ValueError:
            continue
        found.add(candidate)
    return sorted(found)


def plot_sweep(curve: pd.DataFrame, baselines: pd.DataFrame | None = None,
               metrics: Sequence[str] = ("claim_precision", "claim_recall", "ring_recall"),
               title: str | None = None) -> Figure:
    """One panel per swept parameter: each metric (a share, 0–1) against the parameter's value,
    the value in ``params`` marked by a vertical line, and, given :func:`evaluate`'s frame as
    ``baselines``, each baseline's figure for the same metric as a horizontal line (dashed:
    (a), dotted: (b)). Returns the figure.
    """
    parameters = list(dict.fromkeys(curve["parameter"]))
    figure, axes = plt.subplots(1, len(parameters), figsize=(4.6 * len(parameters), 3.8),
                                sharey=True, layout="constrained", squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, name in zip(axes[0], parameters, strict=True):
        points = curve[curve["parameter"] == name].sort_values("value")
        for colour, metric in zip(colours, metrics, strict=False):
            ax.plot(points["value"], points[metric], marker="o", color=colour,
                    label=_LABELS.get(metric, metric))
            for method, (style, label) in _BASELINE_STYLES.items():
                if baselines is not None and (baselines["method"] == method).any():
                    level = float(baselines.loc[baselines["method"] == method, metric].iloc[0])
                    ax.axhline(level, linestyle=style, color=colour, alpha=0.7,
                               label=f"{label}: {_LABELS.get(metric, metric)}")
        chosen = points.loc[points["is_default"], "value"]
        if len(chosen):
            ax.axvline(chosen.iloc[0], color="#888888", linewidth=1, alpha=0.6)
        ax.set_xlabel(f"{name} ({_unit(name)})")
        ax.set_title(name)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("share (0–1)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3),
                  fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def _unit(name: str) -> str:
    if name in _UNITS:
        return _UNITS[name]
    if name.endswith("_days"):
        return "days"
    default = getattr(DetectionParams(), name, None)
    return "count" if isinstance(default, int) and not isinstance(default, bool) else "dimensionless"


def legitimate_alerts(store: GraphStore, truth: pd.DataFrame | Path | str) -> pd.DataFrame:
    """The current alerted rings that hold no planted ring claim, and what alerted them.

    A ring counts as alerted from the current run's ``alert_threshold``. One row per such
    ring, highest score first: ``ring_id``, ``score``, ``claims``, ``customers``,
    ``leading_evidence`` (the code of its strongest evidence item; evidence is stored
    strongest first), ``sentence`` (that item in English), ``evidence`` (all codes,
    comma-separated) and ``identifiers`` (``type value`` of the identifiers its claims share,
    ``; ``-separated).
    """
    frame = _truth(truth)
    planted = {c for c, r in zip(frame["claim_id"], frame["ring_id"], strict=True)
               if isinstance(r, str) and r}
    run = store.current_run()
    threshold = float(run.params.get("alert_threshold", ALERT_THRESHOLD)) if run else ALERT_THRESHOLD
    rows = [{"ring_id": r.ring_id, "score": r.score, "claims": len(r.claim_ids),
             "customers": len(r.customer_ids),
             "leading_evidence": r.evidence[0].code if r.evidence else "",
             "sentence": r.evidence[0].en if r.evidence else "",
             "evidence": ", ".join(e.code for e in r.evidence),
             "identifiers": "; ".join(f"{i.type} {i.value}" for i in r.identifiers)}
            for r in store.rings()
            if r.score >= threshold and len(r.claim_ids) >= 2 and not set(r.claim_ids) & planted]
    return pd.DataFrame(rows, columns=["ring_id", "score", "claims", "customers",
                                       "leading_evidence", "sentence", "evidence", "identifiers"])
