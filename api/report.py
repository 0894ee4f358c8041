"""The printable case report of a ring: a PDF in Chinese with English labels.

Built with reportlab (platypus for the flowing document, :mod:`reportlab.graphics` for the
figures) in Adobe's built-in CID font for simplified Chinese (:data:`api.timeline.CJK_FONT`), so
no font file is shipped or embedded; every PDF reader with Asian font support (Acrobat's font
pack, Chromium, pdf.js, poppler with its language data) shows it.

Contents: ring id, score and level, the case (status, assignee, re-alert) with its audit
history, the evidence, the members (one row per claim), the timeline (figure and events), a
drawing of the ring's network, and a generation stamp on every page (when, by whom, from which
detection run). Identifiers are masked as the requester's role sees them (:class:`Viewer`).

Every text from the data reaches the page escaped: reportlab's paragraphs read a markup of
their own (``<font>``, ``<a href>``, ``<img src>``), so a planted name stays text and never
makes the renderer fetch a file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from api.blocks import ring_blocks
from api.explorer import BLOCK_STYLE, LABEL_STYLES, Viewer, collect_ring_graph, node_caption
from api.scope import scope_of
from api.timeline import LANES, cjk_font, timeline_drawing
from api.views import ring_detail
from graph.cases import Case
from graph.model import Label, NodeRef, Subgraph
from graph.results import CaseChange, CaseEvent, Ring, RunRecord
from graph.store import GraphStore

__all__ = ["ReportStamp", "case_report", "network_drawing", "ring_report"]

_KIND_NAMES = {lane.kind: f"{lane.zh} {lane.en}" for lane in LANES}
_STATUS_NAMES = {"new": "新建 new", "investigating": "调查中 investigating",
                 "confirmed": "已确认 confirmed", "dismissed": "已排除 dismissed"}
_LEVEL_NAMES = {"high": "高 high", "medium": "中 medium", "low": "低 low"}
_MARGIN = 16 * mm
_WIDTH = A4[0] - 2 * _MARGIN
_GREY = colors.HexColor("#666666")
_RULE = colors.HexColor("#d5dae1")


@dataclass(frozen=True)
class ReportStamp:
    """Who asked for the report, when (ISO 8601, UTC), and the detection run it reports on."""

    generated_at: str
    generated_by: str
    run: RunRecord | None

    def short(self) -> str:
        """When and by whom, for page footers."""
        return f"生成时间 Generated {self.generated_at} UTC · 生成人 By {self.generated_by}"

    def line(self) -> str:
        run = (f"{self.run.run_id}（{self.run.finished_at or self.run.started_at}）"
               if self.run else "—")
        return (f"生成时间 Generated {self.generated_at} UTC · 生成人 By {self.generated_by} · "
                f"检测运行 Detection run {run}")


def _styles() -> dict[str, ParagraphStyle]:
    font = cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontSize=12, leading=16, spaceBefore=10,
                             spaceAfter=4),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=10, textColor=_GREY),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=9.5),
        "en": ParagraphStyle("en", parent=body, fontSize=8, leading=11, textColor=_GREY),
    }


# The CID font has no glyph for the Latin middle dot and the bullet: the katakana middle dot
# (in GB 2312, and as wide as a Chinese character, so it needs no spaces) stands in for both.
_GLYPHS = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb"})


def _text(value: object) -> str:
    """Text as the report's font can write it."""
    return ("" if value is None else str(value)).replace(" \u00b7 ", "\u00b7").translate(_GLYPHS)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of untrusted text: escaped, line breaks kept."""
    return Paragraph(escape(_text(text)).replace("\n", "<br/>"), style)


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float],
           style: ParagraphStyle) -> Table:
    data = [[_p(h, style) for h in header]] + [[_p(c, style) for c in row] for row in rows]
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _facts(ring: Ring, case: Case, viewer: Viewer, styles: dict[str, ParagraphStyle]) -> Table:
    realert = "—"
    if case.realert:
        realert = (f"新增 {len(case.realert.new_claims)} 笔 · {len(case.realert.new_claims)} new "
                   f"claims since {case.realert.at}: {', '.join(case.realert.new_claims)}")
    rows = [
        ("团伙编号 Ring", ring.ring_id),
        ("评分 Score", f"{ring.score:.2f}"),
        ("等级 Level", _LEVEL_NAMES.get(ring.level, ring.level)),
        ("案件状态 Case status", _STATUS_NAMES[case.status.value]),
        ("负责人 Assignee", case.assignee or "无 nobody"),
        ("重新预警 Re-alert", realert),
        ("最近备注 Last note", viewer.text(case.last_note) or "—"),
        ("申请 Claims / 客户 Customers", f"{len(ring.claim_ids)} / {len(ring.customer_ids)}"),
        ("申请日期 Requests", f"{ring.first_request_date or '—'} – {ring.last_request_date or '—'}"),
    ]
    table = Table([[_p(k, styles["small"]), _p(v, styles["body"])] for k, v in rows],
                  colWidths=[42 * mm, _WIDTH - 42 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.4, _RULE)]))
    return table


def _member_rows(members: Sequence[Mapping[str, Any]], names: Mapping[str, str],
                 viewer: Viewer) -> list[list[object]]:
    rows: list[list[object]] = []
    for m in members:
        props = m.get("props") or {}
        payout = [viewer.prop("payout_account", i["value"]) for i in m.get("identifiers", ())
                  if i.get("via") == "PAID_TO"]
        phones = [viewer.prop("contact_phone", i["value"]) for i in m.get("identifiers", ())
                  if i.get("via") == "CONTACT_PHONE"]
        customer = m.get("customer_id") or ""
        rows.append([
            m["claim_id"], m.get("request_date") or "—",
            f"{viewer.text(names.get(customer, ''))} {customer}".strip(),
            m.get("policy_id") or "", m.get("agent_id") or "",
            viewer.text(props.get("refund_type", "")), viewer.text(props.get("reason_code", "")),
            ", ".join(phones), ", ".join(payout),
            f"{m['risk']:.2f}" if m.get("risk") is not None else "—",
        ])
    return rows


def _event_detail(event: Mapping[str, Any], viewer: Viewer) -> str:
    detail = event.get("detail") or {}
    shown = []
    for name, value in detail.items():
        if value is None or value == "":
            continue
        text = viewer.prop("payout_account" if name == "value" else name, value)
        shown.append(f"{name}: {text}")
    return "; ".join(shown)


class _Figure(Flowable):
    """A reportlab drawing placed in the document flow."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__()
        self.drawing = drawing
        self.width, self.height = drawing.width, drawing.height

    def draw(self) -> None:
        from reportlab.graphics import renderPDF

        renderPDF.draw(self.drawing, self.canv, 0, 0)


def network_drawing(sub: Subgraph, viewer: Viewer, width: float = _WIDTH,
                    height: float = 120 * mm, seed: int = 7,
                    blocks: Mapping[str, Sequence[str]] | None = None) -> Drawing:
    """The ring's network laid out by networkx's spring layout (seeded, so the same ring is
    drawn the same way), nodes coloured and shaped as in the explorer; each number block of
    ``blocks`` (key: its numbers, :func:`api.blocks.ring_blocks`) a node linked to its numbers."""
    font = cjk_font()
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, fillColor=None, strokeColor=_RULE, strokeWidth=0.5))
    if not sub.nodes:
        return drawing
    g = nx.Graph()
    g.add_nodes_from(n.ref for n in sub.nodes)
    g.add_edges_from((e.src, e.dst) for e in sub.edges if e.src in g and e.dst in g)
    drawn_blocks = [NodeRef(Label.PHONE, key) for key in blocks or {}]
    for block in drawn_blocks:
        g.add_node(block)
        g.add_edges_from((NodeRef(Label.PHONE, n), block) for n in (blocks or {})[block.key]
                         if NodeRef(Label.PHONE, n) in g)
    pos = nx.spring_layout(g, seed=seed, k=1.6 / max(len(g), 1) ** 0.5)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    lo_x, hi_x, lo_y, hi_y = min(xs), max(xs), min(ys), max(ys)

    def place(ref: object) -> tuple[float, float]:
        x, y = pos[ref]
        return (18 + (width - 36) * ((x - lo_x) / ((hi_x - lo_x) or 1)),
                14 + (height - 28) * ((y - lo_y) / ((hi_y - lo_y) or 1)))

    for u, v in g.edges:
        (x1, y1), (x2, y2) = place(u), place(v)
        drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor("#c3c8cf"), strokeWidth=0.5))
    for node in sub.nodes:
        style = LABEL_STYLES[node.label]
        x, y = place(node.ref)
        color = colors.HexColor(style.color)
        r = 3.2 if node.label in (Label.POLICY, Label.COMPLAINT) else 4.2
        if style.shape in ("dot", "star"):
            drawing.add(Circle(x, y, r, fillColor=color, strokeColor=colors.white, strokeWidth=0.4))
        elif style.shape == "triangle":
            drawing.add(Polygon([x - r, y - r, x + r, y - r, x, y + r], fillColor=color,
                                strokeColor=None))
        elif style.shape == "diamond":
            drawing.add(Polygon([x, y - r, x + r, y, x, y + r, x - r, y], fillColor=color,
                                strokeColor=None))
        else:
            drawing.add(Rect(x - r, y - r, 2 * r, 2 * r, fillColor=color, strokeColor=None))
        caption = _text(node_caption(node, viewer).split("\n")[0])
        drawing.add(String(x + r + 1.5, y - 2, caption, fontName=font, fontSize=5.5,
                           fillColor=colors.HexColor("#333333")))
    for block in drawn_blocks:
        x, y = place(block)
        drawing.add(Rect(x - 5, y - 3.5, 10, 7, fillColor=colors.HexColor(BLOCK_STYLE.color), strokeColor=None))
        drawing.add(String(x + 6.5, y - 2, _text(viewer.key(block)), fontName=font, fontSize=5.5,
                           fillColor=colors.HexColor("#333333")))
    legend_x, legend_y = 8.0, height - 8
    legend = [LABEL_STYLES[label] for label in sorted({n.label for n in sub.nodes},
                                                      key=lambda lbl: list(LABEL_STYLES).index(lbl))]
    for style in legend + ([BLOCK_STYLE] if drawn_blocks else []):
        text = f"{style.zh} {style.en}"
        room = 14 + stringWidth(text, font, 6)
        if legend_x + room > width:
            legend_x, legend_y = 8.0, legend_y - 9
        drawing.add(Circle(legend_x + 3, legend_y, 2.5, fillColor=colors.HexColor(style.color),
                           strokeColor=None))
        drawing.add(String(legend_x + 8, legend_y - 2, text, fontName=font, fontSize=6))
        legend_x += room
    return drawing


def case_report(ring: Ring, case: Case, audit: Sequence[CaseChange], detail: Mapping[str, Any],
                sub: Subgraph, names: Mapping[str, str], viewer: Viewer,
                stamp: ReportStamp) -> bytes:
    """The case report as PDF bytes.

    ``detail``: the ring as :func:`api.views.ring_detail` gives it (members, timeline);
    ``sub``: the ring's graph (:func:`api.explorer.collect_ring_graph`); ``names``: customer
    names by customer id; ``viewer``: masking as the requester's role sees identifiers.
    """
    styles = _styles()
    small, cell = styles["small"], styles["cell"]
    story: list[Flowable] = [
        _p("代理退保团伙案件报告 · Proxy-surrender ring case report", styles["title"]),
        _p(stamp.line(), small),
        Spacer(1, 4 * mm),
        _facts(ring, case, viewer, styles),
        _p("证据 Evidence", styles["h2"]),
    ]
    for number, item in enumerate(ring.evidence, start=1):
        story.append(KeepTogether([_p(f"{number}. {viewer.text(item.zh)}", styles["body"]),
                                   _p(viewer.text(item.en), styles["en"]),
                                   Spacer(1, 1.5 * mm)]))
    if not ring.evidence:
        story.append(_p("无证据条目 · No evidence items.", small))
    story += [
        _p("成员 Members", styles["h2"]),
        _table(["申请 Claim", "日期 Date", "客户 Customer", "保单 Policy", "代理人 Agent",
                "退费 Refund", "原因 Reason", "联系电话 Phone", "收款账户 Payout", "风险 Risk"],
               _member_rows(detail.get("members", ()), names, viewer),
               [x * mm for x in (15, 15, 21, 16, 12, 17, 20, 20, 26, 12)], cell),
        _p("时间线 Timeline", styles["h2"]),
        _Figure(timeline_drawing(detail.get("timeline", ()), width=_WIDTH)),
        Spacer(1, 2 * mm),
        _table(["日期 Date", "事件 Event", "对象 Subject", "详情 Detail"],
               [[e["date"], _KIND_NAMES.get(e["kind"], e["kind"]), viewer.text(e["subject"]),
                 _event_detail(e, viewer)] for e in detail.get("timeline", ())],
               [22 * mm, 34 * mm, 30 * mm, _WIDTH - 86 * mm], cell),
        _p("关系图 Network", styles["h2"]),
        _Figure(network_drawing(sub, viewer, blocks=ring_blocks(ring))),
        _p("案件记录 Case history", styles["h2"]),
    ]
    if audit:
        story.append(_table(
            ["时间 When", "人员 Who", "状态 Status", "负责人 Assignee", "备注 Note"],
            [[c.at, ("检测运行 run " if c.event is CaseEvent.REALERT else "") + viewer.text(c.actor),
              f"{c.from_status.value} → {c.to_status.value}", c.assignee or "—",
              viewer.text(c.note)] for c in audit],
            [30 * mm, 28 * mm, 32 * mm, 22 * mm, _WIDTH - 112 * mm], cell))
    else:
        story.append(_p("尚无案件记录 · No case history yet.", small))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 7)
        canvas.setFillColor(_GREY)
        canvas.drawString(_MARGIN, 9 * mm, _text(f"{ring.ring_id} · {stamp.short()}"))
        canvas.drawRightString(A4[0] - _MARGIN, 9 * mm, _text(f"第 {doc.page} 页 · page {doc.page}"))
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=_MARGIN, rightMargin=_MARGIN,
                            topMargin=_MARGIN, bottomMargin=16 * mm,
                            title=f"RingScope case report {ring.ring_id}", author=stamp.generated_by,
                            subject="代理退保团伙案件报告 Proxy-surrender ring case report",
                            creator="RingScope")
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def ring_report(store: GraphStore, ring_id: str, viewer: Viewer, requester: str) -> bytes:
    """The case report of a current ring, read from ``store``, for ``requester`` (a person's
    name or a key's id) seeing identifiers as ``viewer`` does. Raises :class:`NotFoundError`
    for a ring not in the current results (or, for a viewer scoped to one member insurer,
    without its claims: then only its own members are in the report)."""
    scope = scope_of(store, viewer.insurer)
    ring = scope.ring(store.get_ring(ring_id))
    sub = scope.subgraph(collect_ring_graph(store, ring))
    names = {n.key: str(n.props.get("name", "")) for n in sub.nodes if n.label is Label.CUSTOMER}
    stamp = ReportStamp(datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"), requester,
                        store.current_run())
    return case_report(ring, scope.case(store, ring_id), scope.case_audit(store, ring_id),
                       ring_detail(store, ring_id, scope), sub, names, viewer, stamp)
