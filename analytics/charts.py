"""Plain SVG geometry for the admin's charts (a line over equally spaced points, with a nice axis)."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 12, 12, 28


def nice_top(maximum: float, ticks: int = 4) -> tuple[float, float]:
    """A round upper bound and tick step for an axis that must reach `maximum`."""
    if not maximum or maximum <= 0:
        return 1.0, 0.25
    rough = maximum / ticks
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)
    return step * math.ceil(maximum / step - 1e-9), step


@dataclass
class LineChart:
    points: str
    ticks: list[tuple[float, str]]  # (y pixel, label)
    labels: list[tuple[float, str]]  # (x pixel, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PAD_LEFT
    right: int = WIDTH - PAD_RIGHT
    bottom: int = HEIGHT - PAD_BOTTOM


def line_chart(values: list[float | None], labels: list[str], *, fmt=lambda v: f"{v:g}", top: float | None = None) -> LineChart:
    """The polyline of `values` (None is drawn as 0) and the axis ticks, formatted with `fmt`."""
    top_value, step = (top, top / 4) if top else nice_top(max([v or 0 for v in values], default=0))
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    count = max(1, len(values) - 1)

    def x(i: int) -> float:
        return PAD_LEFT + inner_w * i / count

    def y(v: float) -> float:
        return PAD_TOP + inner_h * (1 - v / top_value)

    points = " ".join(f"{x(i):.1f},{y(v or 0):.1f}" for i, v in enumerate(values))
    ticks = [(y(step * n), fmt(step * n)) for n in range(int(round(top_value / step)) + 1)]
    every = max(1, math.ceil(len(labels) / 7))
    shown = [(x(i), label) for i, label in enumerate(labels) if i % every == 0 or i == len(labels) - 1]
    return LineChart(points=points, ticks=ticks, labels=shown)
