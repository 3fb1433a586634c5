"""A worker's own calibration: over time by quarter, and the chart once 10 are resolved.
Expected numbers are worked by hand from the forecasts below."""

from datetime import UTC, date, datetime, timedelta

import pytest
from casecast.practice import selectors
from casecast.practice.models import PracticeForecast


def _forecast(owner, number, pct, outcome=None, resolved=None):
    return PracticeForecast.objects.create(
        owner=owner,
        local_id=f"calibration-test-{number:04d}",
        question_key="re_referral_3m",
        probability_pct=pct,
        due_on=date(2026, 1, 1),
        outcome=outcome,
        resolved_at=resolved,
    )


@pytest.mark.django_db
def test_calibration_over_time_groups_resolved_forecasts_by_quarter(participant):
    owner = participant.user
    _forecast(owner, 1, 20, False, datetime(2026, 2, 1, tzinfo=UTC))
    _forecast(owner, 2, 70, True, datetime(2026, 3, 30, tzinfo=UTC))
    _forecast(owner, 3, 90, True, datetime(2026, 4, 2, tzinfo=UTC))
    _forecast(owner, 4, 50)  # not resolved: not counted
    result = selectors.practice_calibration(owner=owner)
    assert result.resolved == 3
    # Brier: (0.2-0)^2 = 0.04, (0.7-1)^2 = 0.09, (0.9-1)^2 = 0.01; mean 0.14 / 3
    assert result.brier == pytest.approx(0.14 / 3)
    q1, q2 = result.periods
    assert (q1.label, q1.count, q1.mean_forecast_pct, q1.observed_pct) == ("2026 Q1", 2, 45, 50)
    assert q1.brier == pytest.approx(0.065)
    assert (q2.label, q2.count, q2.mean_forecast_pct, q2.observed_pct) == ("2026 Q2", 1, 90, 100)
    assert q2.brier == pytest.approx(0.01)
    assert not result.chart.enough  # fewer than 10: no chart yet


@pytest.mark.django_db
def test_the_chart_groups_ten_resolved_forecasts_in_five_bins(participant):
    owner = participant.user
    start = datetime(2026, 1, 5, tzinfo=UTC)
    # Two forecasts in each fifth of the scale, 0–20% … 81–100%.
    cases = [
        (10, 0),
        (15, 0),
        (30, 0),
        (35, 1),
        (50, 1),
        (55, 0),
        (70, 1),
        (75, 1),
        (90, 1),
        (95, 1),
    ]
    for number, (pct, happened) in enumerate(cases):
        _forecast(owner, number, pct, bool(happened), start + timedelta(days=number))
    chart = selectors.practice_calibration(owner=owner).chart
    assert chart.enough and chart.n == 10
    assert [row.count for row in chart.rows] == [2, 2, 2, 2, 2]
    assert [row.observed_pct for row in chart.rows] == [0, 50, 50, 100, 100]
    assert [row.mean_forecast_pct for row in chart.rows] == [12, 32, 52, 72, 92]  # 12.5 → 12
    assert "<svg" in chart.svg
