"""The API's values equal the export's: every row of every list, cell by cell, against the
CSV the export code writes for the same study (recruiting, then closed with withdrawals).

The CSV side is the single-file download as a researcher gets it (`resolution` views), so
the comparison runs through the CSV writer, not through the API's own value conversion.
Each JSON value is compared with its cell read back independently: null with an empty cell,
a whole number with the integer the cell holds, a float with the float the cell spells
(both are rounded to 12 decimal places), text and times with the cell itself.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from casecast.forecasts.models import Forecast
from casecast.studies.models import Participant, Study
from casecast.studies.services import participant_withdraw, study_status_change
from django.urls import reverse

from tests.api.conftest import all_pages
from tests.sign_in import sign_in

# list -> (download view, the column that keys a row)
LISTS = {
    "scores": ("resolution:export_scores", "forecast_id"),
    "forecasts": ("resolution:export_forecasts", "forecast_id"),
    "participants": ("resolution:export_participants", "pseudonym"),
    "questions": ("resolution:export_questions", "question_id"),
}


def _download(client, study: Study, view: str) -> tuple[list[str], list[dict[str, str]]]:
    response = client.get(reverse(view, kwargs={"slug": study.slug}))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader]


def _same(value: Any, cell: str) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, bool):
        return False  # the API writes flags as 1/0, never true/false
    if isinstance(value, int):
        return cell != "" and int(cell) == value
    if isinstance(value, float):
        return cell != "" and float(cell) == value
    return isinstance(value, str) and value == cell


def _differences(header, csv_rows, api_rows, key: str) -> list[str]:
    problems = []
    by_key = {row[key]: row for row in csv_rows}
    for api_row in api_rows:
        if list(api_row) != header:
            problems.append(f"columns differ: {list(api_row)} != {header}")
            break
        cells = by_key.get(str(api_row[key]))
        if cells is None:
            problems.append(f"{key}={api_row[key]} is in the API but not the export")
            continue
        for column in header:
            if not _same(api_row[column], cells[column]):
                problems.append(
                    f"{key}={api_row[key]} {column}: {api_row[column]!r} vs {cells[column]!r}"
                )
    return problems


def _check_every_list(api, client, study: Study, secret: str) -> None:
    for name, (view, key) in LISTS.items():
        header, csv_rows = _download(client, study, view)
        url = reverse(f"api:{name}", kwargs={"slug": study.slug}) + "?page_size=37"
        api_rows = all_pages(api, url, secret)
        assert len(api_rows) == len(csv_rows) > 0, name
        assert sorted(str(r[key]) for r in api_rows) == sorted(r[key] for r in csv_rows), name
        problems = _differences(header, csv_rows, api_rows, key)
        assert not problems, f"{name}:\n" + "\n".join(problems[:20])


@pytest.mark.django_db
def test_every_list_equals_its_export_while_recruiting_and_once_closed(
    api, client, demo, demo_admin, make_token
):
    secret = make_token(demo_admin, demo)
    sign_in(client, demo_admin)
    _check_every_list(api, client, demo, secret)

    first, second = Participant.objects.filter(study=demo, arm__isnull=False).order_by("pk")[:2]
    participant_withdraw(participant=first, keep_data=False, by=demo_admin, reason="test")
    participant_withdraw(participant=second, keep_data=True, by=demo_admin, reason="test")
    study_status_change(study=demo, to=Study.Status.CLOSED, by=demo_admin)
    _check_every_list(api, client, demo, secret)
    # Closed: the arm column is filled (allocation concealment is over) in both, with the
    # arms' code letters until the study is unblinded.
    scores = all_pages(api, reverse("api:scores", kwargs={"slug": demo.slug}), secret)
    assert {row["arm"] for row in scores} >= {"A", "B"}


@pytest.mark.django_db
def test_outcomes_are_the_outcome_columns_of_questions_csv(
    api, client, demo, demo_admin, make_token
):
    secret = make_token(demo_admin, demo)
    sign_in(client, demo_admin)
    header, csv_rows = _download(client, demo, "resolution:export_questions")
    resolved = [r for r in csv_rows if r["outcome"] != "" or r["annulled"] == "1"]
    outcomes = all_pages(api, reverse("api:outcomes", kwargs={"slug": demo.slug}), secret)
    assert sorted(r["question_id"] for r in outcomes) == sorted(
        int(r["question_id"]) for r in resolved
    )
    assert len(resolved) < len(csv_rows), "the demo has a case still awaiting its outcome"
    columns = list(outcomes[0])
    assert set(columns) < set(header) and {"outcome", "outcome_label", "annulled"} <= set(columns)
    by_id = {r["question_id"]: r for r in csv_rows}
    for row in outcomes:
        for column in columns:
            assert _same(row[column], by_id[str(row["question_id"])][column]), column


@pytest.mark.django_db
def test_filtered_pages_keep_the_exports_values(api, client, demo, demo_admin, make_token):
    """A filter narrows which rows come, never what a row says: `is_last` and `counted`
    of a forecast are worked out over its whole case even when the page holds only part."""
    secret = make_token(demo_admin, demo)
    sign_in(client, demo_admin)
    header, csv_rows = _download(client, demo, "resolution:export_forecasts")
    question = csv_rows[0]["question_id"]
    base = reverse("api:forecasts", kwargs={"slug": demo.slug})
    for query, keep in (
        ("phase=2", lambda r: r["phase"] == "2"),
        (f"question={question}", lambda r: r["question_id"] == question),
    ):
        rows = all_pages(api, f"{base}?{query}&page_size=5", secret)
        expected = [r for r in csv_rows if keep(r)]
        assert sorted(r["forecast_id"] for r in rows) == sorted(
            int(r["forecast_id"]) for r in expected
        )
        assert not _differences(header, csv_rows, rows, "forecast_id")


@pytest.mark.django_db
def test_a_page_that_splits_a_case_keeps_which_answer_was_last(
    api, client, demo, demo_admin, make_token
):
    """Two answers to one question in one case: only the later is last. With one row per
    page the two come on different pages, and each still says what the export says."""
    earlier = Forecast.objects.filter(
        participant__study=demo, probability_pct__isnull=False
    ).first()
    later = Forecast.objects.create(
        participant=earlier.participant,
        question=earlier.question,
        assignment=earlier.assignment,
        probability_pct=50,
    )
    secret = make_token(demo_admin, demo)
    sign_in(client, demo_admin)
    header, csv_rows = _download(client, demo, "resolution:export_forecasts")
    url = reverse("api:forecasts", kwargs={"slug": demo.slug})
    rows = all_pages(api, f"{url}?question={earlier.question_id}&page_size=1", secret)
    by_id = {row["forecast_id"]: row for row in rows}
    assert (by_id[earlier.pk]["is_last"], by_id[earlier.pk]["counted"]) == (0, 0)
    assert (by_id[later.pk]["is_last"], by_id[later.pk]["counted"]) == (1, 1)
    assert not _differences(header, csv_rows, rows, "forecast_id")
