"""Charts drawn on the server as inline SVG: they work offline, print, and need no JavaScript library.

`hourly_bars` draws up to four series side by side for each of the day's 24 hours (China time), with a
legend and a y axis; each bar carries a <title> so a pointer shows the exact count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1d70b8", "#00703c", "#d4351c", "#f47738", "#4c2c92")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]  # one per hour, 0-23
    colour: str = ""


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above `value`: the top of the y axis."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def hourly_bars(series: Sequence[Series], *, title: str, unit: str, width: int = 860, height: int = 240) -> Markup:
    left, right, top_pad, bottom = 44, 10, 28, 34
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max([max(s.values, default=0) for s in series] + [0])
    top = _nice_top(max(peak, 1))
    slot = plot_w / 24
    bar_w = max((slot - 4) / max(len(series), 1), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
    ]
    for i in range(5):  # grid lines and y labels
        value = top * i / 4
        y = top_pad + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dee0e2"/>')
        label = f"{value:.0f}" if value == int(value) else f"{value:.1f}"
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>')
    for hour in range(24):
        x0 = left + hour * slot + 2
        if hour % 3 == 0:
            parts.append(
                f'<text x="{x0 + slot / 2 - 2:.1f}" y="{height - bottom + 14}" font-size="11" '
                f'text-anchor="middle">{hour:02d}</text>'
            )
        for index, s in enumerate(series):
            value = s.values[hour] if hour < len(s.values) else 0
            if not value:
                continue
            h = plot_h * value / top
            colour = s.colour or PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{x0 + index * bar_w:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(s.label)} {hour:02d}:00-{hour:02d}:59: '
                f"{value} {escape(unit)}</title></rect>"
            )
    parts.append(f'<text x="{left}" y="{height - 4}" font-size="11">hour of the day (China time)</text>')
    x = left
    for index, s in enumerate(series):  # legend
        colour = s.colour or PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="18" font-size="12">{escape(s.label)} ({sum(s.values)})</text>')
        x += 28 + 8 * len(s.label) + 8 * len(str(sum(s.values)))
    parts.append("</svg>")
    # Every text in it went through escape() above; the numbers are ours.
    return Markup("".join(parts))  # noqa: S704
