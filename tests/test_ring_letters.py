"""The rings' letters index: the closest ring member's letter to a letter, its ring, and how
many of the book's letters this close are the ring's, with the letters of the asking customer
left out, as a comparison with every letter one by one finds."""

from __future__ import annotations

import random

import pandas as pd

from detectors.rules import RingLetters, shingle_set
from graph.results import Ring

_TEMPLATE = "本人于二零一九年购买保险业务员承诺保本高收益隐瞒退保损失现要求全额退还保费并追究销售误导责任"
_PUBLIC = "今年的红利比去年少了一大半业务员当初说每年都有这么多分红我觉得被骗了要求退保"


def _closest(letters: pd.DataFrame, ring_of: dict[str, str], text: str, customer: str) -> tuple[float, str | None]:
    """The closest ring member's letter by comparing with each one, the first of equally close
    ones (in the order of ``letters``)."""
    grams = shingle_set(text)
    best, ring = 0.0, None
    for who, other in zip(letters["customer_id"], letters["text"], strict=True):
        if who not in ring_of:
            continue
        theirs = shingle_set(other)
        shared = len(grams & theirs)
        similarity = shared / (len(grams) + len(theirs) - shared)
        if similarity > best:
            best, ring = similarity, ring_of.get(who)
    return best, ring


def _book(seed: int) -> tuple[list[Ring], pd.DataFrame]:
    """Letters of a ring (its own version of the template, each member's a little edited) and
    honest copies of the template and of a public letter, some word for word."""
    rng = random.Random(seed)
    ring_members = [f"R{i}" for i in range(6)]
    ring = Ring("RING-1", 0.9, "high", tuple(f"C{i}" for i in range(6)), customer_ids=tuple(ring_members))
    version = _TEMPLATE.replace("追究", "严肃追究")
    rows = []
    for member in ring_members:
        rows.append((member, version if rng.random() < 0.5 else version[:-rng.randint(1, 4)]))
    for i in range(30):
        base = _TEMPLATE if i % 2 else _PUBLIC
        cut = rng.randint(0, 3)
        rows.append((f"H{i % 20}", base if i % 3 == 0 else base[cut:] + "谢谢" * rng.randint(0, 2)))
    rng.shuffle(rows)
    return [ring], pd.DataFrame(rows, columns=["customer_id", "text"])


def test_the_closest_letter_is_the_one_a_comparison_with_every_letter_finds() -> None:
    for seed in range(5):
        rings, letters = _book(seed)
        index = RingLetters(rings, letters, 0.5)
        ring_of = {c: "RING-1" for c in rings[0].customer_ids}
        asked = [*zip(letters["customer_id"], letters["text"], strict=True), ("NEW", _TEMPLATE)]
        for customer, text in asked:
            expected = _closest(letters, ring_of, text, customer)
            best, ring = index.letter_match(text, customer)
            assert (round(best, 12), ring) == (round(expected[0], 12), expected[1]), (seed, customer, text)
            assert index.best_match(shingle_set(text), customer) == (best, ring)


def test_a_ring_members_identical_letter_matches_after_an_honest_one() -> None:
    letters = pd.DataFrame({"customer_id": ["H1", "R1", "H2"], "text": [_PUBLIC, _PUBLIC, _TEMPLATE]})
    ring = Ring("RING-1", 0.9, "high", ("C1", "C2"), customer_ids=("R1", "R2"))
    index = RingLetters([ring], letters, 0.5)
    # H1's own letter is the first identical one; the ring member's identical letter is next
    assert index.letter_match(_PUBLIC, "H1") == (1.0, "RING-1")
    assert index.letter_match(_PUBLIC, "H9") == (1.0, "RING-1")
    assert index.ring_share(_PUBLIC, "RING-1", 0.5, "H9") == (1, 2)  # and one honest copy as close
    # a ring scored under the alert threshold labels no letter
    assert RingLetters([ring], letters, 0.95).letter_match(_PUBLIC, "H1") == (0.0, None)
    assert index.letter_match("", "H1") == (0.0, None)


def test_ring_share_counts_what_a_comparison_with_every_letter_counts() -> None:
    for seed in range(5):
        rings, letters = _book(seed)
        index = RingLetters(rings, letters, 0.5)
        ring_of = {c: "RING-1" for c in rings[0].customer_ids}
        for customer, text in [*zip(letters["customer_id"], letters["text"], strict=True), ("NEW", _TEMPLATE)]:
            grams = shingle_set(text)
            ring = close = 0
            for who, other in zip(letters["customer_id"], letters["text"], strict=True):
                theirs = shingle_set(other)
                shared = len(grams & theirs)
                if (who != customer or who in ring_of) and shared / (len(grams) + len(theirs) - shared) >= 0.6:
                    close += 1
                    ring += who in ring_of
            assert index.ring_share(text, "RING-1", 0.6, customer) == (ring, close), (seed, customer)


def test_a_letter_closest_to_a_member_the_run_left_out_still_matches_the_ring() -> None:
    """A coached member's letter is often closest to the letter of another member the run left
    out of the ring (no ring labels it); the ring's own letters, nearly as close, name the ring.
    Requiring the closest letter of all to be a ring's lost 0.008 of ROC AUC among abnormal
    held-out requests on 20 outside books, on average."""
    version = _TEMPLATE.replace("追究", "严肃追究")
    letters = pd.DataFrame({"customer_id": ["R1", "R2", "LEFT", "H1"],
                            "text": [version, version + "谢谢", version[2:] + "此致", _PUBLIC]})
    ring = Ring("RING-1", 0.9, "high", ("C1", "C2"), customer_ids=("R1", "R2"))
    index = RingLetters([ring], letters, 0.5)
    best, ring_id = index.letter_match(version[2:] + "此致", "NEW")
    assert ring_id == "RING-1" and 0.8 < best < 1.0
    assert index.ring_share(version[2:] + "此致", "RING-1", 0.5, "NEW") == (2, 3)
