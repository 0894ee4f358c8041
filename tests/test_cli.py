"""The ``ringscope`` command line, run for real on SQLite files."""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.connect import open_store
from graph.sqlite_store import new_store_file

runner = CliRunner()


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "book"
    result = runner.invoke(app, ["generate", str(folder), "--customers", "800", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return folder


def _stats(store: str) -> dict[str, dict[str, int]]:
    result = runner.invoke(app, ["stats", "--store", store, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_evaluate_takes_the_books_own_truth_for_a_book_loaded_with_an_insurer_code(book: Path, tmp_path: Path) -> None:
    """``--insurer PA`` keys claims ``PA:id``; the book's truth names them ``id``: the figures are
    those of the same book loaded without a code, not a refusal."""
    figures = {}
    for code in ("", "PA"):
        store = f"sqlite:///{tmp_path / (code or 'plain')}.db"
        loaded = runner.invoke(app, ["ingest", str(book), "--store", store, *(["--insurer", code] if code else [])])
        assert loaded.exit_code == 0, loaded.output
        assert runner.invoke(app, ["detect", "--store", store]).exit_code == 0
        evaluated = runner.invoke(app, ["evaluate", "--store", store, "--truth", str(book / "truth.csv"), "--json"])
        assert evaluated.exit_code == 0, evaluated.output
        figures[code] = {row["method"]: (row["claim_f1"], row["ring_recall"]) for row in json.loads(evaluated.stdout)}
        full = json.loads(evaluated.stdout)[0]
    assert figures["PA"] == figures[""] and figures["PA"]["ringscope"][0] > 0.5
    other = tmp_path / "other-truth.csv"
    other.write_text("claim_id,ring_id\nNOPE1,R1\nPB:NOPE2,R1\n", encoding="utf-8")
    pa_store = f"sqlite:///{tmp_path / 'PA.db'}"
    refused = runner.invoke(app, ["evaluate", "--store", pa_store, "--truth", str(other)])
    assert refused.exit_code == 2 and "2 of the 2 claims the truth names are not in the store" in refused.output
    assert "the store's claims carry the insurer code PA, the truth's PB" in refused.output
    # an outside tester: each of these gave figures, or a traceback, rather than a refusal
    rows = (book / "truth.csv").read_text(encoding="utf-8").splitlines()
    for name, text, says in (("empty.csv", "", "is empty"), ("header.csv", rows[0] + "\n", "names no claims"),
                             ("twice.csv", "\n".join([rows[0], rows[1], rows[1]]) + "\n", "more than once (lines 2, 3)")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        answer = runner.invoke(app, ["evaluate", "--store", pa_store, "--truth", str(tmp_path / name)])
        assert answer.exit_code == 2 and says in answer.output, (name, answer.output)
    # a truth of part of the book: the claims it does not name are left out, and the answer says so
    planted = [r for r in rows[1:] if r.split(",")[1]]
    kept = [rows[0], *planted, *[r for r in rows[1:] if not r.split(",")[1]][:5]]
    part = tmp_path / "part.csv"
    part.write_text("\n".join(kept) + "\n", encoding="utf-8")
    halved = runner.invoke(app, ["evaluate", "--store", pa_store, "--truth", str(part), "--json"])
    assert halved.exit_code == 0 and f"holds {len(rows) - len(kept):,} claims the truth does not name" in halved.output
    ours = json.loads(halved.stdout)[0]
    assert (ours["claim_recall"], ours["ring_recall"]) == (full["claim_recall"], full["ring_recall"]) and planted
    undetected = f"sqlite:///{tmp_path / 'undetected.db'}"
    assert runner.invoke(app, ["ingest", str(book), "--store", undetected]).exit_code == 0
    ran = runner.invoke(app, ["evaluate", "--store", undetected, "--truth", str(book / "truth.csv")])
    assert ran.exit_code == 0 and "detection ran for this evaluation and stored nothing" in ran.output
    assert "no detection run" not in halved.output


def test_generate_ingest_stats_detect_export(book: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'g.db'}"
    assert sorted(p.name for p in book.iterdir()) == sorted(
        f"{t}.csv" for t in ("agents", "customers", "policies", "surrenders", "complaints",
                              "contact_changes", "watchlist", "truth")
    )
    result = runner.invoke(app, ["ingest", str(book), "--store", store])
    assert result.exit_code == 0, result.output
    counts = _stats(store)
    assert counts["nodes"]["Customer"] == 800
    with (book / "surrenders.csv").open(encoding="utf-8") as f:
        assert counts["nodes"]["Claim"] == sum(1 for _ in f) - 1
    again = runner.invoke(app, ["ingest", str(book), "--store", store])
    assert again.exit_code == 0 and _stats(store) == counts

    detected = runner.invoke(app, ["detect", "--store", store])
    assert detected.exit_code == 0, detected.output
    assert "rings" in detected.stdout
    exported = runner.invoke(app, ["export", "rings", "--store", store])
    assert exported.exit_code == 0
    rings = json.loads(exported.stdout)
    assert rings and [r["score"] for r in rings] == sorted((r["score"] for r in rings), reverse=True)
    assert all(len(r["claim_ids"]) >= 2 for r in rings)
    assert set(rings[0]) >= {"ring_id", "score", "level", "claim_ids", "customer_ids", "agent_ids",
                             "identifiers", "evidence", "first_request_date", "last_request_date"}
    evaluated = runner.invoke(app, ["evaluate", "--store", store, "--truth", str(book / "truth.csv"), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    figures = {row["method"]: row for row in json.loads(evaluated.stdout)}
    assert set(figures) == {"ringscope", "baseline_a_shared_ids", "baseline_b_louvain"}
    assert figures["ringscope"]["claim_f1"] > figures["baseline_a_shared_ids"]["claim_f1"]
    other = tmp_path / "other-truth.csv"
    other.write_text("claim_id,ring_id\nNOPE1,R1\nNOPE2,R1\n", encoding="utf-8")
    refused = runner.invoke(app, ["evaluate", "--store", store, "--truth", str(other)])
    assert refused.exit_code == 2 and "2 of the 2 claims the truth names are not in the store" in refused.output
    wrong = runner.invoke(app, ["evaluate", "--store", store, "--truth", str(book / "customers.csv")])
    assert wrong.exit_code == 2 and "needs columns claim_id and ring_id" in wrong.output
    assert all(r["case"]["status"] == "new" for r in rings)
    with open_store(store) as graph:
        graph.change_case(rings[0]["ring_id"], "investigating", "张伟", "调取录像", assignee="张伟")
    out = tmp_path / "rings.csv"
    as_csv = runner.invoke(app, ["export", "rings", "--store", store, "--format", "csv", "--out", str(out)])
    assert as_csv.exit_code == 0 and out.read_bytes().startswith(b"\xef\xbb\xbfring_id,")  # BOM: Excel reads UTF-8
    assert runner.invoke(app, ["export", "rings", "--store", store, "--format", "csv"]).stdout_bytes == out.read_bytes()
    assert exported.stdout_bytes.startswith(b"[")  # JSON carries no byte-order mark
    first = next(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert (first["ring_id"], first["case_status"], first["assignee"], first["last_note"],
            first["realerted"]) == (rings[0]["ring_id"], "investigating", "张伟", "调取录像", "false")
    case = json.loads(runner.invoke(app, ["export", "rings", "--store", store]).stdout)[0]["case"]
    assert (case["status"], case["assignee"], case["last_note"], case["realerted"]) == (
        "investigating", "张伟", "调取录像", False)


def test_invalid_input_exits_2_and_leaves_store_unchanged(book: Path, tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'g.db'}"
    assert runner.invoke(app, ["ingest", str(book), "--store", store]).exit_code == 0
    before = _stats(store)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in book.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    lines = (broken / "policies.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[2], "NO-SUCH-AGENT", 1)
    (broken / "policies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors_file = tmp_path / "errors.csv"
    result = runner.invoke(app, ["ingest", str(broken), "--store", store, "--errors", str(errors_file)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "policies.csv row 4, column agent_id: refers to a record not in agents nor in the store" in result.output
    assert errors_file.read_bytes().startswith(b"\xef\xbb\xbffile,row,column,")
    assert "policies.csv,4,agent_id,NO-SUCH-AGENT,refers to a record not in agents nor in the store,error" in (
        errors_file.read_text(encoding="utf-8-sig")
    )
    assert _stats(store) == before


def test_a_refusal_showing_some_errors_says_where_all_are(book: Path, tmp_path: Path) -> None:
    """The message shows three errors; "(and 5 more)" did not say where the rest are."""
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in book.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    lines = (broken / "policies.csv").read_text(encoding="utf-8").splitlines()
    for k in range(1, 9):
        lines[k] = lines[k].replace(lines[k].split(",")[2], f"NO-SUCH-AGENT-{k}", 1)
    (broken / "policies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(broken), "--store", f"sqlite:///{tmp_path}/g.db"])
    assert result.exit_code == 2
    assert "(and 5 more); --errors FILE lists every problem, warnings too" in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "--store", "mysql://x"], "unsupported store URL"),
        (["stats", "--store", "sqlite:///{tmp}/typo.db"], "no store at"),
        (["generate", "{tmp}/b", "--seed", "-1"], "seed must be a non-negative integer"),
        (["generate", "{tmp}/b", "--insurers", "PA,PA"], "--insurers names PA more than once"),
        (["generate", "{tmp}/b", "--insurers", "PA"], "--insurers needs two or more insurer codes"),
        (["reveal", "{tmp}", "x", "--key-file", "{tmp}/no.key", "--insurer", "PA"], "--key-file"),
        (["generate", "{tmp}/b", "--insurers", "PA,PB", "--format", "parquet"], "splits CSV books only"),
        (["export", "rings", "--store", "sqlite:///{tmp}/typo.db"], "ingest a book into it first"),
        (["ingest", "/no/such/folder", "--store", "sqlite:///{tmp}/g.db"], "does not exist"),
        (["detect", "--store", "sqlite:///{tmp}/g.db", "--resolution", "0"], "resolution must be at least 0.05"),
        (["detect", "--store", "sqlite:///{tmp}/g.db", "--resolution", "1e308"], "resolution must be at most 5.0"),
        (["detect", "--store", "sqlite:///{tmp}/g.db", "--resolution", "nan"],
         "resolution must be a finite number, got nan"),
    ],
)
def test_errors_are_one_clear_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()


def test_generate_never_writes_over_a_folder_in_use(book: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in book.iterdir()}
    result = runner.invoke(app, ["generate", str(book), "--customers", "100"])
    assert result.exit_code == 2 and "is not an empty folder" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in book.iterdir()} == before


@pytest.mark.parametrize("command", [
    ["ingest", "{book}", "--errors", "{tmp}/errors.csv"],
    ["stats"], ["detect"], ["export", "rings", "--out", "{tmp}/rings.json"],
    ["evaluate", "--truth", "{book}/truth.csv"], ["serve", "--dev"],
    ["demo", "--dir", "{tmp}/demo", "--no-serve"],
])
def test_every_command_refuses_a_store_path_that_is_not_a_url_before_any_work(
        command: list[str], book: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    args = [a.replace("{book}", str(book)).replace("{tmp}", str(tmp_path)) for a in command]
    result = runner.invoke(app, [*args, "--store", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: unsupported store URL '{path}': use sqlite:///PATH")
    assert result.output.rstrip().endswith(f"(a file is sqlite:///{path})")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no errors file, book or store


@pytest.mark.parametrize("variable", [True, False])
def test_a_store_url_from_the_environment_is_checked_as_the_flag_is(
        variable: bool, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RINGSCOPE_STORE", "sqlite:///" if variable else str(tmp_path / "x.db"))
    errors_file = tmp_path / "errors.csv"
    result = runner.invoke(app, ["ingest", str(book), "--errors", str(errors_file)])
    assert result.exit_code == 2, result.output
    assert ("names no file" if variable else "unsupported store URL") in result.output
    assert not errors_file.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["ingest", "{book}", "--store", "sqlite:///{tmp}/g.db", "--errors", "{tmp}/no/e.csv"],
     "--errors {tmp}/no/e.csv: folder {tmp}/no does not exist"),
    (["ingest", "{book}", "--store", "sqlite:///{tmp}/g.db", "--errors", "{tmp}"],
     "--errors {tmp} is a folder; give a file name"),
    (["ingest", "{book}", "--store", "sqlite:///{tmp}"], "store path {tmp} is a folder"),
    (["evaluate", "--store", "sqlite:///{store}", "--truth", "{tmp}/truth.csv"],
     "--truth {tmp}/truth.csv: no such file"),
    (["export", "rings", "--store", "sqlite:///{store}", "--out", "{tmp}/no/r.json"],
     "--out {tmp}/no/r.json: folder {tmp}/no does not exist"),
    (["pseudonymize", "{book}", "{book}", "--key-file", "{tmp}/k", "--insurer", "PA"],
     "must go to another folder than the raw one"),
    (["ingest", "{book}", "--store", "sqlite:///{tmp}/nodir/x.db"],
     "no folder {tmp}/nodir for the store {tmp}/nodir/x.db: create it first"),
    (["ingest", "{book}", "--store", "sqlite:///{tmp}/a.db?mode=ro"],
     "an embedded store's URL takes no options after '?'"),
    (["ingest", "{book}", "--store", "sqlite:///{tmp}/g.db", "--insurer", "1a"],
     "--insurer '1a' is not an insurer code (2 to 8 letters or digits, starting with a letter; "
     "small letters are read as capitals, pa as PA)"),
])
def test_flags_naming_files_are_checked_before_any_work(
        args: list[str], message: str, book: Path, tmp_path: Path) -> None:
    store = tmp_path.parent / f"{tmp_path.name}-store.db"
    assert runner.invoke(app, ["ingest", str(book), "--store", f"sqlite:///{store}"]).exit_code == 0
    before = _stats(f"sqlite:///{store}")

    def filled(text: str) -> str:
        return text.replace("{book}", str(book)).replace("{tmp}", str(tmp_path)).replace(
            "{store}", str(store))

    result = runner.invoke(app, [filled(a) for a in args])
    assert result.exit_code == 2, result.output
    assert filled(message) in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert _stats(f"sqlite:///{store}") == before


@pytest.mark.parametrize(("line", "message"), [
    ("RINGSCOPE_MAX_BODY_BYTES=abc", "RINGSCOPE_MAX_BODY_BYTES (environment or .env): Input should "
     "be a valid integer, unable to parse string as an integer"),
    ("RINGSCOPE_MAX_BODY_BYTES=-5", "RINGSCOPE_MAX_BODY_BYTES (environment or .env): Input should "
     "be greater than or equal to 256"),
    ("RINGSCOPE_BATCH_ROWS=many", "RINGSCOPE_BATCH_ROWS (environment or .env): Input should be a "
     "valid integer, unable to parse string as an integer"),
])
def test_a_bad_setting_in_dot_env_is_one_line_naming_it(line: str, message: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(line + "\n", encoding="utf-8")
    result = runner.invoke(app, ["serve", "--dev", "--store", f"sqlite:///{tmp_path / 'g.db'}"])
    assert result.exit_code == 2
    assert result.output == f"error: {message}\n"


_NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"


@pytest.mark.parametrize(("variable", "value", "command", "message"), [
    ("RINGSCOPE_MAX_BODY_BYTES", "abc", ["ingest", "{book}", "--store", "sqlite:///{tmp}/g.db"], _NOT_AN_INTEGER),
    ("RINGSCOPE_MAX_BODY_BYTES", "abc", ["stats", "--store", "sqlite:///{tmp}/g.db"], _NOT_AN_INTEGER),
    ("RINGSCOPE_KEY_FAILURES", "abc", ["export", "rings", "--store", "sqlite:///{tmp}/g.db", "--out",
                                       "{tmp}/r.json"], _NOT_AN_INTEGER),
    ("RINGSCOPE_KEY_FAILURES", "abc", ["generate", "{tmp}/book", "--customers", "300"], _NOT_AN_INTEGER),
    ("RINGSCOPE_INVESTIGATOR_PII", "maybe", ["detect", "--store", "sqlite:///{tmp}/g.db"],
     "Input should be a valid boolean, unable to interpret input"),
    ("RINGSCOPE_INVESTIGATOR_PII", "maybe", ["generate", "{tmp}/book", "--customers", "300"],
     "Input should be a valid boolean, unable to interpret input"),
])
def test_a_bad_setting_stops_every_command_before_any_work(
        variable: str, value: str, command: list[str], message: str, book: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    args = [a.replace("{book}", str(book)).replace("{tmp}", str(work)) for a in command]
    result = subprocess.run([sys.executable, "-m", "api.cli", *args], env={**os.environ, variable: value},
                            cwd=work, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: {variable} (environment or .env): {message}\n"
    assert result.stdout == "" and sorted(work.iterdir()) == []


@pytest.mark.parametrize(("keys", "message"), [
    ("short:admin", "keys must be at least 8 characters"),
    ("longenoughkey1:superuser", "unknown role"),
])
def test_serve_refuses_bad_api_keys_as_a_bad_setting(keys: str, message: str, tmp_path: Path) -> None:
    env = {**os.environ, "RINGSCOPE_API_KEYS": keys, "RINGSCOPE_STORE": f"sqlite:///{tmp_path / 'g.db'}"}
    result = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--port", str(_free_port())], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_error_messages_show_input_text_literally(tmp_path: Path) -> None:
    folder = tmp_path / "[red]book[/]"
    result = runner.invoke(app, ["ingest", str(folder), "--store", f"sqlite:///{tmp_path / 'g.db'}"])
    assert result.exit_code == 2
    assert "[red]book[/]" in result.output


def test_refused_cell_values_are_shown_escaped_on_the_terminal_and_in_the_errors_file(
        book: Path, tmp_path: Path) -> None:
    """Escape sequences and NUL in cells (and a header) never reach the terminal or the
    ``--errors`` CSV as they are: they are written as ``\\x1b``, ``\\x00``; the CSV stays one
    line per problem."""
    folder = tmp_path / "esc"
    folder.mkdir()
    for f in book.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    with (book / "surrenders.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    rows[0] = [*header, "note\x1b]0;pwned\x07"]
    rows[1:] = [[*r, ""] for r in rows[1:]]
    rows[1][header.index("reason_text")] = "ok\x1b[2J\x1b[31mALL CLEAR\x1b[0m"
    rows[2][header.index("representative_name")] = "李\x00明"
    with (folder / "surrenders.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    errors_file = tmp_path / "errors.csv"
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "ingest", str(folder), "--store", f"sqlite:///{tmp_path / 'g.db'}",
         "--errors", str(errors_file)], capture_output=True, timeout=300, check=False)
    assert result.returncode == 2
    shown = (result.stdout + result.stderr).decode("utf-8")
    assert not any(c in shown for c in "\x00\x07\x1b")
    assert ("surrenders.csv row 2, column reason_text: control character in text (NUL and the like; "
            "tab and line breaks are fine) (value ok\\x1b[2J\\x1b[31mALL CLEAR\\x1b[0m) [error]") in shown
    assert "surrenders.csv row 3, column representative_name: control character in text" in shown
    assert "(value 李\\x00明)" in shown
    text = errors_file.read_text(encoding="utf-8-sig")
    assert not any(c in text for c in "\x00\x07\x1b")
    with errors_file.open(encoding="utf-8-sig", newline="") as source:
        problems = list(csv.DictReader(source))
    assert len(text.splitlines()) == len(problems) + 1
    values = {(p["row"], p["column"]): p["value"] for p in problems}
    assert values[("2", "reason_text")] == "ok\\x1b[2J\\x1b[31mALL CLEAR\\x1b[0m"
    assert values[("3", "representative_name")] == "李\\x00明"
    assert any("note\\x1b]0;pwned\\x07" in p["column"] + p["reason"] for p in problems)


def test_demo_without_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["demo", "--customers", "600", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "ringscope.db").exists()
    assert _stats("sqlite:///data/ringscope.db")["nodes"]["Customer"] == 600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_refuses_without_keys_and_serves_in_dev_mode(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RINGSCOPE_API_KEYS"}
    env["RINGSCOPE_STORE"] = f"sqlite:///{tmp_path / 'g.db'}"
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(_free_port())]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert refused.returncode == 2 and "no API keys configured" in refused.stderr

    port = _free_port()
    server = subprocess.Popen([*command[:-1], str(port), "--dev"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.loads(response.read()) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.3)
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert "DEV MODE" in stderr


def test_a_retry_removes_what_a_killed_first_ingest_left_and_says_so(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    killed = subprocess.run([sys.executable, "-c", (
        "import os, signal, sys\n"
        "from graph.sqlite_store import new_store_file\n"
        "from tests.bundles import tiny_bundle\n"
        "with new_store_file(sys.argv[1]) as store:\n"
        "    store.load(tiny_bundle())\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"), str(db)], check=False)
    assert killed.returncode == -signal.SIGKILL
    left = list(tmp_path.glob(".k.db.*.loading"))
    assert len(left) == 1 and not db.exists()
    older = tmp_path / ".k.db.0123abcd.loading"  # named as older versions did: cannot be told
    older.touch()
    book = tmp_path / "book"
    assert runner.invoke(app, ["generate", str(book), "--customers", "300", "--seed", "3"]).exit_code == 0
    with pytest.raises(RuntimeError, match="given up"), new_store_file(db):  # still writing: not touched
        result = runner.invoke(app, ["ingest", str(book), "--store", f"sqlite:///{db}"])
        assert result.exit_code == 0, result.output
        assert len(list(tmp_path.glob(".k.db.*.loading"))) == 2  # this process's and the older one
        raise RuntimeError("given up")
    assert f"removed {left[0]}: an unfinished store file left by an ingest (pid " in result.output
    assert f"left {older}: an unfinished store file whose writer cannot be told" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".k.db.0123abcd.loading", "book", "k.db"]


def test_serve_on_an_address_it_cannot_listen_on_is_one_line_before_anything_says_serving(tmp_path: Path) -> None:
    env = {**os.environ, "RINGSCOPE_STORE": f"sqlite:///{tmp_path / 'g.db'}"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for host in ("127.0.0.1", "999.1.1.1"):
            result = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--dev", "--host", host,
                                     "--port", str(port)], env=env, capture_output=True, text=True,
                                    timeout=120, check=False)
            assert result.returncode == 2, result.stderr
            assert f"cannot listen on {host}:{port}" in result.stderr and "serving" not in result.stdout
            assert "Traceback" not in result.stderr
