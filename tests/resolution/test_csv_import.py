"""Outcomes imported from CSV: all rows or none, with row-level error reports."""

from __future__ import annotations

import csv

import pytest
from casecast.audit.models import AuditEvent
from casecast.resolution.csv_import import OutcomeCsvError, outcomes_import_csv
from casecast.resolution.models import ForecastScore
from casecast.resolution.outcomes import Outcome

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
    [error] = caught.value.errors
    message = str(error)
    assert message.startswith("row 1: the header row is missing the columns known_at, source")
    assert "(it has: vignette, question, outcome)" in message
    assert "vignette,question,outcome,known_at,source,reason" in message
    assert not casebook.q("rereferral").has_outcome


def test_a_date_after_today_is_refused_naming_the_row_and_column(casebook, researcher):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    text = HEADER + (
        "referral,rereferral,yes,2024-02-01,LA case file,\n"
        f"referral,plan,1,{tomorrow},LA case file,\n"
        "referral,visits,4,2099-01-01,LA case file,\n"
    )
    with pytest.raises(OutcomeCsvError) as caught:
        outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    messages = [str(e) for e in caught.value.errors]
    assert len(messages) == 2
    assert messages[0].startswith(f"row 3, column known_at: '{tomorrow}' is after today")
    assert messages[1].startswith("row 4, column known_at: '2099-01-01' is after today")
    assert not casebook.q("rereferral").has_outcome  # all or nothing


def test_the_template_suggests_the_first_question_waiting_for_an_outcome(
    client, casebook, researcher
):
    from django.urls import reverse

    from tests.resolution.test_pipeline import resolve_quietly

    client.force_login(researcher)
    template_url = reverse("resolution:import_template", kwargs={"slug": casebook.study.slug})
    response = client.get(template_url)
    assert response["Content-Disposition"].endswith('-outcomes-template.csv"')
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then opens it as UTF-8
    header, example = text.lstrip("\ufeff").splitlines()
    assert header == "vignette,question,outcome,known_at,source,reason"
    assert example.startswith("referral,rereferral,<yes or no>,")
    resolve_quietly(casebook.q("rereferral"), Outcome(binary=True))
    text = client.get(template_url).content.decode("utf-8")
    example = text.lstrip("\ufeff").splitlines()[1]
    assert example.startswith("referral,plan,<one of: ")  # the question's options, to pick from
    page = client.get(reverse("resolution:import", kwargs={"slug": casebook.study.slug}))
    assert f'href="{template_url}"' in page.content.decode()
    # Uploaded unedited, the example records nothing: its outcome cell is an instruction.
    with pytest.raises(OutcomeCsvError) as refused:
        outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    assert "row 2, column outcome" in str(refused.value)
    assert not casebook.q("plan").has_outcome
    # Filled in (the first option, and a source), the same file imports.
    vignette, question, _, known_at, _, reason = next(csv.reader([example]))
    filled = f"{header}\n{vignette},{question},1,{known_at},Case file,{reason}\n"
    result = outcomes_import_csv(study=casebook.study, csv_text=filled, by=researcher)
    assert result.resolved == 1 and casebook.q("plan").outcome_category == 0


def test_the_import_page_says_when_nothing_changed_and_scores_nothing(
    client, casebook, researcher, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(researcher)
    import_url = reverse("resolution:import", kwargs={"slug": casebook.study.slug})
    text = HEADER + "referral,rereferral,yes,2024-02-01,LA case file,\n"

    def upload():
        return {"file": SimpleUploadedFile("o.csv", text.encode(), content_type="text/csv")}

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(import_url, upload())
    assert len(callbacks) == 1
    page = client.get(reverse("resolution:list", kwargs={"slug": casebook.study.slug}))
    assert "Imported: 1 recorded, 0 corrected. Forecasts on the changed" in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(import_url, upload(), follow=True)
    assert callbacks == []
    html = response.content.decode()
    assert "Nothing changed: all 1 row matches the outcomes already recorded." in html
    assert "Scoring has started" not in html and "being scored" not in html


def test_a_file_that_is_not_utf8_explains_how_to_save_it_from_excel(client, casebook, researcher):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(researcher)
    text = HEADER + "referral,rereferral,yes,2024-02-01,Café records,\n"
    upload = SimpleUploadedFile("o.csv", text.encode("cp1252"), content_type="text/csv")
    response = client.post(
        reverse("resolution:import", kwargs={"slug": casebook.study.slug}), {"file": upload}
    )
    assert "CSV UTF-8 (Comma delimited)" in response.content.decode()
    assert not casebook.q("rereferral").has_outcome


@pytest.mark.parametrize(
    ("text", "located"),
    [
        (HEADER + "referral,rereferral,Yes,2024-02-01," + "x" * 131_073 + ",\n", "row 2"),
        (HEADER + "referral,rereferral,Yes,2024-02-01,File,,extra\n", "row 2"),
        (HEADER + "referral,rereferral,Yes,2024-02-01,File,\n\x00\n", "row 3"),
    ],
    ids=["field-over-128KB", "extra-value", "nul"],
)
def test_an_unreadable_file_is_a_located_error_and_stores_nothing(
    casebook, researcher, text, located
):
    with pytest.raises(OutcomeCsvError) as error:
        outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    assert str(error.value).startswith(located)
    assert casebook.q("rereferral").outcome_known_at is None


def test_a_file_with_old_mac_line_ends_is_read(casebook, researcher):
    text = (HEADER + "referral,rereferral,Yes,2024-02-01,LA case file,\n").replace("\n", "\r")
    result = outcomes_import_csv(study=casebook.study, csv_text=text, by=researcher)
    assert result.resolved == 1
