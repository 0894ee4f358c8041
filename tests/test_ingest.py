"""Ingest of input folders into a real SQLite store: good books, a corpus of bad ones, re-ingest."""

from __future__ import annotations

import csv
import doctest
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from graph.errors import InputError
from graph.model import GraphBundle, Label, NodeBatch, Rel
from graph.sqlite_store import SQLiteStore
from ingest import CONTRACT, ValidationError, contract_markdown, ingest_folder, read_book
from ingest.problems import Problem
from ingest.validate import MAX_CELL_CHARS

Rows = list[dict[str, str]]

# Valid ID numbers (checked with stdnum) and Luhn-valid cards.
ID_A, ID_B = "11010519491231002X", "110101198001010010"
CARD_A, CARD_B = "6222020200112233446", "6217001082324099721"


def base_book() -> dict[str, Rows]:
    """Two customers, two policies, one agent, two surrenders sharing an intermediary phone."""
    return {
        "agents": [{"agent_id": "A1", "name": "赵六", "phone": "0797-8123456", "branch": "赣州",
                    "status": "resigned", "hire_date": "2015-01-01", "leave_date": "2023/06/30"}],
        "customers": [
            {"customer_id": "C1", "name": "张 三", "id_number": ID_A.lower(),
             "phone": "138 1234 5678", "address": "江西省赣州市 章贡区１号", "bank_account": CARD_A},
            {"customer_id": "C2", "name": "李四", "id_number": ID_B, "phone": "+86-139-0000-1111",
             "address": "江西省赣州市章贡区2号", "bank_account": "6222 0202 0011 2233 445"},
        ],
        "policies": [
            {"policy_id": "P1", "customer_id": "C1", "agent_id": "A1", "product": "两全保险",
             "issue_date": "20180101", "annual_premium": "5,000.00", "premiums_paid": "30000"},
            {"policy_id": "P2", "customer_id": "C2", "agent_id": "A1", "product": "终身寿险",
             "issue_date": "2019-02-03", "annual_premium": "3000", "premiums_paid": ""},
        ],
        "surrenders": [
            {"claim_id": "S1", "policy_id": "P1", "customer_id": "C1", "request_date": "2024-03-01",
             "contact_phone": "177 0007 5497", "payout_account": CARD_B,
             "payout_account_name": "某咨询公司", "representative_name": "王五",
             "representative_id_number": "", "representative_phone": "17700075497",
             "refund_type": "full_premium", "cash_value": "1200.5", "requested_amount": "30000"},
            {"claim_id": "S2", "policy_id": "P2", "customer_id": "C2", "request_date": "2024/03/04",
             "contact_phone": "+8617700075497", "payout_account": "6217-0010-8232-4099-721",
             "payout_account_name": "某咨询公司", "representative_name": "王 五",
             "representative_id_number": "", "representative_phone": "177-0007-5497",
             "refund_type": "全额退保", "cash_value": "", "requested_amount": ""},
        ],
        "complaints": [
            {"complaint_id": "Q1", "policy_id": "P1", "customer_id": "", "received_date": "2024-02-20",
             "text": "要求全额退保", "contact_phone": "17700075497", "mailing_address": "某市某路8号"},
        ],
        "contact_changes": [
            {"change_id": "H1", "customer_id": "C1", "change_date": "2024-02-25", "field": "phone",
             "old_value": "13812345678", "new_value": "177 0007 5497", "channel": "app"},
        ],
        "watchlist": [
            {"entry_id": "W1", "name": "某咨询公司", "kind": "代理退保中介",
             "identifier_type": "phone", "identifier_value": "17700075497", "source": "协会",
             "added_date": "2024-01-01"},
        ],
    }


def write_table(folder: Path, name: str, rows: Rows, encoding: str = "utf-8") -> Path:
    columns = list(rows[0]) if rows else CONTRACT[name].column_names
    path = folder / f"{name}.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False, encoding=encoding)
    return path


def write_book(folder: Path, book: dict[str, Rows] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (book or base_book()).items():
        write_table(folder, name, rows)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "g.db")
    yield opened
    opened.close()


def snapshot(store: SQLiteStore) -> tuple[dict[str, dict[str, int]], str, str | None]:
    """Counts, data fingerprint and every claim's properties."""
    claims = store.nodes_frame(Label.CLAIM).to_json(orient="records", force_ascii=False)
    return store.counts().as_dict(), store.data_fingerprint(), claims


# ------------------------------------------------------------------------------- good books
def test_ingest_small_book(tmp_path: Path, store: SQLiteStore) -> None:
    report = ingest_folder(write_book(tmp_path / "book"), store)
    counts = store.counts().as_dict()
    assert report.rows["customers"] == 2 and report.rows["surrenders"] == 2
    assert counts["nodes"]["Customer"] == 2 and counts["nodes"]["Claim"] == 2
    # 138…, 139…, 177… (claims, representative, complaint, change, watchlist) and the landline
    assert counts["nodes"]["Phone"] == 4
    assert counts["nodes"]["Person"] == 1  # 王五 / 王 五 with the same phone typed two ways
    assert counts["relationships"]["CONTACT_PHONE"] == 3
    assert report.nodes == sum(counts["nodes"].values())
    phone = store.get_node(Label.PHONE, "+8617700075497")
    assert phone is not None and phone.props == {"kind": "mobile", "valid": True}
    customer = store.get_node(Label.CUSTOMER, "C1")
    assert customer is not None
    assert customer.props == {"name": "张三", "id_number": ID_A, "id_valid": True, "surname": "张"}
    claim = store.get_node(Label.CLAIM, "S2")
    assert claim is not None and claim.props["refund_type"] == "full_premium"
    assert claim.props["request_date"] == "2024-03-04"
    policy = store.get_node(Label.POLICY, "P1")
    assert policy is not None and policy.props["annual_premium"] == 5000.0
    assert policy.props["issue_date"] == "20180101"[:4] + "-01-01"
    paid = store.edges_frame(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT)
    assert set(paid["dst"]) == {CARD_B}
    assert set(paid["raw"]) == {CARD_B, "6217-0010-8232-4099-721"}
    assert set(paid["holder_name"]) == {"某咨询公司"}
    changed = store.edges_frame(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE)
    assert changed.to_dict("records") == [{
        "src": "C1", "dst": "+8617700075497", "raw": "177 0007 5497", "date": "2024-02-25",
        "field": "phone", "change_id": "H1", "channel": "app"}]
    complained = store.edges_frame(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT)
    assert complained[["src", "dst"]].to_dict("records") == [{"src": "C1", "dst": "Q1"}]
    lists = store.edges_frame(Label.INTERMEDIARY, Rel.LISTS, Label.PHONE)
    assert list(lists["dst"]) == ["+8617700075497"]
    agent_phone = store.get_node(Label.PHONE, "+867978123456")
    assert agent_phone is not None and agent_phone.props["kind"] == "landline"


def test_soft_problems_are_warnings_and_flag_the_identifier(tmp_path: Path,
                                                            store: SQLiteStore) -> None:
    book = base_book()
    book["customers"][1]["phone"] = "12345"
    book["customers"][1]["id_number"] = ID_B[:-1] + "8"
    report = ingest_folder(write_book(tmp_path / "book", book), store)
    reasons = {(p.file, p.row, p.column): p for p in report.warnings}
    assert reasons[("customers.csv", 3, "phone")].severity == "warning"
    assert reasons[("customers.csv", 3, "id_number")].value == "110***********0018"
    assert reasons[("customers.csv", 3, "bank_account")].reason.startswith("bank card fails")
    phone = store.get_node(Label.PHONE, "12345")
    assert phone is not None and phone.props == {"kind": "other", "valid": False}
    customer = store.get_node(Label.CUSTOMER, "C2")
    assert customer is not None and "id_valid" in customer.props
    assert not customer.props["id_valid"]
    account = store.get_node(Label.BANK_ACCOUNT, "6222020200112233445")
    assert account is not None and account.props == {"luhn_valid": False}


def test_chinese_headers_gbk_and_bom(tmp_path: Path, store: SQLiteStore) -> None:
    folder = write_book(tmp_path / "book")
    zh = {"policy_id": "保单号", "customer_id": "客户号", "request_date": "退保申请日期",
          "contact_phone": "联系电话", "payout_account": "收款账号",
          "representative_name": "代办人姓名", "claim_id": "退保申请号"}
    surrenders = pd.DataFrame(base_book()["surrenders"]).rename(columns=zh)
    surrenders.to_csv(folder / "surrenders.csv", index=False, encoding="gb18030")
    customers = pd.DataFrame(base_book()["customers"]).rename(
        columns={"customer_id": "客户号", "id_number": "身份证号", "phone": "联系电话"})
    customers.to_csv(folder / "customers.csv", index=False, encoding="utf-8-sig")
    assert (folder / "customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    book = read_book(folder)
    assert list(book.tables["surrenders"]["contact_phone"]) == ["+8617700075497"] * 2
    assert list(book.tables["customers"]["phone"]) == ["+8613812345678", "+8613900001111"]
    ingest_folder(folder, store)
    claim = store.get_node(Label.CLAIM, "S1")
    assert claim is not None and claim.props["representative_name"] == "王五"


def test_parquet_input_with_typed_columns(tmp_path: Path, store: SQLiteStore) -> None:
    folder = write_book(tmp_path / "book")
    policies = pd.DataFrame(base_book()["policies"])
    policies["issue_date"] = pd.to_datetime(["2018-01-01", "2019-02-03"])
    policies["annual_premium"] = [5000.0, 3000.0]
    (folder / "policies.csv").unlink()
    policies.to_parquet(folder / "policies.parquet")
    ingest_folder(folder, store)
    policy = store.get_node(Label.POLICY, "P2")
    assert policy is not None
    assert policy.props["issue_date"] == "2019-02-03" and policy.props["annual_premium"] == 3000.0


def test_extra_columns_are_ignored_with_a_warning(tmp_path: Path) -> None:
    book = base_book()
    for row in book["agents"]:
        row["备注"] = "x"
    found = read_book(write_book(tmp_path / "book", book))
    assert [(p.file, p.row, p.reason) for p in found.warnings if p.file == "agents.csv"] == [
        ("agents.csv", 1, "column(s) not in the input contract, ignored: 备注")]
    assert "备注" not in found.tables["agents"].columns


def test_a_header_with_an_invisible_character_or_a_text_mark_still_names_its_column(tmp_path: Path) -> None:
    book = base_book()
    book["customers"] = [{("phone\u200b" if k == "phone" else "'address" if k == "address" else k): v
                          for k, v in row.items()} for row in book["customers"]]
    found = read_book(write_book(tmp_path / "book", book))
    assert found.tables["customers"]["phone"].tolist() == ["+8613812345678", "+8613900001111"]
    assert found.tables["customers"]["address"].notna().all()
    assert not [p for p in found.warnings if p.file == "customers.csv" and p.row == 1]


def test_record_ids_and_dates_typed_the_ways_exports_type_them(tmp_path: Path,
                                                                store: SQLiteStore) -> None:
    book = base_book()
    book["customers"][1]["customer_id"] = "1002"
    book["policies"][0].update(customer_id="'C1", agent_id="Ａ１\u200b", issue_date="'2018-01-01")
    book["policies"][1].update(customer_id="1002.0", agent_id='="A1"',
                               issue_date="２０１９－０２－０３ 00:00:00")
    book["surrenders"][1].update(customer_id="1002", request_date="2024-03-04T09:30:00+08:00",
                                 cash_value="１２，０００．５０", requested_amount="３００００")
    report = ingest_folder(write_book(tmp_path / "book", book), store)
    assert [p.reason for p in report.warnings] == ["bank card fails the Luhn check (kept, flagged)"]
    holds = store.edges_frame(Label.CUSTOMER, Rel.HOLDS, Label.POLICY)
    assert sorted(zip(holds["src"], holds["dst"], strict=True)) == [("1002", "P2"), ("C1", "P1")]
    assert set(store.nodes_frame(Label.AGENT)["key"]) == {"A1"}
    dates = store.nodes_frame(Label.POLICY).set_index("key")["issue_date"].to_dict()
    assert dates == {"P1": "2018-01-01", "P2": "2019-02-03"}
    claim = store.get_node(Label.CLAIM, "S2")
    assert claim is not None and claim.props["request_date"] == "2024-03-04"
    assert (claim.props["cash_value"], claim.props["requested_amount"]) == (12000.5, 30000.0)


def test_damaged_identifiers_are_left_out_with_a_warning(tmp_path: Path,
                                                         store: SQLiteStore) -> None:
    book = base_book()
    book["customers"][0].update(id_number="1.10105E+17", phone="1.38123E+10")
    book["surrenders"][0].update(payout_account="6.21700E+18",
                                 representative_id_number="110101198001010010.0")
    book["watchlist"][0]["identifier_value"] = "1.77001E+10"
    report = ingest_folder(write_book(tmp_path / "book", book), store)
    damaged = sorted((p.file, p.row, p.column, p.value) for p in report.warnings
                     if "left out of the graph" in p.reason)
    assert damaged == [
        ("customers.csv", 2, "id_number", "1.1****E+17"),
        ("customers.csv", 2, "phone", "1.3****E+10"),
        ("surrenders.csv", 2, "payout_account", "6.2****E+18"),
        ("surrenders.csv", 2, "representative_id_number", "110*************10.0"),
        ("watchlist.csv", 2, "identifier_value", "1.7****E+10"),
    ]
    customer = store.get_node(Label.CUSTOMER, "C1")
    assert customer is not None and "id_number" not in customer.props
    has_phone = store.edges_frame(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE)
    assert list(has_phone["src"]) == ["C2"]
    paid = store.edges_frame(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT)
    assert list(paid["src"]) == ["S2"]
    # The representative without a usable ID number is known by name and phone, as on S2.
    represented = store.edges_frame(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON)
    assert set(represented["dst"]) == {"王五|+8617700075497"}
    assert store.edges_frame(Label.INTERMEDIARY, Rel.LISTS, Label.PHONE).empty


def test_parquet_identifier_columns_stored_as_numbers(tmp_path: Path,
                                                       store: SQLiteStore) -> None:
    folder = write_book(tmp_path / "book")
    customers = pd.DataFrame(base_book()["customers"])
    customers["phone"] = pd.array([13812345678, 13900001111], dtype="int64")
    customers["bank_account"] = [6222020200112233.0, 6217001082324099721.0]
    customers["id_number"] = pd.array([None, 110101198001010010], dtype="Int64")
    (folder / "customers.csv").unlink()
    customers.to_parquet(folder / "customers.parquet")
    agents = pd.DataFrame(base_book()["agents"])
    agents["phone"] = pd.array([15712349999.0], dtype="float32")
    (folder / "agents.csv").unlink()
    agents.to_parquet(folder / "agents.parquet")
    report = ingest_folder(folder, store)
    stored = ("identifier column stored as numbers ({}) in Parquet: read as exact digits where "
              "the numbers hold them; store identifiers as text (a number keeps no leading zero "
              "or X)")
    lost = ("a float{} number cannot hold every digit of this identifier; not rounded: left out "
            "of the graph (record kept)")
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in report.warnings
            if p.file.endswith(".parquet")] == [
        ("agents.parquet", 1, "phone", None, stored.format("float")),
        ("agents.parquet", 2, "phone", "157******08.0", lost.format(32)),
        ("customers.parquet", 1, "bank_account", None, stored.format("double")),
        ("customers.parquet", 1, "id_number", None, stored.format("int64")),
        ("customers.parquet", 1, "phone", None, stored.format("int64")),
        ("customers.parquet", 2, "bank_account", "622*********2233",
         "bank card fails the Luhn check (kept, flagged)"),
        ("customers.parquet", 3, "bank_account", "6.2************e+18", lost.format(64)),
    ]
    accounts = store.edges_frame(Label.CUSTOMER, Rel.HAS_ACCOUNT, Label.BANK_ACCOUNT)
    assert accounts[["src", "dst"]].to_dict("records") == [{"src": "C1", "dst": "6222020200112233"}]
    phones = store.edges_frame(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE)
    assert sorted(phones["dst"]) == ["+8613812345678", "+8613900001111"]
    customer = store.get_node(Label.CUSTOMER, "C2")
    assert customer is not None and customer.props["id_number"] == "110101198001010010"
    assert store.edges_frame(Label.AGENT, Rel.HAS_PHONE, Label.PHONE).empty


def test_parquet_dates_are_read_strictly(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "book")
    policies = pd.DataFrame(base_book()["policies"])
    policies["issue_date"] = pd.array([20180101, 2019023], dtype="int64")
    (folder / "policies.csv").unlink()
    policies.to_parquet(folder / "policies.parquet")
    surrenders = pd.DataFrame(base_book()["surrenders"])
    surrenders["request_date"] = pd.to_datetime(["2024-03-01 00:30", "2024-03-04 23:59"]
                                                ).tz_localize("Asia/Shanghai")
    (folder / "surrenders.csv").unlink()
    surrenders.to_parquet(folder / "surrenders.parquet")
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert [(p.file, p.row, p.column, p.value) for p in caught.value.errors] == [
        ("policies.parquet", 3, "issue_date", "2019023")]
    policies["issue_date"] = pd.to_datetime(["2018-01-01", "2019-02-03"]).date
    policies.to_parquet(folder / "policies.parquet")
    book = read_book(folder)
    assert list(book.tables["surrenders"]["request_date"]) == ["2024-03-01", "2024-03-04"]
    assert list(book.tables["policies"]["issue_date"]) == ["2018-01-01", "2019-02-03"]


def test_parquet_columns_that_are_not_one_value_per_cell_are_refused_by_name(tmp_path: Path) -> None:
    """A pipeline's nested column (a list, a record, a map) or bytes that are not UTF-8 text:
    each refused naming the file, the column (and the rows of the bytes), not a traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_book(tmp_path / "book")
    agents = pa.Table.from_pandas(pd.DataFrame(base_book()["agents"]), preserve_index=False)
    n = agents.num_rows
    agents = agents.set_column(agents.column_names.index("name"), "name",
                               pa.array([{"x": i} for i in range(n)]))
    agents = agents.set_column(agents.column_names.index("branch"), "branch", pa.array([[1, 2]] * n))
    (folder / "agents.csv").unlink()
    pq.write_table(agents, folder / "agents.parquet")
    customers = pa.Table.from_pandas(pd.DataFrame(base_book()["customers"]), preserve_index=False)
    names = [b"ok"] + [b"\xff\xfe"] * (customers.num_rows - 1)
    customers = customers.set_column(customers.column_names.index("name"), "name", pa.array(names, pa.binary()))
    (folder / "customers.csv").unlink()
    pq.write_table(customers, folder / "customers.parquet")
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert sorted((p.file, p.row, p.column, p.reason) for p in caught.value.errors) == [
        ("agents.parquet", 1, "branch", "column of list<element: int64> in Parquet: each cell must be one value "
         "(text, a number or a date), not a list, map or record"),
        ("agents.parquet", 1, "name", "column of struct<x: int64> in Parquet: each cell must be one value "
         "(text, a number or a date), not a list, map or record"),
        *[("customers.parquet", row, "name", "bytes that are not UTF-8 text in a binary column")
          for row in range(3, customers.num_rows + 2)],
    ]


def test_a_stored_request_sent_again_with_another_date_is_a_correction_said_aloud(tmp_path: Path,
                                                                                  store: SQLiteStore) -> None:
    """The date places a request in every burst and window detection looks at: a new date
    replaces the stored one, as from the newest export, and the warning names the date it
    replaces (it was replaced without a word); the same for a letter's received date."""
    ingest_folder(write_book(tmp_path / "book"), store)
    request = {**base_book()["surrenders"][0], "request_date": "2024-06-01"}
    letter = {**base_book()["complaints"][0], "received_date": "2024-05-20"}
    report = ingest_folder(write_book(tmp_path / "day", {"surrenders": [request], "complaints": [letter]}), store)
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in report.warnings] == [
        ("complaints.csv", 2, "received_date", "2024-05-20",
         f"{letter['complaint_id']} is stored with received_date {base_book()['complaints'][0]['received_date']}: "
         f"read as a change: {base_book()['complaints'][0]['received_date']} is replaced, as from this export"),
        ("surrenders.csv", 2, "request_date", "2024-06-01",
         "S1 is stored with request_date 2024-03-01: read as a change: 2024-03-01 is replaced, as from this export")]
    claim = store.get_node(Label.CLAIM, "S1")
    assert claim is not None and claim.props["request_date"] == "2024-06-01"


def test_reingest_is_idempotent_and_newer_export_updates(tmp_path: Path,
                                                          store: SQLiteStore) -> None:
    folder = write_book(tmp_path / "book")
    first = ingest_folder(folder, store)
    before = snapshot(store)
    again = ingest_folder(folder, store)
    assert snapshot(store) == before
    assert again.fingerprint == first.fingerprint
    newer = base_book()
    newer["customers"][0]["name"] = "张三丰"
    newer["surrenders"].append({**newer["surrenders"][0], "claim_id": "S3",
                                "request_date": "2024-04-01"})
    ingest_folder(write_book(tmp_path / "newer", newer), store)
    counts, fingerprint, _ = snapshot(store)
    assert counts["nodes"]["Claim"] == 3
    assert fingerprint != before[1]
    customer = store.get_node(Label.CUSTOMER, "C1")
    assert customer is not None and customer.props["name"] == "张三丰"


def _daily_export() -> dict[str, Rows]:
    """A day's new request and letter of customer C2's policy P2, repeating neither."""
    book = base_book()
    return {
        "surrenders": [{**book["surrenders"][1], "claim_id": "S9", "request_date": "2024-05-02"}],
        "complaints": [{**book["complaints"][0], "complaint_id": "Q9", "policy_id": "P2",
                        "received_date": "2024-05-01"}],
    }


def test_a_daily_export_names_records_the_store_holds(tmp_path: Path, store: SQLiteStore) -> None:
    ingest_folder(write_book(tmp_path / "book"), store)
    ingest_folder(write_book(tmp_path / "day", _daily_export()), store)
    assert store.counts().nodes["Claim"] == 3
    filed = store.edges_frame(Label.CUSTOMER, Rel.FILED, Label.CLAIM)
    assert filed[filed["dst"] == "S9"]["src"].tolist() == ["C2"]
    # the letter named only its policy: its customer is the stored policy's holder
    complained = store.edges_frame(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT)
    assert complained[complained["dst"] == "Q9"]["src"].tolist() == ["C2"]


def test_a_daily_export_naming_what_nobody_holds_is_refused(tmp_path: Path, store: SQLiteStore) -> None:
    ingest_folder(write_book(tmp_path / "book"), store)
    before = snapshot(store)
    export = _daily_export()
    export["surrenders"][0]["policy_id"] = "P404"
    with pytest.raises(ValidationError) as refused:
        ingest_folder(write_book(tmp_path / "day", export), store)
    assert [(p.file, p.row, p.column, p.reason) for p in refused.value.problems] == [
        ("surrenders.csv", 2, "policy_id", "refers to a record not in policies nor in the store")]
    assert snapshot(store) == before
    with pytest.raises(ValidationError, match="required file missing"):
        read_book(write_book(tmp_path / "alone", _daily_export()))  # no store: a book needs its tables
    with pytest.raises(ValidationError, match=r"customers\.csv: required file missing"):
        ingest_folder(tmp_path / "alone", SQLiteStore(tmp_path / "empty.db"))  # nor an empty store
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValidationError, match="no table to load"):
        ingest_folder(tmp_path / "empty", store)
    export = _daily_export()  # a new customer, in a customers.csv that cannot be read
    export["surrenders"][0]["customer_id"] = "C9"
    export["customers"] = [{**base_book()["customers"][0], "customer_id": "C0"},
                           {**base_book()["customers"][1], "customer_id": "C9"}]
    broken = write_book(tmp_path / "broken", export)
    _undecodable(broken)  # an unreadable table is reported once, not again by every reference to it
    with pytest.raises(ValidationError) as unreadable:
        ingest_folder(broken, store)
    assert [(p.file, p.column) for p in unreadable.value.errors] == [("customers.csv", "name")]
    assert snapshot(store) == before


def test_a_stored_request_sent_again_for_another_policy_is_refused(tmp_path: Path,
                                                                    store: SQLiteStore) -> None:
    """Merged, it would belong to two customers and two policies: strangers sharing a claim."""
    ingest_folder(write_book(tmp_path / "book"), store)
    before = snapshot(store)
    export = _daily_export()
    export["surrenders"].append({**export["surrenders"][0], "claim_id": "S1"})  # S1 is C1's, of P1
    with pytest.raises(ValidationError) as refused:
        ingest_folder(write_book(tmp_path / "day", export), store)
    assert [(p.file, p.row, p.column, p.value) for p in refused.value.errors] == [
        ("surrenders.csv", 3, "customer_id", "C2"), ("surrenders.csv", 3, "policy_id", "P2")]
    assert refused.value.errors[1].reason.startswith("S1 is stored with policy_id P1")
    assert snapshot(store) == before


# ------------------------------------------------------------------------------- bad books
Mutation = Callable[[Path], object]


def _edit(table: str, change: Callable[[Rows], object]) -> Mutation:
    def mutate(folder: Path) -> None:
        rows = base_book()[table]
        change(rows)
        write_table(folder, table, rows)
    return mutate


def _set(table: str, index: int, column: str, value: str) -> Mutation:
    return _edit(table, lambda rows: rows[index].__setitem__(column, value))


def _drop_column(table: str, column: str) -> Mutation:
    return _edit(table, lambda rows: [r.pop(column) for r in rows])


def _bytes(table: str, data: bytes) -> Mutation:
    return lambda folder: (folder / f"{table}.csv").write_bytes(data)


def _undecodable(folder: Path) -> None:
    text = (folder / "customers.csv").read_bytes()
    lines = text.split(b"\n")
    lines[2] = lines[2].replace("李".encode(), b"\xff\xfe", 1)
    (folder / "customers.csv").write_bytes(b"\n".join(lines))


def _both_formats(folder: Path) -> None:
    pd.DataFrame(base_book()["agents"]).to_parquet(folder / "agents.parquet")


def _semicolons(folder: Path) -> None:
    path = folder / "agents.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")


def _header_twice(folder: Path) -> None:
    path = folder / "agents.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",agent_id", *(line + ",X" for line in lines[1:])]) + "\n",
                    encoding="utf-8")


def _ragged(folder: Path) -> None:
    path = folder / "agents.csv"
    path.write_text(path.read_text() + "A2,钱七\n", encoding="utf-8")


HEADER_ONLY_SURRENDERS = (",".join(CONTRACT["surrenders"].column_names) + "\n").encode()
BAD_BOOKS: dict[str, tuple[Mutation, tuple[str, int | None, str | None, str]]] = {
    "missing required column": (_drop_column("policies", "issue_date"),
                                ("policies.csv", 1, "issue_date", "required column missing")),
    "empty required value": (_set("surrenders", 1, "policy_id", " "),
                             ("surrenders.csv", 3, "policy_id", "required value is empty")),
    "duplicate id": (_set("customers", 1, "customer_id", "C1"),
                     ("customers.csv", 3, "customer_id", "duplicate customer_id (first at row 2)")),
    "unknown customer": (_set("policies", 1, "customer_id", "C9"),
                         ("policies.csv", 3, "customer_id", "refers to a record not in customers")),
    "unknown agent": (_set("policies", 0, "agent_id", "A9"),
                      ("policies.csv", 2, "agent_id", "refers to a record not in agents")),
    "unknown policy": (_set("complaints", 0, "policy_id", "P9"),
                       ("complaints.csv", 2, "policy_id", "refers to a record not in policies")),
    "bad date": (_set("surrenders", 0, "request_date", "2024-13-01"),
                 ("surrenders.csv", 2, "request_date", "not a date")),
    "seven-digit compact date": (_set("surrenders", 0, "request_date", "2024031"),
                                 ("surrenders.csv", 2, "request_date",
                                  "not a date: a compact date has exactly 8 digits")),
    "day-first date": (_set("agents", 0, "hire_date", "01/02/2015"),
                       ("agents.csv", 2, "hire_date", "not a date: day and month order")),
    "date serial number": (_set("policies", 0, "issue_date", "43101"),
                           ("policies.csv", 2, "issue_date",
                            "not a date: looks like a spreadsheet's date serial number")),
    "year out of range": (_set("policies", 1, "issue_date", "1899-12-31"),
                          ("policies.csv", 3, "issue_date", "not a date: year 1899 is outside")),
    "date with a time zone name": (_set("complaints", 0, "received_date", "2024-02-20 CST"),
                                   ("complaints.csv", 2, "received_date", "not a date (expected")),
    "damaged record id": (_set("surrenders", 0, "policy_id", "2.02311E+15"),
                          ("surrenders.csv", 2, "policy_id", "scientific notation: a spreadsheet "
                           "kept 6 of its digits, the others are lost; which record it names")),
    "id of invisible characters": (_set("surrenders", 1, "claim_id", "\u200b\ufeff"),
                                   ("surrenders.csv", 3, "claim_id", "required value is empty")),
    "a request dated after today": (_set("surrenders", 1, "request_date", "2099-01-01"),
                                    ("surrenders.csv", 3, "request_date", "date after today")),
    "bad amount": (_set("surrenders", 1, "cash_value", "12元x"),
                   ("surrenders.csv", 3, "cash_value", "not an amount")),
    "negative amount": (_set("surrenders", 0, "cash_value", "-500"),
                        ("surrenders.csv", 2, "cash_value", "amount out of range (0 to")),
    "control character in a name": (_set("customers", 0, "name", "张\x00三"),
                                    ("customers.csv", 2, "name", "control character in text")),
    "unknown enum value": (_set("agents", 0, "status", "retired"),
                           ("agents.csv", 2, "status", "unknown value; expected one of")),
    "empty file": (_bytes("agents", b""), ("agents.csv", None, None, "empty file")),
    "header only (required table)": (_bytes("surrenders", HEADER_ONLY_SURRENDERS),
                                     ("surrenders.csv", None, None, "no data rows")),
    "undecodable text": (_undecodable, ("customers.csv", 3, "name", "undecodable text at byte")),
    "one megabyte cell": (_set("complaints", 0, "text", "很" * (1 << 20)),
                          ("complaints.csv", 2, "text", "cell too large")),
    "semicolon-separated": (_semicolons, ("agents.csv", 1, None,
                                          "the header is one column holding semicolons")),
    "a header written twice": (_header_twice, ("agents.csv", 1, "agent_id",
                                               "headers 'agent_id' and 'agent_id' both name column "
                                               "agent_id (columns 1 and 8)")),
    "ragged row": (_ragged, ("agents.csv", 3, None, "row has 2 cells, the header has 7")),
    "csv and parquet": (_both_formats, ("agents.csv", None, None, "both agents.csv and")),
}


# A required table without rows is an error of a whole book only: a daily export may hold one
# (no new requests today; a pseudonymized export holds every table).
WHOLE_BOOK_ONLY = {"empty file", "header only (required table)"}


@pytest.mark.parametrize("case", list(BAD_BOOKS))
def test_bad_book_is_rejected_and_store_unchanged(case: str, tmp_path: Path,
                                                  store: SQLiteStore) -> None:
    if case not in WHOLE_BOOK_ONLY:
        ingest_folder(write_book(tmp_path / "good"), store)
    before = snapshot(store)
    mutate, (file, row, column, reason) = BAD_BOOKS[case]
    folder = write_book(tmp_path / "bad")
    mutate(folder)
    errors_csv = tmp_path / "errors.csv"
    with pytest.raises(ValidationError) as caught:
        ingest_folder(folder, store, errors_out=errors_csv)
    matches = [p for p in caught.value.errors
               if (p.file, p.row, p.column) == (file, row, column) and p.reason.startswith(reason)]
    assert matches, [str(p) for p in caught.value.errors]
    assert snapshot(store) == before
    with errors_csv.open(encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    assert len(written) == len(caught.value.problems)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"])
def test_undecodable_text_after_a_cell_over_two_lines_names_its_row_and_column(tmp_path: Path, line_end: bytes,
                                                                               store: SQLiteStore) -> None:
    """A quoted address over two lines is one row: the bad byte of the next customer is in row 3,
    column address (an outside tester got row 4, a wrong column, and a traceback for a file whose
    lines end in CR alone)."""
    folder = write_book(tmp_path / "book")
    lines = (folder / "customers.csv").read_bytes().decode("utf-8").splitlines()
    header = lines[0].split(",")
    first = dict(zip(header, next(csv.reader([lines[1]])), strict=True))
    first["address"] = "江西省赣州市\n章贡区1号"
    second = lines[2].replace("章贡区2号", "章贡区\udcff2号")
    rows = [lines[0], ",".join(f'"{v}"' for v in first.values()), second]
    (folder / "customers.csv").write_bytes(line_end.join(r.encode("utf-8", "surrogateescape") for r in rows) + line_end)
    with pytest.raises(ValidationError) as refused:
        ingest_folder(folder, store)
    assert [(p.file, p.row, p.column) for p in refused.value.errors] == [("customers.csv", 3, "address")]


def test_a_stray_quote_is_the_one_error_shown_not_the_references_it_broke(tmp_path: Path) -> None:
    """A quote opened in customers.csv row 2 and never closed swallows every later customer:
    the error is that row, with the lines the quote ran over, and no policy, request or letter
    is reported for naming a customer the broken file no longer shows."""
    folder = write_book(tmp_path / "quote")
    path = folder / "customers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",", ',"', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert [str(p) for p in caught.value.errors] == [
        f"customers.csv row 2: row has 2 cells, the header has 6; a quote (\") opened in it runs "
        f"from line 2 to line {len(lines)}, so those {len(lines) - 1} lines were read as this one "
        "row: check its quotes [error]"]


def test_a_required_table_without_rows_is_the_one_error_shown_not_the_references_it_broke(tmp_path: Path) -> None:
    """policies.csv holds its header and nothing else: that is the error, and no request or
    letter is reported for naming a policy the empty file cannot show."""
    folder = write_book(tmp_path / "rowless")
    path = folder / "policies.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert [str(p) for p in caught.value.errors] == [
        "policies.csv: no data rows: a required table needs at least one record [error]"]


def test_a_missing_key_column_is_the_one_error_shown_not_the_references_it_broke(tmp_path: Path) -> None:
    """customers.csv's key column under a header the contract does not know (客户代码): the
    missing column is the error, and no policy, request or letter is reported for naming a
    customer the file cannot show (an outside test got 31 880 such errors, the cause among them)."""
    folder = write_book(tmp_path / "keyless")
    path = folder / "customers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0].replace("customer_id", "客户代码", 1), *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert [str(p) for p in caught.value.errors] == [
        "customers.csv row 1, column customer_id: required column missing [error]"]


def test_a_remark_after_a_number_does_not_flag_it_for_everyone(tmp_path: Path, store: SQLiteStore) -> None:
    """The first rendering of a phone carries a clerk's remark (flagged invalid); a later one is
    plain: the node takes its flags from the valid rendering, whatever the row order."""
    book = base_book()
    book["surrenders"][0]["contact_phone"] = "177 0007 5497（本人）"
    ingest_folder(write_book(tmp_path / "remark", book), store)
    phone = store.get_node("Phone", "+8617700075497")
    assert phone is not None and (phone.props["kind"], phone.props["valid"]) == ("mobile", True)


def test_a_representative_known_only_by_phone_is_kept(tmp_path: Path, store: SQLiteStore) -> None:
    """Two requests brought by someone who left no name or ID number, only a phone: one
    representative node ties them, with the phone."""
    book = base_book()
    for claim in book["surrenders"]:
        claim["representative_name"] = ""
        claim["representative_id_number"] = ""
    ingest_folder(write_book(tmp_path / "phone-only", book), store)
    person = store.neighbourhood("Person", "|+8617700075497", depth=1)
    assert sorted(n.key for n in person.nodes if n.label == "Claim") == ["S1", "S2"]
    assert any(n.label == "Phone" and n.key == "+8617700075497" for n in person.nodes)


def test_placeholders_are_empty_cells_never_shared_identifiers(tmp_path: Path, store: SQLiteStore) -> None:
    """``无`` and ``同上`` typed by two clerks for two strangers link nobody, and a representative
    phone of ``无`` is no representative."""
    book = base_book()
    for claim, placeholder in zip(book["surrenders"], ("无", "同上"), strict=True):
        claim.update(contact_phone=placeholder, payout_account=" 无 ", representative_name="",
                     representative_phone=placeholder)
    ingest_folder(write_book(tmp_path / "placeholders", book), store)
    phones = set(store.nodes_frame("Phone")["key"])
    assert not phones & {"无", "同上"} and "+8617700075497" in phones  # the complaint's phone
    assert store.counts().nodes.get("Person", 0) == 0
    accounts = set(store.nodes_frame("BankAccount")["key"])
    assert "无" not in accounts


def test_old_mac_line_endings_are_read(tmp_path: Path, store: SQLiteStore) -> None:
    """A file whose lines end in CR alone reads as the same rows as with LF."""
    folder = write_book(tmp_path / "cr")
    path = folder / "customers.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    ingest_folder(folder, store)
    with SQLiteStore(tmp_path / "lf.db") as plain:
        ingest_folder(write_book(tmp_path / "lf"), plain)
        assert snapshot(store)[0] == snapshot(plain)[0]


def test_header_only_optional_table_is_fine(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "book")
    write_table(folder, "complaints", [])
    book = read_book(folder)
    assert book.rows["complaints"] == 0
    assert [p for p in book.warnings if p.file == "complaints.csv"] == []


def test_every_problem_is_collected(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "book")
    for mutate in (_set("surrenders", 0, "request_date", "soon"),
                   _drop_column("policies", "issue_date"), _bytes("agents", b"")):
        mutate(folder)
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    found = {(p.file, p.column) for p in caught.value.errors}
    assert {("surrenders.csv", "request_date"), ("policies.csv", "issue_date"),
            ("agents.csv", None)} <= found


def test_a_missing_column_is_one_error_not_one_per_row(tmp_path: Path) -> None:
    folder = write_book(tmp_path / "book")
    _drop_column("surrenders", "request_date")(folder)
    with pytest.raises(ValidationError) as caught:
        read_book(folder)
    assert [(p.file, p.row, p.column, p.reason) for p in caught.value.errors] == [
        ("surrenders.csv", 1, "request_date", "required column missing")]


def test_errors_csv_neutralises_formula_cells(tmp_path: Path, store: SQLiteStore) -> None:
    book = base_book()
    book["customers"][1]["customer_id"] = "=HYPERLINK(\"http://x\",\"C1\")"
    book["policies"][1]["customer_id"] = "=HYPERLINK(\"http://x\",\"C1\")"
    book["surrenders"][1]["customer_id"] = "+cmd|' /C calc'!A0"
    book["agents"][0]["status"] = "@SUM(1)"
    book["surrenders"][0]["cash_value"] = "-2+3"
    errors_csv = tmp_path / "errors.csv"
    with pytest.raises(ValidationError):
        ingest_folder(write_book(tmp_path / "book", book), store, errors_out=errors_csv)
    with errors_csv.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'+cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells and "'-2+3" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert store.counts().nodes["Customer"] == 0


def test_a_key_that_differs_only_in_letter_case_is_read_as_another_record_with_a_warning(tmp_path: Path) -> None:
    """Keys are kept as typed, so `s2` is another request than `S2`; a clerk's lower-case copy is
    almost surely the same one, so the ingest says so (a warning: the load goes on)."""
    book = base_book()
    book["surrenders"].append({**book["surrenders"][1], "claim_id": "s2"})
    read = read_book(write_book(tmp_path / "book", book))
    assert [p for p in read.warnings if p.column == "claim_id"] == [Problem(
        "surrenders.csv", 4, "claim_id", "s2",
        "claim_id differs only in letter case from the one at row 3: read as another record", "warning")]
    assert len(read.tables["surrenders"]) == 3


def test_problem_values_are_masked(tmp_path: Path) -> None:
    book = base_book()
    book["customers"].append({**book["customers"][0]})
    with pytest.raises(ValidationError) as caught:
        read_book(write_book(tmp_path / "book", book))
    dup = [p for p in caught.value.errors if p.column == "customer_id"]
    assert dup == [Problem("customers.csv", 4, "customer_id", "C1",
                           "duplicate customer_id (first at row 2)")]
    assert MAX_CELL_CHARS < 1 << 20


# ------------------------------------------------------------------------------- docs
def test_contract_markdown_lists_every_table_and_alias() -> None:
    text = contract_markdown()
    for name in CONTRACT:
        assert f"| {name} (" in text
    assert "保单号" in text and "refund_type (cash_value / full_premium)" in text


@pytest.mark.parametrize("module", ["contract", "problems", "reader", "validate", "build",
                                    "pipeline"])
def test_module_doctests(module: str) -> None:
    mod = importlib.import_module(f"ingest.{module}")
    assert doctest.testmod(mod).failed == 0


def test_clear_marker_clears_single_valued_fields_in_csv_and_parquet(tmp_path: Path,
                                                                      store: SQLiteStore) -> None:
    """``#CLEAR`` (any case, full-width too) says the record has no such value any more: the
    relationship goes, an identifier nobody uses any more goes with it; a blank cell keeps."""
    ingest_folder(write_book(tmp_path / "book"), store)
    request = {**base_book()["surrenders"][0], "contact_phone": "＃ｃｌｅａｒ", "payout_account": "",
               "payout_account_name": "", "representative_name": "#CLEAR",
               "representative_phone": "", "cash_value": "1200.5"}
    export = tmp_path / "export"
    export.mkdir()
    pd.DataFrame([request]).to_parquet(export / "surrenders.parquet")
    write_table(export, "customers", [{**base_book()["customers"][1], "address": "#Clear"}])
    report = ingest_folder(export, store)
    assert (report.removed.replaced, report.removed.cleared, report.removed.orphans) == (0, 3, 1)
    assert store.edges_from(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["S1"]).empty
    claim = store.get_node(Label.CLAIM, "S1")
    assert claim is not None and "representative_name" not in claim.props
    assert claim.props["payout_account_name"] == "某咨询公司"  # blank: kept
    assert store.edges_from(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, ["S1"]).empty
    assert store.edges_from(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS, ["C2"]).empty
    assert store.get_node(Label.ADDRESS, "江西省赣州市章贡区2号") is None
    # S2 still names the same representative and phone; the blank payout account kept its value.
    assert store.edges_from(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, ["S2"])["dst"].tolist() == [
        "王五|+8617700075497"]
    assert store.edges_from(Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT, ["S1"])["dst"].tolist() == [CARD_B]


def test_clear_marker_where_it_clears_nothing_or_beside_a_value_is_refused(tmp_path: Path,
                                                                          store: SQLiteStore) -> None:
    ingest_folder(write_book(tmp_path / "book"), store)
    before = snapshot(store)
    request = {**base_book()["surrenders"][0], "reason_text": "#CLEAR",
               "representative_id_number": "#CLEAR"}
    export = tmp_path / "export"
    export.mkdir()
    write_table(export, "surrenders", [request])
    with pytest.raises(ValidationError) as refused:
        ingest_folder(export, store)
    assert [(p.file, p.row, p.column, p.reason) for p in refused.value.errors] == [
        ("surrenders.csv", 2, "reason_text",
         "#CLEAR clears a record's phone, address, account or representative, and reason_text holds "
         "none of them (columns it clears here: contact_phone, payout_account, payout_account_name, "
         "representative_name, representative_id_number, representative_phone)"),
        ("surrenders.csv", 2, "representative_name",
         "#CLEAR in this row clears the representative, and this cell names one: leave it blank, or "
         "write #CLEAR here too"),
        ("surrenders.csv", 2, "representative_phone",
         "#CLEAR in this row clears the representative, and this cell names one: leave it blank, or "
         "write #CLEAR here too")]
    assert snapshot(store) == before


def test_one_building_typed_two_ways_is_one_address(tmp_path: Path, store: SQLiteStore) -> None:
    book = base_book()
    book["customers"][0]["address"] = "江西省赣州市章贡区红旗大道1号10栋2单元301室"
    book["customers"][1]["address"] = "赣州市 章贡区红旗大道1号十幢二单元号301室"  # no province
    ingest_folder(write_book(tmp_path / "book", book), store)
    lives = store.edges_frame(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS)
    assert lives["dst"].tolist() == ["赣州市章贡区红旗大道1号10栋2单元301室"] * 2
    assert lives.sort_values("src")["raw"].tolist()[1] == "赣州市 章贡区红旗大道1号十幢二单元号301室"


def test_a_store_with_addresses_keyed_by_the_older_rule_is_refused(tmp_path: Path,
                                                                   store: SQLiteStore) -> None:
    """A store written before building words were read as one holds ``10幢`` as its own key:
    a load would put ``10栋`` beside it, so ingest refuses and says what to do."""
    ingest_folder(write_book(tmp_path / "book"), store)
    store.load(GraphBundle(nodes=[NodeBatch(Label.ADDRESS, pd.DataFrame({"key": ["红旗大道1号10幢"]}))]))
    before = snapshot(store)
    with pytest.raises(InputError) as refused:
        ingest_folder(write_book(tmp_path / "day", _daily_export()), store)
    assert str(refused.value) == (
        "the store holds 1 addresses keyed before 栋, 幢 and 号楼 (and 单元, 号单元 and 单元号, and "
        "Chinese numerals before them) were read as one and a leading province left out; loading into "
        "it would give one building two addresses: ingest the books again into a new store")
    assert snapshot(store) == before


def test_a_change_record_sent_again_for_another_customer_is_a_correction_with_a_warning(
        tmp_path: Path, store: SQLiteStore) -> None:
    ingest_folder(write_book(tmp_path / "book"), store)
    moved = {**base_book()["contact_changes"][0], "customer_id": "C2", "field": "地址",
             "new_value": "江西省赣州市章贡区2号"}
    report = ingest_folder(write_book(tmp_path / "day", {"contact_changes": [moved]}), store)
    assert [(p.file, p.row, p.column, p.reason, p.value) for p in report.warnings] == [
        ("contact_changes.csv", 2, "customer_id",
         "H1 is stored with customer_id C1: read as a change: C1 is replaced, as from this export", "C2"),
        ("contact_changes.csv", 2, "field",
         "H1 is stored with field phone: read as a change: phone is replaced, as from this export",
         "address")]
    assert store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.PHONE, ["C1"]).empty
    assert store.edges_from(Label.CUSTOMER, Rel.CHANGED_TO, Label.ADDRESS, ["C2"])["change_id"].tolist() == ["H1"]
    again = ingest_folder(write_book(tmp_path / "again", {"contact_changes": [moved]}), store)
    assert again.warnings == []  # the same record once more: nothing moves


def test_a_daily_export_may_hold_required_tables_without_rows(tmp_path: Path, store: SQLiteStore) -> None:
    ingest_folder(write_book(tmp_path / "book"), store)
    export = write_book(tmp_path / "day", {**_daily_export(), "customers": [], "policies": [], "agents": []})
    (export / "agents.csv").write_bytes(b"")
    report = ingest_folder(export, store)
    assert report.rows["surrenders"] == 1 and report.rows["customers"] == 0
    assert [(p.file, p.reason) for p in report.warnings] == [
        ("agents.csv", "empty file: read as a table with no rows")]
    assert store.counts().nodes["Claim"] == 3


@pytest.mark.parametrize(("name", "reason"), [
    ("Customers.CSV", "not read: name it customers.csv (lower case, no spaces)"),
    ("customers .csv", "not read: name it customers.csv (lower case, no spaces)"),
    ("customers.xlsx", "a spreadsheet workbook is not read: save its sheet as customers.csv "
                       "(UTF-8) or customers.parquet"),
    ("customers.txt", "not read: the customers table is read from customers.csv or customers.parquet"),
    ("ｃｕｓｔｏｍｅｒｓ.csv", "not read: name it customers.csv (lower case, no spaces)"),
])
def test_a_table_in_a_file_named_another_way_says_how_to_name_it(
        tmp_path: Path, store: SQLiteStore, name: str, reason: str) -> None:
    """A user saw only "required file missing" beside a file plainly holding the table."""
    folder = write_book(tmp_path / "book")
    (folder / "customers.csv").rename(folder / name)
    before = snapshot(store)
    with pytest.raises(ValidationError) as refused:
        ingest_folder(folder, store)
    assert sorted((p.file, p.reason) for p in refused.value.errors) == sorted([
        (name, reason), ("customers.csv", "required file missing (customers.csv or customers.parquet)")])
    assert snapshot(store) == before


def test_the_workbook_a_table_was_saved_from_is_a_warning(tmp_path: Path, store: SQLiteStore) -> None:
    folder = write_book(tmp_path / "book")
    (folder / "Customers.xlsx").write_bytes(b"PK\x03\x04")
    report = ingest_folder(folder, store)
    assert [(w.file, w.reason) for w in report.warnings if w.file != "customers.csv"] == [
        ("Customers.xlsx", "a spreadsheet workbook is not read: save its sheet as customers.csv "
                           "(UTF-8) or customers.parquet")]
    assert report.rows["customers"] == len(base_book()["customers"])


def test_dates_out_of_order_between_records_are_kept_with_a_warning(tmp_path: Path,
                                                                    store: SQLiteStore) -> None:
    """A request before its policy's issue date, a leave before the hire: accepted without a
    word before; a typo or a record rewritten later, which only the source can tell."""
    book = base_book()
    book["surrenders"][0]["request_date"] = "2017-12-31"  # P1 issued 2018-01-01
    book["agents"][0]["hire_date"] = "2023-07-01"  # left 2023-06-30
    report = ingest_folder(write_book(tmp_path / "book", book), store)
    assert sorted((w.file, w.row, w.column, w.reason) for w in report.warnings
                  if w.column in ("request_date", "leave_date")) == [
        ("agents.csv", 2, "leave_date", "before the hire date (2023-07-01): kept; a rehired agent's "
                                        "dates, or a typo?"),
        ("surrenders.csv", 2, "request_date", "dated before its policy's issue date (2018-01-01): "
                                              "kept; check both dates")]
    assert report.rows["surrenders"] == len(book["surrenders"])


def test_a_daily_exports_dates_are_checked_against_stored_policies(tmp_path: Path, store: SQLiteStore) -> None:
    """A request of a policy loaded long ago, dated before its stored issue date, is warned
    about as in one folder; a stored policy sent again with another issue date is a correction
    said aloud (both passed without a word)."""
    ingest_folder(write_book(tmp_path / "book"), store)
    request = {**base_book()["surrenders"][1], "claim_id": "S3", "request_date": "2019-01-15"}
    reissued = {**base_book()["policies"][0], "issue_date": "2018-02-01"}
    report = ingest_folder(write_book(tmp_path / "day", {"surrenders": [request], "policies": [reissued]}), store)
    assert sorted((w.file, w.row, w.column, w.value, w.reason) for w in report.warnings
                  if w.column in ("request_date", "issue_date")) == [
        ("policies.csv", 2, "issue_date", "2018-02-01",
         "P1 is stored with issue_date 2018-01-01: read as a change: 2018-01-01 is replaced, as from this export"),
        ("surrenders.csv", 2, "request_date", "2019-01-15",
         "dated before its policy's issue date (2019-02-03): kept; check both dates")]
    policy = store.get_node(Label.POLICY, "P1")
    assert policy is not None and policy.props["issue_date"] == "2018-02-01"


def test_a_table_in_both_forms_or_in_a_folder_is_reported_once(tmp_path: Path, store: SQLiteStore) -> None:
    """Both customers.csv and customers.parquet: one error, not also "name it customers.csv"
    for each (an outside tester's report); a folder named customers.csv says it is a folder."""
    folder = write_book(tmp_path / "book")
    pd.read_csv(folder / "customers.csv", dtype=str).to_parquet(folder / "customers.parquet")
    with pytest.raises(ValidationError) as refused:
        ingest_folder(folder, store)
    assert [(p.file, p.reason) for p in refused.value.errors if p.file.startswith("customers")] == [
        ("customers.csv", "both customers.csv and customers.parquet exist; keep only one")]
    (folder / "customers.parquet").unlink()
    (folder / "customers.csv").rename(folder / "saved.csv")
    (folder / "customers.csv").mkdir()
    with pytest.raises(ValidationError) as refused:
        ingest_folder(folder, store)
    assert ("customers.csv", "a folder, not a file: the customers table is read from customers.csv or "
            "customers.parquet") in [(p.file, p.reason) for p in refused.value.errors]
