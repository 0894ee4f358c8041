"""The store contract: every backend must pass these."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pyarrow as pa
import pytest

from graph.cases import Case
from graph.errors import AccessError, ConflictError, NotFoundError, StoreError
from graph.model import ClearBatch, EdgeBatch, GraphBundle, Label, NodeBatch, NodeRef, Rel
from graph.results import (
    CaseEvent,
    CaseStatus,
    ClaimRisk,
    DetectionResult,
    Evidence,
    IdentifierProfile,
    Ring,
    RingIdentifier,
    RunRecord,
)
from graph.sessions import Session
from graph.store import GraphStore
from tests.bundles import tiny_bundle
from tests.conftest import StoreFactory


def test_empty_store_counts_zero(store: GraphStore) -> None:
    counts = store.counts()
    assert set(counts.nodes) == {lbl.value for lbl in Label}
    assert sum(counts.nodes.values()) == 0 and sum(counts.relationships.values()) == 0


def test_load_counts_and_reload_is_idempotent(store: GraphStore) -> None:
    store.load(tiny_bundle())
    first = store.counts().as_dict()
    assert first["nodes"]["Claim"] == 2 and first["nodes"]["Phone"] == 1
    assert first["relationships"]["CONTACT_PHONE"] == 2
    fingerprint = store.data_fingerprint()
    store.load(tiny_bundle())
    assert store.counts().as_dict() == first
    assert store.data_fingerprint() == fingerprint


def test_newer_load_adds_and_updates(store: GraphStore) -> None:
    store.load(tiny_bundle())
    newer = GraphBundle(
        nodes=[
            NodeBatch(
                Label.CLAIM,
                pd.DataFrame({"key": ["C1", "C3"], "refund_type": ["cash_value", "cash_value"]}),
            )
        ],
        fingerprint="tiny-2",
    )
    before = store.data_fingerprint()
    store.load(newer)
    assert store.counts().nodes["Claim"] == 3
    c1 = store.get_node(Label.CLAIM, "C1")
    assert c1 is not None
    assert c1.props["refund_type"] == "cash_value"
    assert c1.props["request_date"] == "2025-03-01"  # untouched properties survive
    assert store.data_fingerprint() != before


def test_failed_load_leaves_previous_state(store: GraphStore) -> None:
    store.load(tiny_bundle())
    before = store.counts().as_dict()
    bad = GraphBundle(
        nodes=[NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C9"], "x": [1]}))],
        edges=[
            EdgeBatch(
                Label.CLAIM,
                Rel.CONTACT_PHONE,
                Label.PHONE,
                pd.DataFrame({"src": ["C9"], "dst": ["+86138"], "bad": [object()]}),
            )
        ],
        fingerprint="broken",
    )
    with pytest.raises(StoreError):
        store.load(bad)
    assert store.counts().as_dict() == before
    assert store.get_node(Label.CLAIM, "C9") is None


def test_property_types_round_trip(store: GraphStore) -> None:
    frame = pd.DataFrame({
        "key": ["+8613800138000", "+867978123456", "+861"],
        "valid": pd.array([True, False, None], dtype="boolean"),
        "kind": ["mobile", "landline", None],
        "score": [0.5, 2.0, float("nan")],
        "seen": [3, 4, 5],
    })
    flags = pd.DataFrame({"key": ["6222020200112233445"], "luhn_valid": pd.Series([False], dtype=object)})
    store.load(GraphBundle(nodes=[NodeBatch(Label.PHONE, frame), NodeBatch(Label.BANK_ACCOUNT, flags)]))
    mobile, landline, odd = (store.get_node(Label.PHONE, k) for k in frame["key"])
    assert mobile is not None and mobile.props == {"valid": True, "kind": "mobile", "score": 0.5, "seen": 3}
    assert landline is not None and landline.props["valid"] is False
    assert odd is not None and odd.props == {"seen": 5}
    account = store.get_node(Label.BANK_ACCOUNT, "6222020200112233445")
    assert account is not None and account.props == {"luhn_valid": False}


def test_get_node_and_missing(store: GraphStore) -> None:
    store.load(tiny_bundle())
    policy = store.get_node("Policy", "P1")
    assert policy is not None and policy.props == {"annual_premium": 1200.5}
    p2 = store.get_node("Policy", "P2")
    assert p2 is not None and "annual_premium" not in p2.props  # missing values are not stored
    assert store.get_node(Label.POLICY, "nope") is None
    with pytest.raises(ValueError, match="unknown node label"):
        store.get_node("Bogus", "x")


def test_neighbourhood_depths(store: GraphStore) -> None:
    store.load(tiny_bundle())
    one = store.neighbourhood(Label.PHONE, "+8613800138000", depth=1)
    assert {n.ref for n in one.nodes} == {
        NodeRef(Label.PHONE, "+8613800138000"),
        NodeRef(Label.CLAIM, "C1"),
        NodeRef(Label.CLAIM, "C2"),
    }
    assert len(one.edges) == 2 and not one.truncated
    two = store.neighbourhood(Label.PHONE, "+8613800138000", depth=2)
    assert {n.key for n in two.nodes} >= {"U1", "U2", "P1", "P2"}
    capped = store.neighbourhood(Label.PHONE, "+8613800138000", depth=2, limit=2)
    assert len(capped.nodes) == 2 and capped.truncated
    with pytest.raises(NotFoundError):
        store.neighbourhood(Label.PHONE, "+860", depth=1)
    with pytest.raises(ValueError):
        store.neighbourhood(Label.PHONE, "+8613800138000", depth=0)


def test_frames_and_networkx(store: GraphStore) -> None:
    store.load(tiny_bundle())
    claims = store.nodes_frame(Label.CLAIM)
    assert list(claims["key"]) == ["C1", "C2"]
    assert list(claims["refund_type"]) == ["full_premium", "full_premium"]
    contact = store.edges_frame(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE)
    assert sorted(contact["raw"]) == ["+86-138-0013-8000", "138 0013 8000"]
    g = store.to_networkx()
    assert g.number_of_nodes() == 8 and g.number_of_edges() == 10
    assert g.nodes["Claim:C1"]["label"] == "Claim"


def _result(run_id: str, ring_ids: list[str]) -> DetectionResult:
    run = RunRecord(
        run_id, {"seed": 1}, "fp", f"2026-01-01T00:00:0{len(run_id)}", status="succeeded"
    )
    rings = [
        Ring(
            rid,
            0.9,
            "high",
            ("C1", "C2"),
            ("U1", "U2"),
            ("A1",),
            (RingIdentifier("phone", "+8613800138000"),),
            (
                Evidence(
                    "shared_contact_phone",
                    "两笔退保使用同一联系电话",
                    "2 claims share a phone",
                    {"claims": 2},
                ),
            ),
            "2025-03-01",
            "2025-03-04",
        )
        for rid in ring_ids
    ]
    risks = [ClaimRisk("C1", 0.9, ring_ids[0] if ring_ids else None), ClaimRisk("C2", 0.2)]
    profiles = [
        IdentifierProfile("Phone", "+8613800138000", 2, 2, 0.8, ring_ids[0] if ring_ids else None,
                          ring_last_request="2025-03-02" if ring_ids else None)
    ]
    return DetectionResult(run, rings, risks, profiles)


def test_results_replace_atomically_and_keep_run_summaries(store: GraphStore) -> None:
    store.load(tiny_bundle())
    assert store.current_run() is None and store.rings() == []
    store.save_results(_result("r1", ["R-1"]))
    assert [r.ring_id for r in store.rings()] == ["R-1"]
    ring = store.get_ring("R-1")
    assert ring.evidence[0].data == {"claims": 2} and ring.identifiers[0].type == "phone"
    assert store.claim_risks(["C1", "C2", "C9"])["C1"].ring_id == "R-1"
    profiles = store.identifier_profiles([NodeRef(Label.PHONE, "+8613800138000")])
    assert profiles[NodeRef(Label.PHONE, "+8613800138000")] == _result("r1", ["R-1"]).identifier_profiles[0]
    assert store.identifier_profiles(None) == profiles  # every profile, as real-time scoring reads them
    store.save_results(_result("r22", ["R-2"]))
    assert [r.ring_id for r in store.rings()] == ["R-2"]
    assert [r.run_id for r in store.runs()] == ["r22", "r1"]
    with pytest.raises(NotFoundError):
        store.get_ring("R-1")


def test_case_workflow_and_audit(store: GraphStore) -> None:
    store.save_results(_result("r1", ["R-1"]))
    assert store.case_status("R-1") is CaseStatus.NEW
    store.change_case("R-1", "investigating", "alice", "opened")
    with pytest.raises(ConflictError, match="cannot go from investigating to new"):
        store.change_case("R-1", "new", "alice")
    with pytest.raises(ConflictError, match="is investigating, not new"):
        store.change_case("R-1", "dismissed", "carol", expected="new")
    for decided in ("confirmed", "dismissed"):  # the audit log is the only record of why
        with pytest.raises(ValueError, match=f"deciding a case {decided} needs a note saying why"):
            store.change_case("R-1", decided, "bob", "", expected="investigating")
    assert len(store.case_audit("R-1")) == 1
    store.change_case("R-1", CaseStatus.CONFIRMED, "bob", "refund blocked", expected="investigating")
    audit = store.case_audit("R-1")
    assert [(c.actor, c.from_status, c.to_status) for c in audit] == [
        ("alice", CaseStatus.NEW, CaseStatus.INVESTIGATING),
        ("bob", CaseStatus.INVESTIGATING, CaseStatus.CONFIRMED),
    ]
    with pytest.raises(NotFoundError):
        store.change_case("R-404", "investigating", "alice")


def test_only_an_admin_reopens_a_confirmed_case_with_a_note_and_the_log_keeps_both(
        store: GraphStore) -> None:
    store.save_results(_result("r1", ["R-1"]))
    store.change_case("R-1", "investigating", "张伟", "调取录像")
    store.change_case("R-1", "confirmed", "李娜", "已报案")
    with pytest.raises(AccessError, match="only an admin may reopen a confirmed case"):
        store.change_case("R-1", "investigating", "李娜", "误确认")
    with pytest.raises(ValueError, match="reopening a confirmed case needs a note"):
        store.change_case("R-1", "investigating", "老王", "", reopen=True)
    with pytest.raises(ConflictError, match=r"cannot go from confirmed to dismissed \(allowed: investigating\)"):
        store.change_case("R-1", "dismissed", "老王", "误确认", reopen=True)
    with pytest.raises(ConflictError, match=r"cannot go from confirmed to new \(allowed: none\)"):
        store.change_case("R-1", "new", "李娜", "误确认")
    assert len(store.case_audit("R-1")) == 2  # the refusals wrote nothing
    store.change_case("R-1", "investigating", "老王", "法院判决无罪，撤回确认", reopen=True)
    assert store.case_status("R-1") is CaseStatus.INVESTIGATING
    assert [(c.actor, c.from_status.value, c.to_status.value, c.note) for c in store.case_audit("R-1")] == [
        ("张伟", "new", "investigating", "调取录像"),
        ("李娜", "investigating", "confirmed", "已报案"),
        ("老王", "confirmed", "investigating", "法院判决无罪，撤回确认"),
    ]
    # reopened, it follows the workflow again (dismissed, say)
    store.change_case("R-1", "dismissed", "李娜", "家庭共用电话")
    assert store.case("R-1").status is CaseStatus.DISMISSED


def test_assignment_and_notes_are_decisions_and_the_case_folds_the_log(store: GraphStore) -> None:
    store.save_results(_result("r1", ["R-1"]))
    assert store.case("R-1") == Case("R-1")  # new, nobody, no note
    store.change_case("R-1", "investigating", "张伟", "调取柜面录像", assignee="张伟")
    store.change_case("R-1", None, "李雪", "", assignee="李雪")  # reassigned, status kept
    with pytest.raises(ValueError, match="nothing to change"):
        store.change_case("R-1", None, "李雪", "", assignee="李雪")
    store.change_case("R-1", None, "李雪", "户名与投保人无关")  # a note alone
    case = store.case("R-1")
    assert (case.status, case.assignee, case.last_note, case.last_note_by) == (
        CaseStatus.INVESTIGATING, "李雪", "户名与投保人无关", "李雪")
    store.change_case("R-1", "dismissed", "李雪", "养老院代办", assignee=None)
    audit = store.case_audit("R-1")
    assert [(c.actor, c.to_status.value, c.assignee, c.event) for c in audit] == [
        ("张伟", "investigating", "张伟", CaseEvent.DECISION),
        ("李雪", "investigating", "李雪", CaseEvent.DECISION),
        ("李雪", "investigating", "李雪", CaseEvent.DECISION),
        ("李雪", "dismissed", None, CaseEvent.DECISION),
    ]
    assert store.cases(["R-1"])["R-1"].assignee is None and store.case_log_length() == 4


def _grown(run_id: str, ring_id: str, claims: tuple[str, ...]) -> DetectionResult:
    result = _result(run_id, [ring_id])
    result.rings[0] = replace(result.rings[0], claim_ids=claims)
    return result


def test_a_run_adding_claims_to_a_decided_ring_re_alerts_it(store: GraphStore) -> None:
    store.save_results(_result("r1", ["R-1"]))
    store.save_results(_grown("r2", "R-1", ("C1", "C2", "C3")))  # still new: nothing to say
    assert store.case_audit("R-1") == []
    store.change_case("R-1", "investigating", "张伟", "核查", assignee="张伟")
    store.change_case("R-1", "confirmed", "张伟", "已报案")
    store.save_results(_grown("r3", "R-1", ("C1", "C2", "C3")))  # same claims: nothing new
    assert store.case("R-1").realert is None
    store.save_results(_grown("r4", "R-1", ("C1", "C2", "C3", "C7", "C8")))
    store.save_results(_grown("r5", "R-1", ("C1", "C2", "C3", "C7", "C8", "C9")))
    case = store.case("R-1")
    assert case.status is CaseStatus.CONFIRMED and case.assignee == "张伟"
    assert case.realert is not None and case.realert.runs == ("r4", "r5")
    assert case.realert.new_claims == ("C7", "C8", "C9") and case.last_note == "已报案"
    entry = store.case_audit("R-1")[-1]
    assert (entry.actor, entry.event, entry.new_claims) == ("r5", CaseEvent.REALERT, ("C9",))
    assert entry.from_status is entry.to_status is CaseStatus.CONFIRMED and "C9" in entry.note
    store.change_case("R-1", None, "张伟", "新增成员已核实")  # a person acts: the re-alert is done
    assert store.case("R-1").realert is None and store.case_status("R-1") is CaseStatus.CONFIRMED
    store.save_results(_grown("r6", "R-1", ("C1", "C3", "C7", "C8", "C9")))  # C2 moved elsewhere
    entry = store.case_audit("R-1")[-1]
    assert (entry.actor, entry.event, entry.new_claims) == ("r6", CaseEvent.REALERT, ())
    assert entry.note.endswith("A later run took 1 claim out of this ring: C2 (in no ring)")
    assert store.case("R-1").realert is not None


def test_reopened_store_sees_committed_data(store_factory: StoreFactory) -> None:
    first = store_factory()
    first.load(tiny_bundle())
    second = store_factory()
    assert second.counts().nodes["Customer"] == 2


def _at_once(count: int, act: Callable[[int], object]) -> list[str]:
    """``act(i)`` for every ``i < count`` at the same moment (one thread each, as separate
    processes would): per ``i``, ``"won"``, ``"lost: …"`` with the conflict's message, or the
    other error, which is the failure to report."""
    barrier = threading.Barrier(count)
    outcome: list[str] = [""] * count

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            act(i)
            outcome[i] = "won"
        except ConflictError as exc:
            outcome[i] = f"lost: {exc}"
        except Exception as exc:
            outcome[i] = f"{type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcome


def _contend(stores: list[GraphStore], targets: list[CaseStatus]) -> list[str]:
    """Each store changes R-1's case to its target at the same moment; who won, who lost."""
    outcome = _at_once(len(stores), lambda i: stores[i].change_case("R-1", targets[i], f"actor-{i}", f"decided by {i}"))
    return ["lost" if o.startswith("lost: ") else o for o in outcome]


def test_simultaneous_case_changes_exactly_one_wins(store_factory: StoreFactory) -> None:
    """Several writers (one store object each, as separate processes would have) change one case
    at the same moment, round after round: exactly one wins each round, and the audit log is a
    chain where every change starts from the status the one before it ended in."""
    stores = [store_factory() for _ in range(6)]
    stores[0].save_results(_result("r1", ["R-1"]))
    status = CaseStatus.NEW
    for _ in range(15):
        target = CaseStatus.DISMISSED if status is CaseStatus.INVESTIGATING else CaseStatus.INVESTIGATING
        outcome = _contend(stores, [target] * len(stores))
        assert sorted(outcome) == ["lost"] * 5 + ["won"], outcome
        status = target
    assert status is CaseStatus.INVESTIGATING
    final = _contend(stores, [CaseStatus.CONFIRMED] * 3 + [CaseStatus.DISMISSED] * 3)
    assert sorted(final) == ["lost"] * 5 + ["won"], final  # two decisions: only one is taken
    audit = stores[0].case_audit("R-1")
    assert len(audit) == 16 and audit[0].from_status is CaseStatus.NEW
    assert all(a.to_status is b.from_status for a, b in itertools.pairwise(audit))
    winner = final.index("won")
    assert audit[-1].actor == f"actor-{winner}"
    assert stores[0].case_status("R-1") is (CaseStatus.CONFIRMED if winner < 3 else CaseStatus.DISMISSED)


def test_one_run_at_a_time_even_when_started_at_the_same_instant(store_factory: StoreFactory) -> None:
    """Six writers (one store object each, as separate processes would have) start a run at the
    same moment, round after round: exactly one starts, the others are told which run is in
    progress and write nothing; once it ends, the next round can start one."""
    stores = [store_factory() for _ in range(6)]
    for round_ in range(5):
        def start(i: int, round_: int = round_) -> None:
            stores[i].start_run(RunRecord(f"run-{round_}-{i}", {}, "", f"2024-07-0{round_ + 1}T00:00:0{i}+00:00"))

        outcome = _at_once(len(stores), start)
        winner = outcome.index("won")
        lost = f"lost: a detection run is already in progress (run-{round_}-{winner})"
        assert sorted(outcome) == sorted([lost] * 5 + ["won"]), outcome
        runs = stores[0].runs()
        assert [r.run_id for r in runs if r.status == "running"] == [f"run-{round_}-{winner}"]
        assert len(runs) == round_ + 1  # the losers wrote nothing
        stores[winner].fail_run(runs[0], "ended by the test")
    for store in stores:
        store.close()


def test_runs_elsewhere_are_abandoned_only_when_their_heartbeat_stops(
        store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run owned by a process on another host: alive while its heartbeat is recent."""
    monkeypatch.setattr("graph.store.HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr("graph.liveness.socket.gethostname", lambda: "worker-host")
    run = RunRecord("r-elsewhere", {}, "", "2024-07-01T00:00:00+00:00")
    store.start_run(run)
    monkeypatch.undo()  # from here on this process is on another host than the run
    first = store.runs()[0]
    assert first.owner is not None and first.owner["host"] == "worker-host"
    deadline = time.monotonic() + 10
    while store.runs()[0].heartbeat_at == first.heartbeat_at:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.1)
    assert store.fail_abandoned_runs() == [] and store.runs()[0].status == "running"
    marked = store.fail_abandoned_runs(stale_after=timedelta(0))
    assert [r.run_id for r in marked] == ["r-elsewhere"]
    failed = store.runs()[0]
    assert failed.status == "failed" and failed.summary["error"].startswith(
        f"abandoned: no sign of life from pid {first.owner['pid']} on worker-host since ")
    time.sleep(0.5)  # the heartbeat, still beating, no longer touches a finished run
    assert store.runs()[0].status == "failed"
    store.close()  # stops the heartbeat


def test_sessions_are_shared_by_every_store_object_and_end(store_factory: StoreFactory) -> None:
    """Two store objects (two server processes) see one session; ended ones are gone."""
    first, second = store_factory(), store_factory()
    session = Session.start("investigator:1a2b3c4d", lifetime=timedelta(hours=8))
    first.save_session(session)
    found = second.get_session(session.key)
    assert found == session and found is not None and found.token == ""  # the token is not kept
    assert second.get_session("0" * 64) is None
    old = Session("f" * 64, "admin:00000000", "x", "2024-01-01T00:00:00+00:00")
    first.save_session(old)
    assert second.get_session(old.key) is None  # ended
    second.save_session(Session.start("admin:00000000", lifetime=timedelta(minutes=5)))
    assert first._get_session(old.key) is None  # dropped, not only hidden
    second.delete_session(session.key)
    assert first.get_session(session.key) is None


def test_get_nodes_and_relationships_without_the_nodes_around(store: GraphStore) -> None:
    store.load(tiny_bundle())
    u1, p1, nope = NodeRef(Label.CUSTOMER, "U1"), NodeRef(Label.POLICY, "P1"), NodeRef(Label.POLICY, "nope")
    assert [n.ref for n in store.get_nodes([p1, nope, u1, p1])] == [p1, u1]
    assert store.get_nodes([]) == []
    phone = NodeRef(Label.PHONE, "+8613800138000")
    edges = store.relationships([phone])
    assert sorted((e.src.key, e.rel, e.dst.key, dict(e.props)) for e in edges) == [
        ("C1", Rel.CONTACT_PHONE, "+8613800138000", {"raw": "138 0013 8000"}),
        ("C2", Rel.CONTACT_PHONE, "+8613800138000", {"raw": "+86-138-0013-8000"}),
    ]
    both_ways = store.relationships([p1, nope])
    assert sorted((e.src.key, e.rel, e.dst.key) for e in both_ways) == [
        ("A1", Rel.SOLD, "P1"), ("C1", Rel.SURRENDERS, "P1"), ("U1", Rel.HOLDS, "P1")]
    assert len(store.relationships([phone], limit=1)) == 1
    with pytest.raises(ValueError, match="limit"):
        store.relationships([phone], limit=0)


def test_customers_on_an_identifier_with_their_names(store: GraphStore) -> None:
    address, phone = "江西省赣州市章贡区文明大道1号", "+8613900139000"
    store.load(GraphBundle(
        nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": ["U3", "U1", "U2"], "name": ["王五", "张三", None]})),
               NodeBatch(Label.ADDRESS, pd.DataFrame({"key": [address, "elsewhere"]})),
               NodeBatch(Label.PHONE, pd.DataFrame({"key": [phone]})),
               NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C1"]}))],
        edges=[EdgeBatch(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS,
                         pd.DataFrame({"src": ["U3", "U1", "U2"], "dst": [address] * 3})),
               EdgeBatch(Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS,
                         pd.DataFrame({"src": ["U1"], "dst": ["elsewhere"], "date": ["2025-01-02"]})),
               EdgeBatch(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, pd.DataFrame({"src": ["U1"], "dst": [phone]})),
               EdgeBatch(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, pd.DataFrame({"src": ["C1"], "dst": [phone]}))],
    ))
    assert store.customers_on(Label.ADDRESS, address, Rel.LIVES_AT) == [("U1", "张三"), ("U2", None), ("U3", "王五")]
    assert store.customers_on("Address", address, "LIVES_AT", limit=2) == [("U1", "张三"), ("U2", None)]
    assert store.customers_on(Label.PHONE, phone, Rel.HAS_PHONE) == [("U1", "张三")]  # the claim is no customer
    assert store.customers_on(Label.ADDRESS, "elsewhere", Rel.LIVES_AT) == []
    assert store.customers_on(Label.ADDRESS, "elsewhere", Rel.CHANGED_TO) == [("U1", "张三")]
    assert store.customers_on(Label.ADDRESS, "nowhere", Rel.LIVES_AT) == []
    with pytest.raises(ValueError, match="not in the graph model"):
        store.customers_on(Label.PHONE, phone, Rel.LIVES_AT)
    with pytest.raises(ValueError, match="limit"):
        store.customers_on(Label.ADDRESS, address, Rel.LIVES_AT, limit=0)


def _reach_bundle() -> GraphBundle:
    """Eight customers; a claim, a representative, a letter and contact changes reaching some
    of their registered phones, accounts and addresses."""
    def edges(src: Label, rel: Rel, dst: Label, pairs: str) -> EdgeBatch:
        rows = [pair.split(">") for pair in pairs.split()]
        return EdgeBatch(src, rel, dst, pd.DataFrame({"src": [a for a, _ in rows], "dst": [b for _, b in rows]}))

    customers = [f"U{i}" for i in range(1, 9)]
    return GraphBundle(
        nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": customers,
                                                       "name": ["张一", "李二", "王三", None, "赵五", "钱六", "孙七", "周八"]})),
               NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C1", "C2"]})),
               NodeBatch(Label.PERSON, pd.DataFrame({"key": ["R1"]})),
               NodeBatch(Label.COMPLAINT, pd.DataFrame({"key": ["K1"]}))],
        edges=[edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, "C1>p-contact"),
               edges(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, "C1>R1"),
               edges(Label.PERSON, Rel.HAS_PHONE, Label.PHONE, "R1>p-rep"),
               edges(Label.COMPLAINT, Rel.CONTACT_PHONE, Label.PHONE, "K1>p-letter"),
               edges(Label.COMPLAINT, Rel.MAILED_FROM, Label.ADDRESS, "K1>d-mail"),
               edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, "C2>a-paid"),
               edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, "U5>p-changed"),
               edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.BANK_ACCOUNT, "U1>a-changed"),
               edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS, "U7>d-changed"),
               edges(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE,
                     "U1>p-contact U2>p-contact U3>p-rep U4>p-letter U6>p-changed U7>p-alone "
                     "U1>p-hub U3>p-hub U5>p-hub U7>p-hub"),
               edges(Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT, "U2>a-paid U8>a-changed U3>a-other"),
               edges(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS,
                     "U5>d-mail U6>d-mail U8>d-changed U1>d-home U2>d-home U3>d-home "
                     "U1>d-big U2>d-big U4>d-big U5>d-big")],
    )


def _rows(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    assert list(frame.columns) == ["customer_id", "name", "label", "key"]
    return sorted(frame.itertuples(index=False, name=None), key=lambda row: (row[2], row[3], row[0]))


def test_customers_registered_at_identifiers_claims_reach(store: GraphStore) -> None:
    assert _rows(store.claim_identifier_holders()) == []
    store.load(_reach_bundle())
    assert _rows(store.claim_identifier_holders()) == [
        ("U8", "周八", "Address", "d-changed"),  # an address someone changed to
        ("U5", "赵五", "Address", "d-mail"), ("U6", "钱六", "Address", "d-mail"),  # a letter's mailing address
        ("U8", "周八", "BankAccount", "a-changed"), ("U2", "李二", "BankAccount", "a-paid"),
        ("U6", "钱六", "Phone", "p-changed"),
        ("U1", "张一", "Phone", "p-contact"), ("U2", "李二", "Phone", "p-contact"),
        ("U4", None, "Phone", "p-letter"), ("U3", "王三", "Phone", "p-rep"),  # the representative's phone
    ]


def test_registrations_that_can_tie_a_household(store: GraphStore) -> None:
    store.load(_reach_bundle())
    # addresses of 2 to household_max customers (d-big has 4), phones of 2 customers or more
    assert _rows(store.family_registrations(3)) == [
        ("U1", "张一", "Address", "d-home"), ("U2", "李二", "Address", "d-home"), ("U3", "王三", "Address", "d-home"),
        ("U5", "赵五", "Address", "d-mail"), ("U6", "钱六", "Address", "d-mail"),
        ("U1", "张一", "Phone", "p-contact"), ("U2", "李二", "Phone", "p-contact"),
        ("U1", "张一", "Phone", "p-hub"), ("U3", "王三", "Phone", "p-hub"), ("U5", "赵五", "Phone", "p-hub"),
        ("U7", "孙七", "Phone", "p-hub"),
    ]
    assert {row[3] for row in _rows(store.family_registrations(4))} == {"d-big", "d-home", "d-mail", "p-contact", "p-hub"}
    assert {row[3] for row in _rows(store.family_registrations(1))} == {"p-contact", "p-hub"}
    for wrong in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="household_max"):
            store.family_registrations(wrong)  # type: ignore[arg-type]


def test_household_registrations_follow_every_change_of_registrations_and_names(store: GraphStore) -> None:
    store.load(_reach_bundle())
    before = _rows(store.family_registrations(3))
    store.load(GraphBundle(nodes=[NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C3"]}))],
                           edges=[_edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["C3"], ["p-hub"])]))
    assert _rows(store.family_registrations(3)) == before  # a day's requests change no household
    store.load(GraphBundle(nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": ["U6"], "name": ["钱陆"]}))],
                           edges=[_edges(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS, ["U3"], ["d-new"])]))
    moved = _rows(store.family_registrations(3))  # U3 moved out of d-home; U6 renamed
    assert ("U3", "王三", "Address", "d-home") not in moved and ("U6", "钱陆", "Address", "d-mail") in moved
    assert [row for row in moved if row[3] == "d-home"] == [("U1", "张一", "Address", "d-home"),
                                                           ("U2", "李二", "Address", "d-home")]
    store.load(GraphBundle(clears=[ClearBatch(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, ("U2",))]))
    assert [row[0] for row in _rows(store.family_registrations(3)) if row[3] == "p-contact"] == []
    assert _rows(store.family_registrations(4)) != _rows(store.family_registrations(3))  # d-big has 4


def test_relationships_looked_up_by_key_at_either_end(store: GraphStore) -> None:
    store.load(_reach_bundle())
    changed = store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS, ["U7", "U1", "U7", "nobody"])
    assert changed[["src", "dst"]].values.tolist() == [["U7", "d-changed"]]
    lives = store.edges_to("Customer", "LIVES_AT", "Address", iter(["d-home", "d-mail"]))
    assert lives[["src", "dst"]].values.tolist() == [["U1", "d-home"], ["U2", "d-home"], ["U3", "d-home"],
                                                     ["U5", "d-mail"], ["U6", "d-mail"]]
    assert store.edges_from(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, ["U1"])["dst"].tolist() == \
        ["p-contact", "p-hub"]
    assert store.edges_to(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, []).columns.tolist() == ["src", "dst"]
    assert store.edges_to(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, ["P9"]).empty
    with pytest.raises(ValueError, match="not in the graph model"):
        store.edges_to(Label.CUSTOMER, Rel.PAID_TO, Label.PHONE, ["x"])


def test_relationships_looked_up_by_key_carry_their_properties(store: GraphStore) -> None:
    store.load(tiny_bundle())
    frame = store.edges_frame(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE)
    by_key = store.edges_from(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["C2", "C1"])
    assert by_key.to_dict("records") == frame[by_key.columns].to_dict("records")
    assert by_key.to_dict("records") == [
        {"src": "C1", "dst": "+8613800138000", "raw": "138 0013 8000"},
        {"src": "C2", "dst": "+8613800138000", "raw": "+86-138-0013-8000"}]


def _edges(src: Label, rel: Rel, dst: Label, src_keys: list[str], dst_keys: list[str],
           **props: list[object]) -> EdgeBatch:
    return EdgeBatch(src, rel, dst, pd.DataFrame({"src": src_keys, "dst": dst_keys, **props}))


def _pairs(store: GraphStore, src: Label, rel: Rel, dst: Label) -> list[list[str]]:
    return sorted(store.edges_frame(src, rel, dst)[["src", "dst"]].values.tolist())


def test_a_records_newer_value_replaces_its_single_valued_relationship(store: GraphStore) -> None:
    typo = GraphBundle(edges=[
        _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1", "C2"], ["a-typo", "a-2"],
               raw=["6226 typo", "6225 two"]),
        _edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["C1"], ["p-1"]),
        _edges(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, ["U1", "U1"], ["P1", "P2"]),
        _edges(Label.INTERMEDIARY, Rel.LISTS, Label.PHONE, ["E1"], ["p-9"]),
        _edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["U1"], ["p-old"], change_id=["X1"]),
    ], fingerprint="typo")
    assert store.load(typo).replaced == 0
    fixed = GraphBundle(edges=[
        _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1"], ["a-1"], raw=["6225 one"]),
        _edges(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, ["U2"], ["P2"]),  # a holder change
        _edges(Label.INTERMEDIARY, Rel.LISTS, Label.BANK_ACCOUNT, ["E1"], ["a-9"]),
        _edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["U1"], ["p-new"], change_id=["X2"]),
    ], fingerprint="fixed")
    assert store.load(fixed).replaced == 3
    assert _pairs(store, Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT) == [["C1", "a-1"], ["C2", "a-2"]]
    assert store.edges_from(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1"])["raw"].tolist() == ["6225 one"]
    assert _pairs(store, Label.CUSTOMER, Rel.HOLDS, Label.POLICY) == [["U1", "P1"], ["U2", "P2"]]
    assert _pairs(store, Label.INTERMEDIARY, Rel.LISTS, Label.PHONE) == []
    assert _pairs(store, Label.INTERMEDIARY, Rel.LISTS, Label.BANK_ACCOUNT) == [["E1", "a-9"]]
    # A field the load gives no value (the claim's contact phone) and events stay.
    assert _pairs(store, Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE) == [["C1", "p-1"]]
    assert _pairs(store, Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE) == [["U1", "p-new"], ["U1", "p-old"]]
    assert store.edges_to(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["a-typo"]).empty
    counts = store.counts().as_dict()
    assert counts["relationships"]["PAID_TO"] == 2 and counts["relationships"]["LISTS"] == 1
    assert store.load(fixed).replaced == 0  # the same export again changes nothing
    assert store.counts().as_dict() == counts


def test_a_change_record_sent_again_replaces_its_own_changed_to_only(store: GraphStore) -> None:
    def changes(*rows: tuple[str, str, str, str]) -> list[EdgeBatch]:
        labels = {"phone": Label.PHONE, "address": Label.ADDRESS, "account": Label.BANK_ACCOUNT}
        return [_edges(Label.CUSTOMER, Rel.CHANGED_TO, label, [r[1] for r in rows if r[2] == field],
                       [r[3] for r in rows if r[2] == field],
                       change_id=[r[0] for r in rows if r[2] == field], field=[field for r in rows if r[2] == field])
                for field, label in labels.items() if any(r[2] == field for r in rows)]

    typo = GraphBundle(edges=changes(("X1", "U1", "phone", "p-ring"), ("X2", "U1", "phone", "p-old"),
                                     ("X3", "U2", "address", "d-1"), ("X4", "U9", "phone", "p-ring")),
                       fingerprint="typo")
    assert store.load(typo).replaced == 0
    fixed = GraphBundle(edges=changes(("X1", "U1", "phone", "p-right")), fingerprint="fixed")
    assert store.load(fixed).replaced == 1
    # The record's mistyped value is gone; the customer's other change (history) and another
    # customer's change to the same phone stay.
    assert _pairs(store, Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE) == [
        ["U1", "p-old"], ["U1", "p-right"], ["U9", "p-ring"]]
    assert store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["U1"]).sort_values("dst")[
        "change_id"].tolist() == ["X2", "X1"]
    # A record sent again with another customer and field moves as a whole.
    moved = GraphBundle(edges=changes(("X3", "U3", "account", "a-1")), fingerprint="moved")
    assert store.load(moved).replaced == 1
    assert _pairs(store, Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS) == []
    assert _pairs(store, Label.CUSTOMER, Rel.CHANGED_TO, Label.BANK_ACCOUNT) == [["U3", "a-1"]]
    counts = store.counts().as_dict()
    assert counts["relationships"]["CHANGED_TO"] == 4
    assert store.load(fixed).replaced == 0  # the same export again changes nothing
    assert store.load(moved).replaced == 0
    assert store.counts().as_dict() == counts


def _nodes(label: Label, keys: list[str]) -> NodeBatch:
    return NodeBatch(label, pd.DataFrame({"key": keys}))


def _keys(store: GraphStore, label: Label) -> list[str]:
    return sorted(store.nodes_frame(label)["key"].astype(str))


def test_a_clear_removes_a_records_single_valued_relationship_and_unused_identifiers(
        store: GraphStore) -> None:
    claims = NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C1", "C2"], "representative_name": ["李明", "王五"],
                                                  "channel": ["counter", "app"]}))
    typo = GraphBundle(nodes=[
        claims,
        _nodes(Label.PERSON, ["rep-ring", "rep-2"]), _nodes(Label.PHONE, ["p-rep", "p-2", "p-1", "p-shared"]),
        _nodes(Label.BANK_ACCOUNT, ["a-1", "a-2"]),
    ], edges=[
        _edges(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["C1", "C2"], ["rep-ring", "rep-2"]),
        _edges(Label.PERSON, Rel.HAS_PHONE, Label.PHONE, ["rep-ring", "rep-2"], ["p-rep", "p-2"]),
        _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1", "C2"], ["a-1", "a-2"]),
        _edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["C1", "C3"], ["p-1", "p-shared"]),
        _edges(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, ["U1", "U2"], ["p-shared", "p-shared"]),
    ], fingerprint="typo")
    assert store.load(typo).removed.cleared == 0
    cleared = GraphBundle(clears=[
        ClearBatch(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ("C1", "C9"),  # C9: none stored
                   ("representative_name",)),
        ClearBatch(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ("C1",)),
        ClearBatch(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, ("U1",)),
    ], fingerprint="cleared")
    report = store.load(cleared).removed
    assert (report.replaced, report.cleared, report.orphans) == (0, 3, 3)
    assert _pairs(store, Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON) == [["C2", "rep-2"]]
    # the request's typed representative name goes with it; its other properties stay
    c1, c2 = store.get_node(Label.CLAIM, "C1"), store.get_node(Label.CLAIM, "C2")
    assert c1 is not None and c1.props == {"channel": "counter"}
    assert c2 is not None and c2.props["representative_name"] == "王五"
    names = store.nodes_frame(Label.CLAIM).set_index("key")["representative_name"]
    assert pd.isna(names["C1"]) and names["C2"] == "王五"
    assert _pairs(store, Label.PERSON, Rel.HAS_PHONE, Label.PHONE) == [["rep-2", "p-2"]]
    assert _pairs(store, Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT) == [["C2", "a-2"]]
    assert _pairs(store, Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE) == [["U2", "p-shared"]]
    assert _pairs(store, Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE) == [["C1", "p-1"], ["C3", "p-shared"]]
    # The representative no request names goes, with its phone; a phone others use stays.
    assert _keys(store, Label.PERSON) == ["rep-2"]
    assert _keys(store, Label.PHONE) == ["p-1", "p-2", "p-shared"]
    assert _keys(store, Label.BANK_ACCOUNT) == ["a-2"]
    counts = store.counts().as_dict()
    assert counts["nodes"]["Person"] == 1 and counts["relationships"]["REPRESENTED_BY"] == 1
    again = store.load(cleared).removed
    assert (again.cleared, again.orphans) == (0, 0)
    assert store.counts().as_dict() == counts


def test_an_identifier_a_replacement_leaves_unused_is_removed(store: GraphStore) -> None:
    store.load(GraphBundle(nodes=[_nodes(Label.BANK_ACCOUNT, ["a-typo", "a-shared"])], edges=[
        _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1", "C2", "C3"], ["a-typo", "a-shared", "a-shared"]),
        _edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["U1"], ["p-typo"], change_id=["X1"]),
    ]))
    store.load(GraphBundle(nodes=[_nodes(Label.PHONE, ["p-typo"])]))
    report = store.load(GraphBundle(edges=[
        _edges(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["C1", "C2"], ["a-1", "a-1"]),
        _edges(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["U1"], ["p-right"], change_id=["X1"]),
    ])).removed
    assert (report.replaced, report.orphans) == (3, 2)
    assert "a-typo" not in _keys(store, Label.BANK_ACCOUNT) and "a-shared" in _keys(store, Label.BANK_ACCOUNT)
    assert "p-typo" not in _keys(store, Label.PHONE)


def _household_keys(family: pd.DataFrame) -> pa.Table:
    """A derivation from the household registrations for the tests: each customer's sorted keys."""
    keys = family.groupby("customer_id")["key"].agg(lambda k: " ".join(sorted(k)))
    return pa.table({"customer_id": pa.array(keys.index.tolist(), pa.string()),
                     "keys": pa.array(keys.tolist(), pa.string()), "size": pa.array([len(family)] * len(keys))})


def test_a_derivation_from_the_household_registrations_follows_every_change(store: GraphStore) -> None:
    def kept(household_max: int = 3) -> dict[str, str]:
        table = store.kept_from_family(household_max, "test-keys", "v1", _household_keys)
        assert table.equals(_household_keys(store.family_registrations(household_max)))
        return dict(zip(table["customer_id"].to_pylist(), table["keys"].to_pylist(), strict=True))

    store.load(_reach_bundle())
    before = kept()
    assert before == {"U1": "d-home p-contact p-hub", "U2": "d-home p-contact", "U3": "d-home p-hub",
                      "U5": "d-mail p-hub", "U6": "d-mail", "U7": "p-hub"}
    assert kept(4)["U4"] == "d-big"  # other arguments, another derivation
    store.load(GraphBundle(nodes=[NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C3"]}))],
                           edges=[_edges(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["C3"], ["p-hub"])]))
    assert kept() == before  # a day's requests change no household
    store.load(GraphBundle(edges=[_edges(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS, ["U3"], ["d-new"])]))
    assert kept()["U3"] == "p-hub"  # U3 moved out of d-home
    store.load(GraphBundle(clears=[ClearBatch(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE, ("U2",))]))
    after = kept()  # U2's phone gone: p-contact is U1's alone
    assert (after["U1"], after["U2"]) == ("d-home p-hub", "d-home")
    for wrong in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="household_max"):
            store.kept_from_family(wrong, "test-keys", "v1", _household_keys)  # type: ignore[arg-type]
