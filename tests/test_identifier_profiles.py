"""Which ring an identifier's profile points to, and that ring's last request with it
(:func:`detectors.scoring._top_rings`)."""

from __future__ import annotations

import pandas as pd
import pytest

from detectors.scoring import _top_rings
from graph.results import Ring

USES = pd.DataFrame({"claim_id": ["S1", "S2", "S3", "S4", "S5"], "label": ["Phone"] * 5,
                     "key": ["+8613800000001"] * 4 + ["+8613800000002"],
                     "taken_day": [19701.0, 19690.0, float("nan"), 19800.0, 19952.0]})
DATES = pd.Series(["2024-03-01", "2024-02-01", "2024-05-01", "2024-06-01", "2024-09-01"],
                  index=["S1", "S2", "S3", "S4", "S5"])


def _days(dates: pd.Series) -> pd.Series:
    """ISO dates as days since 1970-01-01 (``NaN`` for none), as the book holds them."""
    return (pd.to_datetime(dates) - pd.Timestamp("1970-01-01")).dt.days.astype(float)


@pytest.mark.parametrize(("first_id", "second_id"), [("R-A", "R-B"), ("R-B", "R-A")])
def test_a_tie_goes_to_the_ring_of_the_lowest_claim_whatever_the_ids(first_id: str, second_id: str) -> None:
    """Two rings hold two uses each of one phone: the profile points at the ring holding S1
    whichever id it carries (a ring carried forward keeps an earlier run's id, a full run gives
    a new one, and both runs must point the profile at the same ring)."""
    rings = [Ring(first_id, 0.9, "high", ("S1", "S2")), Ring(second_id, 0.9, "high", ("S3", "S4", "S5"))]
    top = _top_rings(USES, _days(DATES), rings)
    assert top == {("Phone", "+8613800000001"): (first_id, "2024-03-01", "2023-11-29"),
                   ("Phone", "+8613800000002"): (second_id, "2024-09-01", "2024-08-17")}


def test_the_last_request_is_the_rings_last_with_the_identifier() -> None:
    """A rotating ring dropped the first phone after S2 (2024-02-01) and went on with the
    second until 2024-09-01: the first phone's profile says 2024-02-01, not the ring's last day;
    an identifier of a claim without a date gets none. S2's customer took the first phone on
    2023-11-29 (day 19 690), before any request of the ring with it: the ring took it then. A
    member who gave it without a dated change leaves that day standing; a request of the ring's
    with it before that day says the ring had it already."""
    rings = [Ring("R-A", 0.9, "high", ("S2", "S5"))]
    assert _top_rings(USES, _days(DATES), rings) == {("Phone", "+8613800000001"): ("R-A", "2024-02-01", "2023-11-29"),
                                              ("Phone", "+8613800000002"): ("R-A", "2024-09-01", "2024-08-17")}
    undated = DATES.drop("S5")
    assert _top_rings(USES, _days(undated), rings)[("Phone", "+8613800000002")] == ("R-A", None, "2024-08-17")
    with_undated_member = [Ring("R-B", 0.9, "high", ("S2", "S3"))]
    assert _top_rings(USES, _days(DATES), with_undated_member)[("Phone", "+8613800000001")] \
        == ("R-B", "2024-05-01", "2023-11-29")
    earlier = DATES.copy()
    earlier["S3"] = "2023-10-01"
    assert _top_rings(USES, _days(earlier), with_undated_member)[("Phone", "+8613800000001")] \
        == ("R-B", "2024-02-01", None)
