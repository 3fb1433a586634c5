"""The calibration track record: thresholds, bins, and a chart that agrees with its table."""

import re

import numpy as np
import pytest
from casecast import scoring
from casecast.feedback.calibration import calibration_chart
from casecast.feedback.selectors import track_record
from casecast.resolution import charts
from django.urls import reverse

from tests.feedback.page import main, summary_rows, table_rows
from tests.feedback_support import answer_phase


def _chart(n, seed=1):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = (rng.uniform(size=n) < p).astype(int)
    return calibration_chart(probabilities=p.tolist(), outcomes=y.tolist(), caption="Test"), p, y


@pytest.mark.parametrize(
    ("n", "enough", "bins"),
    [(0, False, 5), (9, False, 5), (10, True, 5), (49, True, 5), (50, True, 10), (300, True, 10)],
)
def test_chart_needs_10_forecasts_and_uses_5_bins_below_50(n, enough, bins):
    chart, _, _ = _chart(n)
    assert chart.enough is enough
    assert chart.bins == bins
    assert len(chart.rows) == (bins if enough else 0)
    assert (chart.svg != "") is enough


@pytest.mark.parametrize("n", [10, 37, 50, 200])
def test_table_rows_are_the_engines_calibration_table(n):
    chart, p, y = _chart(n, seed=n)
    table = scoring.calibration_table(p, y, bins=chart.bins)
    assert [row.count for row in chart.rows] == table.count.tolist()
    assert sum(row.count for row in chart.rows) == n
    for row, forecast, observed in zip(
        chart.rows, table.mean_forecast, table.observed_rate, strict=True
    ):
        if row.count:
            assert row.mean_forecast == pytest.approx(forecast)
            assert row.observed_rate == pytest.approx(observed)


@pytest.mark.parametrize("n", [12, 80])
def test_the_svg_draws_one_point_per_filled_row_where_the_table_says(n):
    chart, _, _ = _chart(n, seed=3)
    points = [
        (float(x), float(y))
        for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', chart.svg)
    ]
    rows = chart.filled_rows
    assert len(points) == len(rows)
    for (x, y), row in zip(points, rows, strict=True):
        assert x == pytest.approx(charts.MARGIN + row.mean_forecast * charts.PLOT, abs=0.1)
        assert y == pytest.approx(charts.MARGIN + (1 - row.observed_rate) * charts.PLOT, abs=0.1)


@pytest.mark.django_db
def test_page_says_not_enough_below_10_resolved_forecasts(client, in_arm):
    participant = in_arm("calibration")
    client.force_login(participant.user)
    page = client.get(reverse("feedback:track_record")).content.decode()
    assert "Not enough forecasts yet" in page
    assert "So far: 0" in page
    assert "<svg" not in page


@pytest.mark.django_db
def test_page_gives_findings_in_plain_words_and_the_numbers_only_in_details(client, in_arm):
    participant = in_arm("calibration")
    answer_phase(participant, 1)
    record = track_record(participant=participant)
    assert record is not None and record.n == 12
    client.force_login(participant.user)
    page = main(client.get(reverse("feedback:track_record")).content)
    findings = page.find(data_track_record_findings="")
    assert findings is not None
    said = findings.seen()
    # The findings: overall score, how well the percentages match, telling cases apart.
    assert f"Your overall score is {record.brier:.2f}." in said
    assert "always saying 50% would score 0.25" in said
    assert f"{round(100 * record.auc)}% of the time (50% is chance, 100% is perfect)" in said
    # No statistics names or their numbers in the findings.
    for jargon in ("Brier", "reliability", "Reliability", "resolution", "AUC"):
        assert jargon not in said, jargon
    assert f"{record.reliability:.3f}" not in said
    assert f"{record.auc:.2f}" not in said
    # They are in a "The numbers behind this" details component, each explained.
    details = page.find("details", data_track_record_numbers="")
    assert details is not None and "open" not in details.attrs
    assert details.find(cls="govuk-details__summary").seen() == "The numbers behind this"
    numbers = dict(summary_rows(details))
    assert list(numbers) == ["Brier score", "Reliability", "Resolution", "AUC"]
    assert numbers["Brier score"].startswith(f"{record.brier:.2f} ")
    assert numbers["Reliability"].startswith(f"{record.reliability:.3f} ")
    assert numbers["Resolution"].startswith(f"{record.resolution:.3f} ")
    assert numbers["AUC"].startswith(f"{record.auc:.2f} ")
    assert "0 is perfect" in numbers["Reliability"]
    assert "Higher is better" in numbers["Resolution"]
    assert "0.5 is chance and 1 is perfect" in numbers["AUC"]
    table = page.find("table", data_calibration_table="")
    assert table.find("caption").seen() == "12 forecasts in 5 groups"
    rows = table_rows(table)
    assert rows[0] == ["What you said", "Count", "You said, on average", "It happened"]
    assert sum(int(row[1]) for row in rows[1:]) == 12


def test_group_labels_say_exactly_which_whole_percents_each_group_holds():
    # The engine's bins are right-closed: 20% is in the first group, 21% in the second.
    probabilities = [0.2, 0.21, 0.4, 0.41, 0.6, 0.61, 0.8, 0.81, 1.0, 0.0]
    chart = calibration_chart(probabilities=probabilities, outcomes=[0, 1] * 5, caption="Edges")
    assert [row.label for row in chart.rows] == [
        "0\N{EN DASH}20%",
        "21\N{EN DASH}40%",
        "41\N{EN DASH}60%",
        "61\N{EN DASH}80%",
        "81\N{EN DASH}100%",
    ]
    assert [row.count for row in chart.rows] == [2, 2, 2, 2, 2]
    for row in chart.rows:
        held = [p for p in probabilities if row.low <= round(100 * p) <= row.high]
        assert len(held) == row.count


def test_participant_charts_use_plain_axis_titles():
    chart, _, _ = _chart(20)
    assert ">What you said</text>" in chart.svg
    assert ">How often it happened</text>" in chart.svg
    assert "Forecast probability" not in chart.svg


@pytest.mark.django_db
def test_brier_on_the_page_is_the_mean_of_the_stored_scores(in_arm):
    from casecast.resolution.models import ForecastScore

    participant = in_arm("calibration")
    answer_phase(participant, 1)
    stored = list(
        ForecastScore.objects.filter(participant=participant).values_list("brier", flat=True)
    )
    assert track_record(participant=participant).brier == pytest.approx(np.mean(stored))


@pytest.mark.django_db
def test_page_reads_a_fixed_number_of_queries_however_many_forecasts(client, in_arm):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    participant = in_arm("calibration")
    client.force_login(participant.user)
    client.get(reverse("feedback:track_record"))  # a session's first page stores the menu roles
    answer_phase(participant, 1)
    with CaptureQueriesContext(connection) as one_case:
        first = client.get(reverse("feedback:track_record")).content.decode()
    answer_phase(participant, 2)
    with CaptureQueriesContext(connection) as two_cases:
        second = client.get(reverse("feedback:track_record")).content.decode()
    assert "12 forecasts in 5 groups" in first
    assert "24 forecasts in 5 groups" in second
    assert len(two_cases) == len(one_case)
