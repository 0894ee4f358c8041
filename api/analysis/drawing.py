"""A ring or a neighbourhood drawn inline in a notebook, as the explorer draws it, offline.

The network is built by the explorer's own code (:func:`api.explorer.ring_network`,
:func:`api.explorer.entity_network`: colours, shapes, sizes, tooltips, masking) and rendered as a
self-contained page (:func:`api.explorer.standalone_page`: vis-network from pyvis's copy, no
CDN). A :class:`NetworkView` shows itself in Jupyter (an ``<iframe srcdoc>``) and can be saved
as an HTML file that opens anywhere.

Phones, bank accounts and ID numbers are masked unless ``show_pii=True``, as in the explorer:
a notebook's outputs travel further than the store does.

>>> view = NetworkView('<p title="x">a & b</p>', nodes=0, edges=0, truncated=False)
>>> view._repr_html_()[:65]
'<iframe srcdoc="&lt;p title=&quot;x&quot;&gt;a &amp; b&lt;/p&gt;"'
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from api.blocks import block_key, find_block, listed_blocks
from api.explorer import (
    EntityLinks,
    Viewer,
    collect_ring_graph,
    entity_network,
    parse_label,
    ring_network,
    standalone_page,
)
from api.views import block_subgraph, node_key
from graph.errors import NotFoundError
from graph.model import IDENTIFIER_LABELS, Label, NodeRef
from graph.store import GraphStore

__all__ = ["NetworkView", "draw_neighbourhood", "draw_ring"]

# Double-clicking a node in the explorer opens its page; links starting with "#" go nowhere.
_NO_PAGES = "#"
_BLOCK_LABELS = {"number_block", "phone"}
"""Labels under which a block (``+86199797003**``) is drawn as the block with its numbers."""


@dataclass(frozen=True)
class NetworkView:
    """A drawn network: ``html`` is a whole self-contained page; ``nodes`` and ``edges`` count
    what it shows; ``truncated`` says whether some nodes were left out (the caps)."""

    html: str
    nodes: int
    edges: int
    truncated: bool
    height_px: int = 600

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the page in a sandboxed iframe (scripts only, no navigation)."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" width="100%" '
                f'height="{self.height_px + 20}" style="border:1px solid #d5dae1" '
                'sandbox="allow-scripts"></iframe>')

    def save(self, path: Path | str) -> Path:
        """Write the page to ``path`` (UTF-8); returns the path."""
        out = Path(path)
        out.write_text(self.html, encoding="utf-8")
        return out


def draw_ring(store: GraphStore, ring_id: str, *, show_pii: bool = False,
              max_nodes: int = 400, height_px: int = 600) -> NetworkView:
    """A current ring's network: its claims, customers, policies, agents, complaints and the
    identifiers two or more of its claims share (sized by how many), with each claim's risk
    and each identifier's profile in the tooltips. At most ``max_nodes`` nodes.

    Raises :class:`graph.errors.NotFoundError` for a ring that is not current.
    """
    ring = store.get_ring(ring_id)
    sub = collect_ring_graph(store, ring, max_nodes=max_nodes)
    profiles = store.identifier_profiles(n.ref for n in sub.nodes if n.label in IDENTIFIER_LABELS)
    net = ring_network(ring, sub, Viewer(show_pii=show_pii), EntityLinks(_NO_PAGES), profiles,
                       store.claim_risks(ring.claim_ids), listed_blocks(store, ring))
    return NetworkView(standalone_page(net, height_px=height_px), len(net.nodes), len(net.edges),
                       sub.truncated, height_px)


def draw_neighbourhood(store: GraphStore, label: Label | str, key: str, depth: int = 1, *,
                       show_pii: bool = False, limit: int = 200,
                       height_px: int = 600) -> NetworkView:
    """A node and everything within ``depth`` hops (1–3), at most ``limit`` nodes.

    ``label`` is a node label (``Label.PHONE``, ``"Phone"``, ``"bank_account"`` …) or
    ``"number_block"``; ``key`` may be typed as people type it (``"139 0797 1234"``): it is
    normalized as ingest does. A number block (``"+86 199-7970-03**"``, as a phone or a
    number_block) is drawn with the numbers of it current rings list.
    Raises :class:`ValueError` for an unknown label or depth and
    :class:`graph.errors.NotFoundError` for a node that is not in the graph.
    """
    block = block_key(key) if str(getattr(label, "value", label)).lower() in _BLOCK_LABELS else None
    if block is not None:
        found_block = find_block(store, block)
        if found_block is None:
            raise NotFoundError(f"no number block {key!r} in the current results")
        shown = block_subgraph(store, found_block, depth, limit)
        net = entity_network(shown, found_block.ref, Viewer(show_pii=show_pii), EntityLinks(_NO_PAGES),
                             [found_block])
        return NetworkView(standalone_page(net, height_px=height_px), len(net.nodes), len(net.edges),
                           shown.truncated, height_px)
    found = label if isinstance(label, Label) else parse_label(label)
    if found is None:
        raise ValueError(f"unknown node label {label!r}; expected one of "
                         f"{', '.join(lbl.value for lbl in Label)} or number_block")
    root = NodeRef(found, node_key(found, key))
    sub = store.neighbourhood(root.label, root.key, depth=depth, limit=limit)
    net = entity_network(sub, root, Viewer(show_pii=show_pii), EntityLinks(_NO_PAGES))
    return NetworkView(standalone_page(net, height_px=height_px), len(net.nodes), len(net.edges),
                       sub.truncated, height_px)
