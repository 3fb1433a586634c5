"""Server-rendered SVG charts (no JavaScript), reusable for staff and participants.

`calibration_svg(table)` draws a reliability diagram from rows with
`mean_forecast`, `observed_rate`, `ci_low`, `ci_high` and `count` (for example
`selectors.calibration_rows`). The SVG is decorative for screen readers
(`aria-hidden`); always show the same numbers in an HTML table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Drawing units. The SVG scales with its column (CSS: max-width 100%) up to
# DISPLAY_WIDTH pixels, so a label of FONT_SIZE units is at least 14px wide on a
# 320px screen (about 290px of column: 16 * 290 / 320 = 14.5) and 20px on desktop.
# One binning and one description for every calibration chart, staff or
# participant: 5 groups under FEW_FORECASTS forecasts, 10 from there on. The
# scoring engine's bins are right-closed, so of 5 the first holds 0–20% and the
# second 21–40% (forecasts are whole percents); `bin_bounds` gives those limits.
FEW_FORECASTS = 50
PERCENT_BINS = 100


def chart_description(*, noun: str = "forecast") -> str:
    """The one description under every calibration chart; `noun` is what is counted."""
    return (
        f"Each dot is a group of {noun}s: across, how sure they were on average; up, how "
        "often they were right. The dashed diagonal is perfect calibration. The same numbers "
        "are in the table below."
    )


def bins_for(n: int) -> int:
    """How many groups a calibration chart of `n` forecasts has."""
    return 5 if n < FEW_FORECASTS else 10


def bin_bounds(i: int, bins: int) -> tuple[int, int]:
    """The lowest and highest whole percent in group `i` of `bins` (right-closed)."""
    width = PERCENT_BINS // bins
    return (0 if i == 0 else i * width + 1, (i + 1) * width)


SIZE = 320
DISPLAY_WIDTH = 400
FONT_SIZE = 16
MARGIN = 60
PLOT = SIZE - 2 * MARGIN


def _x(p: float) -> float:
    return round(MARGIN + p * PLOT, 1)


def _y(p: float) -> float:
    return round(MARGIN + (1 - p) * PLOT, 1)


def _axes(x_title: str, y_title: str) -> SafeString:
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{2}" x2="{0}" y2="{3}" stroke="#b1b4b6" stroke-width="0.5"/>'
        '<text x="{0}" y="{4}" text-anchor="middle">{5}%</text>'
        '<line x1="{2}" y1="{1}" x2="{3}" y2="{1}" stroke="#b1b4b6" stroke-width="0.5"/>'
        '<text x="{6}" y="{1}" text-anchor="end" dominant-baseline="middle">{5}%</text>',
        (
            (_x(t / 100), _y(t / 100), MARGIN, SIZE - MARGIN, SIZE - MARGIN + 20, t, MARGIN - 6)
            for t in range(0, 101, 20)
        ),
    )
    return format_html(
        '{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-dasharray="4 4"/>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text x="14" y="{}" text-anchor="middle" transform="rotate(-90 14 {})">{}</text>',
        ticks,
        _x(0),
        _y(0),
        _x(1),
        _y(1),
        SIZE / 2,
        SIZE - 6,
        x_title,
        SIZE / 2,
        SIZE / 2,
        y_title,
    )


def _points(table: Sequence[Any]) -> SafeString:
    drawn = [
        row
        for row in table
        if row.count and row.mean_forecast is not None and row.observed_rate is not None
    ]
    biggest = max((row.count for row in drawn), default=1)
    return format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#1d70b8" stroke-width="2"/>'
        '<circle cx="{0}" cy="{3}" r="{4}" fill="#1d70b8" fill-opacity="0.8"/>',
        (
            (
                _x(row.mean_forecast),
                _y(row.ci_low if row.ci_low is not None else row.observed_rate),
                _y(row.ci_high if row.ci_high is not None else row.observed_rate),
                _y(row.observed_rate),
                round(3 + 7 * (row.count / biggest) ** 0.5, 1),
            )
            for row in drawn
        ),
    )


def calibration_svg(
    table: Sequence[Any],
    *,
    title: str = "Calibration",
    x_title: str = "Forecast probability",
    y_title: str = "How often it happened",
) -> str:
    """A reliability diagram: points sized by count, 95% intervals, the diagonal as ideal.
    Participants' charts pass axis titles in their own words."""
    return mark_safe(
        format_html(
            '<svg class="cc-chart" viewBox="0 0 {0} {0}" width="{4}" height="{4}" role="img" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
            'font-family="arial, sans-serif" font-size="{5}">'
            "<title>{1}</title>{2}{3}</svg>",
            SIZE,
            title,
            _axes(x_title, y_title),
            _points(table),
            DISPLAY_WIDTH,
            FONT_SIZE,
        )
    )
