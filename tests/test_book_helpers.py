"""The vectorised helpers of ``detectors.book`` give what the one-at-a-time forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from detectors.book import _family_ties, _surnames, _unique_pairs, label_of, surname
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
