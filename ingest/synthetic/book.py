"""Generating a whole book: population, rings, legitimate activity, then the tables of the
input contract (typed as clerks type them) and `truth.csv`.

>>> import tempfile
>>> from .config import BookConfig
>>> with tempfile.TemporaryDirectory() as tmp:
...     summary = generate_book(Path(tmp), BookConfig(customers=500, ring_rate=20.0))
...     sorted(p.name for p in Path(tmp).iterdir())[:3]
['agents.csv', 'complaints.csv', 'contact_changes.csv']
>>> summary.tables["customers"], summary.rings > 0
(500, True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from ingest.reader import ANSWER_KEY

from .clerk import (
    format_dates,
    type_addresses,
    type_cards,
    type_dates,
    type_ids,
    type_names,
    type_phones,
)
from .config import BookConfig
from .identities import StrArray
from .legit import plant_legitimate
from .lookalikes import plant_lookalikes
from .population import PRODUCTS, Population, build_population, cash_values, premiums_paid
from .records import EventLog
from .rings import plant_rings
from .templates import public_templates
from .vocab import entity_code

__all__ = ["TABLES", "BookSummary", "Progress", "generate_book"]

Progress = Callable[[str, int, int], None]

TABLES: tuple[str, ...] = (
    "agents", "customers", "policies", "surrenders", "complaints", "contact_changes",
    "watchlist",
)

_STEPS: tuple[str, ...] = (
    "population", "rings", "legitimate activity", "tables", *(f"write {t}" for t in TABLES),
    "write truth",
)


@dataclass(frozen=True)
class BookSummary:
    """What `generate_book` wrote: rows per table, rings and their claims."""

    out_dir: Path
    output_format: str
    tables: Mapping[str, int] = field(default_factory=dict)
    rings: int = 0
    ring_claims: int = 0

    @property
    def claims(self) -> int:
        """All surrender claims, legitimate and ring."""
        return self.tables.get("surrenders", 0)


def _typist(rng: np.random.Generator, messy: float) -> dict[str, Callable[[StrArray], StrArray]]:
    return {
        "phone": lambda v: type_phones(rng, v, messy),
        "bank_account": lambda v: type_cards(rng, v, messy),
        "id_number": lambda v: type_ids(rng, v, messy),
        "name": lambda v: type_names(rng, v, messy),
        "address": lambda v: type_addresses(rng, v, messy),
    }


def _by_kind(
    typist: dict[str, Callable[[StrArray], StrArray]], kinds: StrArray, values: StrArray
) -> StrArray:
    out = np.asarray(values, dtype=object).copy()
    for kind, fn in typist.items():
        rows = np.flatnonzero(kinds == kind)
        if len(rows):
            out[rows] = fn(out[rows])
    return out


def _frame(columns: dict[str, npt.ArrayLike]) -> pd.DataFrame:
    """A DataFrame keeping text columns as plain Python strings (no string-dtype inference,
    which costs seconds at a million rows and changes nothing in the files)."""
    return pd.DataFrame({
        name: pd.Series(values, dtype=object)
        if np.asarray(values).dtype == object else values
        for name, values in columns.items()
    })


def _chronological(rng: np.random.Generator, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows in date order (ties in random order), renumbered."""
    key = rng.random(len(frame))
    order = np.lexsort((key, frame[column].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def _tables(
    rng: np.random.Generator, pop: Population, log: EventLog, config: BookConfig
) -> dict[str, pd.DataFrame]:
    messy = config.messy_share
    t = _typist(rng, messy)
    a, c, p = pop.agents, pop.customers, pop.policies
    n_agents, n_customers, n_policies = len(a.name), len(c.name), len(p.customer)
    agent_ids = entity_code("A", np.arange(n_agents), 6)
    customer_ids = entity_code("C", np.arange(n_customers), 8)
    policy_ids = entity_code("P", np.arange(n_policies), 9)

    claims = _chronological(rng, log.frame("claims"), "request_date")
    pol = claims["policy"].to_numpy(dtype=np.int64)
    when = claims["request_date"].to_numpy(dtype="datetime64[D]")
    cash = cash_values(rng, p, pol, when)
    full = claims["refund_type"].to_numpy() == "full_premium"
    paid = premiums_paid(p, np.arange(n_policies), np.full(n_policies, pop.as_of))
    paid[pol] = premiums_paid(p, pol, when)
    claim_ids = entity_code("S", np.arange(len(claims)), 8)

    tables: dict[str, pd.DataFrame] = {}
    tables["agents"] = _frame({
        "agent_id": agent_ids, "name": t["name"](a.name), "phone": t["phone"](a.phone),
        "branch": pop.branches.name[a.branch], "status": a.status,
        "hire_date": type_dates(rng, a.hire, messy), "leave_date": type_dates(rng, a.leave, messy),
    })
    tables["customers"] = _frame({
        "customer_id": customer_ids, "name": t["name"](c.name),
        "id_number": t["id_number"](c.id_number), "phone": t["phone"](c.phone),
        "address": t["address"](c.address), "bank_account": t["bank_account"](c.account),
    })
    tables["policies"] = _frame({
        "policy_id": policy_ids, "customer_id": customer_ids[p.customer],
        "agent_id": agent_ids[p.agent],
        "product": np.array([x.name for x in PRODUCTS], dtype=object)[p.product],
        "issue_date": type_dates(rng, p.issue, messy), "annual_premium": p.annual,
        "premiums_paid": paid,
    })
    tables["surrenders"] = _frame({
        "claim_id": claim_ids, "policy_id": policy_ids[pol],
        "customer_id": customer_ids[claims["customer"].to_numpy(dtype=np.int64)],
        "request_date": type_dates(rng, when, messy),
        "channel": claims["channel"].to_numpy(dtype=object),
        "reason_code": claims["reason_code"].to_numpy(dtype=object),
        "reason_text": claims["reason_text"].to_numpy(dtype=object),
        "contact_phone": t["phone"](claims["contact_phone"].to_numpy(dtype=object)),
        "payout_account": t["bank_account"](claims["payout_account"].to_numpy(dtype=object)),
        "payout_account_name": t["name"](claims["payout_account_name"].to_numpy(dtype=object)),
        "representative_name": t["name"](claims["representative_name"].to_numpy(dtype=object)),
        "representative_id_number": t["id_number"](
            claims["representative_id_number"].to_numpy(dtype=object)),
        "representative_phone": t["phone"](claims["representative_phone"].to_numpy(dtype=object)),
        "cash_value": cash,
        "requested_amount": np.where(full, np.maximum(premiums_paid(p, pol, when), cash), cash),
        "refund_type": claims["refund_type"].to_numpy(dtype=object),
    })
    ring = claims["ring"].to_numpy(dtype=np.int64)
    tables["truth"] = _frame({
        "claim_id": claim_ids,
        "ring_id": np.where(ring >= 0, entity_code("R", np.maximum(ring, 0), 4), ""),
    })

    complaints = _chronological(rng, log.frame("complaints"), "received_date")
    tables["complaints"] = _frame({
        "complaint_id": entity_code("Q", np.arange(len(complaints)), 8),
        "policy_id": policy_ids[complaints["policy"].to_numpy(dtype=np.int64)],
        "customer_id": customer_ids[complaints["customer"].to_numpy(dtype=np.int64)],
        "received_date": type_dates(rng, complaints["received_date"].to_numpy(
            dtype="datetime64[D]"), messy),
        "channel": complaints["channel"].to_numpy(dtype=object),
        "text": complaints["text"].to_numpy(dtype=object),
        "contact_phone": t["phone"](complaints["contact_phone"].to_numpy(dtype=object)),
        "mailing_address": t["address"](complaints["mailing_address"].to_numpy(dtype=object)),
    })

    changes = _chronological(rng, log.frame("changes"), "change_date")
    field_kind = changes["field"].to_numpy(dtype=object)
    tables["contact_changes"] = _frame({
        "change_id": entity_code("H", np.arange(len(changes)), 8),
        "customer_id": customer_ids[changes["customer"].to_numpy(dtype=np.int64)],
        "change_date": type_dates(rng, changes["change_date"].to_numpy(dtype="datetime64[D]"),
                                  messy),
        "field": field_kind,
        "old_value": _by_kind(t, field_kind, changes["old_value"].to_numpy(dtype=object)),
        "new_value": _by_kind(t, field_kind, changes["new_value"].to_numpy(dtype=object)),
        "channel": changes["channel"].to_numpy(dtype=object),
    })

    watch = _chronological(rng, log.frame("watchlist"), "added_date")
    id_type = watch["identifier_type"].to_numpy(dtype=object)
    tables["watchlist"] = _frame({
        "entry_id": entity_code("W", np.arange(len(watch)), 6),
        "name": watch["name"].to_numpy(dtype=object),
        "kind": watch["kind"].to_numpy(dtype=object),
        "identifier_type": id_type,
        "identifier_value": _by_kind(t, id_type, watch["identifier_value"].to_numpy(dtype=object)),
        "source": watch["source"].to_numpy(dtype=object),
        "added_date": format_dates(watch["added_date"].to_numpy(dtype="datetime64[D]")),
    })
    return tables


def _write(frame: pd.DataFrame, path: Path, output_format: str) -> None:
    if output_format == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                     float_format="%.2f")


def generate_book(
    out_dir: Path, config: BookConfig, progress: Progress | None = None
) -> BookSummary:
    """Write a synthetic book (one file per table of the input contract plus `truth.csv`)
    into `out_dir` (created if missing) and return what was written.

    `progress(step, done, total)` is called after each step. The same `config` always writes
    byte-identical files.
    """
    report: Progress = progress or (lambda step, done, total: None)
    total = len(_STEPS)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(config.seed)

    pop = build_population(rng, config)
    report(_STEPS[0], 1, total)
    log = EventLog()
    busy = np.zeros(config.customers, dtype=bool)
    public = public_templates(rng, config.profile.public_templates)
    rings = plant_rings(rng, pop, config, log, busy, public)
    ring_claims = int((log.frame("claims")["ring"].to_numpy() >= 0).sum())
    report(_STEPS[1], 2, total)
    plant_lookalikes(rng, pop, config, log, busy, public)
    plant_legitimate(rng, pop, config, log, busy)
    report(_STEPS[2], 3, total)
    tables = _tables(rng, pop, log, config)
    report(_STEPS[3], 4, total)

    suffix = "parquet" if config.output_format == "parquet" else "csv"
    for k, name in enumerate(TABLES):
        _write(tables[name], out_dir / f"{name}.{suffix}", config.output_format)
        report(_STEPS[4 + k], 5 + k, total)
    _write(tables["truth"], out_dir / ANSWER_KEY, "csv")
    report(_STEPS[-1], total, total)
    return BookSummary(
        out_dir=out_dir,
        output_format=config.output_format,
        tables=MappingProxyType({name: len(tables[name]) for name in TABLES}),
        rings=rings,
        ring_claims=ring_claims,
    )
