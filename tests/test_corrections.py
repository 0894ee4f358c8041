"""A record sent again with a corrected value: the newest value replaces the stored link, so a
one-day typo does not tie an honest request to a ring for good, and a policy's new holder
replaces the old one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from api.cli import app
from detectors.pipeline import detect
from graph.model import Label, Rel
from graph.sqlite_store import SQLiteStore
from ingest.synthetic import BookConfig, generate_book
from ingest.synthetic.increment import split_increment

runner = CliRunner()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A 3 000-customer book cut before its last 10 % of requests (``base``, ``day``), and
    ``typo``: the day's export with an honest request's payout account typed as an account a
    planted ring's requests are paid into."""
    work = tmp_path_factory.mktemp("corrections")
    generate_book(work / "book", BookConfig(customers=3_000, seed=11, ring_rate=15.0))
    split_increment(work / "book", work / "base", work / "day", 0.1)
    truth = pd.read_csv(work / "book" / "truth.csv", dtype=str)
    planted = set(truth.dropna()["claim_id"])
    day = pd.read_csv(work / "day" / "surrenders.csv", dtype=str)
    base = pd.read_csv(work / "base" / "surrenders.csv", dtype=str)
    honest = str(day[~day["claim_id"].isin(planted) & day["payout_account"].notna()]["claim_id"].iloc[0])
    ring_account = str(base[base["claim_id"].isin(planted)]["payout_account"].value_counts().index[0])
    shutil.copytree(work / "day", work / "typo")
    day.loc[day["claim_id"] == honest, "payout_account"] = ring_account
    day.to_csv(work / "typo" / "surrenders.csv", index=False)
    return {"work": work, "honest": honest, "ring_account": ring_account}


def _ingest(folder: Path, db: Path) -> str:
    result = runner.invoke(app, ["ingest", str(folder), "--store", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_corrected_payout_account_takes_an_honest_request_out_of_the_ring(
        export: dict[str, object]) -> None:
    work, honest, ring_account = export["work"], export["honest"], export["ring_account"]
    assert isinstance(work, Path) and isinstance(honest, str) and isinstance(ring_account, str)
    db = work / "daily.db"
    _ingest(work / "base", db)
    with SQLiteStore(db) as store:
        detect(store)
    assert "replaced" not in _ingest(work / "typo", db)
    with SQLiteStore(db) as store:
        typo_run = detect(store)
        risk = store.claim_risks([honest])[honest]
        assert risk.ring_id is not None and risk.risk >= 0.5
        assert honest in next(r for r in typo_run.rings if r.ring_id == risk.ring_id).claim_ids
    output = _ingest(work / "day", db)
    assert "0 new nodes and 1 new relationships, 1 replaced by a record's newer value" in output
    with SQLiteStore(db) as store:
        paid = store.edges_from(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, [honest])
        assert paid["dst"].tolist() != [ring_account] and len(paid) == 1
        assert honest not in store.edges_to(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT,
                                            [ring_account])["src"].tolist()
        fixed_run = detect(store)
        after = store.claim_risks([honest])[honest]
        assert after.ring_id is None and after.risk < 0.5
        assert all(honest not in r.claim_ids for r in fixed_run.rings)
    # The corrected export once more: nothing left to replace.
    assert "replaced" not in _ingest(work / "day", db)


def test_a_policy_sent_again_with_another_holder_changes_its_holder(export: dict[str, object]) -> None:
    work = export["work"]
    assert isinstance(work, Path)
    db, change = work / "holder.db", work / "holder-change"
    _ingest(work / "base", db)
    policies = pd.read_csv(work / "base" / "policies.csv", dtype=str)
    customers = pd.read_csv(work / "base" / "customers.csv", dtype=str)
    policy = policies.iloc[0].copy()
    old_holder = str(policy["customer_id"])
    new_holder = str(customers[customers["customer_id"] != old_holder]["customer_id"].iloc[0])
    policy["customer_id"] = new_holder
    change.mkdir()
    pd.DataFrame([policy]).to_csv(change / "policies.csv", index=False)
    result = runner.invoke(app, ["ingest", str(change), "--store", f"sqlite:///{db}"])
    assert result.exit_code == 0, result.output
    assert (f"policies.csv row 2, column customer_id: {policy['policy_id']} is stored with "
            f"customer_id {old_holder}: read as a change: {old_holder} is replaced, as from this "
            "export") in result.output
    assert "0 new nodes and 1 new relationships, 1 replaced by a record's newer value" in result.output
    with SQLiteStore(db) as store:
        holders = store.edges_to(Label.CUSTOMER, Rel.HOLDS, Label.POLICY, [policy["policy_id"]])
        assert holders["src"].tolist() == [new_holder]
        node = store.get_node(Label.POLICY, str(policy["policy_id"]))
        assert node is not None and node.props["customer_id"] == new_holder


def test_a_change_record_sent_again_takes_back_its_mistyped_new_value(export: dict[str, object]) -> None:
    """A contact-change record (``change_id``) whose new phone was typed as a planted ring's
    contact phone, then sent again with the right number: the record's link to the ring's
    phone goes, the customer's other change records stay, the honest request leaves the ring."""
    work = export["work"]
    assert isinstance(work, Path)
    truth = pd.read_csv(work / "book" / "truth.csv", dtype=str)
    planted = set(truth.dropna()["claim_id"])
    base = pd.read_csv(work / "base" / "surrenders.csv", dtype=str)
    day = pd.read_csv(work / "day" / "surrenders.csv", dtype=str)
    ring_phone = str(base[base["claim_id"].isin(planted)]["contact_phone"].value_counts().index[0])
    # a full-refund request: an ordinary one with a number taken months after the ring's last
    # request with it would be a new subscriber's (detectors.reissue), tied to nothing
    claim = day[~day["claim_id"].isin(planted) & (day["refund_type"] == "full_premium")].iloc[0]
    honest, customer = str(claim["claim_id"]), str(claim["customer_id"])
    changed_on = (pd.Timestamp(claim["request_date"]) - pd.Timedelta(days=10)).date().isoformat()
    changes = pd.read_csv(work / "day" / "contact_changes.csv", dtype=str)
    for folder, new_value in (("change-typo", ring_phone), ("change-fixed", "13682283340")):
        shutil.copytree(work / "day", work / folder)
        row = {"change_id": "H99999999", "customer_id": customer, "change_date": changed_on,
               "field": "phone", "old_value": "", "new_value": new_value, "channel": "counter"}
        pd.concat([changes, pd.DataFrame([row])]).to_csv(work / folder / "contact_changes.csv", index=False)
    db = work / "changes.db"
    _ingest(work / "base", db)
    assert "replaced" not in _ingest(work / "change-typo", db)
    with SQLiteStore(db) as store:
        detect(store)
        risk = store.claim_risks([honest])[honest]
        assert risk.ring_id is not None and risk.risk >= 0.5
        history = len(store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, [customer]))
    output = _ingest(work / "change-fixed", db)
    assert "1 new relationships, 1 replaced by a record's newer value" in output
    with SQLiteStore(db) as store:
        changed = store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, [customer])
        assert len(changed) == history
        assert changed[changed["change_id"] == "H99999999"]["dst"].tolist() == ["+8613682283340"]
        assert ring_phone not in changed["raw"].tolist()
        fixed_run = detect(store)
        after = store.claim_risks([honest])[honest]
        # What is left is the request's own trait (a phone changed 10 days before), no ring.
        assert after.ring_id is None and after.risk < risk.risk
        assert all(honest not in r.claim_ids for r in fixed_run.rings)
    assert "replaced" not in _ingest(work / "change-fixed", db)


def test_a_cleared_payout_account_takes_a_ring_member_out_of_the_ring(export: dict[str, object]) -> None:
    """The request typed with the ring's payout account is sent again with ``#CLEAR`` in its
    payout account (the request has none): the link goes, the account node stays (the ring
    uses it), and the next detection leaves the request out of the ring."""
    work, honest, ring_account = export["work"], export["honest"], export["ring_account"]
    assert isinstance(work, Path) and isinstance(honest, str) and isinstance(ring_account, str)
    db, cleared = work / "cleared.db", work / "clear-export"
    _ingest(work / "base", db)
    _ingest(work / "typo", db)
    with SQLiteStore(db) as store:
        detect(store)
        risk = store.claim_risks([honest])[honest]
        assert risk.ring_id is not None and risk.risk >= 0.5
        paid_before = len(store.edges_frame(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT))
    surrenders = pd.read_csv(work / "typo" / "surrenders.csv", dtype=str)
    row = surrenders[surrenders["claim_id"] == honest].copy()
    row["payout_account"], row["payout_account_name"] = "#clear", None
    cleared.mkdir()
    row.to_csv(cleared / "surrenders.csv", index=False)
    output = _ingest(cleared, db)
    assert "0 new nodes and 0 new relationships, 1 cleared by #CLEAR" in output
    assert "replaced" not in output and "identifiers no record uses" not in output
    with SQLiteStore(db) as store:
        assert store.edges_from(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, [honest]).empty
        claim = store.get_node(Label.CLAIM, honest)
        assert claim is not None and "payout_account_name" not in claim.props
        assert len(store.edges_frame(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT)) == paid_before - 1
        assert store.get_node(Label.BANK_ACCOUNT, ring_account) is not None
        run = detect(store)
        after = store.claim_risks([honest])[honest]
        assert after.ring_id is None and after.risk < 0.5
        assert all(honest not in r.claim_ids for r in run.rings)
    # Sent once more: nothing left to clear.
    assert "cleared" not in _ingest(cleared, db)
