"""A calibration chart for a participant: the SVG and the same numbers as an HTML table.

Thresholds: under 10 resolved forecasts there is no chart ("not enough
forecasts yet"); otherwise the groups of `charts.bins_for` (5 under 50
forecasts, so each has a few; 10 from 50), the same as the staff results page.
The SVG comes from `casecast.resolution.charts.calibration_svg`, so researchers
and participants see the same kind of chart; the SVG and the table are drawn
from the same rows.

Groups are the scoring engine's bins, which are right-closed: of 5, the
first holds 0–20% and the second 21–40% (a forecast of exactly 40% is in the
second). Forecasts are whole percents, so the labels "0–20%", "21–40%", … say
exactly which forecasts each group holds.

When answers can only take a few values (the training exercise's "How sure
are you?", 50% to 100% in steps of 10), pass them as `levels`: there is then
one group per level ("70%"), still counted by the engine (100 one-percent
bins, so each level is a bin of its own), and no groups for values nobody
could give.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from casecast import scoring
from casecast.resolution.charts import (
    PERCENT_BINS,
    bin_bounds,
    bins_for,
    calibration_svg,
    chart_description,
)

MIN_FORECASTS = 10


@dataclass(frozen=True)
class CalibrationRow:
    low: int  # the lowest and highest whole percent the group holds
    high: int
    count: int
    mean_forecast: float | None  # 0-1; None for an empty bin
    observed_rate: float | None
    ci_low: float | None = None  # Wilson 95% interval of the observed rate
    ci_high: float | None = None

    @property
    def label(self) -> str:
        if self.low == self.high:
            return f"{self.low}%"
        return f"{self.low}\N{EN DASH}{self.high}%"

    @property
    def mean_forecast_pct(self) -> int | None:
        return None if self.mean_forecast is None else round(100 * self.mean_forecast)

    @property
    def observed_pct(self) -> int | None:
        return None if self.observed_rate is None else round(100 * self.observed_rate)


@dataclass(frozen=True)
class CalibrationChart:
    n: int
    bins: int
    rows: list[CalibrationRow]
    svg: str
    caption: str
    forecast_label: str
    observed_label: str
    group_label: str = "What you said"
    noun: str = "forecast"  # what is counted: "forecast" or "answer"
    count_label: str = "Count"
    by_level: bool = False  # one group per possible value (no "on average" column)

    @property
    def description(self) -> str:
        return chart_description(noun=self.noun)

    @property
    def enough(self) -> bool:
        return self.n >= MIN_FORECASTS

    @property
    def filled_rows(self) -> list[CalibrationRow]:
        return [row for row in self.rows if row.count]

    @property
    def nouns(self) -> str:
        return self.noun if self.n == 1 else f"{self.noun}s"


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _row(table: scoring.CalibrationTable, i: int, low: int, high: int) -> CalibrationRow:
    return CalibrationRow(
        low=low,
        high=high,
        count=int(table.count[i]),
        mean_forecast=_number(table.mean_forecast[i]),
        observed_rate=_number(table.observed_rate[i]),
        ci_low=_number(table.ci_low[i]),
        ci_high=_number(table.ci_high[i]),
    )


def _bin_rows(p: np.ndarray, y: np.ndarray, bins: int) -> list[CalibrationRow]:
    table = scoring.calibration_table(p, y, bins=bins)
    return [_row(table, i, *bin_bounds(i, bins)) for i in range(bins)]


def _level_rows(p: np.ndarray, y: np.ndarray, levels: Sequence[int]) -> list[CalibrationRow] | None:
    """One row per level; None if some answer is not one of the levels."""
    level_bins = scoring.bin_index(np.asarray(levels, dtype=np.float64) / 100, PERCENT_BINS)
    if len(set(level_bins.tolist())) != len(levels):
        return None
    if not set(scoring.bin_index(p, PERCENT_BINS).tolist()) <= set(level_bins.tolist()):
        return None
    if not np.allclose(p * 100, np.round(p * 100)):
        return None
    table = scoring.calibration_table(p, y, bins=PERCENT_BINS)
    return [_row(table, int(i), level, level) for level, i in zip(levels, level_bins, strict=True)]


def calibration_chart(
    *,
    probabilities: Sequence[float],
    outcomes: Sequence[int],
    caption: str,
    forecast_label: str = "You said, on average",
    observed_label: str = "It happened",
    group_label: str = "What you said",
    noun: str = "forecast",
    count_label: str = "Count",
    x_title: str = "What you said",
    y_title: str = "How often it happened",
    levels: Sequence[int] | None = None,
) -> CalibrationChart:
    n = len(probabilities)
    bins = bins_for(n)
    rows: list[CalibrationRow] | None = None
    svg = ""
    by_level = False
    if n >= MIN_FORECASTS:
        p = np.asarray(probabilities, dtype=np.float64)
        y = np.asarray(outcomes, dtype=np.int8)
        rows = _level_rows(p, y, levels) if levels else None
        by_level = rows is not None
        if rows is None:
            rows = _bin_rows(p, y, bins)
        bins = len(rows)
        svg = calibration_svg(rows, title=caption, x_title=x_title, y_title=y_title)
    return CalibrationChart(
        n=n,
        bins=bins,
        rows=rows or [],
        svg=svg,
        caption=caption,
        forecast_label=forecast_label,
        observed_label=observed_label,
        group_label=group_label,
        noun=noun,
        count_label=count_label,
        by_level=by_level,
    )
