"""Detection with parameters: what can be tuned, and a run that becomes the current results.

Parameter names come from :class:`detectors.params.DetectionParams` itself, so a parameter
added there is available here without a change.

>>> table = parameters()
>>> list(table.columns)
['name', 'default', 'type', 'bounds', 'meaning']
>>> table.set_index("name").loc["resolution", "bounds"]
'[0.05, 5.0]'
>>> detection_params(resolution=1.0, alert_threshold=0.4).resolution
1.0
>>> detection_params(resolutoin=1.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: unknown detection parameter(s) resolutoin; known: seed, resolution, ...
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pandas as pd

from detectors.params import PARAM_BOUNDS, DetectionParams
from detectors.pipeline import detect as run_and_store
from graph.results import DetectionResult
from graph.store import GraphStore

__all__ = ["detect", "detection_params", "parameters"]

_ATTRIBUTE = re.compile(r"^ {8}(\w+): (.*(?:\n {12}.*)*)", re.M)


def parameters() -> pd.DataFrame:
    """Every detection parameter: one row each, in declaration order.

    Columns: ``name``, ``default``, ``type`` (``int``, ``float``, ``bool`` or the allowed
    values), ``bounds`` (``[a, b]`` inclusive, ``(a, b)`` exclusive; ``""`` when unbounded) and
    ``meaning`` (from the :class:`~detectors.params.DetectionParams` docstring).
    """
    meaning = {name: " ".join(text.split())
               for name, text in _ATTRIBUTE.findall(DetectionParams.__doc__ or "")}
    defaults = DetectionParams()
    rows = []
    for f in dataclasses.fields(DetectionParams):
        value = getattr(defaults, f.name)
        rows.append({"name": f.name, "default": value,
                     "type": type(value).__name__ if not isinstance(value, str) else "text",
                     "bounds": _bounds(PARAM_BOUNDS.get(f.name, {})),
                     "meaning": meaning.get(f.name, "")})
    return pd.DataFrame(rows, columns=["name", "default", "type", "bounds", "meaning"])


def _bounds(limits: dict[str, float]) -> str:
    if not limits:
        return ""
    low = f"[{limits['ge']}" if "ge" in limits else f"({limits['gt']}" if "gt" in limits else "(-inf"
    high = f"{limits['le']}]" if "le" in limits else f"{limits['lt']})" if "lt" in limits else "inf)"
    return f"{low}, {high}"


def detection_params(base: DetectionParams | None = None, **overrides: Any) -> DetectionParams:
    """``base`` (default: the product defaults) with some parameters changed.

    Values may be numpy scalars (as read from a DataFrame): they are taken as the Python
    numbers they hold, so the run record stores plain values. Raises :class:`ValueError`
    naming unknown parameters (with the known ones) and values out of a parameter's range.

    >>> detection_params(min_ring_claims=np.int64(3)).min_ring_claims.__class__.__name__
    'int'
    """
    known = [f.name for f in dataclasses.fields(DetectionParams)]
    unknown = [name for name in overrides if name not in known]
    if unknown:
        raise ValueError(f"unknown detection parameter(s) {', '.join(unknown)}; "
                         f"known: {', '.join(known)}")
    plain = {name: value.item() if isinstance(value, np.generic) else value
             for name, value in overrides.items()}
    return dataclasses.replace(base or DetectionParams(), **plain)


def detect(store: GraphStore, params: DetectionParams | None = None, *,
           allow_empty: bool = False, **overrides: Any) -> DetectionResult:
    """Run detection on the store and make its rings, claim risks and profiles current.

    Parameters are ``params`` (default: the product defaults) with ``overrides`` applied, e.g.
    ``detect(store, resolution=1.0)``. The run is recorded with its parameters (see
    :func:`api.analysis.runs`). Returns the result: ``.run`` (id, parameters, summary with
    ``rings``, ``alerted_rings``, ``seconds`` per step), ``.rings``, ``.claim_risks``.
    Raises :class:`ValueError` for unknown parameters and :class:`graph.errors.DetectionError`
    when the store holds no claims, or when the run finds no rings while rings are current
    (unless ``allow_empty``); then the current results stay as they were.
    """
    return run_and_store(store, detection_params(params, **overrides), allow_empty=allow_empty)
