"""Field cases: small input folders built from faults real insurer exports have, each ingested
for real into a SQLite file, with the exact node keys (or the exact located errors) expected.

Every folder (``tests/data/field_cases/``) holds four customers C001–C004 with phones
157 1234 0001–0004 and their own cards, two agents, four policies and four surrender claims
S001–S004; the fault sits in the claims of S001 and S002:

* ``01``: both payout accounts are ``6.22203E+18``, what a spreadsheet made of two different
  19-digit cards: the digits are gone, so neither is a node and the claims share no account;
* ``03``: one representative's ID number typed once plain and once with a leading ``'``;
* ``06``: a contact phone ``15712349999.0`` (it passed through a float) beside ``15712349999``;
* ``08``: ``0797-8123456转801`` beside ``0797-8123456 ext. 801``;
* ``09``: a representative's first-generation 15-digit ID beside its 18-character upgrade;
* ``10``: request dates ``2023111`` and ``202312``: refused, a compact date has 8 digits;
* ``14``: case 01's book in GB18030, whose first Chinese name (陆, bytes C2 BD) is also a
  valid UTF-8 pair.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.model import Label, Rel
from graph.sqlite_store import SQLiteStore
from ingest import IngestReport, ValidationError, ingest_folder
from ingest.problems import Problem

CASES = Path(__file__).parent / "data" / "field_cases"
CUSTOMER_PHONES = {f"+861571234000{i}" for i in range(1, 5)}
AGENT_PHONES = {"+8615712340901", "+8615712340902"}
CARDS = {"6222029900000001018", "6222029900000002024", "6222029900000003030",
         "6222029900000004046"}
REPRESENTATIVE = "320102198805050013"
SCIENTIFIC = "scientific notation: a spreadsheet kept 6 of its digits, the others are lost"


def _ingest(case: str, tmp_path: Path) -> tuple[SQLiteStore, IngestReport]:
    store = SQLiteStore(tmp_path / "g.db")
    return store, ingest_folder(CASES / case, store)


def _keys(store: SQLiteStore, label: Label) -> set[str]:
    return set(store.nodes_frame(label)["key"])


def _edges(store: SQLiteStore, src: Label, rel: Rel, dst: Label) -> set[tuple[str, str]]:
    frame = store.edges_frame(src, rel, dst)
    return set(zip(frame["src"], frame["dst"], strict=True))


def _problems(report: IngestReport) -> list[tuple[str, int | None, str | None, str | None, str]]:
    return [(p.file, p.row, p.column, p.value, p.reason) for p in report.warnings]


def _claim_phones(store: SQLiteStore) -> set[tuple[str, str]]:
    return _edges(store, Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE)


@pytest.mark.parametrize("case", ["01-excel-sci-payout-account", "14-gbk-bytes-look-like-utf8"])
def test_damaged_payout_cards_are_no_link(case: str, tmp_path: Path) -> None:
    store, report = _ingest(case, tmp_path)
    with store:
        assert _keys(store, Label.BANK_ACCOUNT) == CARDS
        assert _edges(store, Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT) == {
            ("S003", "6222029900000003030"), ("S004", "6222029900000004046")}
        assert _keys(store, Label.CLAIM) == {"S001", "S002", "S003", "S004"}
        assert _problems(report) == [
            ("surrenders.csv", row, "payout_account", "6.2****E+18",
             SCIENTIFIC + "; left out of the graph (record kept)") for row in (2, 3)]
        assert _keys(store, Label.PHONE) == CUSTOMER_PHONES | AGENT_PHONES


def test_gb18030_book_reads_like_its_utf8_twin(tmp_path: Path) -> None:
    """Case 14 is case 01 encoded in GB18030, with one agent's name changed to 陆涛."""
    twin, _ = _ingest("01-excel-sci-payout-account", tmp_path / "utf8")
    store, _ = _ingest("14-gbk-bytes-look-like-utf8", tmp_path / "gb18030")
    with twin, store:
        agents = store.nodes_frame(Label.AGENT).set_index("key")
        assert agents.loc["A001", "name"] == "陆涛"
        assert agents.loc["A002", "branch"] == "示例市测试支公司"
        expected = twin.to_networkx()
        expected.nodes["Agent:A001"]["name"] = "陆涛"
        got = store.to_networkx()
        assert dict(got.nodes(data=True)) == dict(expected.nodes(data=True))
        assert sorted(got.edges(keys=True, data=True)) == sorted(
            expected.edges(keys=True, data=True))


@pytest.mark.parametrize("case", ["03-apostrophe-id-number", "09-old-15-digit-id"])
def test_one_representative_typed_two_ways_is_one_person(case: str, tmp_path: Path) -> None:
    store, report = _ingest(case, tmp_path)
    with store:
        people = store.nodes_frame(Label.PERSON)
        assert people["key"].tolist() == [REPRESENTATIVE]
        assert people["id_valid"].tolist() == [True]
        assert _edges(store, Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON) == {
            ("S001", REPRESENTATIVE), ("S002", REPRESENTATIVE)}
        assert _edges(store, Label.PERSON, Rel.HAS_PHONE, Label.PHONE) == {
            (REPRESENTATIVE, "+8618979710001")}
        assert report.warnings == []


def test_float_rendered_phone_is_the_phone(tmp_path: Path) -> None:
    store, report = _ingest("06-float-artifact-phone", tmp_path)
    with store:
        assert _keys(store, Label.PHONE) == CUSTOMER_PHONES | AGENT_PHONES | {"+8615712349999"}
        assert _claim_phones(store) == {
            ("S001", "+8615712349999"), ("S002", "+8615712349999"),
            ("S003", "+8615712340003"), ("S004", "+8615712340004")}
        assert report.warnings == []


def test_extension_written_in_chinese_is_the_line(tmp_path: Path) -> None:
    store, report = _ingest("08-phone-extension-zhuan", tmp_path)
    with store:
        assert _keys(store, Label.PHONE) == CUSTOMER_PHONES | AGENT_PHONES | {"+867978123456"}
        line = store.get_node(Label.PHONE, "+867978123456")
        assert line is not None and line.props == {"kind": "landline", "valid": True}
        assert {(s, d) for s, d in _claim_phones(store) if s in ("S001", "S002")} == {
            ("S001", "+867978123456"), ("S002", "+867978123456")}
        assert report.warnings == []


def test_short_compact_dates_are_refused_with_their_place(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    with store:
        ingest_folder(CASES / "01-excel-sci-payout-account", store)
        before = store.data_fingerprint(), store.counts()
        with pytest.raises(ValidationError) as caught:
            ingest_folder(CASES / "10-unpadded-compact-date", store)
        assert caught.value.errors == [
            Problem("surrenders.csv", row, "request_date", typed,
                    f"not a date: a compact date has exactly 8 digits (YYYYMMDD); {typed} could "
                    "be read more than one way")
            for row, typed in ((2, "2023111"), (3, "202312"))]
        assert (store.data_fingerprint(), store.counts()) == before


def test_refused_ingest_into_a_new_store_leaves_no_file(tmp_path: Path) -> None:
    db = tmp_path / "g.db"
    result = CliRunner().invoke(app, ["ingest", str(CASES / "10-unpadded-compact-date"),
                                      "--store", f"sqlite:///{db}"])
    assert result.exit_code == 2, result.output
    assert "surrenders.csv row 2, column request_date: not a date" in result.output
    assert list(tmp_path.iterdir()) == []
    accepted = CliRunner().invoke(app, ["ingest", str(CASES / "06-float-artifact-phone"),
                                        "--store", f"sqlite:///{db}"])
    assert accepted.exit_code == 0, accepted.output
    assert db.is_file()
