"""Which letter links between tied groups :func:`detectors.links._letters_not_bridging` keeps:
exact results on hand-made ties."""

from __future__ import annotations

import numpy as np

from detectors.links import SMALL_TIED_GROUP, _letters_not_bridging


def _chain(first: int, size: int) -> np.ndarray:
    return np.array([(first + i, first + i + 1) for i in range(size - 1)], dtype=np.int64)


# two handfuls of three (0-2, 3-5), two rings of eight (6-13, 14-21), claim 22 tied to nobody
TIES = [_chain(0, 3), _chain(3, 3), _chain(6, 8), _chain(14, 8)]
N = 23


def _kept(letters: list[tuple[int, int]], book_letters: int = 100) -> tuple[list[bool], list[bool]]:
    keep, bridge = _letters_not_bridging(N, TIES, [np.ones(len(t)) for t in TIES], np.array(letters),
                                         0.15, np.zeros(N, dtype=np.int64), np.array([book_letters]))
    return keep.tolist(), bridge.tolist()


def test_letters_between_two_handfuls_are_bridges_between_rings_dropped() -> None:
    assert SMALL_TIED_GROUP < 8
    letters = [(0, 3),    # handful to handful: a careful ring's coach
               (6, 14),   # ring to ring: two rings adapting one public letter
               (0, 6),    # handful to ring
               (0, 1),    # inside one handful
               (3, 22)]   # to a member nothing else ties (a stealth member)
    assert _kept(letters) == ([True, False, False, True, True], [True, False, False, False, False])


def test_wording_the_two_groups_own_joins_them_without_a_bridge() -> None:
    """Two rings holding half of their template's letters: the wording is theirs."""
    assert _kept([(6, 14)], book_letters=16) == ([True], [False])


def test_no_letters() -> None:
    keep, bridge = _letters_not_bridging(N, TIES, [np.ones(len(t)) for t in TIES], np.empty((0, 2), dtype=np.int64),
                                         0.15, np.zeros(N, dtype=np.int64), np.array([10]))
    assert keep.shape == bridge.shape == (0,)
