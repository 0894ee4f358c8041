"""Local campaigns: the letters of one wording, within a campaign's months, crowding into one
branch beyond chance.

A coach who only coaches letters leaves no shared phone, account or representative: his
clients in one county send his private wording within a few weeks, each from home, each with a
full-refund demand (``../shared/domain.md``: some members share no identifier at all, only the
letter template and the timing; a ring surrenders its members in a few weeks in one region).
Honest complainers copy a circulating letter too, but months apart and from all over the
region. So the letters of one template group filed within a campaign's length (the widest
window :data:`detectors.bursts.SCAN_WINDOWS_DAYS` scans, four months) are tested for where they
come from: with ``n`` of them, ``k`` from their most common branch ``b``, the chance of at
least ``k`` of ``n`` letters coming from ``b`` when letters come from branches as usual
(binomial), times the number of branches, times the number of windows tested in the book
(Bonferroni), must stay below ``alpha``. The usual share of ``b`` is the larger of its share of
the book's letters (the claims a letter came with) and its share of the template's letters
outside the window: a public letter that circulates more in one city than in others (a local
chat group, a local newspaper) crowds there all year, while a coach who used his wording in
another county months before gives his present county no share. Each template's windows are
taken densest first (most letters within four months), each letter tested once.

Nine letters of a rare wording in three weeks, all from one of twelve branches whose letters
otherwise spread evenly, are a local campaign; nine spread over the branches are not:

>>> branches = np.array([f"b{i % 12}" for i in range(240)] + ["b0"] * 9 + [f"b{i}" for i in range(9)], dtype=object)
>>> groups = np.array([-1] * 240 + [7] * 9 + [8] * 9)
>>> days = np.array([float(i * 3) for i in range(240)] + [400.0 + 2 * i for i in range(9)] * 2)
>>> wrote, households = np.ones(len(groups), dtype=bool), np.arange(len(groups))
>>> found = local_campaigns(groups, days, branches, wrote, households, alpha=0.01)
>>> [(c.template, c.branch, c.households, c.of) for c in found.campaigns]
[(7, 'b0', 9, 9)]
>>> int((found.campaign >= 0).sum())
9

The same nine letters sent by three households are no campaign: three households' decisions.

>>> local_campaigns(groups, days, branches, wrote, households // 3 * 3, alpha=0.01).campaigns
()
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from detectors.bursts import MIN_BURST_EVENTS, SCAN_WINDOWS_DAYS

__all__ = ["LocalCampaign", "LocalCampaigns", "local_campaigns"]


@dataclass(frozen=True)
class LocalCampaign:
    """Letters of one template group crowding into one branch within a campaign's months."""

    template: int
    branch: str
    households: int
    """Households with a letter of the template filed in the window from ``branch``."""
    of: int
    """Households with a letter of the template filed in the window, from any branch."""
    branch_share: float
    """``branch``'s usual share of the template's letters (see the module)."""
    chance: float
    """The binomial tail times the branches and the windows tested (see the module)."""
    first_day: float
    last_day: float


@dataclass(frozen=True)
class LocalCampaigns:
    """The book's local campaigns and, per claim, the one its letter belongs to."""

    campaigns: tuple[LocalCampaign, ...]
    campaign: np.ndarray
    """Per claim (by position), the index into ``campaigns`` of its local campaign, ``-1`` when
    none: only the claims from the campaign's branch belong to it."""

    @classmethod
    def none(cls, n: int) -> LocalCampaigns:
        """No local campaign among ``n`` claims."""
        return cls((), np.full(n, -1, dtype=np.int64))

    def campaign_of(self, members: Sequence[int], at_least: int = MIN_BURST_EVENTS) -> int:
        """The index into ``campaigns`` of the local campaign most of ``members`` (claim
        positions) belong to, when ``at_least`` of them and more than half do, else ``-1``."""
        ids = self.campaign[np.asarray(members, dtype=np.int64)]
        ids = ids[ids >= 0]
        if not len(ids):
            return -1
        top = int(np.bincount(ids).argmax())
        count = int((ids == top).sum())
        return top if count >= at_least and 2 * count > len(members) else -1


def local_campaigns(groups: np.ndarray, days: np.ndarray, branches: np.ndarray, wrote: np.ndarray,
                    households: np.ndarray, alpha: float = 0.01) -> LocalCampaigns:
    """The local campaigns of a book (see the module).

    ``groups``: each claim's letter template group (``-1`` when none); ``days``: its request day
    (``nan`` when unknown); ``branches``: its agent's branch (``None`` or ``""`` when unknown);
    ``wrote``: whether a letter came with it (grouped or not: where the book's letters come from
    is measured on all of them); ``households``: its customer's household (an integer id), all
    indexed by claim position. Claims without a group, day or branch are never tested.

    Raises ``ValueError`` when the arrays differ in length or ``alpha`` is not in (0, 1).
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if not len(groups) == len(days) == len(branches) == len(wrote) == len(households):
        raise ValueError("groups, days, branches, wrote and households differ in length: "
                         f"{len(groups)}, {len(days)}, {len(branches)}, {len(wrote)}, {len(households)}")
    households = np.asarray(households, dtype=np.int64)
    found_none = LocalCampaigns.none(len(groups))
    campaign = found_none.campaign
    known = np.array([isinstance(b, str) and b != "" for b in branches], dtype=bool)
    writers = np.flatnonzero((np.asarray(wrote, dtype=bool) | (np.asarray(groups) >= 0)) & known)
    tested = np.flatnonzero((np.asarray(groups) >= 0) & ~np.isnan(days) & known)
    if not len(tested):
        return found_none
    names, codes = np.unique(branches[writers].astype(str), return_inverse=True)
    share = np.bincount(codes, minlength=len(names)) / len(writers)
    code_of = np.full(len(groups), -1, dtype=np.int64)
    code_of[writers] = codes
    windows: list[tuple[int, np.ndarray, int, int, float, float]] = []
    for template in np.unique(groups[tested]).tolist():
        left = tested[groups[tested] == template]
        everywhere = np.bincount(code_of[left], minlength=len(names))
        left = left[np.argsort(days[left], kind="stable")]
        while len(left) >= MIN_BURST_EVENTS:
            window = _densest(left, days)
            writing = np.unique(np.stack([code_of[window], households[window]]), axis=1)
            counts = np.bincount(writing[0], minlength=len(names))
            top = int(counts.argmax())
            k, n = int(counts[top]), len(np.unique(households[window]))
            outside = everywhere - np.bincount(code_of[window], minlength=len(names))
            usual = max(share[top], outside[top] / outside.sum() if outside.sum() else 0.0)
            windows.append((int(template), window[code_of[window] == top], k, n, float(usual),
                            float(binom.sf(k - 1, n, usual) * len(names))))
            left = np.setdiff1d(left, window, assume_unique=True)
            left = left[np.argsort(days[left], kind="stable")]
    found: list[LocalCampaign] = []
    for template, members, k, n, usual, chance in windows:
        if chance * len(windows) >= alpha or k < MIN_BURST_EVENTS:
            continue
        branch = str(branches[members[0]])
        campaign[members] = len(found)
        found.append(LocalCampaign(template, branch, k, n, usual, chance * len(windows),
                                   float(days[members].min()), float(days[members].max())))
    return LocalCampaigns(tuple(found), campaign)


def _densest(ordered: np.ndarray, days: np.ndarray) -> np.ndarray:
    """The claims of ``ordered`` (positions sorted by day) in the window of a campaign's length
    holding the most of them (the earliest such window)."""
    width = max(SCAN_WINDOWS_DAYS)
    at = days[ordered]
    ends = np.searchsorted(at, at + width, side="right")
    start = int(np.argmax(ends - np.arange(len(at))))
    return ordered[start:ends[start]]
