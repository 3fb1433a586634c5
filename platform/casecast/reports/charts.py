"""Server-rendered SVG for the report: the forest plot and the CONSORT flow diagram.

Like `resolution.charts`, each SVG is hidden from screen readers (`aria-hidden`) and the
page shows the same numbers in a table beside it. Both are 320 drawing units wide with
16-unit text, as the calibration chart is, so their text stays at least 14px on a 320px
phone screen (`tests/core/test_browser_reflow.py`): labels sit above their lines rather
than beside them, and the CONSORT arms are stacked rather than side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from casecast.resolution.charts import DISPLAY_WIDTH, FONT_SIZE, SIZE

MARGIN = 20
PLOT = SIZE - 2 * MARGIN
ROW = 58
TOP = 12
BOTTOM = 64
LABEL_CHARS = 30


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _scale(rows: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """An axis range holding every interval and zero, padded by a tenth each side."""
    values = [0.0]
    for row in rows:
        values += [v for v in (row.get("ci_low"), row.get("ci_high")) if v is not None]
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or 0.01
    return low - pad, high + pad


def _svg(height: float, title: str, body: SafeString) -> SafeString:
    return mark_safe(
        format_html(
            '<svg class="cc-chart" viewBox="0 0 {0} {1}" width="{2}" height="{3}" role="img" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
            'font-family="arial, sans-serif" font-size="{4}"><title>{5}</title>{6}</svg>',
            SIZE,
            round(height),
            DISPLAY_WIDTH,
            round(height * DISPLAY_WIDTH / SIZE),
            FONT_SIZE,
            title,
            body,
        )
    )


def forest_svg(rows: Sequence[dict[str, Any]], *, title: str, x_title: str) -> SafeString:
    """One line per comparison: its label above, the estimate (square) and its interval;
    zero dashed. `rows` need `arm`, `difference`, `ci_low`, `ci_high`."""
    drawn = [r for r in rows if r.get("difference") is not None and r.get("ci_low") is not None]
    low, high = _scale(drawn)
    height = TOP + ROW * max(len(drawn), 1) + BOTTOM

    def x(value: float) -> float:
        return round(MARGIN + (value - low) / (high - low) * PLOT, 1)

    lines = format_html_join(
        "",
        '<text x="{0}" y="{1}">{2}</text>'
        '<line x1="{3}" y1="{4}" x2="{5}" y2="{4}" stroke="#0b0c0c" stroke-width="2"/>'
        '<rect x="{6}" y="{7}" width="12" height="12" fill="#1d70b8"/>',
        (
            (
                MARGIN,
                TOP + ROW * i + 16,
                _short(str(row["arm"])),
                x(row["ci_low"]),
                TOP + ROW * i + 38,
                x(row["ci_high"]),
                x(row["difference"]) - 6,
                TOP + ROW * i + 32,
            )
            for i, row in enumerate(drawn)
        ),
    )
    axis = height - BOTTOM + 4
    ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#505a5f"/>'
        '<text x="{0}" y="{3}" text-anchor="middle">{4}</text>',
        (
            (x(t), axis, axis + 6, axis + 24, f"{t:.2f}".replace("-", "−"))
            for t in (low + (high - low) * f for f in (0.1, 0.5, 0.9))
        ),
    )
    body = format_html(
        '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#505a5f" stroke-dasharray="4 4"/>'
        '<line x1="{3}" y1="{2}" x2="{4}" y2="{2}" stroke="#505a5f"/>{5}{6}'
        '<text x="{7}" y="{8}" text-anchor="middle">{9}</text>',
        x(0.0),
        TOP,
        axis,
        MARGIN,
        SIZE - MARGIN,
        lines,
        ticks,
        SIZE / 2,
        height - 8,
        x_title,
    )
    return _svg(height, title, body)


BOX_GAP = 26
LINE = 22


def _box(y: float, lines: Sequence[str]) -> tuple[SafeString, float]:
    height = 14 + LINE * len(lines)
    text = format_html_join(
        "",
        '<text x="{0}" y="{1}" text-anchor="middle">{2}</text>',
        ((SIZE / 2, y + 4 + LINE * (i + 1), _short(line)) for i, line in enumerate(lines)),
    )
    box = format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="#0b0c0c"/>{}',
        MARGIN,
        y,
        PLOT,
        height,
        text,
    )
    return box, height


def consort_svg(consort: dict[str, Any], *, title: str) -> SafeString:
    """The CONSORT flow, top to bottom: enrolment, randomisation, then one box per arm
    (allocated, withdrew, without a primary outcome, analysed), or one pooled box."""
    arms = consort["arms"] or [{"arm": "All participants", **consort["totals"]}]
    boxes: list[list[str]] = [
        [f"Enrolled: {consort['enrolled']}", f"Consented: {consort['consented']}"],
        [f"Completed baseline: {consort['completed_baseline']}"],
        [f"Randomised: {consort['totals']['randomised']}"],
    ]
    for arm in arms:
        boxes.append(
            [
                str(arm["arm"]),
                f"Allocated: {arm['randomised']}",
                f"Withdrew: {arm['withdrew']}",
                f"No primary outcome: {arm['no_primary_outcome']}",
                f"Analysed: {arm['analysed']}",
            ]
        )
    parts: list[SafeString] = []
    y = 4.0
    for i, lines in enumerate(boxes):
        box, height = _box(y, lines)
        parts.append(box)
        y += height
        if i < len(boxes) - 1:
            parts.append(
                format_html(
                    '<line x1="{0}" y1="{1}" x2="{0}" y2="{2}" stroke="#0b0c0c" '
                    'stroke-width="2"/><path d="M{3},{4} L{0},{2} L{5},{4}" fill="none" '
                    'stroke="#0b0c0c" stroke-width="2"/>',
                    SIZE / 2,
                    y,
                    y + BOX_GAP,
                    SIZE / 2 - 6,
                    y + BOX_GAP - 8,
                    SIZE / 2 + 6,
                )
            )
            y += BOX_GAP
    return _svg(y + 4, title, mark_safe("".join(parts)))
