"""Charts as server-drawn SVG geometry: bars, a line and a donut.

The templates turn these numbers into inline <svg> elements (`_charts.html`),
so the analytics page needs no chart library and no script: nothing to vendor
or update, nothing the strict Content-Security-Policy has to allow, and the
charts print and work without JavaScript. Labels stay text in the template,
escaped like everything else; only numbers are computed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PALETTE = [
    "#4f46e5",
    "#12a150",
    "#e0a100",
    "#e5484d",
    "#0ea5e9",
    "#a855f7",
    "#f97316",
    "#14b8a6",
    "#64748b",
    "#db2777",
]
OTHER = "#cbd5e1"


def color_at(i: int, given: str | None = None) -> str:
    return given or PALETTE[i % len(PALETTE)]


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above `value` (an axis' top)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover (the loop always returns)


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Segment:
    y: float
    height: float
    fill: str
    title: str


@dataclass
class Bar:
    x: float
    width: float
    label: str
    title: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class BarChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    bars: list[Bar]
    ticks: list[Tick]
    empty: bool


def axis(peak: float) -> tuple[float, float]:
    """The axis' top and step: a round step (1, 2, 2.5 or 5 times a power of
    ten) such that about four steps cover `peak`."""
    step = nice_max(peak / 4) if peak > 0 else 0.25
    return step * max(1, math.ceil(peak / step - 1e-9)), step


def _ticks(top: float, step: float, plot_top: int, plot_bottom: int, unit: str) -> list[Tick]:
    span = plot_bottom - plot_top
    count = round(top / step)
    return [Tick(plot_bottom - span * i / count, f"{step * i:g}{unit}") for i in range(count + 1)]


def bar_chart(
    labels: list[str],
    series: list[tuple[str, str, list[float]]],
    *,
    unit: str = "h",
    titles: list[str] | None = None,
    width: int = 640,
    height: int = 220,
) -> BarChart:
    """Stacked bars: `series` is [(name, color, values per label)], in hours (or `unit`)."""
    left, plot_top, plot_bottom = 44, 10, height - 26
    totals = [sum(s[2][i] for s in series) for i in range(len(labels))]
    top, step = axis(max(totals, default=0))
    slot = (width - left - 8) / max(len(labels), 1)
    bar_width = max(2.0, slot * 0.7)
    bars: list[Bar] = []
    for i, label in enumerate(labels):
        x = left + slot * i + (slot - bar_width) / 2
        bar = Bar(x, bar_width, label, titles[i] if titles else f"{label}: {totals[i]:.2f}{unit}")
        base = float(plot_bottom)
        for name, color, values in series:
            h = (plot_bottom - plot_top) * values[i] / top
            if h > 0:
                base -= h
                bar.segments.append(Segment(base, h, color, f"{name}: {values[i]:.2f}{unit}"))
        bars.append(bar)
    return BarChart(
        width,
        height,
        plot_top,
        plot_bottom,
        left,
        bars,
        _ticks(top, step, plot_top, plot_bottom, unit),
        not any(totals),
    )


@dataclass
class LineChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    line: str  # SVG path data: numbers only
    area: str
    points: list[tuple[float, float, str]]  # x, y, title
    labels: list[tuple[float, str]]
    ticks: list[Tick]
    empty: bool


def line_chart(
    labels: list[str],
    values: list[float],
    *,
    unit: str = "h",
    every: int = 1,
    width: int = 640,
    height: int = 200,
) -> LineChart:
    left, plot_top, plot_bottom = 44, 10, height - 26
    top, tick_step = axis(max(values, default=0))
    step = (width - left - 12) / max(len(values) - 1, 1)
    pts = [
        (left + step * i, plot_bottom - (plot_bottom - plot_top) * v / top)
        for i, v in enumerate(values)
    ]
    line = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(pts))
    area = f"{line} L{pts[-1][0]:.1f},{plot_bottom} L{left},{plot_bottom} Z" if pts else ""
    return LineChart(
        width,
        height,
        plot_top,
        plot_bottom,
        left,
        line,
        area,
        [(x, y, f"{labels[i]}: {values[i]:.2f}{unit}") for i, (x, y) in enumerate(pts)],
        [(pts[i][0], labels[i]) for i in range(0, len(pts), every)],
        _ticks(top, tick_step, plot_top, plot_bottom, unit),
        not any(values),
    )


@dataclass
class Slice:
    name: str
    color: str
    value: float
    percent: float
    dash: float  # share of the circle, in percent of its length (pathLength=100)
    offset: float


@dataclass
class Donut:
    slices: list[Slice]
    total: float
    empty: bool


def donut(items: list[tuple[str, str | None, float]], *, keep: int = 7) -> Donut:
    """Shares of a whole: the largest `keep` items and the rest as "Other"."""
    ordered = sorted((i for i in items if i[2] > 0), key=lambda i: -i[2])
    shown = ordered[:keep]
    rest = sum(i[2] for i in ordered[keep:])
    total = sum(i[2] for i in ordered)
    slices: list[Slice] = []
    offset = 0.0
    entries = [(n, color_at(k, c), v) for k, (n, c, v) in enumerate(shown)]
    if rest:
        entries.append(("Other", OTHER, rest))
    for name, color, value in entries:
        share = 100 * value / total
        slices.append(Slice(name, color, value, share, share, -offset))
        offset += share
    return Donut(slices, total, total <= 0)
