"""What only the embedded store promises: readers never see a half-written load."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd

from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from graph.sqlite_store import SQLiteStore
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
