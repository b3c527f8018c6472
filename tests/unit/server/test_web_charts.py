"""Chart geometry of the analytics page: axis tops, stacked bars, the donut's
shares and its "Other" slice, a line's path."""

from __future__ import annotations

import pytest

from server.web.charts import OTHER, axis, bar_chart, donut, line_chart, nice_max


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (0.3, 0.5), (1, 1), (1.1, 2), (2.2, 2.5), (7, 10), (36, 50)]
)
def test_axis_top_is_the_next_round_number(value: float, top: float) -> None:
    assert nice_max(value) == top


@pytest.mark.parametrize(
    ("peak", "top", "step"), [(23, 30, 10), (5, 6, 2), (4, 4, 1), (0.5, 0.6, 0.2), (0, 0.25, 0.25)]
)
def test_axis_has_about_four_round_steps(peak: float, top: float, step: float) -> None:
    assert axis(peak) == (pytest.approx(top), pytest.approx(step))


def test_stacked_bars_scale_to_the_axis() -> None:
    c = bar_chart(
        ["Mon", "Tue", "Wed"],
        [("Billable", "#111111", [2.0, 4.0, 0.0]), ("Other", "#222222", [2.0, 1.0, 0.0])],
        height=220,
    )
    span = c.plot_bottom - c.plot_top
    # Round steps: 5 hours at most → steps of 2 h up to 6 h.
    assert [t.label for t in c.ticks] == ["0h", "2h", "4h", "6h"]
    mon, tue, wed = c.bars
    assert [s.height for s in mon.segments] == [pytest.approx(span * 2 / 6)] * 2
    # Stacked: the second segment sits on the first.
    assert mon.segments[1].y + mon.segments[1].height == pytest.approx(mon.segments[0].y)
    assert tue.segments[0].y == pytest.approx(c.plot_bottom - span * 4 / 6)
    assert wed.segments == [] and not c.empty
    assert bar_chart(["Mon"], [("x", "#000000", [0.0])]).empty


def test_donut_shares_add_up_and_the_tail_is_other() -> None:
    items = [(f"P{i}", None, float(i + 1)) for i in range(9)] + [("zero", "#000000", 0.0)]
    d = donut(items, keep=3)
    assert [s.name for s in d.slices] == ["P8", "P7", "P6", "Other"]
    assert sum(s.percent for s in d.slices) == pytest.approx(100)
    assert d.slices[-1].color == OTHER and d.total == 45
    # Each slice starts where the previous one ended.
    assert d.slices[1].offset == pytest.approx(-d.slices[0].dash)
    assert donut([("a", "#123456", 0.0)]).empty


def test_line_path_runs_through_every_point() -> None:
    c = line_chart([f"{h:02d}" for h in range(24)], [float(h % 5) for h in range(24)], every=3)
    assert c.line.startswith("M44.0,") and c.line.count("L") == 23
    assert c.area.endswith("Z") and len(c.labels) == 8
    assert c.points[0][1] == c.plot_bottom  # 0 h sits on the axis
