"""``python -m benchmarks`` runs its parts through the scripts' own functions and prints one table
(no timings are asserted: the figures are the point of the command, not of the tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_one_table_with_baselines_machine_and_date(tmp_path: Path) -> None:
    out = _run("--only", "detect,quality", "--customers", "800", "--work", str(tmp_path),
               "--json", str(tmp_path / "figures.json"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("RingScope benchmarks, ") and "800 customers per book" in lines[0]
    assert lines[1].startswith("Machine: ") and " cores (" in lines[1] and "GiB memory" in lines[1]
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| benchmark | what | RingScope | baseline, same run | ratio | peak memory |"
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| detection", "| quality, hard", "| quality, realistic"]
    assert "(b) whole-graph python-louvain: " in table[2] and "× faster" in table[2]
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    claims = len(pd.read_csv(tmp_path / "book-800-hard-1" / "surrenders.csv"))
    assert figures["detect"]["claims"] == claims and figures["detect"]["peak_mb"] > 0
    assert f"hard book: {claims} claims" in table[2]
    methods = {(r["kind"], r["method"]) for r in figures["quality"]}
    assert methods == {(f"generated:{d}", m) for d in ("hard", "realistic")
                       for m in ("ringscope", "baseline_a_shared_ids", "baseline_b_louvain")}
    assert "; AUC " in table[3] and "; AUC " in table[4]


def test_a_script_runs_by_name_and_unknown_parts_are_refused() -> None:
    named = _run("lookup", "--help")
    assert named.returncode == 0 and "--baseline-lookups" in named.stdout
    assert named.stdout.startswith("usage: python -m benchmarks lookup")
    wrong = _run("--only", "ingest,speed")
    assert wrong.returncode == 2 and "unknown part(s) speed" in wrong.stderr
