"""The vectorised helpers of ``detectors.book`` give what the one-at-a-time forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from detectors.book import (
    _family_ties,
    _households,
    _placed_households,
    _surnames,
    _unique_pairs,
    label_of,
    surname,
)
from graph.model import Label


@given(st.lists(st.tuples(st.integers(-1, 40), st.integers(0, 40)), max_size=200))
def test_unique_pairs_are_numpys_unique_rows(pairs: list[tuple[int, int]]) -> None:
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = np.unique(np.column_stack([a, b]), axis=0) if pairs else np.empty((0, 2), dtype=np.int64)
    assert _unique_pairs(a, b).tolist() == expected.tolist()


def test_surnames_once_per_name_equal_surname_of_each() -> None:
    names = pd.Series(["欧阳娜娜", "王芳", None, "", "  李强 ", float("nan"), "王芳", "司马光"], dtype=object)
    assert _surnames(names).tolist() == [surname(n) for n in names] == ["欧阳", "王", "", "", "李", "", "王", "司马"]


def test_family_ties_by_address_and_by_phone_within_a_surname() -> None:
    customers = pd.DataFrame({"surname": ["王", "王", "李", "王", "张"]},
                             index=pd.Index(["C1", "C2", "C3", "C4", "C5"], dtype=object))
    registered = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C5", "C1", "C5"],
        "label": ["Phone", "Phone", "Phone", "Address", "Address", "Address", "Phone"],
        "key": ["p1", "p1", "p1", "a1", "a1", "a2", "p2"],
    })
    # C1-C2 share p1 within surname 王 (C3 is another surname); C4-C5 share the small address a1
    assert _family_ties(registered, customers, household_max=6).tolist() == [[0, 1], [1, 0], [3, 4], [4, 3]]


def test_label_of_is_the_enum() -> None:
    assert all(label_of(label.value) is label for label in Label)


@given(st.integers(0, 12), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=20),
       st.lists(st.booleans(), min_size=12, max_size=12))
def test_households_placed_among_other_customers_are_the_components_of_all(
        size: int, pairs: list[tuple[int, int]], kept_mask: list[bool]) -> None:
    # `size` customers, of whom those in kept_mask are the households' ones (the ties' ends)
    inside = np.flatnonzero(np.array(kept_mask[:size], dtype=bool))
    ties = np.array([(inside[a % len(inside)], inside[b % len(inside)]) for a, b in pairs if len(inside)
                     and a % len(inside) != b % len(inside)], dtype=np.int64).reshape(-1, 2)
    ties = _unique_pairs(np.r_[ties[:, 0], ties[:, 1]], np.r_[ties[:, 1], ties[:, 0]])
    everyone = _households(ties, pd.DataFrame(index=range(size)))
    row_of = {p: i for i, p in enumerate(inside.tolist())}
    kept_ties = np.array([(row_of[a], row_of[b]) for a, b in ties.tolist()], dtype=np.int64).reshape(-1, 2)
    kept = _households(kept_ties, pd.DataFrame(index=range(len(inside))))
    placed = _placed_households(kept, inside, size)
    assert placed.tolist() == everyone.tolist() and placed.dtype == everyone.dtype
