"""Measured quality against ground truth (``truth.csv``: claim_id, ring_id; empty = legitimate).

For detection and each baseline: claim precision, recall and F1 (claims inside alerted rings,
score ≥ 0.5), average precision of claims ranked by risk, ring recall (true rings matched by an
alerted ring with Jaccard ≥ 0.5), ring purity (size-weighted share of an alerted ring's claims
from its dominant true ring, legitimate claims counting as impure), and the number of alerted
rings made only of legitimate claims. Baselines have no scores: every group they form is
alerted and its claims get risk 1.

>>> truth = pd.DataFrame({"claim_id": ["1", "2", "3", "4"], "ring_id": ["A", "A", None, None]})
>>> m = score_method("x", [(("1", "2"), 0.9), (("3", "4"), 0.2)], {"1": .9, "2": .8, "3": .3}, truth)
>>> m.claim_f1, m.ring_recall, m.legit_only_alerts, m.average_precision
(1.0, 1.0, 0, 1.0)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from detectors.baselines import shared_identifier_components, whole_graph_louvain
from detectors.insurers import member_insurers
from detectors.params import DetectionParams
from detectors.pipeline import run_detection
from detectors.ring_ids import claim_jaccard
from graph.errors import InputError
from graph.keys import normalize_insurer_code, split_key
from graph.model import Label
from graph.results import ALERT_THRESHOLD, RunRecord
from graph.store import GraphStore, ProgressCallback

__all__ = ["Evaluation", "MethodScores", "evaluate", "read_truth", "score_method", "stored_claim_ids"]

Group = tuple[Sequence[str], float]


@dataclass(frozen=True)
class MethodScores:
    """The figures of one method."""

    method: str
    claim_precision: float
    claim_recall: float
    claim_f1: float
    average_precision: float
    ring_recall: float
    ring_purity: float
    alerted_rings: int
    legit_only_alerts: int
    seconds: float = 0.0


@dataclass
class Evaluation:
    """Detection and baselines scored against one truth file."""

    truth_claims: int
    truth_ring_claims: int
    truth_rings: int
    methods: list[MethodScores] = field(default_factory=list)
    left_out: int = 0
    """Claims the store holds that the truth does not name: left out of every figure."""
    detection_run: str = ""
    """The stored run detection's figures come from; ``""`` when detection ran for this
    evaluation (the store had no successful run, or ``use_current`` was off) and stored nothing."""

    def rows(self) -> list[dict[str, float | int | str]]:
        """One plain dict per method (for tables and JSON)."""
        return [asdict(m) for m in self.methods]

    def method(self, name: str) -> MethodScores:
        return next(m for m in self.methods if m.method == name)


def read_truth(path: Path | str) -> pd.DataFrame:
    """``claim_id``, ``ring_id`` (``None`` for legitimate claims) from a truth CSV; raises
    :class:`~graph.errors.InputError` for a file that cannot be read or lacks those columns."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"truth file {path} is empty: it needs columns claim_id and ring_id") from exc
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read truth file {path}: {exc}") from exc
    if not {"claim_id", "ring_id"} <= set(frame.columns):
        raise InputError(f"truth file {path} needs columns claim_id and ring_id")
    if frame.empty:
        raise InputError(f"truth file {path} names no claims")
    twice = frame["claim_id"].duplicated(keep=False)
    if twice.any():
        first = frame.loc[twice, "claim_id"].iloc[0]
        lines = [str(i + 2) for i in frame.index[frame["claim_id"] == first]]
        raise InputError(f"truth file {path} names claim {first} more than once (lines {', '.join(lines)}); "
                         "a claim is in one ring or in none")
    rings = pd.Series([r.strip() or None for r in frame["ring_id"].tolist()], index=frame.index, dtype=object)
    return pd.DataFrame({"claim_id": frame["claim_id"].astype(object), "ring_id": rings})


def stored_claim_ids(named: Sequence[str], stored: Sequence[str], codes: Collection[str]) -> list[str]:
    """The store's key of each claim id a truth file names (same order).

    A book loaded with ``--insurer CODE`` holds its claims as ``CODE:id`` (see "An association of
    insurers" in the README) while the book's own truth names them ``id``: a bare id the store
    holds under exactly one of the member insurers' ``codes`` is that key, and a code is read
    as ingest reads one (``pa:S1`` is ``PA:S1``). Raises :class:`InputError` naming the first
    ids when some are held under several insurers' codes (prefix them in the truth) or not at
    all (the truth of another book, or of the same book under another code: the message names
    the codes on both sides).

    >>> stored_claim_ids(["S1", "PA:S2", "S3"], ["PA:S1", "PA:S2", "S3"], {"PA"})
    ['PA:S1', 'PA:S2', 'S3']
    >>> stored_claim_ids(["S1"], ["PA:S1", "PB:S1"], {"PA", "PB"})
    Traceback (most recent call last):
    ...
    graph.errors.InputError: the truth names 1 claim that two or more member insurers hold (first: S1, as PA:S1 and PB:S1): write each as CODE:id, the insurer's code and the book's id
    >>> stored_claim_ids(["pa:S1"], ["PA:S1"], {"PA"})
    ['PA:S1']
    >>> stored_claim_ids(["PB:S1"], ["PA:S1"], {"PA"})
    Traceback (most recent call last):
    ...
    graph.errors.InputError: 1 of the 1 claim the truth names is not in the store (first: PB:S1): the store's claims carry the insurer code PA, the truth's PB
    """
    named = [_with_code_read(c) for c in named]
    keys = set(stored)
    under: dict[str, list[str]] = {}
    for key in stored:
        code, bare = split_key(key, codes)
        if code is not None and bare not in keys:
            under.setdefault(bare, []).append(key)
    out = [c if c in keys else (under[c][0] if len(under.get(c, ())) == 1 else "") for c in named]
    shared = [c for c, key in zip(named, out, strict=True) if not key and len(under.get(c, ())) > 1]
    if shared:
        raise InputError(f"the truth names {len(shared)} claim{'s' if len(shared) > 1 else ''} that two or more member "
                         f"insurers hold (first: "
                         f"{shared[0]}, as {' and '.join(sorted(under[shared[0]]))}): write each as CODE:id, "
                         "the insurer's code and the book's id")
    missing = [c for c, key in zip(named, out, strict=True) if not key]
    if missing:
        given = sorted({code for c in missing if (code := _code_of(c)) is not None})
        if given or codes:
            why = (f"the store's claims carry {_codes(codes)}, the truth's "
                   f"{' and '.join(given) if given else 'none'}")
        else:
            why = "is it the truth of another book?"
        raise InputError(f"{len(missing)} of the {len(named)} claim{'s' if len(named) > 1 else ''} the truth names "
                         f"{'is' if len(missing) == 1 else 'are'} not in the store (first: {', '.join(missing[:3])}): {why}")
    return out


def _code_of(claim_id: str) -> str | None:
    """The insurer code a claim id of a truth file starts with (``CODE:``), as ingest reads codes."""
    code, sep, _ = claim_id.partition(":")
    return normalize_insurer_code(code) if sep else None


def _with_code_read(claim_id: str) -> str:
    code = _code_of(claim_id)
    return f"{code}:{claim_id.partition(':')[2]}" if code is not None else claim_id


def _codes(codes: Collection[str]) -> str:
    return f"the insurer code{'s' if len(codes) > 1 else ''} {' and '.join(sorted(codes))}" if codes \
        else "no insurer code"


def score_method(name: str, groups: Sequence[Group], risks: Mapping[str, float], truth: pd.DataFrame,
                 seconds: float = 0.0, alert_threshold: float = ALERT_THRESHOLD) -> MethodScores:
    """Score one method's groups (claim ids, score) and claim risks against the truth."""
    ring_of = {str(c): str(r) for c, r in zip(truth["claim_id"], truth["ring_id"], strict=True)
               if isinstance(r, str) and r}
    true_rings: dict[str, set[str]] = {}
    for claim, ring in ring_of.items():
        true_rings.setdefault(ring, set()).add(claim)
    alerted = [set(claims) for claims, score in groups if score >= alert_threshold and len(claims) >= 2]
    flagged = set().union(*alerted) if alerted else set()
    positives = set(ring_of)
    tp = len(flagged & positives)
    precision = tp / len(flagged) if flagged else 0.0
    recall = tp / len(positives) if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    matched = sum(any(claim_jaccard(ring, found) >= 0.5 for found in alerted if found & ring)
                  for ring in true_rings.values())
    pure = sum(max(Counter(ring_of.get(c) for c in found if c in ring_of).values(), default=0)
               for found in alerted)
    claims = truth["claim_id"].tolist()
    scores = np.array([risks.get(c, 0.0) for c in claims])
    labels = np.array([c in positives for c in claims])
    return MethodScores(
        method=name,
        claim_precision=round(precision, 4),
        claim_recall=round(recall, 4),
        claim_f1=round(f1, 4),
        average_precision=round(_average_precision(scores, labels), 4),
        ring_recall=round(matched / len(true_rings), 4) if true_rings else 0.0,
        ring_purity=round(pure / len(flagged), 4) if flagged else 0.0,
        alerted_rings=len(alerted),
        legit_only_alerts=sum(not (found & positives) for found in alerted),
        seconds=round(seconds, 2),
    )


def _average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Average precision with tied scores ranked together (as scikit-learn computes it)."""
    if not labels.any():
        return 0.0
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tps = np.cumsum(y)[last_of_tie]
    precision = tps / (last_of_tie + 1)
    recall_step = np.diff(np.r_[0, tps]) / y.sum()
    return float((precision * recall_step).sum())


def _baseline(name: str, groups: list[list[str]], truth: pd.DataFrame, seconds: float) -> MethodScores:
    risks = {c: 1.0 for g in groups for c in g}
    return score_method(name, [(g, 1.0) for g in groups], risks, truth, seconds)


def evaluate(store: GraphStore, truth: pd.DataFrame | Path | str, params: DetectionParams | None = None,
             *, use_current: bool = True, baselines: Sequence[str] = ("a", "b"),
             progress: ProgressCallback | None = None) -> Evaluation:
    """Score detection and the baselines against ``truth`` in one run.

    Detection's figures come from the store's current results when ``use_current`` and a
    successful run exists; otherwise detection runs now (without touching stored results).
    ``baselines`` picks which of (a) shared-identifier components and (b) whole-graph Louvain
    to compute. Claims the store holds and the truth does not name are left out of every
    figure (a truth of one member insurer's book in an association's store); the answer says
    how many (``left_out``). ``progress(step, done, total)`` hears each method start (``0, 1``) and finish
    (``1, 1``), steps ``detection``, ``baseline (a)`` and ``baseline (b)``; baseline (b) takes
    most of the time (pure-Python Louvain on every record: about 40 s at 30 000 customers).
    Raises :class:`InputError` when the truth names claims the store does not hold.
    """
    frame = truth if isinstance(truth, pd.DataFrame) else read_truth(truth)
    unknown = set(baselines) - {"a", "b"}
    if unknown:
        raise ValueError(f"unknown baseline(s) {sorted(unknown)}; expected 'a' and/or 'b'")
    stored = store.nodes_frame(Label.CLAIM)["key"].astype(str).tolist()
    frame = frame.assign(claim_id=stored_claim_ids(frame["claim_id"].astype(str).tolist(), stored,
                                                   member_insurers(store)))
    named = set(frame["claim_id"])
    params = params or DetectionParams()
    report = progress or (lambda step, done, total: None)
    out = Evaluation(
        truth_claims=len(frame),
        truth_ring_claims=sum(isinstance(r, str) for r in frame["ring_id"]),
        truth_rings=len({r for r in frame["ring_id"] if isinstance(r, str)}),
        left_out=len(set(stored) - named),
    )
    report("detection", 0, 1)
    start = time.perf_counter()
    current = store.current_run() if use_current else None
    if current is not None:
        rings = store.rings()
        risks = {c.claim_id: c.risk for c in store.claim_risks(frame["claim_id"].tolist()).values()}
        threshold = float(current.params.get("alert_threshold", ALERT_THRESHOLD))
        out.detection_run = current.run_id
    else:
        run = RunRecord("evaluation", params.as_dict(), store.data_fingerprint(),
                        datetime.now(UTC).isoformat(timespec="seconds"))
        result = run_detection(store, params, run, progress).result
        rings = result.rings
        risks = {c.claim_id: c.risk for c in result.claim_risks}
        threshold = params.alert_threshold
    found = [(members, r.score) for r in rings if (members := [c for c in r.claim_ids if c in named])]
    out.methods.append(score_method("ringscope", found, risks, frame, time.perf_counter() - start, threshold))
    report("detection", 1, 1)
    methods: tuple[tuple[str, str, Callable[[], list[list[str]]]], ...] = (
        ("a", "baseline_a_shared_ids", lambda: shared_identifier_components(store)),
        ("b", "baseline_b_louvain", lambda: whole_graph_louvain(store, params.seed)),
    )
    for code, name, find in methods:
        if code not in baselines:
            continue
        report(f"baseline ({code})", 0, 1)
        start = time.perf_counter()
        groups = [members for g in find() if (members := [c for c in g if c in named])]
        out.methods.append(_baseline(name, groups, frame, time.perf_counter() - start))
        report(f"baseline ({code})", 1, 1)
    return out
