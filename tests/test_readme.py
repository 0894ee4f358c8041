"""The README states what the code does: the input contract tables and the table of how cells
are read are the code's own."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.contract import contract_markdown
from ingest.readings import readings_markdown

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _between(name: str) -> str:
    match = re.search(rf"<!-- {name}:start -->\n(.*?)\n<!-- {name}:end -->", README, re.S)
    assert match, f"README lacks the {name} block"
    return match.group(1).strip()


def test_contract_tables_match_the_code() -> None:
    main, _, aliases = contract_markdown().partition("\n\n")
    assert _between("contract") == main.strip()
    assert _between("aliases") == aliases.strip()


def test_readings_table_matches_the_code() -> None:
    assert _between("readings") == readings_markdown().strip()


def test_two_commands_at_the_top() -> None:
    top = README[:1500]
    assert "make demo" in top and "make test" in top
