"""What only the embedded store promises: readers never see a half-written load; a new store
file appears only whole; files written by earlier versions are read."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from graph.errors import StoreError, StoreUnavailableError
from graph.model import SCHEMA, EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.results import CaseEvent, CaseStatus
from graph.sqlite_store import SQLiteStore, new_store_file
from tests.bundles import tiny_bundle


def _big_bundle(n: int) -> GraphBundle:
    keys = [f"U{i:07d}" for i in range(n)]
    phones = [f"+86139{i:08d}" for i in range(n)]
    return GraphBundle(
        nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": keys, "name": ["王芳"] * n})),
               NodeBatch(Label.PHONE, pd.DataFrame({"key": phones, "kind": ["mobile"] * n}))],
        edges=[EdgeBatch(Label.CUSTOMER, Rel.HAS_PHONE, Label.PHONE,
                         pd.DataFrame({"src": keys, "dst": phones}))],
        fingerprint="big",
    )


def test_readers_see_the_load_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    with SQLiteStore(path) as writer:
        writer.load(tiny_bundle())
        before = writer.counts().as_dict()
        seen: list[dict[str, dict[str, int]]] = []
        done, reading = threading.Event(), threading.Barrier(3)

        def read() -> None:
            with SQLiteStore(path) as reader:
                seen.append(reader.counts().as_dict())
                seen.append(reader.counts().as_dict())
                reading.wait()
                while not done.is_set():
                    seen.append(reader.counts().as_dict())
                    time.sleep(0.01)  # leave the writer its share of the interpreter

        readers = [threading.Thread(target=read) for _ in range(2)]
        for thread in readers:
            thread.start()
        reading.wait()  # both readers are reading before the load starts
        writer.load(_big_bundle(200_000))
        done.set()
        for thread in readers:
            thread.join()
        after = writer.counts().as_dict()
    assert after["nodes"]["Customer"] == before["nodes"]["Customer"] + 200_000
    assert len(seen) > 2
    assert all(counts in (before, after) for counts in seen)
    assert before in seen  # the readers did run while the load was under way


def _layout(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT type, name FROM sqlite_master ORDER BY name").fetchall()


def test_a_new_store_file_appears_only_after_its_load_and_equals_an_ordinary_load(
        tmp_path: Path) -> None:
    path = tmp_path / "new" / "g.db"
    with new_store_file(path) as store:
        store.load(_big_bundle(3_000))
        store.load(tiny_bundle())  # a second load into the same new file, as into any store
        assert not path.exists()
        assert [p.suffix for p in path.parent.iterdir()] == [".loading"]
    assert [p.name for p in path.parent.iterdir()] == ["g.db"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as SQLite creates files, not private
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    ordinary = tmp_path / "ordinary.db"
    with SQLiteStore(ordinary) as store:
        store.load(_big_bundle(3_000))
        store.load(tiny_bundle())
    assert _layout(path) == _layout(ordinary)  # the same tables and target indexes
    with SQLiteStore(path) as new, SQLiteStore(ordinary) as old:
        assert new.counts() == old.counts()
        assert new.data_fingerprint() == old.data_fingerprint()
        for label in Label:
            pd.testing.assert_frame_equal(new.nodes_frame(label), old.nodes_frame(label))
        for triple in SCHEMA:
            pd.testing.assert_frame_equal(new.edges_frame(*triple), old.edges_frame(*triple))


def test_a_failed_load_into_a_new_store_file_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "g.db"
    bad = GraphBundle(nodes=[NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C9"], "x": [object()]}))])
    with pytest.raises(StoreError), new_store_file(path) as store:
        store.load(tiny_bundle())
        store.load(bad)
    assert list(tmp_path.iterdir()) == []


def test_a_new_store_file_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with pytest.raises(StoreUnavailableError, match="created by someone else"), \
            new_store_file(path) as store:
        store.load(tiny_bundle())
        with SQLiteStore(path) as other:  # another process creates the store meanwhile
            other.load(_big_bundle(10))
    with SQLiteStore(path) as store:
        assert store.counts().nodes["Customer"] == 10
    assert not list(tmp_path.glob("*.loading"))
    with pytest.raises(StoreUnavailableError, match="exists already"), new_store_file(path):
        pass


def test_an_audit_log_written_before_assignees_and_re_alerts_is_read_and_extended(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # the audit log as stores first wrote it
        old.execute("CREATE TABLE case_changes (seq INTEGER PRIMARY KEY, ring_id TEXT NOT NULL, "
                    "at TEXT NOT NULL, actor TEXT NOT NULL, from_status TEXT NOT NULL, "
                    "to_status TEXT NOT NULL, note TEXT NOT NULL)")
        old.execute("INSERT INTO case_changes (ring_id, at, actor, from_status, to_status, note) "
                    "VALUES ('R-1', '2025-01-01T00:00:00+00:00', 'investigator:1a2b3c4d', 'new', "
                    "'investigating', 'opened')")
    with SQLiteStore(path) as store:
        (entry,) = store.case_audit("R-1")
        assert (entry.actor, entry.to_status, entry.note, entry.assignee, entry.event,
                entry.new_claims) == ("investigator:1a2b3c4d", CaseStatus.INVESTIGATING, "opened",
                                      None, CaseEvent.DECISION, ())
        assert store.case("R-1").status is CaseStatus.INVESTIGATING
    with SQLiteStore(path) as again:  # opening twice adds nothing twice
        assert again.case_log_length() == 1


class _CountingStore(SQLiteStore):
    """The embedded store, counting how often it runs the household registrations' query."""

    queries = 0

    def _family_registrations_query(self, household_max: int) -> pd.DataFrame:
        self.queries += 1
        return super()._family_registrations_query(household_max)


def _household_bundle(addresses: list[str], fingerprint: str) -> GraphBundle:
    customers = [f"U{i}" for i in range(len(addresses))]
    return GraphBundle(
        nodes=[NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": customers, "name": ["王芳", "王强", None][:len(customers)]}))],
        edges=[EdgeBatch(Label.CUSTOMER, Rel.LIVES_AT, Label.ADDRESS,
                         pd.DataFrame({"src": customers, "dst": addresses}))],
        fingerprint=fingerprint)


def test_household_registrations_are_kept_between_runs_until_a_registration_or_name_changes(
        tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = _CountingStore(path)
    with store:
        store.load(_household_bundle(["d-1", "d-1", "d-2"], "book"))
        first = store.family_registrations(6)
        assert sorted(first["customer_id"]) == ["U0", "U1"] and store.queries == 1
        store.load(GraphBundle(  # a day's requests: no customer's registration or name
            nodes=[NodeBatch(Label.CLAIM, pd.DataFrame({"key": ["C8", "C9"]}))],
            edges=[EdgeBatch(Label.CUSTOMER, Rel.FILED, Label.CLAIM, pd.DataFrame({"src": ["U0", "U1"], "dst": ["C8", "C9"]})),
                   EdgeBatch(Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE, pd.DataFrame({"src": ["C8"], "dst": ["p-1"]}))],
            fingerprint="day"))
    store = _CountingStore(path)  # another process, as the next run is
    with store:
        kept = store.family_registrations(6)
        assert store.queries == 0
        pd.testing.assert_frame_equal(kept, first)
        assert kept["name"].tolist() == ["王芳", "王强"] and kept["name"].map(type).tolist() == [str, str]
        store.family_registrations(1)  # other arguments, another answer
        assert store.queries == 1
        store.load(_household_bundle(["d-1", "d-2", "d-2"], "moved"))  # U1 moved to U2's address
        assert sorted(store.family_registrations(6)["customer_id"]) == ["U1", "U2"] and store.queries == 2
        assert store.family_registrations(6)["name"].tolist() == ["王强", None] and store.queries == 2


def test_a_derivation_from_the_household_registrations_is_kept_until_they_or_its_version_change(
        tmp_path: Path) -> None:
    derived: list[int] = []

    def sizes(family: pd.DataFrame) -> pa.Table:
        derived.append(len(family))
        return pa.table({"customer_id": pa.array(sorted(set(family["customer_id"])), pa.string()),
                         "tied": pa.array([[1], [0]], pa.list_(pa.int32()))})

    path = tmp_path / "g.db"
    with SQLiteStore(path) as store:
        store.load(_household_bundle(["d-1", "d-1", "d-2"], "book"))
        first = store.kept_from_family(6, "sizes", "v1", sizes)
        assert derived == [2] and first["tied"].to_pylist() == [[1], [0]]
    with SQLiteStore(path) as store:  # another process, as the next run is
        assert store.kept_from_family(6, "sizes", "v1", sizes).equals(first) and derived == [2]
        store.kept_from_family(6, "sizes", "v2", sizes)  # the derivation changed
        store.kept_from_family(5, "sizes", "v2", sizes)  # other arguments
        assert derived == [2, 2, 2]
        store.load(_household_bundle(["d-1", "d-2", "d-2"], "moved"))  # U1 moved to U2's address
        assert store.kept_from_family(5, "sizes", "v2", sizes)["customer_id"].to_pylist() == ["U1", "U2"]
        assert derived == [2, 2, 2, 2]
        store.kept_from_family(5, "sizes", "v2", sizes)
        assert derived == [2, 2, 2, 2]
