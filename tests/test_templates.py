"""Template groups (``detectors.templates.template_groups``): exact groups on small known
letters, and the groups of generated letters against the pairs checked one at a time."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.templates import (
    _candidate_pairs,
    jaccard,
    letter_shingles,
    minhash_signatures,
    template_groups,
)

MIS_SOLD = "本人于{y}年购买保险，业务员承诺保本高收益，隐瞒退保损失，未告知犹豫期权利，要求全额退还已交保费。"
FORGED = "我的保单{y}年由业务员代签名，风险提示语句不是本人抄录，回访电话也不是本人接听，请求撤销合同退还保费。"
SHORT = "申请退保，谢谢。"
PIECES = ["本人", "业务员", "承诺", "保本", "高收益", "隐瞒", "退保损失", "代签名", "回访", "全额退还", "保费",
          "监管", "投诉", "合同", "撤销", "利息", "分红", "家中", "急需", "用钱"]


def test_letters_of_one_template_group_and_are_numbered_by_their_first_letter() -> None:
    letters = [FORGED.format(y=2018), SHORT, MIS_SOLD.format(y=2019), FORGED.format(y=2020),
               MIS_SOLD.format(y=2021), SHORT, "因家中急需用钱，申请退保，请尽快办理，谢谢，联系电话已留在申请表上面了。",
               MIS_SOLD.format(y=2022)]
    groups = template_groups(letters, threshold=0.5, seed=1)
    assert groups.dtype == np.int64
    # the short letters are alike word for word, yet too short to call a template
    assert groups.tolist() == [0, -1, 1, 0, 1, -1, -1, 1]


def test_too_few_letters_and_bad_arguments() -> None:
    assert template_groups([], seed=1).tolist() == []
    assert template_groups([MIS_SOLD.format(y=2019)], seed=1).tolist() == [-1]
    for bad in ({"threshold": 1.0}, {"threshold": 0.0}, {"num_perm": 3}):
        try:
            template_groups([SHORT], **bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")


def _one_pair_at_a_time(letters: list[str], threshold: float, seed: int, num_perm: int) -> list[int]:
    """The groups as the LSH candidates checked one pair at a time (``jaccard``) and joined
    in a union-find, numbered by first letter."""
    sets = [letter_shingles(t) for t in letters]
    usable = [i for i, s in enumerate(sets) if len(s) >= 30]
    parent = list(range(len(letters)))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    if len(usable) >= 2:
        signatures = minhash_signatures([sets[i] for i in usable], num_perm, seed)
        for a, b in _candidate_pairs(signatures, threshold).tolist():
            if jaccard(sets[usable[a]], sets[usable[b]]) >= threshold:
                parent[root(usable[b])] = root(usable[a])
    roots = [root(i) for i in range(len(letters))]
    numbering: dict[int, int] = {}
    return [numbering.setdefault(r, len(numbering)) if roots.count(r) >= 2 else -1 for r in roots]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.lists(st.integers(0, len(PIECES) - 1), max_size=12)), max_size=30),
       st.sampled_from([0.3, 0.45, 0.7]), st.integers(0, 3), st.sampled_from([8, 48]))
def test_groups_are_the_candidate_pairs_checked_one_at_a_time(drafts: list[tuple[int, list[int]]], threshold: float,
                                                             seed: int, num_perm: int) -> None:
    bases = [MIS_SOLD.format(y=2019), FORGED.format(y=2020), ""]
    # a base letter (or none) and words of one's own after it
    letters = [bases[base] + "".join(PIECES[w] for w in own) for base, own in drafts]
    groups = template_groups(letters, threshold, seed, num_perm)
    assert groups.tolist() == _one_pair_at_a_time(letters, threshold, seed, num_perm)
    # every candidate pair is within one bucket's first letter and another
    sets = [letter_shingles(t) for t in letters]
    usable = [i for i, s in enumerate(sets) if len(s) >= 30]
    if len(usable) >= 2:
        pairs = _candidate_pairs(minhash_signatures([sets[i] for i in usable], num_perm, seed), threshold)
        assert (pairs[:, 0] < pairs[:, 1]).all()
        assert len(np.unique(pairs, axis=0)) == len(pairs)
