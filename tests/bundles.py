"""Small hand-built graph bundles for store and detector tests."""

from __future__ import annotations

import pandas as pd

from graph.model import EdgeBatch, GraphBundle, Label, NodeBatch, Rel

__all__ = ["tiny_bundle"]


def tiny_bundle(fingerprint: str = "tiny-1") -> GraphBundle:
    """Two customers whose claims share one contact phone; one policy each, one agent."""
    nodes = [
        NodeBatch(Label.CUSTOMER, pd.DataFrame({"key": ["U1", "U2"], "name": ["张三", "李四"]})),
        NodeBatch(Label.AGENT, pd.DataFrame({"key": ["A1"], "status": ["resigned"]})),
        NodeBatch(
            Label.POLICY, pd.DataFrame({"key": ["P1", "P2"], "annual_premium": [1200.5, None]})
        ),
        NodeBatch(
            Label.CLAIM,
            pd.DataFrame(
                {
                    "key": ["C1", "C2"],
                    "request_date": ["2025-03-01", "2025-03-04"],
                    "refund_type": ["full_premium", "full_premium"],
                }
            ),
        ),
        NodeBatch(Label.PHONE, pd.DataFrame({"key": ["+8613800138000"], "kind": ["mobile"]})),
    ]
    edges = [
        EdgeBatch(
            Label.CUSTOMER,
            Rel.HOLDS,
            Label.POLICY,
            pd.DataFrame({"src": ["U1", "U2"], "dst": ["P1", "P2"]}),
        ),
        EdgeBatch(
            Label.AGENT,
            Rel.SOLD,
            Label.POLICY,
            pd.DataFrame({"src": ["A1", "A1"], "dst": ["P1", "P2"]}),
        ),
        EdgeBatch(
            Label.CUSTOMER,
            Rel.FILED,
            Label.CLAIM,
            pd.DataFrame({"src": ["U1", "U2"], "dst": ["C1", "C2"]}),
        ),
        EdgeBatch(
            Label.CLAIM,
            Rel.SURRENDERS,
            Label.POLICY,
            pd.DataFrame({"src": ["C1", "C2"], "dst": ["P1", "P2"]}),
        ),
        EdgeBatch(
            Label.CLAIM,
            Rel.CONTACT_PHONE,
            Label.PHONE,
            pd.DataFrame(
                {
                    "src": ["C1", "C2"],
                    "dst": ["+8613800138000"] * 2,
                    "raw": ["138 0013 8000", "+86-138-0013-8000"],
                }
            ),
        ),
    ]
    return GraphBundle(nodes=nodes, edges=edges, fingerprint=fingerprint)
