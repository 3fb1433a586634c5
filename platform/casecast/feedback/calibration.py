"""A calibration chart for a participant: the SVG and the same numbers as an HTML table.

Thresholds: under 10 resolved forecasts there is no chart ("not enough
forecasts yet"); under 50, 5 bins (so each has a few forecasts); from 50, 10.
The SVG comes from `casecast.resolution.charts.calibration_svg`, so researchers
and participants see the same kind of chart; the SVG and the table are drawn
from the same rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from casecast import scoring
from casecast.resolution.charts import calibration_svg

MIN_FORECASTS = 10
FEW_FORECASTS = 50


def bins_for(n: int) -> int:
    return 5 if n < FEW_FORECASTS else 10


@dataclass(frozen=True)
class CalibrationRow:
    low: int  # bin edges in percent
    high: int
    count: int
    mean_forecast: float | None  # 0-1; None for an empty bin
    observed_rate: float | None
    ci_low: float | None = None  # Wilson 95% interval of the observed rate
    ci_high: float | None = None

    @property
    def label(self) -> str:
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

    @property
    def enough(self) -> bool:
        return self.n >= MIN_FORECASTS

    @property
    def filled_rows(self) -> list[CalibrationRow]:
        return [row for row in self.rows if row.count]


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def calibration_chart(
    *,
    probabilities: Sequence[float],
    outcomes: Sequence[int],
    caption: str,
    forecast_label: str = "You said, on average",
    observed_label: str = "It happened",
) -> CalibrationChart:
    n = len(probabilities)
    bins = bins_for(n)
    if n < MIN_FORECASTS:
        return CalibrationChart(n, bins, [], "", caption, forecast_label, observed_label)
    table = scoring.calibration_table(
        np.asarray(probabilities, dtype=np.float64), np.asarray(outcomes, dtype=np.int8), bins=bins
    )
    width = 100 // bins
    rows = [
        CalibrationRow(
            low=i * width,
            high=(i + 1) * width,
            count=int(table.count[i]),
            mean_forecast=_number(table.mean_forecast[i]),
            observed_rate=_number(table.observed_rate[i]),
            ci_low=_number(table.ci_low[i]),
            ci_high=_number(table.ci_high[i]),
        )
        for i in range(bins)
    ]
    svg = calibration_svg(rows, title=caption)
    return CalibrationChart(n, bins, rows, svg, caption, forecast_label, observed_label)
