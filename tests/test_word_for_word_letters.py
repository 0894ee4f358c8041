"""A ring that sends the public complaint letter word for word, in a realistic book where
honest complainers send it too (``../shared/domain.md``: "Rings use the public template too";
honest copies arrive "months apart, from all over the region"). Real generator, real CSV
files, real ingest and detection."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from detectors.params import DetectionParams
from detectors.pipeline import detect
from graph.sqlite_store import SQLiteStore
from ingest.pipeline import ingest_folder
from ingest.synthetic import BookConfig, generate_book

SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
WORD_FOR_WORD = ("【退保维权模板】本人{name}，保单号{policy}。本人在购买保险时，业务员存在以下销售误导行为："
                 "一、夸大保险收益，承诺高额回报；二、隐瞒退保损失，未告知前期退保只能拿回少量现金价值；"
                 "三、未让本人亲自抄录风险提示语句并代签名；四、未进行有效回访。根据《保险法》及相关监管规定，"
                 "上述行为属于销售误导，保险合同应予撤销。本人要求全额退还已交保费，如不处理，将向金融监管部门"
                 "12378投诉。")
"""A public template its users fill in with a name and a policy number only."""
RING_DAYS = [date(2024, 5, 6) + timedelta(days=4 * k) for k in range(6)]
WINDOW = 30
"""Member expansion's window around a ring (``expansion_margin_days``)."""


def _append(folder: Path, table: str, rows: list[dict[str, str]]) -> None:
    with open(folder / f"{table}.csv", newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with open(folder / f"{table}.csv", "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writerows({k: row.get(k, "") for k in header} for row in rows)


def _book(folder: Path) -> dict[str, date]:
    """A generated realistic book plus twenty honest complainers sending the template word for
    word every five weeks over two years, six more in the ring's weeks, and the ring of six
    (one contact phone and one payout account, an agency's). The honest ones' request days."""
    generate_book(folder, BookConfig(customers=3_000, seed=23, difficulty="realistic"))
    with open(folder / "agents.csv", encoding="utf-8") as handle:
        agents = [a["agent_id"] for a in csv.DictReader(handle) if a["status"] == "active"]
    rows: dict[str, list[dict[str, str]]] = {"customers": [], "policies": [], "surrenders": [], "complaints": []}
    honest: dict[str, date] = {}

    def member(i: int, day: date, phone: str, account: str, payee: str | None, full: bool) -> str:
        cid, pid, sid, name = f"CW{i:03d}", f"PW{i:03d}", f"SW{i:03d}", f"{SURNAMES[i % len(SURNAMES)]}{'明华秀英'[i % 4]}{i}"
        rows["customers"].append({"customer_id": cid, "name": name, "phone": f"1376{i:07d}",
                                  "address": f"江西省南昌市东湖区{i}号", "bank_account": f"62220210{i:08d}"})
        rows["policies"].append({"policy_id": pid, "customer_id": cid, "agent_id": agents[i % len(agents)],
                                 "product": "鑫福年年年金保险", "issue_date": "2018-03-15",
                                 "annual_premium": "10000.00", "premiums_paid": "50000.00"})
        rows["surrenders"].append({
            "claim_id": sid, "policy_id": pid, "customer_id": cid, "request_date": day.isoformat(),
            "channel": "counter", "reason_code": "complaint_misselling" if full else "product_unsuitable",
            "contact_phone": phone, "payout_account": account, "payout_account_name": payee or name,
            "cash_value": "21000.00", "requested_amount": "50000.00" if full else "21000.00",
            "refund_type": "full_premium" if full else "cash_value"})
        rows["complaints"].append({
            "complaint_id": f"QW{i:03d}", "policy_id": pid, "customer_id": cid,
            "received_date": (day - timedelta(days=8)).isoformat(), "channel": "letter",
            "text": WORD_FOR_WORD.format(name=name, policy=pid), "contact_phone": phone})
        return sid

    for i in range(20):
        day = date(2023, 1, 10) + timedelta(days=36 * i + (7 * i) % 20)
        honest[member(i, day, f"1376{i:07d}", f"62220210{i:08d}", None, i % 2 == 0)] = day
    for i in range(20, 26):
        day = date(2024, 5, 8) + timedelta(days=3 * (i - 20))
        honest[member(i, day, f"1376{i:07d}", f"62220210{i:08d}", None, True)] = day
    for k, day in enumerate(RING_DAYS):
        member(30 + k, day, "15637700991", "6217002430011223345", "郑州安心法律咨询有限公司", True)
    for table, added in rows.items():
        _append(folder, table, added)
    return honest


def test_honest_copies_filed_weeks_away_from_a_ring_sending_the_letter_word_for_word_stay_out(
        tmp_path: Path) -> None:
    """The crowd of verbatim letters in the ring's weeks links honest copies to it by their
    letters alone (verbatim copies are all equally close). The ring is found whole, and no
    honest copy filed more than thirty days before its first or after its last request is part
    of it: outside the window member expansion gives a ring, a letter alone ties nobody to it."""
    honest = _book(tmp_path / "book")
    store = SQLiteStore(tmp_path / "graph.db")
    ingest_folder(tmp_path / "book", store)
    result = detect(store, DetectionParams(seed=1))
    ring = {f"SW{30 + k:03d}" for k in range(6)}
    found = [r for r in result.rings if set(r.claim_ids) & ring]
    assert [set(r.claim_ids) & ring for r in found] == [ring] and found[0].score >= 0.5
    lo, hi = RING_DAYS[0] - timedelta(days=WINDOW), RING_DAYS[-1] + timedelta(days=WINDOW)
    far = {c for c in found[0].claim_ids if c in honest and not lo <= honest[c] <= hi}
    assert far == set()
    store.close()
