"""SVG line charts for measures and objectives: one renderer for the couple page and the PDF reports.

Pure functions from plain data to an SVG string. No scripts, no style attributes (our CSP forbids them):
only SVG presentation attributes, which browsers and WeasyPrint both honour. Partners differ by colour,
marker shape and dash pattern, so the chart also reads in greyscale and for colour-blind readers.
Each chart carries <title> and <desc>; pages show the same numbers in a table beside it.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colours with at least 4.5:1 contrast on white.
STYLES = {
    "a": {"stroke": "#1d4f91", "dash": "", "marker": "circle"},
    "b": {"stroke": "#a3400c", "dash": "7 4", "marker": "square"},
    "objective": {"stroke": "#1e6b34", "dash": "", "marker": "circle"},
}
REFERENCE_STYLES = {
    "cutoff": {"stroke": "#6b4c00", "dash": "2 4"},
    "baseline": {"stroke": "#4a5561", "dash": "6 3"},
    "target": {"stroke": "#1e6b34", "dash": "10 4"},
}


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[datetime.date, float]]
    style: str = "a"
    # Parallel to `points`: a note added to that point's <title> (e.g. "client-reported"); a point with a
    # note gets a ring around its marker, explained by the chart's `ring_legend`.
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class ReferenceLine:
    label: str
    value: float
    kind: str = "cutoff"


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    y_label: str
    y_min: float
    y_max: float
    series: Sequence[Series] = field(default_factory=tuple)
    reference_lines: Sequence[ReferenceLine] = field(default_factory=tuple)
    show_gap: bool = False  # draw the distance between the first two series where they share a date
    ring_legend: str = ""  # the legend entry for ringed points (Series.notes); shown when any point has a note


WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 150, 34, 44


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:g}"


def render(chart: Chart) -> SafeString:
    """The chart as an inline SVG element (safe to put in a template)."""
    dates = sorted({d for s in chart.series for d, _ in s.points})
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    y_min, y_max = chart.y_min, chart.y_max if chart.y_max > chart.y_min else chart.y_min + 1
    first = dates[0] if dates else datetime.date.today()
    last = dates[-1] if dates else first
    span_days = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        if len(dates) <= 1:
            return LEFT + plot_w / 2
        return LEFT + (day - first).days / span_days * plot_w

    def y(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return TOP + plot_h - (clamped - y_min) / (y_max - y_min) * plot_h

    uid = "chart-" + hashlib.sha1(f"{chart.title}|{chart.description}".encode(), usedforsecurity=False).hexdigest()[:8]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{uid}-t {uid}-d" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="{uid}-t">{escape(chart.title)}</title><desc id="{uid}-d">{escape(chart.description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    step = _nice_step(y_max - y_min)
    tick = math.ceil(y_min / step) * step
    while tick <= y_max + 1e-9:
        ty = y(tick)
        parts.append(f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{LEFT + plot_w}" y2="{ty:.1f}" stroke="#e3e8ee"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" fill="#4a5561">{_fmt(tick)}</text>')
        tick += step
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#4a5561"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#4a5561"/>')
    parts.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 14 {TOP + plot_h / 2:.1f})" '
                 f'text-anchor="middle" fill="#1b1f24">{escape(chart.y_label)}</text>')
    for label_day in _date_ticks(dates):
        tx = x(label_day)
        parts.append(f'<text x="{tx:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" fill="#4a5561">'
                     f'{label_day:%d %b}</text>')
    if dates and (last.year != first.year or len(dates) > 1):
        parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" text-anchor="middle" fill="#4a5561">'
                     f'{first:%b %Y} – {last:%b %Y}</text>')

    legend_y = TOP
    for line in chart.reference_lines:
        style = REFERENCE_STYLES.get(line.kind, REFERENCE_STYLES["cutoff"])
        ly = y(line.value)
        parts.append(f'<line x1="{LEFT}" y1="{ly:.1f}" x2="{LEFT + plot_w}" y2="{ly:.1f}" stroke="{style["stroke"]}" '
                     f'stroke-width="1.5" stroke-dasharray="{style["dash"]}"/>')
        parts.append(_legend_entry(legend_y, style["stroke"], style["dash"], None,
                                   f"{line.label} ({_fmt(line.value)})"))
        legend_y += 20

    if chart.show_gap and len(chart.series) >= 2:
        a_values, b_values = dict(chart.series[0].points), dict(chart.series[1].points)
        for day in sorted(set(a_values) & set(b_values)):
            parts.append(f'<line x1="{x(day):.1f}" y1="{y(a_values[day]):.1f}" x2="{x(day):.1f}" '
                         f'y2="{y(b_values[day]):.1f}" stroke="#9aa5b1" stroke-width="6" stroke-opacity="0.35"/>')

    ringed = False
    for series in chart.series:
        style = STYLES.get(series.style, STYLES["a"])
        notes = list(series.notes) + [""] * (len(series.points) - len(series.notes))
        noted = sorted(zip(series.points, notes, strict=True), key=lambda pn: pn[0])
        points = [point for point, _ in noted]
        if len(points) > 1:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{style["stroke"]}" stroke-width="2.5" '
                         f'stroke-dasharray="{style["dash"]}"/>')
        for (day, value), note in noted:
            label = f"{series.label}, {day:%-d %b %Y}: {_fmt(value)}" + (f" ({note})" if note else "")
            if note:
                ringed = True
                parts.append(_ring(x(day), y(value), label))
            parts.append(_marker(style["marker"], x(day), y(value), style["stroke"], label))
        parts.append(_legend_entry(legend_y, style["stroke"], style["dash"], style["marker"], series.label))
        legend_y += 20
    if ringed and chart.ring_legend:
        lx = WIDTH - RIGHT + 12
        parts.append(_ring(lx + 13, legend_y, chart.ring_legend))
        parts.append(f'<text x="{lx + 32}" y="{legend_y + 4:.1f}" fill="#1b1f24">{escape(chart.ring_legend)}</text>')
        legend_y += 20
    if not dates:
        parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
                     f'fill="#4a5561">No values recorded yet</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text in it went through escape())


def _date_ticks(dates: list[datetime.date], most: int = 6) -> list[datetime.date]:
    if len(dates) <= most:
        return dates
    stride = math.ceil((len(dates) - 1) / (most - 1))
    picked = dates[::stride]
    return picked if picked[-1] == dates[-1] else [*picked[:-1], dates[-1]]


def _marker(shape: str, cx: float, cy: float, colour: str, label: str) -> str:
    title = f"<title>{escape(label)}</title>"
    if shape == "square":
        return (f'<rect x="{cx - 4.5:.1f}" y="{cy - 4.5:.1f}" width="9" height="9" fill="#ffffff" '
                f'stroke="{colour}" stroke-width="2">{title}</rect>')
    return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}">{title}</circle>'


def _ring(cx: float, cy: float, label: str) -> str:
    """A hollow ring around a marker: a noted point (client-reported), told apart without colour."""
    return (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="8.5" fill="none" stroke="#1b1f24" stroke-width="1.5">'
            f"<title>{escape(label)}</title></circle>")


def _legend_entry(ly: float, colour: str, dash: str, marker: str | None, label: str) -> str:
    lx = WIDTH - RIGHT + 12
    line = (f'<line x1="{lx}" y1="{ly:.1f}" x2="{lx + 26}" y2="{ly:.1f}" stroke="{colour}" stroke-width="2.5" '
            f'stroke-dasharray="{dash}"/>')
    mark = _marker(marker, lx + 13, ly, colour, label) if marker else ""
    return (f"{line}{mark}<text x=\"{lx + 32}\" y=\"{ly + 4:.1f}\" fill=\"#1b1f24\">{escape(label)}</text>")


# --- Sparklines: one partner's scores on one instrument, small enough for an overview card -------------

SPARK_W, SPARK_H, SPARK_PAD = 100, 30, 4


def sparkline(*, label: str, points: Sequence[tuple[datetime.date, float]], y_min: float, y_max: float,
              style: str = "a") -> SafeString:
    """A small line of `points` (oldest first) on the instrument's full range, without axes.

    The values are in its accessible name (role="img", aria-label), e.g. "PHQ-9, Partner A: 18 on 3 Feb
    2026, 14 on 3 Mar 2026", so a screen reader hears what a sighted reader sees; the latest point is marked.
    """
    style_of = STYLES.get(style, STYLES["a"])
    spoken = ", ".join(f"{_fmt(value)} on {day:%-d %b %Y}" for day, value in points) or "no scores yet"
    name = f"{label}: {spoken}"
    low, high = y_min, y_max if y_max > y_min else y_min + 1
    inner_w, inner_h = SPARK_W - 2 * SPARK_PAD, SPARK_H - 2 * SPARK_PAD

    def xy(index: int, value: float) -> tuple[float, float]:
        px = SPARK_PAD + (inner_w / 2 if len(points) == 1 else index / (len(points) - 1) * inner_w)
        clamped = min(max(value, low), high)
        return px, SPARK_PAD + inner_h - (clamped - low) / (high - low) * inner_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 {SPARK_W} {SPARK_H}" '
        f'width="{SPARK_W}" height="{SPARK_H}" role="img" aria-label="{escape(name)}">',
        f'<line x1="0" y1="{SPARK_H - 1}" x2="{SPARK_W}" y2="{SPARK_H - 1}" stroke="#e3e8ee"/>',
    ]
    coords = [xy(i, value) for i, (_, value) in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{style_of["stroke"]}" stroke-width="2" '
                     f'stroke-dasharray="{style_of["dash"]}"/>')
    if coords:
        px, py = coords[-1]
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{style_of["stroke"]}"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (the only text in it, the label, went through escape())
