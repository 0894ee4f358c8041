"""Held-out evaluation of real-time scoring: take requests out of a book, score them later.

The protocol the API's quality bar is measured with: remove a share of the surrender requests
(and their truth rows) from a generated book, ingest and detect the rest, then score the removed
requests one by one as a risk system would send them, and compute ROC AUC against the truth.

>>> roc_auc([0.9, 0.8], [0.1, 0.8])
0.875
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["hold_out", "roc_auc"]


def roc_auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    if not positives or not negatives:
        raise ValueError("ROC AUC needs at least one positive and one negative score")
    pos = np.sort(np.asarray(positives, dtype=float))
    neg = np.sort(np.asarray(negatives, dtype=float))
    below = np.searchsorted(neg, pos, side="left")
    ties = np.searchsorted(neg, pos, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(pos) * len(neg)))


def hold_out(folder: Path, share: float, seed: int) -> tuple[list[dict[str, str]], dict[str, bool]]:
    """Remove a share of the surrender requests (and their truth rows) from a book folder.

    Rewrites ``surrenders.csv`` and ``truth.csv`` without them and returns the removed requests
    (empty cells left out) and, per removed claim, whether it belongs to a ring.
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must be between 0 and 1, got {share}")
    surrenders = pd.read_csv(folder / "surrenders.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    ids = sorted(surrenders["claim_id"])
    held = set(random.Random(seed).sample(ids, k=int(len(ids) * share)))
    surrenders[~surrenders["claim_id"].isin(held)].to_csv(folder / "surrenders.csv", index=False)
    truth[~truth["claim_id"].isin(held)].to_csv(folder / "truth.csv", index=False)
    rows = [{str(k): v for k, v in row.items() if v != ""}
            for row in surrenders[surrenders["claim_id"].isin(held)].to_dict("records")]
    in_ring = {c: bool(r) for c, r in zip(truth["claim_id"], truth["ring_id"], strict=True) if c in held}
    return rows, in_ring
