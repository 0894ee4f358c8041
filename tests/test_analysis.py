"""The analysts' Python API (``api.analysis``): exact frames on the hand-built ring book on every
backend, drawings, timelines, evaluation and sweeps on a generated book, Cypher on servers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

import api.analysis as rs
from detectors.params import DetectionParams
from graph.errors import ConfigError, NotFoundError, StoreError
from graph.model import Label
from graph.sqlite_store import SQLiteStore
from graph.store import GraphStore
from tests.test_api_book import RING_ACCOUNT, RING_PHONE, load_ring_book

matplotlib.use("Agg")

TRUTH = pd.DataFrame({"claim_id": ["C1", "C2", "C3", "C4"], "ring_id": ["T1", "T1", "T1", None]})


@pytest.fixture
def ring_book(store: GraphStore) -> GraphStore:
    load_ring_book(store)
    return store


def test_rings_one_row_per_ring_highest_score_first(ring_book: GraphStore) -> None:
    frame = rs.rings(ring_book)
    assert frame.to_dict("records") == [
        {"ring_id": "R-1", "score": 0.91, "level": "high", "status": "new", "claims": 3,
         "customers": 3, "agents": 1, "first_request_date": pd.Timestamp("2024-03-01"),
         "last_request_date": pd.Timestamp("2024-03-20"), "days": 19,
         "evidence": "shared_payout_account"},
        {"ring_id": "R-2", "score": 0.3, "level": "low", "status": "new", "claims": 1,
         "customers": 1, "agents": 1, "first_request_date": pd.Timestamp("2024-05-02"),
         "last_request_date": pd.Timestamp("2024-05-02"), "days": 0, "evidence": ""},
    ]
    assert rs.rings(ring_book, min_score=0.5)["ring_id"].tolist() == ["R-1"]
    ring_book.change_case("R-1", "investigating", "analyst")
    assert rs.rings(ring_book)["status"].tolist() == ["investigating", "new"]


def test_members_are_the_rings_claims_with_their_records(ring_book: GraphStore) -> None:
    frame = rs.members(ring_book, "R-1")
    assert frame[["claim_id", "customer_id", "policy_id", "agent_id", "risk", "refund_type"]] \
        .values.tolist() == [["C1", "U1", "P1", "A1", 0.95, "full_premium"],
                             ["C2", "U2", "P2", "A1", 0.9, "full_premium"],
                             ["C3", "U3", "P3", "A1", 0.85, "full_premium"]]
    assert frame["request_date"].tolist() == list(pd.to_datetime(["2024-03-01", "2024-03-08",
                                                                  "2024-03-20"]))
    assert list(frame.columns) == rs.frames.MEMBER_COLUMNS
    with pytest.raises(NotFoundError):
        rs.members(ring_book, "R-404")


def test_evidence_of_one_ring_and_of_all(ring_book: GraphStore) -> None:
    one = rs.evidence(ring_book, "R-1")
    assert one[["ring_id", "code"]].values.tolist() == [["R-1", "shared_payout_account"]]
    assert one.loc[0, "data"] == {"account": RING_ACCOUNT, "claims": 3, "phones": [RING_PHONE]}
    assert one.loc[0, "en"].startswith("3 refunds paid to one account")
    assert rs.evidence(ring_book).equals(one)
    assert rs.evidence(ring_book, "R-2").empty


def test_claim_risks_of_every_claim_or_some(ring_book: GraphStore) -> None:
    frame = rs.claim_risks(ring_book)
    assert frame["claim_id"].tolist() == ["C1", "C2", "C3", "C4"]
    assert frame["risk"].tolist() == [0.95, 0.9, 0.85, 0.05]
    assert frame["ring_id"].tolist()[:3] == ["R-1"] * 3 and frame["ring_id"].iloc[3] is None
    assert rs.claim_risks(ring_book, ["C4", "C-unknown"]).values.tolist() == [
        ["C4", 0.05, None], ["C-unknown", 0.0, None]]


def test_identifier_uses_with_their_profiles(ring_book: GraphStore) -> None:
    uses = rs.identifier_uses(ring_book, "R-1")
    assert list(uses.columns) == rs.frames.USE_COLUMNS
    assert uses[["claim_id", "kind", "key"]].values.tolist() == [
        ["C1", "changed_to", RING_PHONE], ["C1", "contact_phone", RING_PHONE],
        ["C1", "payout_account", RING_ACCOUNT], ["C1", "representative", "36070219800101123X"],
        ["C2", "contact_phone", RING_PHONE], ["C2", "payout_account", RING_ACCOUNT],
        ["C2", "representative", "36070219800101123X"],
        ["C3", "contact_phone", RING_PHONE], ["C3", "payout_account", RING_ACCOUNT]]
    phone = uses[uses["kind"] == "changed_to"].iloc[0]
    assert (phone["change_date"], phone["customers"], phone["households"], phone["suspicion"],
            phone["notes"]) == (pd.Timestamp("2024-02-10"), 4, 4, 0.9, "shared_unrelated")
    account = uses[uses["kind"] == "payout_account"]
    assert account["third_party"].all() and account["company"].all()
    assert set(account["holder"]) == {"赣州XX咨询服务有限公司"}
    everything = rs.identifier_uses(ring_book)
    assert len(everything) == len(uses) + 2  # C4's own phone and account, with no profile
    assert everything[everything["claim_id"] == "C4"]["suspicion"].isna().all()


def test_timeline_lists_the_rings_events_in_order(ring_book: GraphStore) -> None:
    frame = rs.ring_timeline(ring_book, "R-1")
    assert frame[["kind", "subject", "customer_id"]].values.tolist() == [
        ["agent_left", "A1", None], ["contact_change", "U1", "U1"], ["complaint", "K1", "U1"],
        ["surrender_request", "C1", "U1"], ["payout", "C1", "U1"],
        ["surrender_request", "C2", "U2"], ["payout", "C2", "U2"],
        ["surrender_request", "C3", "U3"], ["payout", "C3", "U3"]]
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-15", "2024-02-10", "2024-02-20", "2024-03-01", "2024-03-01", "2024-03-08",
        "2024-03-08", "2024-03-20", "2024-03-20"]
    assert frame.loc[1, "value"] == RING_PHONE and frame.loc[0, "status"] == "resigned"
    figure = rs.plot_timeline(frame, title="R-1")
    events, filed = figure.axes
    assert [t.get_text() for t in events.get_yticklabels()] == [
        "surrender request (3)", "payout (3)", "complaint (1)", "contact change (1)", "agent left (1)"]
    assert sum(len(c.get_offsets()) for c in events.collections) == 9
    assert filed.get_ylabel() == "surrender requests filed so far (count)"
    assert list(filed.lines[0].get_ydata()) == [1, 2, 3]


def test_runs_list_the_recorded_runs(ring_book: GraphStore) -> None:
    frame = rs.runs(ring_book)
    assert frame[["run_id", "status", "rings"]].values.tolist() == [["run-1", "succeeded", 2]]
    assert frame.loc[0, "params"] == {"seed": 1}


def test_drawings_mask_identifiers_unless_asked(ring_book: GraphStore, tmp_path: Path) -> None:
    masked = rs.draw_ring(ring_book, "R-1")
    shown = rs.draw_ring(ring_book, "R-1", show_pii=True)
    assert (masked.nodes, masked.edges, masked.truncated) == (shown.nodes, shown.edges, False)
    assert masked.nodes == 14  # 3 claims, customers, policies; the agent, complaint, 3 identifiers
    assert "13907971234" not in masked.html and "13907971234" in shown.html
    for view in (masked, shown):
        assert "<script src" not in view.html and "<link" not in view.html
        assert "new vis.Network" in view.html and 'id="graph-data"' in view.html
    frame = masked._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "<script" not in frame  # all of it escaped
    assert masked.save(tmp_path / "r.html").read_text(encoding="utf-8") == masked.html


def test_neighbourhoods_take_identifiers_as_typed(ring_book: GraphStore) -> None:
    typed = rs.draw_neighbourhood(ring_book, "phone", "139 0797 1234", show_pii=True)
    exact = rs.draw_neighbourhood(ring_book, Label.PHONE, RING_PHONE, show_pii=True)
    assert typed.html == exact.html and (typed.nodes, typed.edges) == (6, 5)
    assert rs.draw_neighbourhood(ring_book, "Phone", RING_PHONE, depth=2).nodes > typed.nodes
    with pytest.raises(ValueError, match="unknown node label 'telephone'"):
        rs.draw_neighbourhood(ring_book, "telephone", RING_PHONE)
    with pytest.raises(NotFoundError):
        rs.draw_neighbourhood(ring_book, "phone", "13000000000")


def test_evaluation_of_the_current_results(ring_book: GraphStore) -> None:
    scores = rs.evaluate(ring_book, TRUTH, baselines=("a",)).set_index("method")
    assert scores.loc["ringscope", ["claim_precision", "claim_recall", "ring_recall",
                                    "alerted_rings", "legit_only_alerts"]].tolist() == [1, 1, 1, 1, 0]
    assert scores.loc["baseline_a_shared_ids", "alerted_rings"] == 1
    assert rs.legitimate_alerts(ring_book, TRUTH).empty
    honest = TRUTH.assign(ring_id=None)
    alerts = rs.legitimate_alerts(ring_book, honest)
    assert alerts[["ring_id", "claims", "leading_evidence"]].values.tolist() == [
        ["R-1", 3, "shared_payout_account"]]  # R-2 scores 0.3: not alerted
    with pytest.raises(ValueError, match="unknown baseline"):
        rs.evaluate(ring_book, TRUTH, baselines=("c",))


def test_parameters_are_the_dataclass_fields_each_explained() -> None:
    table = rs.parameters()
    assert table["name"].tolist() == [f.name for f in dataclasses.fields(DetectionParams)]
    assert (table["meaning"] != "").all(), table[table["meaning"] == ""]["name"].tolist()
    assert table.set_index("name").loc["alert_threshold", "bounds"] == "(0.0, 1.0)"
    assert rs.detection_params(resolution=1.0) == DetectionParams(resolution=1.0)
    with pytest.raises(ValueError, match=r"alert_threshold must be less than 1\.0"):
        rs.detection_params(alert_threshold=1.0)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated hard book of 2 000 customers, ingested into SQLite (no detection yet)."""
    work = tmp_path_factory.mktemp("analysis-book")
    rs.synthetic_book(work / "book", customers=2_000, seed=4, ring_rate=8.0)
    with rs.open_store(f"sqlite:///{work / 'graph.db'}", create=True) as store:
        rs.load_book(store, work / "book")
    return work / "graph.db", work / "book" / "truth.csv"


def test_sweep_moves_one_parameter_at_a_time(book: tuple[Path, Path]) -> None:
    db, truth = book
    with SQLiteStore(db) as store:
        curve = rs.sweep(store, truth, {"resolution": [0.6, 1.5], "alert_threshold": [0.5, 0.8]})
        assert curve[["parameter", "value", "is_default"]].values.tolist() == [
            ["resolution", 0.6, True], ["resolution", 1.5, False],
            ["alert_threshold", 0.5, True], ["alert_threshold", 0.8, False]]
        defaults = rs.evaluate(store, truth, DetectionParams(), baselines=()).iloc[0]
        for _, row in curve[curve["is_default"]].iterrows():  # the same run twice: same figures
            assert row[rs.METRICS[:-1]].tolist() == defaults[rs.METRICS[:-1]].tolist()
        assert curve[rs.METRICS[:6]].stack().between(0, 1).all()
        assert store.current_run() is None  # a sweep stores nothing
        with pytest.raises(ValueError, match="unknown detection parameter"):
            rs.sweep(store, truth, {"resolution": [1.0], "no_such_knob": [1]})
        baselines = rs.evaluate(store, truth, baselines=("a",))
    figure = rs.plot_sweep(curve, baselines)
    assert [ax.get_xlabel() for ax in figure.axes] == [
        "resolution (modularity γ, dimensionless)", "alert_threshold (ring score, 0–1)"]
    first = figure.axes[0]
    assert first.get_ylabel() == "share (0–1)"
    labels = [line.get_label() for line in first.lines]
    assert labels[:2] == ["claim precision", "(a) shared identifiers: claim precision"]
    assert list(first.lines[0].get_xdata()) == [0.6, 1.5]


def test_detect_stores_a_run_with_the_overrides(book: tuple[Path, Path], tmp_path: Path) -> None:
    db, truth = book
    copy = tmp_path / "graph.db"
    copy.write_bytes(db.read_bytes())
    with SQLiteStore(copy) as store:
        result = rs.detect(store, resolution=1.2, min_edge_weight=0.2)
        params = rs.runs(store).loc[0, "params"]
        assert (params["resolution"], params["min_edge_weight"]) == (1.2, 0.2)
        assert len(rs.rings(store)) == result.run.summary["rings"]
        current = rs.evaluate(store, truth, baselines=()).iloc[0]
        again = rs.evaluate(store, truth, resolution=1.2, min_edge_weight=0.2, baselines=()).iloc[0]
        assert current[rs.METRICS[:-1]].tolist() == again[rs.METRICS[:-1]].tolist()


def test_cypher_needs_a_cypher_server(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "g.db") as store, pytest.raises(ConfigError):
        rs.cypher_frame(store, "RETURN 1 AS one")


def test_cypher_reads(ring_book: GraphStore) -> None:
    if ring_book.name == "sqlite":
        pytest.skip("Cypher runs on a Cypher server")
    claims = rs.cypher_frame(
        ring_book, "MATCH (c:Claim)-[:CONTACT_PHONE]->(:Phone {key: $phone}) "
                   "RETURN c.key AS claim ORDER BY claim", phone=RING_PHONE)
    assert claims["claim"].tolist() == ["C1", "C2", "C3"]
    ring = rs.cypher_frame(ring_book, "MATCH (c:Claim)-[:IN_RING]->(g:Ring {key: 'R-1'}) "
                                      "RETURN g.score AS score, count(c) AS claims")
    assert ring.values.tolist() == [[0.91, 3]]
    assert rs.cypher_frame(ring_book, "MATCH (c:Claim {key: 'none'}) RETURN c.key AS k").empty


@pytest.mark.no_bolt("FalkorDB's Bolt endpoint ignores the read access mode")
def test_cypher_refuses_writes(ring_book: GraphStore) -> None:
    if ring_book.name == "sqlite":
        pytest.skip("Cypher runs on a Cypher server")
    with pytest.raises(StoreError):
        rs.cypher_frame(ring_book, "MATCH (c:Claim {key: 'C1'}) SET c.risk_score = 0.0 RETURN c.key")
    assert ring_book.claim_risks(["C1"])["C1"].risk == 0.95


def test_case_report_masks_unless_asked(ring_book: GraphStore, tmp_path: Path) -> None:
    ring_book.change_case("R-1", "investigating", "analyst", note="called 13907971234 =HYPERLINK")
    assert rs.case_history(ring_book, "R-1")[["actor", "from_status", "to_status"]] \
        .values.tolist() == [["analyst", "new", "investigating"]]
    masked = rs.case_report(ring_book, "R-1", tmp_path / "masked")
    shown = rs.case_report(ring_book, "R-1", tmp_path / "shown", show_pii=True)
    assert sorted(p.name for p in (tmp_path / "masked").iterdir()) == sorted(rs.CASE_FILES)
    case = json.loads(masked["case.json"].read_text(encoding="utf-8"))
    assert (case["ring_id"], case["status"], len(case["members"]), len(case["timeline"])) == (
        "R-1", "investigating", 3, 9)
    assert case["history"][0]["note"] == "called 139****1234 =HYPERLINK"
    for name in ("case.json", "evidence.csv", "timeline.csv", "network.html"):
        text = masked[name].read_text(encoding="utf-8")
        assert "13907971234" not in text and "6222020200112233446" not in text, name
    assert "6222020200112233446" in shown["evidence.csv"].read_text(encoding="utf-8")
    timeline = pd.read_csv(shown["timeline.csv"], dtype=str, keep_default_na=False)
    assert timeline.loc[1, "value"] == "'+8613907971234"  # neutralised: a spreadsheet formula start
    assert timeline["date"].tolist()[:2] == ["2024-01-15", "2024-02-10"]
    assert masked["timeline.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [masked[name].read_bytes()[:3] for name in ("members.csv", "evidence.csv", "timeline.csv")] == [
        b"\xef\xbb\xbf"] * 3  # a byte-order mark: Excel on a Chinese Windows reads UTF-8, not GBK
    assert masked["members.csv"].read_text(encoding="utf-8-sig").startswith("claim_id,")


def test_values_around_stay_in_range() -> None:
    assert rs.values_around("min_edge_weight", (0.5, 1, 2, 10)) == [0.075, 0.15, 0.3]
    assert rs.values_around("hub_customers", (0.5, 1.0)) == [50, 100]
    assert rs.values_around("resolution", (1.0,), DetectionParams(resolution=2.0)) == [2.0]
    with pytest.raises(ValueError, match="not numeric"):
        rs.values_around("method")
    with pytest.raises(ValueError, match="unknown detection parameter"):
        rs.values_around("no_such_knob")


def test_parameters_read_from_frames_are_stored_as_plain_values(tmp_path: Path) -> None:
    """A value taken from a DataFrame is a numpy scalar; the run record is JSON."""
    rs.synthetic_book(tmp_path / "book", customers=500, seed=2)
    with rs.open_store(f"sqlite:///{tmp_path / 'graph.db'}", create=True) as store:
        rs.load_book(store, tmp_path / "book")
        frame = pd.DataFrame({"value": [0.9], "claims": [3]})
        rs.detect(store, resolution=frame["value"].iloc[0], min_ring_claims=frame["claims"].iloc[0])
        params = rs.runs(store).loc[0, "params"]
    assert (params["resolution"], params["min_ring_claims"]) == (0.9, 3)
    assert type(params["resolution"]) is float and type(params["min_ring_claims"]) is int


def test_open_store_refuses_a_store_that_is_not_there_unless_one_is_to_be_created(tmp_path: Path) -> None:
    """A mistyped path is refused as the command line refuses it (``ringscope stats``), and no
    file is left behind; ``create=True`` starts a store, which then opens for reading."""
    typo = tmp_path / "typo.db"
    with pytest.raises(ConfigError, match=rf"^no store at {typo}: load a book into it first"):
        rs.open_store(f"sqlite:///{typo}")
    assert not typo.exists()
    with pytest.raises(ConfigError, match="is a folder, not a SQLite file"):
        rs.open_store(f"sqlite:///{tmp_path}")
    with rs.open_store(f"sqlite:///{tmp_path / 'graph.db'}", create=True) as store:
        load_ring_book(store)
    with rs.open_store(f"sqlite:///{tmp_path / 'graph.db'}") as store:
        assert len(rs.rings(store)) == 2
