"""Generate → ingest → detect → evaluate on a small hard book, asserting the quality bar."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from detectors.evaluate import evaluate, read_truth, score_method
from detectors.params import DetectionParams
from detectors.pipeline import STEPS, detect
from graph.errors import InputError
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[SQLiteStore, Path]:
    folder = tmp_path_factory.mktemp("book")
    generate_book(folder, BookConfig(customers=8_000, seed=5, difficulty="hard", ring_rate=8.0))
    store = SQLiteStore(folder / "graph.db")
    ingest_folder(folder, store)
    return store, folder / "truth.csv"


def test_quality_bar_on_a_hard_book(book: tuple[SQLiteStore, Path]) -> None:
    store, truth = book
    detect(store, DetectionParams(seed=3))
    steps: list[tuple[str, int, int]] = []
    result = evaluate(store, truth, progress=lambda *step: steps.append(step))
    assert steps == [(name, done, 1) for name in ("detection", "baseline (a)", "baseline (b)") for done in (0, 1)]
    ours = result.method("ringscope")
    assert result.truth_rings >= 5
    assert ours.claim_f1 >= 0.9 and ours.ring_recall >= 0.9 and ours.legit_only_alerts <= 2
    for baseline in ("baseline_a_shared_ids", "baseline_b_louvain"):
        other = result.method(baseline)
        assert ours.claim_f1 > other.claim_f1 + 0.2
        assert ours.legit_only_alerts < other.legit_only_alerts or other.claim_precision < 0.5


def test_evaluation_without_a_current_run_detects_without_storing(book: tuple[SQLiteStore, Path]) -> None:
    store, truth = book
    runs = len(store.runs())
    steps: list[tuple[str, int, int]] = []
    result = evaluate(store, truth, use_current=False, baselines=("a",), progress=lambda *step: steps.append(step))
    assert [m.method for m in result.methods] == ["ringscope", "baseline_a_shared_ids"]
    # detection's own steps show between the start and the end of the detection step
    assert steps[0] == ("detection", 0, 1) and steps[1] == ("detect", 1, len(STEPS))
    assert steps[-3:] == [("detection", 1, 1), ("baseline (a)", 0, 1), ("baseline (a)", 1, 1)]
    assert len(store.runs()) == runs
    with pytest.raises(ValueError, match="baseline"):
        evaluate(store, truth, baselines=("c",))


def test_truth_file_problems_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "truth.csv"
    bad.write_text("claim,ring\n1,A\n", encoding="utf-8")
    with pytest.raises(InputError, match="claim_id and ring_id"):
        read_truth(bad)
    with pytest.raises(InputError, match="cannot read"):
        read_truth(tmp_path / "missing.csv")


def test_metrics_on_a_small_example() -> None:
    truth = pd.DataFrame({"claim_id": list("123456"), "ring_id": ["A", "A", "A", "B", "B", None]})
    groups = [(("1", "2"), 0.9), (("4", "5", "6"), 0.7), (("3",), 0.9)]
    risks = {"1": 0.9, "2": 0.9, "4": 0.7, "5": 0.7, "6": 0.7, "3": 0.1}
    m = score_method("x", groups, risks, truth)
    assert (m.claim_precision, m.claim_recall) == (0.8, 0.8)
    assert m.ring_recall == 1.0  # {1,2} vs {1,2,3}: 0.67; {4,5,6} vs {4,5}: 0.67
    assert m.ring_purity == 0.8 and m.alerted_rings == 2 and m.legit_only_alerts == 0
    # ties ranked together: 2/5 at precision 1, 2/5 at 4/5, 1/5 at 5/6
    assert m.average_precision == pytest.approx(0.4 + 0.32 + 1 / 6, abs=1e-4)
