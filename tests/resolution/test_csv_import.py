"""Outcomes imported from CSV: all rows or none, with row-level error reports."""

from __future__ import annotations

import pytest
from casecast.audit.models import AuditEvent
from casecast.resolution.csv_import import OutcomeCsvError, outcomes_import_csv
from casecast.resolution.models import ForecastScore

pytestmark = pytest.mark.django_db

HEADER = "vignette,question,outcome,known_at,source,reason\n"


def test_a_valid_file_records_every_outcome_and_scores_once(
    casebook, people, researcher, django_capture_on_commit_callbacks
):
    forecast = casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    text = HEADER + (
        "referral,rereferral,Yes,2024-02-01,LA case file,\n"
        "referral,plan,Child protection,2024-02-03,LA case file,\n"
        "referral,severity,2,2024-02-03,LA case file,\n"
        'referral,visits,"1,200",2024-02-03,LA case file,\n'
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    assert (result.resolved, result.corrected) == (4, 0)
    assert len(callbacks) == 1
    plan = casebook.q("plan", 1)
    assert plan.outcome_category == 2 and str(plan.outcome_known_at) == "2024-02-03"
    assert casebook.q("severity", 2).outcome_category == 1
    assert casebook.q("visits").outcome_numeric == 1200
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.09)


def test_errors_are_reported_by_row_and_column_and_nothing_is_stored(casebook, researcher):
    text = HEADER + (
        "referral,rereferral,yes,2024-02-01,LA case file,\n"  # row 2: fine
        "referral,visits_typo,1,2024-02-03,x,\n"
        "referral,rereferral,no,2024-02-01,LA case file,\n"
        "referral,severity,Extreme,2024-02-03,LA case file,\n"
        "referral,plan,1,2024-02-03,LA case file,\n"  # row 6: fine
        "referral,visits,12,03/02/2024,,\n"
        "referral,days,maybe,2024-02-03,LA case file,\n"
    )
    with pytest.raises(OutcomeCsvError) as caught:
        outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    messages = [str(e) for e in caught.value.errors]
    assert "row 3, column question: 'visits_typo' is not a question in this study" in messages
    assert "row 4, column question: repeats row 2" in messages
    assert any(
        m.startswith("row 5, column outcome: 'Extreme' is not one of the options") for m in messages
    )
    assert "row 7, column known_at: '03/02/2024' is not a date in the form YYYY-MM-DD" in messages
    assert "row 7, column source: enter where the outcome comes from" in messages
    assert "row 8, column outcome: 'maybe' is not a number" in messages
    assert len(messages) == 6
    assert not casebook.q("rereferral").has_outcome
    assert not AuditEvent.objects.filter(action__startswith="question.").exists()


def test_a_yes_no_error_reads_plainly(casebook, researcher):
    text = HEADER + "referral,rereferral,maybe,2024-02-01,LA case file,\n"
    with pytest.raises(OutcomeCsvError) as caught:
        outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    assert [str(e) for e in caught.value.errors] == ["row 2, column outcome: 'maybe' is not yes/no"]


def test_changing_a_recorded_outcome_needs_a_reason_column(casebook, researcher):
    outcomes_import_csv(
        study=casebook.study,
        by=researcher,
        csv_text=HEADER + "referral,rereferral,yes,2024-02-01,File,\n",
    )
    with pytest.raises(OutcomeCsvError) as caught:
        outcomes_import_csv(
            study=casebook.study,
            by=researcher,
            csv_text=HEADER + "referral,rereferral,no,2024-02-01,File,\n",
        )
    assert str(caught.value.errors[0]) == (
        "row 2, column reason: give a reason to change a recorded outcome"
    )
    result = outcomes_import_csv(
        study=casebook.study,
        by=researcher,
        csv_text=HEADER + "referral,rereferral,no,2024-02-01,File,Typo\n",
    )
    assert result.corrected == 1
    event = AuditEvent.objects.filter(action="question.correct").get()
    assert event.reason == "Typo" and event.actor == researcher


def test_a_missing_column_is_reported_against_the_header(casebook, researcher):
    with pytest.raises(OutcomeCsvError) as caught:
        outcomes_import_csv(
            study=casebook.study,
            by=researcher,
            csv_text="vignette,question,outcome\nreferral,rereferral,yes\n",
        )
    assert [str(e) for e in caught.value.errors] == [
        "row 1, column known_at: this column is missing",
        "row 1, column source: this column is missing",
    ]
