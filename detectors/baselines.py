"""The two naive baselines detection is measured against.

(a) :func:`shared_identifier_components` — connected components of claims sharing any contact
phone, payout account or representative, with no weighting (hubs and households chain
everything together);
(b) :func:`whole_graph_louvain` — python-louvain on the whole record graph (every node and
relationship, unweighted), each community's claims taken as a ring.

>>> import tempfile, pathlib
>>> from graph.sqlite_store import SQLiteStore
>>> from tests.bundles import tiny_bundle
>>> store = SQLiteStore(pathlib.Path(tempfile.mkdtemp()) / "g.db")
>>> _ = store.load(tiny_bundle())
>>> shared_identifier_components(store)
[['C1', 'C2']]
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from community import best_partition
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from graph.model import SCHEMA, Label, Rel
from graph.store import GraphStore

__all__ = ["shared_identifier_components", "whole_graph_louvain"]

_BASELINE_LINKS = (
    (Label.CLAIM, Rel.CONTACT_PHONE, Label.PHONE),
    (Label.CLAIM, Rel.PAID_TO, Label.BANK_ACCOUNT),
    (Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON),
)


def shared_identifier_components(store: GraphStore) -> list[list[str]]:
    """Baseline (a): groups of at least two claims joined by shared identifiers."""
    claims = store.nodes_frame(Label.CLAIM)
    if claims.empty:
        return []
    ids = claims["key"].astype(str).to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids)
    frames = [store.edges_frame(*triple) for triple in _BASELINE_LINKS]
    frames = [f[["src", "dst"]].assign(dst=f"{triple[2]}:" + f["dst"].astype(str))
              for f, triple in zip(frames, _BASELINE_LINKS, strict=True) if not f.empty]
    if not frames:
        return []
    links = pd.concat(frames, ignore_index=True)
    ident, _ = pd.factorize(links["dst"])
    n = len(ids)
    rows = position[links["src"].astype(str)].to_numpy()
    matrix = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, ident + n)), shape=(n + ident.max() + 1,) * 2)
    _, label = connected_components(matrix, directed=False)
    return _groups(ids, label[:n])


def whole_graph_louvain(store: GraphStore, seed: int = 42) -> list[list[str]]:
    """Baseline (b): claims of each Louvain community of the whole unweighted record graph."""
    g = nx.Graph()
    for src, rel, dst in SCHEMA:
        frame = store.edges_frame(src, rel, dst)
        if frame.empty:
            continue
        g.add_edges_from(zip(f"{src}:" + frame["src"].astype(str), f"{dst}:" + frame["dst"].astype(str),
                             strict=True))
    claims = [n for n in g if n.startswith(f"{Label.CLAIM}:")]
    if not claims:
        return []
    partition = best_partition(g, random_state=seed)
    prefix = len(f"{Label.CLAIM}:")
    ids = np.array([c[prefix:] for c in claims], dtype=object)
    return _groups(ids, np.array([partition[c] for c in claims]))


def _groups(ids: np.ndarray, label: np.ndarray) -> list[list[str]]:
    frame = pd.DataFrame({"claim": ids, "group": label})
    out = [sorted(g["claim"].astype(str)) for _, g in frame.groupby("group", sort=False) if len(g) >= 2]
    return sorted(out, key=lambda c: c[0])
