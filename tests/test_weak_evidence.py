"""Weak evidence stays weak: a request's own traits on their own stay under the alert threshold,
and a letter like a ring's weighs by how much of that wording in the book is the ring's (a public
letter's honest copies dilute it; ``../shared/domain.md``: honest complainers show the traits and
copy the letters rings use). Exact figures on hand-made run indexes."""

from __future__ import annotations

import pandas as pd
import pytest

from detectors.book import REPRESENTATIVE
from detectors.claim_view import ClaimView, Letter
from detectors.identifiers import STEADY_USE
from detectors.params import DetectionParams
from detectors.rules import RingLetters, RunIndex, TraitModel, claim_signals, verdict
from graph.model import Label, NodeRef
from graph.results import ALERT_THRESHOLD, IdentifierProfile, Ring
from tests.test_ring_letters import _PUBLIC, _TEMPLATE

DAY = 19_500
VERSION = _TEMPLATE.replace("追究", "严肃追究")
"""The ring's own edit of the template."""
RING = Ring("R1", 0.9, "high", ("C1", "C2", "C3"), customer_ids=("M1", "M2", "M3"),
            first_request_date="2023-05-01", last_request_date="2023-06-30")


def _letters(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "text"])


def _index(letters: pd.DataFrame, model: TraitModel | None = None,
           profiles: dict[NodeRef, IdentifierProfile] | None = None) -> RunIndex:
    params = DetectionParams()
    known = profiles or {}
    return RunIndex(params=params, rings={"R1": RING}, model=model or TraitModel(prior=0.0, log_ratios={}),
                    watchlist={}, letters=RingLetters([RING], letters, params.alert_threshold), agents={},
                    profiles=lambda refs: {ref: known[ref] for ref in refs if ref in known})


def _weights(view: ClaimView, index: RunIndex, code: str) -> list[float]:
    return [round(s.weight, 4) for s in claim_signals(view, index) if s.evidence.code == code]


# a ring that sent the public letter word for word (two members) among eight honest copies, and
# the ring's own edit of the complaint template (three members) beside one honest copy of it
BOOK = _letters([("M1", _PUBLIC), ("M2", _PUBLIC), *((f"H{i}", _PUBLIC) for i in range(8)),
                 ("M1", VERSION), ("M2", VERSION), ("M3", VERSION), ("H9", _TEMPLATE)])


def test_ring_share_counts_the_rings_close_letters_and_all_close_letters() -> None:
    index = RingLetters([RING], BOOK, 0.5)
    assert index.ring_share(_PUBLIC, "R1", 0.45, "N1") == (2, 10)
    assert index.ring_share(_PUBLIC, "R1", 0.45, "H0") == (2, 9)  # the customer's own letter left out
    assert index.ring_share(VERSION, "R1", 0.45, "N1") == (3, 4)
    assert index.ring_share(VERSION, "R1", 0.99, "N1") == (3, 3)
    assert index.ring_share("本人因急需用钱申请退保", "R1", 0.45, "N1") == (0, 0)


def test_a_public_letter_a_ring_also_sent_weighs_by_the_rings_share_of_its_copies() -> None:
    index = _index(BOOK)
    honest = ClaimView("N1", DAY, customer_id="N1", letters=(Letter("L1", DAY - 10, _PUBLIC),))
    coached = ClaimView("N2", DAY, customer_id="N2", letters=(Letter("L2", DAY - 10, VERSION),))
    # both letters are word for word a ring member's: 0.5 at full similarity, times the share
    assert index.letters.letter_match(_PUBLIC, "N1") == (1.0, "R1")
    assert _weights(honest, index, "template_complaint") == [0.1]
    assert _weights(coached, index, "template_complaint") == [0.375]
    reason = next(s.evidence for s in claim_signals(honest, index) if s.evidence.code == "template_complaint")
    assert (reason.data["ring_letters"], reason.data["close_letters"]) == (2, 10)
    assert "2 of the 10 letters of the book this close are the ring's" in reason.en


def test_a_request_below_the_threshold_is_not_taken_for_the_rings() -> None:
    """An honest copy of the public letter the ring also sent points its reason at the ring and
    stays low: the verdict names no ring, as the batch run gives a claim outside its rings none.
    The ring's own edit from a customer who changed phone before, as the book's rings do, reaches
    the threshold and is the ring's."""
    index = _index(BOOK, TraitModel(prior=0.1, log_ratios={"complaint_driven": 1.0, "changed_before": 4.0}))
    honest = ClaimView("N1", DAY, customer_id="N1", letters=(Letter("L1", DAY - 10, _PUBLIC),))
    low = verdict("N1", claim_signals(honest, index))
    assert (low.level, low.ring_id) == ("low", None)
    assert [r.data["ring_id"] for r in low.reasons if r.code == "template_complaint"] == ["R1"]
    coached = ClaimView("N2", DAY, customer_id="N2", changes=((NodeRef(Label.PHONE, "+8613800000000"), DAY - 10),),
                        letters=(Letter("L2", DAY - 10, VERSION),))
    high = verdict("N2", claim_signals(coached, index))
    assert high.score >= ALERT_THRESHOLD and high.ring_id == "R1"


def test_a_letter_only_the_ring_wrote_weighs_in_full() -> None:
    index = _index(_letters([("M1", VERSION), ("M2", VERSION), ("H1", _PUBLIC)]))
    view = ClaimView("N1", DAY, customer_id="N1", letters=(Letter("L1", DAY - 10, VERSION),))
    assert _weights(view, index, "template_complaint") == [0.5]


@pytest.mark.parametrize("traits", [
    {"full_refund": True},
    {"complaint_reason": True, "changes": ((NodeRef(Label.PHONE, "+8613800000000"), DAY - 10),)},
])
def test_traits_alone_stay_under_the_alert_threshold_however_telling(traits: dict[str, object]) -> None:
    """Even traits the book's rings show a hundredfold more than honest claims give a request
    with nothing else under the threshold, in the order of their probability."""
    model = TraitModel(prior=0.1, log_ratios={"complaint_driven": 5.0, "changed_before": 5.0})
    index = _index(_letters([]), model)
    view = ClaimView("N1", DAY, customer_id="N1", **traits)  # type: ignore[arg-type]
    probability = model.probability(view.traits())
    assert probability > 0.9
    assert _weights(view, index, "coached_traits") == [round(ALERT_THRESHOLD * probability, 4)]
    assert verdict("N1", claim_signals(view, index)).score < ALERT_THRESHOLD


@pytest.mark.parametrize(("notes", "weight"), [((STEADY_USE, "shared_unrelated"), 0.0), (("shared_unrelated",), 0.56)])
def test_an_institutions_representative_is_said_and_weighs_nothing(notes: tuple[str, ...], weight: float) -> None:
    """A legal-aid centre's lawyer filing for nine unrelated clients over the years (steady use)
    is named in the reasons and adds nothing; the same repeat work in a burst weighs."""
    lawyer = NodeRef(Label.PERSON, "360702198001010077")
    index = _index(_letters([]), profiles={lawyer: IdentifierProfile("Person", lawyer.key, 9, 8, 0.8, notes=notes)})
    view = ClaimView("N1", DAY, customer_id="N1", identifiers=((REPRESENTATIVE, lawyer),))
    assert _weights(view, index, "repeat_representative") == [weight]


def test_a_payee_outside_the_family_is_said_and_weighed_once_as_a_trait() -> None:
    model = TraitModel(prior=0.1, log_ratios={"third_party": 1.0})
    view = ClaimView("N1", DAY, customer_id="N1", policyholder="田平", payout_holder="魏强")
    index = _index(_letters([]), model)
    assert _weights(view, index, "third_party_payout") == [0.0]
    assert _weights(view, index, "coached_traits") == [round(ALERT_THRESHOLD * model.probability(["third_party"]), 4)]
    assert verdict("N1", claim_signals(view, index)).score == round(ALERT_THRESHOLD * model.probability(["third_party"]), 4)
