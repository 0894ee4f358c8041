"""One book split among the member insurers of an association, as their books would be.

Each agent works for one insurer (agents are dealt out in turn, in a random order); the policies an agent sold, their surrenders and the
complaints about them are that insurer's. A customer is on the books of every insurer that holds
one of their policies (a customer may hold policies at two), with the same registered details
and contact changes at each; a customer without policies goes to one insurer. Every insurer
holds the industry watchlist. Cells are copied as typed; ``truth.csv`` names claims
``CODE:claim_id``, as an association's store keys them.

>>> import tempfile
>>> from ingest.synthetic import BookConfig, generate_book
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = generate_book(Path(tmp) / "book", BookConfig(customers=500, seed=1))
...     folders = split_book(Path(tmp) / "book", Path(tmp) / "split", ["PA", "PB"], seed=1)
...     sorted(p.name for p in folders.values()), (Path(tmp) / "split" / "truth.csv").is_file()
(['PA', 'PB'], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from graph.keys import normalize_insurer_code

__all__ = ["split_book"]

_CUSTOMER_TABLES = ("customers", "contact_changes")


def _read(folder: Path, table: str) -> pd.DataFrame | None:
    path = folder / f"{table}.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def split_book(book: Path, out: Path, codes: Sequence[str], seed: int = 0) -> dict[str, Path]:
    """Split the CSV book in ``book`` among the insurers ``codes`` into ``out/CODE`` folders and
    ``out/truth.csv`` (see the module); returns code → folder.

    Raises ``ValueError`` for fewer than two codes, a code that is not one, or a book that is
    not a folder of CSV tables with ``truth.csv``.
    """
    if len(codes) < 2 or len(set(codes)) != len(codes):
        raise ValueError("an association needs two or more distinct insurer codes")
    if any(normalize_insurer_code(c) != c for c in codes):
        raise ValueError(f"insurer codes must be codes such as PA: {list(codes)}")
    tables = {t: f for t in ("agents", "customers", "policies", "surrenders", "complaints",
                             "contact_changes", "watchlist", "truth")
              if (f := _read(book, t)) is not None}
    if not {"agents", "customers", "policies", "surrenders", "truth"} <= set(tables):
        raise ValueError(f"{book} is not a CSV book with truth.csv")
    rng = np.random.default_rng(seed)
    agents = tables["agents"]
    dealt = np.resize(np.array(codes, dtype=object), len(agents))  # agents dealt out in turn
    agent_of = pd.Series(rng.permutation(dealt), index=agents["agent_id"])
    policies = tables["policies"]
    policy_of = pd.Series(agent_of.reindex(policies["agent_id"]).to_numpy(),
                          index=policies["policy_id"])
    holders = pd.DataFrame({"customer_id": policies["customer_id"],
                            "insurer": policy_of.to_numpy()}).drop_duplicates()
    customers = tables["customers"]["customer_id"]
    alone = customers[~customers.isin(holders["customer_id"])]
    holders = pd.concat([holders, pd.DataFrame({
        "customer_id": alone, "insurer": rng.choice(list(codes), size=len(alone))})])
    first_of = holders.sort_values("insurer").drop_duplicates("customer_id").set_index(
        "customer_id")["insurer"]
    claim_of = pd.Series(policy_of.reindex(tables["surrenders"]["policy_id"]).to_numpy(),
                         index=tables["surrenders"]["claim_id"])
    folders = {code: out / code for code in codes}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        if table == "truth":
            continue
        for code, folder in folders.items():
            if table == "watchlist":
                part = frame
            elif table in _CUSTOMER_TABLES:
                mine = holders.loc[holders["insurer"] == code, "customer_id"]
                part = frame[frame["customer_id"].isin(mine)]
            elif table == "complaints":
                owner = policy_of.reindex(frame["policy_id"]).to_numpy()
                owner = np.where(pd.isna(owner), first_of.reindex(frame["customer_id"]).to_numpy(),
                                 owner)
                part = frame[owner == code]
            elif table == "agents":
                part = frame[agent_of.reindex(frame["agent_id"]).to_numpy() == code]
            elif table == "policies":
                part = frame[policy_of.reindex(frame["policy_id"]).to_numpy() == code]
            else:
                part = frame[claim_of.reindex(frame["claim_id"]).to_numpy() == code]
            part.to_csv(folder / f"{table}.csv", index=False, encoding="utf-8")
    truth = tables["truth"]
    truth.assign(claim_id=claim_of.reindex(truth["claim_id"]).to_numpy() + ":"
                 + truth["claim_id"]).to_csv(out / "truth.csv", index=False, encoding="utf-8")
    return folders
