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

SIZE = 320
MARGIN = 44
PLOT = SIZE - 2 * MARGIN


def _x(p: float) -> float:
    return round(MARGIN + p * PLOT, 1)


def _y(p: float) -> float:
    return round(MARGIN + (1 - p) * PLOT, 1)


def _axes(x_title: str, y_title: str) -> SafeString:
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{2}" x2="{0}" y2="{3}" class="cc-grid"/>'
        '<text x="{0}" y="{4}" text-anchor="middle">{5}%</text>'
        '<line x1="{2}" y1="{1}" x2="{3}" y2="{1}" class="cc-grid"/>'
        '<text x="{6}" y="{1}" text-anchor="end" dominant-baseline="middle">{5}%</text>',
        (
            (_x(t / 100), _y(t / 100), MARGIN, SIZE - MARGIN, SIZE - MARGIN + 16, t, MARGIN - 6)
            for t in range(0, 101, 20)
        ),
    )
    return format_html(
        '{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-dasharray="4 4"/>'
        '<text x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text x="12" y="{}" text-anchor="middle" transform="rotate(-90 12 {})">{}</text>',
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
            '<svg class="cc-chart" viewBox="0 0 {0} {0}" width="100%" role="img" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
            'font-family="arial, sans-serif" font-size="11" style="max-width:{0}px">'
            "<title>{1}</title>"
            "<style>.cc-grid{{stroke:#b1b4b6;stroke-width:0.5}}</style>{2}{3}</svg>",
            SIZE,
            title,
            _axes(x_title, y_title),
            _points(table),
        )
    )
