"""Validated, normalized tables → a :class:`graph.model.GraphBundle`.

One node batch per label, deduplicated by key (the first occurrence wins, a valid rendering
before an invalid one, registered data before transactional data); one edge batch per (source, type, target) triple, deduplicated by
(source, target). Edges that introduced an identifier carry ``raw``, the value as typed (not
in a pseudonymized book, which has no such value). Records of a book with insurer codes carry
``insurer``, and each member gets an ``Insurer`` node.

>>> from pathlib import Path
>>> from ingest.validate import validate_book
>>> from ingest.reader import RawBook
>>> from ingest.problems import ProblemLog
>>> tables = validate_book(RawBook(Path(".")), ProblemLog())
>>> build_bundle(tables, "fp").node_count
0
>>> build_bundle(tables, "fp", {"PA": {"pseudonymized": False}}).node_count
1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from graph.frames import by_key
from graph.keys import person_keys
from graph.model import ClearBatch, EdgeBatch, GraphBundle, Label, NodeBatch, Rel
from ingest.contract import CLEARABLE, CONTRACT

__all__ = ["build_bundle"]

_IDENTIFIER_LABEL = {
    "phone": Label.PHONE,
    "bank_account": Label.BANK_ACCOUNT,
    "address": Label.ADDRESS,
    "id_number": Label.PERSON,
}


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _frame(source: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    """``source`` columns renamed per ``columns`` (new name → source name), rows index reset."""
    return pd.DataFrame({new: source[old].array for new, old in columns.items()})


class _Builder:
    def __init__(self, tables: Mapping[str, pd.DataFrame], pseudonymized: bool) -> None:
        self.t = tables
        self.pseudonymized = pseudonymized
        coded = any(frame["insurer"].notna().any() for frame in tables.values())
        self.insurer: dict[str, str] = {"insurer": "insurer"} if coded else {}
        self.nodes: dict[Label, list[pd.DataFrame]] = {}
        self.edges: dict[tuple[Label, Rel, Label], list[pd.DataFrame]] = {}

    def node(self, label: Label, frame: pd.DataFrame) -> None:
        frame = frame[frame["key"].notna()]
        if len(frame):
            self.nodes.setdefault(label, []).append(frame)

    def edge(self, src: Label, rel: Rel, dst: Label, frame: pd.DataFrame) -> None:
        frame = frame[frame["src"].notna() & frame["dst"].notna()]
        if len(frame):
            self.edges.setdefault((src, rel, dst), []).append(frame)

    def identifier(self, label: Label, table: str, column: str, src: Label, rel: Rel,
                   src_column: str, extra: Mapping[str, str] | None = None,
                   rows: pd.Series | None = None) -> None:
        """Identifier nodes of one column and the edges from the records that name them."""
        frame = self.t[table] if rows is None else self.t[table][rows]
        props: dict[str, str] = {}
        if label is Label.PHONE:
            props = {"kind": f"{column}_kind", "valid": f"{column}_valid"}
        elif label is Label.BANK_ACCOUNT:
            props = {"luhn_valid": f"{column}_valid"}
        elif label is Label.PERSON:
            props = {"id_valid": f"{column}_valid"}
        self.node(label, _frame(frame, {"key": column, **props}))
        edge_columns = {"src": src_column, "dst": column, "raw": f"{column}_raw", **(extra or {})}
        self.edge(src, rel, label, _frame(frame, edge_columns))

    def bundle(self, fingerprint: str) -> GraphBundle:
        # Batches sorted by key turn the store's B-tree inserts into appends, and a store can
        # keep such a batch as the table's frame without reading it back.
        nodes = [NodeBatch(label, by_key(_valid_first(_concat(parts)), ["key"], "first"))
                 for label, parts in self.nodes.items()]
        edges = [EdgeBatch(*triple, by_key(_concat(parts), ["src", "dst"], "last"))
                 for triple, parts in self.edges.items()]
        return GraphBundle(nodes=nodes, edges=edges, fingerprint=fingerprint)


_VALIDITY = ("valid", "luhn_valid", "id_valid")


def _valid_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of valid renderings before invalid ones (otherwise in their order), so an
    identifier's flags come from a valid rendering when it has one: a clerk's remark typed
    after one phone number must not flag the number invalid for everyone."""
    column = next((c for c in _VALIDITY if c in frame.columns), None)
    if column is None:
        return frame
    invalid = ~frame[column].eq(True).to_numpy(dtype=bool, na_value=False)
    if not invalid.any() or invalid.all():
        return frame
    return frame.take(np.argsort(invalid, kind="stable"))


def _records(b: _Builder) -> None:
    t = b.t
    customers = t["customers"]
    b.node(Label.CUSTOMER, pd.DataFrame({
        "key": customers["customer_id"].array,
        "name": customers["name"].array,
        "id_number": customers["id_number"].array,
        "id_valid": customers["id_number_valid"].array,
        "surname": customers["name"].str.slice(0, 1).array,
        **{k: customers[v].array for k, v in b.insurer.items()},
    }))
    b.node(Label.AGENT, _frame(t["agents"], {
        "key": "agent_id", "name": "name", "branch": "branch", "status": "status",
        "hire_date": "hire_date", "leave_date": "leave_date", **b.insurer}))
    policies = t["policies"]
    b.node(Label.POLICY, _frame(policies, {
        "key": "policy_id", "product": "product", "issue_date": "issue_date",
        "annual_premium": "annual_premium", "premiums_paid": "premiums_paid",
        "agent_id": "agent_id", "customer_id": "customer_id", **b.insurer}))
    b.edge(Label.CUSTOMER, Rel.HOLDS, Label.POLICY,
           _frame(policies, {"src": "customer_id", "dst": "policy_id"}))
    b.edge(Label.AGENT, Rel.SOLD, Label.POLICY,
           _frame(policies, {"src": "agent_id", "dst": "policy_id"}))

    claims = t["surrenders"]
    b.node(Label.CLAIM, _frame(claims, {
        "key": "claim_id", **{c: c for c in (
            "request_date", "channel", "reason_code", "reason_text", "cash_value",
            "requested_amount", "refund_type", "payout_account_name", "representative_name",
            "policy_id", "customer_id")}, **b.insurer}))
    b.edge(Label.CUSTOMER, Rel.FILED, Label.CLAIM,
           _frame(claims, {"src": "customer_id", "dst": "claim_id"}))
    b.edge(Label.CLAIM, Rel.SURRENDERS, Label.POLICY,
           _frame(claims, {"src": "claim_id", "dst": "policy_id"}))

    complaints = t["complaints"].copy()
    holder = pd.Series(policies["customer_id"].array, index=policies["policy_id"].array)
    holder = holder[~holder.index.duplicated()]
    complaints["customer_id"] = complaints["customer_id"].fillna(
        complaints["policy_id"].map(holder))
    b.node(Label.COMPLAINT, _frame(complaints, {
        "key": "complaint_id", "received_date": "received_date", "channel": "channel",
        "text": "text", "policy_id": "policy_id", "customer_id": "customer_id", **b.insurer}))
    b.edge(Label.CUSTOMER, Rel.COMPLAINED, Label.COMPLAINT,
           _frame(complaints, {"src": "customer_id", "dst": "complaint_id"}))
    b.edge(Label.COMPLAINT, Rel.ABOUT, Label.POLICY,
           _frame(complaints, {"src": "complaint_id", "dst": "policy_id"}))

    b.node(Label.INTERMEDIARY, _frame(t["watchlist"], {
        "key": "entry_id", "name": "name", "kind": "kind", "source": "source",
        "added_date": "added_date", **b.insurer}))


def _representatives(b: _Builder) -> None:
    claims = b.t["surrenders"]
    if b.pseudonymized:  # the key was made at the insurer, from the values as typed
        keys = claims["representative_key"]
        raw = pd.Series(None, index=claims.index, dtype=object)
    else:
        keys = person_keys(claims["representative_name"], claims["representative_id_number_raw"],
                           claims["representative_phone_raw"])
        raw = claims["representative_id_number_raw"].fillna(
            claims["representative_name"].fillna("").str.cat(claims["representative_phone_raw"], sep="|"))
    people = pd.DataFrame({
        "key": keys.array,
        "name": claims["representative_name"].array,
        "id_valid": claims["representative_id_number_valid"].array,
    })
    b.node(Label.PERSON, people)
    b.edge(Label.CLAIM, Rel.REPRESENTED_BY, Label.PERSON, pd.DataFrame({
        "src": claims["claim_id"].array, "dst": keys.array, "raw": raw.array}))
    b.node(Label.PHONE, _frame(claims, {
        "key": "representative_phone", "kind": "representative_phone_kind",
        "valid": "representative_phone_valid"}))
    b.edge(Label.PERSON, Rel.HAS_PHONE, Label.PHONE, pd.DataFrame({
        "src": keys.array, "dst": claims["representative_phone"].array,
        "raw": claims["representative_phone_raw"].array}))


def _identifiers(b: _Builder) -> None:
    b.identifier(Label.PHONE, "customers", "phone", Label.CUSTOMER, Rel.HAS_PHONE, "customer_id")
    b.identifier(Label.ADDRESS, "customers", "address", Label.CUSTOMER, Rel.LIVES_AT, "customer_id")
    b.identifier(Label.BANK_ACCOUNT, "customers", "bank_account", Label.CUSTOMER,
                 Rel.HAS_ACCOUNT, "customer_id")
    b.identifier(Label.PHONE, "agents", "phone", Label.AGENT, Rel.HAS_PHONE, "agent_id")
    b.identifier(Label.PHONE, "surrenders", "contact_phone", Label.CLAIM, Rel.CONTACT_PHONE,
                 "claim_id")
    b.identifier(Label.BANK_ACCOUNT, "surrenders", "payout_account", Label.CLAIM, Rel.PAID_TO,
                 "claim_id", {"holder_name": "payout_account_name"})
    _representatives(b)
    b.identifier(Label.PHONE, "complaints", "contact_phone", Label.COMPLAINT, Rel.CONTACT_PHONE,
                 "complaint_id")
    b.identifier(Label.ADDRESS, "complaints", "mailing_address", Label.COMPLAINT,
                 Rel.MAILED_FROM, "complaint_id")
    changes = b.t["contact_changes"].sort_values("change_date", kind="stable")
    b.t = {**b.t, "contact_changes": changes}
    watchlist = b.t["watchlist"]
    for kind, label in _IDENTIFIER_LABEL.items():
        if kind != "id_number":
            b.identifier(label, "contact_changes", "new_value", Label.CUSTOMER, Rel.CHANGED_TO,
                         "customer_id",
                         {"date": "change_date", "field": "field", "change_id": "change_id",
                          "channel": "channel"},
                         rows=changes["field"].eq(kind).fillna(False).astype(bool))
        b.identifier(label, "watchlist", "identifier_value", Label.INTERMEDIARY, Rel.LISTS,
                     "entry_id", rows=watchlist["identifier_type"].eq(kind).fillna(False)
                     .astype(bool))


def _clears(b: _Builder) -> list[ClearBatch]:
    """The records whose single-valued field a ``#CLEAR`` cell clears (:data:`CLEARABLE`)."""
    clears = []
    for field in CLEARABLE:
        frame = b.t[field.table]
        cleared = frame.get(f"cleared_{field.name}")
        if cleared is not None and cleared.any():
            keys = frame[CONTRACT[field.table].primary_key][cleared.astype(bool)]
            clears.append(ClearBatch(*field.triple, tuple(keys.astype(str)), field.properties))
    return clears


def build_bundle(tables: Mapping[str, pd.DataFrame], fingerprint: str,
                 members: Mapping[str, Mapping[str, Any]] | None = None,
                 pseudonymized: bool = False) -> GraphBundle:
    """The graph bundle of a validated book (see :mod:`graph.model` for the schema).

    ``members`` are the insurers whose book it is, with their ``Insurer`` node properties;
    ``pseudonymized`` reads representatives' keys from ``representative_key``.
    """
    builder = _Builder(tables, pseudonymized)
    _records(builder)
    _identifiers(builder)
    if members:
        builder.node(Label.INSURER, pd.DataFrame([{"key": code, **props}
                                                   for code, props in members.items()]))
    bundle = builder.bundle(fingerprint)
    bundle.clears = _clears(builder)
    return bundle
