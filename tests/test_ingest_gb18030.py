"""A book exported by another insurer: Chinese headers, GB18030 text, resident ID numbers from
every province (issued by counties often younger than their holders). It must give the same
graph as its UTF-8 twin with the contract's English headers, and its valid ID numbers must
not be flagged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import ric

from graph.keys.id_numbers import region_codes
from graph.sqlite_store import SQLiteStore
from ingest import CONTRACT, ingest_folder
from ingest.synthetic import BookConfig, generate_book


def _from_every_region(ids: pd.Series) -> pd.Series:
    """The same people's numbers with region codes from the whole table, in turn (every
    province, codes of every era), check characters recomputed."""
    codes = sorted(region_codes())
    out = ids.copy()
    typed = ids.str.replace(" ", "", regex=False).str.upper()
    for n, (row, number) in enumerate(typed[typed != ""].items()):
        body = codes[(n * 7919) % len(codes)] + number[6:17]
        out[row] = body + ric.calc_check_digit(body + "0")
    return out


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("twins")
    generate_book(root / "generated", BookConfig(customers=1500, seed=11))
    english, chinese = root / "utf8", root / "gb18030"
    english.mkdir()
    chinese.mkdir()
    for name, table in CONTRACT.items():
        frame = pd.read_csv(root / "generated" / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "customers":
            frame["id_number"] = _from_every_region(frame["id_number"])
        frame.to_csv(english / f"{name}.csv", index=False, encoding="utf-8")
        headers = {c.name: c.aliases[0] for c in table.columns}
        if name == "agents":  # 业 in GB18030 (D2 B5) is also a valid UTF-8 pair
            headers["agent_id"] = "业务员工号"
        frame.rename(columns=headers).to_csv(chinese / f"{name}.csv", index=False,
                                             encoding="gb18030")
    return english, chinese


def test_chinese_headers_in_gb18030_give_the_same_graph(twins: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    english, chinese = twins
    first_header = (chinese / "agents.csv").read_bytes().split(b",")[0]
    assert first_header == "业务员工号".encode("gb18030")
    assert first_header[:2].decode("utf-8") == "\u04b5"
    with pytest.raises(UnicodeDecodeError):
        (chinese / "customers.csv").read_bytes().decode("utf-8")
    with SQLiteStore(tmp_path / "en.db") as en, SQLiteStore(tmp_path / "zh.db") as zh:
        en_report, zh_report = ingest_folder(english, en), ingest_folder(chinese, zh)
        assert (zh_report.nodes, zh_report.relationships) == (en_report.nodes,
                                                               en_report.relationships)
        en_graph, zh_graph = en.to_networkx(), zh.to_networkx()
        assert dict(zh_graph.nodes(data=True)) == dict(en_graph.nodes(data=True))
        assert sorted(zh_graph.edges(keys=True, data=True)) == sorted(
            en_graph.edges(keys=True, data=True))
        assert en.counts().nodes["Customer"] == 1500


def test_valid_id_numbers_from_every_province_are_not_flagged(twins: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    _, chinese = twins
    ids = pd.read_csv(chinese / "customers.csv", dtype=str, keep_default_na=False,
                      encoding="gb18030")["身份证号"]
    ids = ids[ids != ""]
    assert ids.str[:2].nunique() >= 30  # every province
    flagged_by_birth_year_rule = sum(not ric.is_valid(i) for i in ids)
    assert flagged_by_birth_year_rule > 0.1 * len(ids)  # the book would catch that rule
    with SQLiteStore(tmp_path / "zh.db") as store:
        report = ingest_folder(chinese, store)
        flagged = [p for p in report.warnings if p.column == "id_number"]
        assert len(flagged) < 0.01 * len(ids), flagged[:5]
        customers = store.nodes_frame("Customer")
        assert customers["id_valid"].sum() >= 0.99 * len(ids)
