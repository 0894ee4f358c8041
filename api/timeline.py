"""A ring's timeline as a figure: its events on a date axis, one lane per kind of event.

Drawn with reportlab's chart library (:mod:`reportlab.graphics`), so the explorer (as SVG) and
the case report (as vector graphics in the PDF) show the same figure. Lanes, top to bottom,
follow the trade's usual order: the agent leaves, contacts are changed to the agency's, letters
are sent, surrenders are requested, refunds are paid. Several events of one kind on one day are
one marker with their count beside it. An agent who left long before the rest (more than
:data:`LEAD_DAYS` before the first other event) is drawn at the axis's left end with the date
written beside it, so years of quiet do not squeeze the ring's weeks into a corner. The figure
holds dates and counts only, never an identifier, so it needs no masking.

>>> events = [{"date": "2025-03-01", "kind": "surrender_request"},
...           {"date": "2025-03-01", "kind": "surrender_request"},
...           {"date": "2025-02-20", "kind": "complaint"}]
>>> [(lane.kind, days) for lane, days in lanes(events)]
[('complaint', {20139: 1}), ('surrender_request', {20148: 2})]
>>> timeline_svg(events).startswith("<?xml")
True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import pandas as pd
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

__all__ = ["CJK_FONT", "LANES", "Lane", "cjk_font", "lanes", "timeline_drawing", "timeline_svg"]

CJK_FONT = "STSong-Light"
"""Adobe's CID font for simplified Chinese, built into reportlab and every PDF reader's Asian font
support: no font file is needed to write it."""

_EPOCH = date(1970, 1, 1)
_MAX_TICKS = 10
LEAD_DAYS = 60
"""How long before the ring's other events an agent's leaving is still drawn to scale."""
_LABEL_WIDTH = 175


@dataclass(frozen=True)
class Lane:
    """One kind of event: its ``kind`` (as the ring timeline names it), names, marker colour
    and marker shape (a reportlab marker name)."""

    kind: str
    zh: str
    en: str
    color: str
    marker: str


LANES: tuple[Lane, ...] = (
    Lane("agent_left", "代理人离职", "Agent left", "#ff7f0e", "FilledTriangle"),
    Lane("contact_change", "联系方式变更", "Contact changes", "#2ca02c", "FilledDiamond"),
    Lane("complaint", "投诉", "Complaints", "#555555", "FilledSquare"),
    Lane("surrender_request", "退保申请", "Requests", "#d62728", "FilledCircle"),
    Lane("payout", "申请的收款账户", "Payout accounts named", "#8c564b", "FilledCircle"),
)
"""The lanes, top to bottom."""


@cache
def cjk_font() -> str:
    """Register :data:`CJK_FONT` with reportlab (once) and return its name."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT


def _day(text: str) -> int | None:
    try:
        return (date.fromisoformat(str(text)[:10]) - _EPOCH).days
    except ValueError:
        return None


def lanes(events: Iterable[Mapping[str, Any]]) -> list[tuple[Lane, dict[int, int]]]:
    """The lanes that have events, in :data:`LANES` order, each with its events counted by day
    (days since 1970-01-01). Events of other kinds or without a readable date are left out."""
    counts: dict[str, Counter[int]] = {lane.kind: Counter() for lane in LANES}
    for event in events:
        day = _day(str(event.get("date", "")))
        if day is not None and event.get("kind") in counts:
            counts[str(event["kind"])][day] += 1
    return [(lane, dict(sorted(counts[lane.kind].items()))) for lane in LANES if counts[lane.kind]]


def _ticks(first: int, last: int) -> list[int]:
    """Tick days on calendar boundaries (days, Mondays, month or quarter starts, years),
    at most :data:`_MAX_TICKS` of them."""
    span = last - first
    freq = ("D" if span <= 10 else "W-MON" if span <= 70 else "MS" if span <= 400
            else "QS" if span <= 1_500 else "YS")
    start = _EPOCH + timedelta(days=first)
    days = [(d.date() - _EPOCH).days
            for d in pd.date_range(start, _EPOCH + timedelta(days=last), freq=freq)]
    step = max(1, math.ceil(len(days) / _MAX_TICKS))
    return days[::step] or [first]


def timeline_drawing(events: Iterable[Mapping[str, Any]], width: float = 1100) -> Drawing:
    """The timeline as a reportlab drawing ``width`` points wide (its height grows with the
    number of lanes). A ring without dated events gives a drawing that says so."""
    font = cjk_font()
    found = lanes(events)
    height = 46 + 30 * max(len(found), 1)
    drawing = Drawing(width, height)
    if not found:
        drawing.add(String(width / 2, height / 2, "无带日期的事件 / No dated events",
                           fontName=font, fontSize=10, textAnchor="middle"))
        return drawing
    others = [day for lane, counted in found if lane.kind != "agent_left" for day in counted]
    days = others or [day for _, counted in found for day in counted]
    first, last = min(days), max(days)
    floor = first - LEAD_DAYS
    pad = max(2, math.ceil((last - first) * 0.03))
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = _LABEL_WIDTH, 26, width - _LABEL_WIDTH - 16, height - 40
    plot.data = [[(max(day, floor) if lane.kind == "agent_left" else day, len(found) - i)
                  for day in counted] for i, (lane, counted) in enumerate(found)]
    plot.joinedLines = 0
    axis = plot.xValueAxis
    axis.valueMin = min(x for line in plot.data for x, _ in line) - pad
    axis.valueMax = last + pad
    axis.valueSteps = _ticks(int(axis.valueMin) + 1, last)
    axis.labelTextFormat = lambda day: (_EPOCH + timedelta(days=int(day))).isoformat()
    axis.labels.fontName, axis.labels.fontSize = font, 8
    lanes_axis = plot.yValueAxis
    lanes_axis.valueMin, lanes_axis.valueMax = 0.5, len(found) + 0.5
    lanes_axis.valueSteps = list(range(1, len(found) + 1))
    lanes_axis.labelTextFormat = lambda value: ""  # lane names are drawn left-aligned below
    lanes_axis.visibleGrid, lanes_axis.gridStrokeColor = 1, colors.HexColor("#e4e7eb")
    for i, (lane, _) in enumerate(found):
        color = colors.HexColor(lane.color)
        plot.lines[i].strokeColor = color
        plot.lines[i].symbol = makeMarker(lane.marker, size=7, fillColor=color,
                                          strokeColor=colors.white)
    drawing.add(plot)
    span = axis.valueMax - axis.valueMin
    for i, (lane, counted) in enumerate(found):
        y = plot.y + plot.height * (len(found) - i - 0.5) / len(found)
        drawing.add(String(6, y - 3, f"{lane.zh} {lane.en}", fontName=font, fontSize=9))
        for day, count in counted.items():
            shown = max(day, floor) if lane.kind == "agent_left" else day
            x = plot.x + plot.width * (shown - axis.valueMin) / span
            if count > 1:
                drawing.add(String(x + 5, y + 4, f"×{count}", fontName=font, fontSize=7,
                                   fillColor=colors.HexColor("#333333")))
            if shown != day:
                left = (_EPOCH + timedelta(days=day)).isoformat()
                drawing.add(String(x + 7, y - 3, f"← {left} 离职 left", fontName=font, fontSize=7,
                                   fillColor=colors.HexColor("#8a5a00")))
    return drawing


def timeline_svg(events: Iterable[Mapping[str, Any]], width: float = 1100) -> str:
    """The timeline as an SVG document (text escaped by reportlab's SVG renderer)."""
    return str(renderSVG.drawToString(timeline_drawing(events, width)))
