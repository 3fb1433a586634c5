"""Server-rendered SVG charts of the judgement-insight pages (no JavaScript).

Each chart is an image with a title and a description (`role="img"`, named by both),
and every page shows the same numbers in a table beside it, as the results page's
calibration chart does (`resolution/charts.py`). Rows of the bar and dot charts are
numbered as the rows of their table. Colours: GOV.UK blue, black and orange, with a
different marker shape per series so they do not rely on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SIZE = 320
MARGIN = 60
PLOT = SIZE - 2 * MARGIN
FONT_SIZE = 16
DISPLAY_WIDTH = 400
BLUE, BLACK, ORANGE, GREY = "#1d70b8", "#0b0c0c", "#f47738", "#b1b4b6"


def _x(p: float) -> float:
    return round(MARGIN + p * PLOT, 1)


def _y(p: float) -> float:
    return round(MARGIN + (1 - p) * PLOT, 1)


def _svg(body: SafeString, *, chart_id: str, title: str, description: str, height: int) -> str:
    return mark_safe(
        format_html(
            '<svg class="cc-chart" viewBox="0 0 {0} {1}" width="{2}" role="img" '
            'aria-labelledby="{3}-title {3}-desc" focusable="false" '
            'xmlns="http://www.w3.org/2000/svg" font-family="arial, sans-serif" '
            'font-size="{4}"><title id="{3}-title">{5}</title><desc id="{3}-desc">{6}</desc>'
            "{7}</svg>",
            SIZE,
            height,
            DISPLAY_WIDTH,
            chart_id,
            FONT_SIZE,
            title,
            description,
            body,
        )
    )


def _square_axes(x_title: str, y_title: str) -> SafeString:
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{2}" x2="{0}" y2="{3}" stroke="{6}" stroke-width="0.5"/>'
        '<text x="{0}" y="{4}" text-anchor="middle">{5}%</text>'
        '<line x1="{2}" y1="{1}" x2="{3}" y2="{1}" stroke="{6}" stroke-width="0.5"/>'
        '<text x="{7}" y="{1}" text-anchor="end" dominant-baseline="middle">{5}%</text>',
        (
            (
                _x(t / 100),
                _y(t / 100),
                MARGIN,
                SIZE - MARGIN,
                SIZE - MARGIN + 20,
                t,
                GREY,
                MARGIN - 6,
            )
            for t in range(0, 101, 20)
        ),
    )
    return format_html(
        '{}<text x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text x="14" y="{}" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>',
        ticks,
        SIZE / 2,
        SIZE - 6,
        x_title,
        SIZE / 2,
        SIZE / 2,
        y_title,
    )


def reliability_svg(group: dict[str, Any], *, chart_id: str, title: str) -> str:
    """The CORP reliability diagram of one group: the isotonic curve as a step line, its
    consistency band shaded, the diagonal dashed."""
    curve = [point for point in group["corp"]["curve"] if point["calibrated"] is not None]
    band = [point for point in curve if point["band_low"] is not None]
    polygon = " ".join(
        [f"{_x(pt['forecast'])},{_y(pt['band_high'])}" for pt in band]
        + [f"{_x(pt['forecast'])},{_y(pt['band_low'])}" for pt in reversed(band)]
    )
    steps: list[str] = []
    for i, point in enumerate(curve):
        if i:
            steps.append(f"{_x(point['forecast'])},{_y(curve[i - 1]['calibrated'])}")
        steps.append(f"{_x(point['forecast'])},{_y(point['calibrated'])}")
    body = format_html(
        "{}"
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-dasharray="4 4"/>'
        '<polygon points="{}" fill="{}" fill-opacity="0.25" stroke="none"/>'
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2.5"/>',
        _square_axes("Forecast probability", "Recalibrated probability"),
        _x(0),
        _y(0),
        _x(1),
        _y(1),
        polygon,
        BLUE,
        " ".join(steps),
        BLACK,
    )
    description = (
        "Reliability diagram by isotonic regression (CORP). The black step line is the "
        "observed event rate as a non-decreasing function of the forecast; the shaded band "
        "is where 90% of such curves would lie if the forecasts were calibrated; the dashed "
        "diagonal is perfect calibration. The numbers are in the table below."
    )
    return _svg(body, chart_id=chart_id, title=title, description=description, height=SIZE)


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    shape: str  # "circle", "square" or "diamond"


def _marker(shape: str, x: float, y: float, colour: str) -> SafeString:
    if shape == "square":
        return format_html(
            '<rect x="{}" y="{}" width="9" height="9" fill="{}"/>', x - 4.5, y - 4.5, colour
        )
    if shape == "diamond":
        return format_html(
            '<polygon points="{},{} {},{} {},{} {},{}" fill="{}"/>',
            x,
            y - 6,
            x + 6,
            y,
            x,
            y + 6,
            x - 6,
            y,
            colour,
        )
    return format_html('<circle cx="{}" cy="{}" r="5" fill="{}"/>', x, y, colour)


ROW = 22
LEGEND_ROW = 20
LEFT = 44
RIGHT = 16
TOP = 34


def dot_chart(
    rows: Sequence[Sequence[float | None]],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    description: str,
    x_max: float,
    x_title: str,
    x_format: str = "{:g}",
) -> str:
    """One row per item (numbered 1, 2, … as its table), one marker per series."""
    width = SIZE - LEFT - RIGHT
    top = TOP + LEGEND_ROW * (len(series) - 1)  # the legend: one series per line
    height = top + ROW * max(len(rows), 1) + 44
    scale = width / x_max if x_max > 0 else 0.0

    def x_of(value: float) -> float:
        return round(LEFT + min(max(value, 0.0), x_max) * scale, 1)

    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="{4}" stroke-width="0.5"/>'
        '<text x="{0}" y="{3}" text-anchor="middle">{5}</text>',
        (
            (
                x_of(x_max * t / 4),
                top - 6,
                height - 44,
                height - 26,
                GREY,
                x_format.format(x_max * t / 4),
            )
            for t in range(5)
        ),
    )
    marks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>{}',
        (
            (
                LEFT - 8,
                top + ROW * i + ROW / 2,
                i + 1,
                SafeString(
                    "".join(
                        _marker(s.shape, x_of(v), top + ROW * i + ROW / 2, s.colour)
                        for s, v in zip(series, values, strict=True)
                        if v is not None
                    )
                ),
            )
            for i, values in enumerate(rows)
        ),
    )
    legend = format_html_join(
        "",
        '{}<text x="{}" y="{}" font-size="13">{}</text>',
        (
            (_marker(s.shape, 10, 12 + LEGEND_ROW * j, s.colour), 22, 17 + LEGEND_ROW * j, s.name)
            for j, s in enumerate(series)
        ),
    )
    body = format_html(
        '{}{}{}<text x="{}" y="{}" text-anchor="middle">{}</text>',
        legend,
        ticks,
        marks,
        LEFT + width / 2,
        height - 6,
        x_title,
    )
    return _svg(body, chart_id=chart_id, title=title, description=description, height=height)


def histogram_svg(
    counts: Sequence[int], *, chart_id: str, title: str, description: str, x_title: str
) -> str:
    """Bars over 0–100% in equal bands (the thresholds' 5-point bands)."""
    n = max(len(counts), 1)
    top = max(max(counts, default=0), 1)
    bar = PLOT / n
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        (
            (
                round(MARGIN + i * bar + 1, 1),
                _y(c / top),
                round(bar - 2, 1),
                round(PLOT * c / top, 1),
                BLUE,
            )
            for i, c in enumerate(counts)
        ),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}%</text>',
        ((_x(t / 100), SIZE - MARGIN + 20, t) for t in range(0, 101, 20)),
    )
    body = format_html(
        '{}{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f"/>'
        '<text x="{}" y="{}" text-anchor="end">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        bars,
        ticks,
        MARGIN,
        _y(0),
        SIZE - MARGIN,
        _y(0),
        MARGIN - 6,
        _y(1) + 5,
        max(counts, default=0) or "",
        SIZE / 2,
        SIZE - 6,
        x_title,
    )
    return _svg(body, chart_id=chart_id, title=title, description=description, height=SIZE)
