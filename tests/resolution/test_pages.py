"""Researcher pages: permissions, forms, import errors, rescore progress, results, export."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re

import pytest
from casecast.resolution.models import ForecastScore, RescoreJob
from casecast.studies.models import Study, StudyMembership
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def url(name, study, **kwargs):
    return reverse(f"resolution:{name}", kwargs={"slug": study.slug, **kwargs})


def outcome_post(client, casebook, key="rereferral", known_at=(1, 2, 2024), **data):
    day, month, year = known_at
    payload = {
        "outcome": "yes",
        "known_at-day": str(day),
        "known_at-month": str(month),
        "known_at-year": str(year),
        "source": "Case file",
        **data,
    }
    return client.post(url("outcome", casebook.study, question_id=casebook.q(key).pk), payload)


def test_a_researcher_records_an_outcome_and_forecasts_are_scored(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    forecast = casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    client.force_login(study_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = outcome_post(client, casebook)
    assert response.status_code == 302
    assert ForecastScore.objects.get(forecast=forecast).brier == pytest.approx(0.09)
    page = client.get(url("list", casebook.study)).content.decode()
    assert "2024-02-01" in page and "Case file" in page


def test_an_unparseable_outcome_is_shown_as_an_error(client, casebook, study_researcher):
    client.force_login(study_researcher)
    response = outcome_post(client, casebook, key="visits", outcome="a few")
    assert response.status_code == 200
    assert "&#x27;a few&#x27; is not a number" in response.content.decode()
    assert not casebook.q("visits").has_outcome
    response = outcome_post(client, casebook, outcome="maybe")
    assert "Select one of the options" in response.content.decode()
    assert not casebook.q("rereferral").has_outcome


def test_a_correction_without_a_reason_is_refused(client, casebook, study_researcher):
    client.force_login(study_researcher)
    outcome_post(client, casebook)
    response = outcome_post(client, casebook, outcome="no")
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert casebook.q("rereferral").outcome_binary is True
    outcome_post(client, casebook, outcome="no", reason="Checked the file again")
    assert casebook.q("rereferral").outcome_binary is False


def test_analysts_can_read_but_not_change(client, casebook, study_analyst):
    client.force_login(study_analyst)
    assert client.get(url("list", casebook.study)).status_code == 200
    assert client.get(url("results", casebook.study)).status_code == 302  # the trial report
    assert client.get(url("export_scores", casebook.study)).status_code == 200
    assert outcome_post(client, casebook).status_code == 403
    assert client.post(url("rescore_start", casebook.study)).status_code == 403
    annul = url("annul", casebook.study, question_id=casebook.q("plan").pk)
    assert client.post(annul, {"reason": "x"}).status_code == 403
    assert client.post(url("import", casebook.study)).status_code == 403
    assert not casebook.q("rereferral").has_outcome
    assert (
        "Import outcomes from CSV" not in client.get(url("list", casebook.study)).content.decode()
    )


def test_outsiders_and_other_studies_staff_see_nothing(client, casebook, outsider):
    client.force_login(outsider)
    assert client.get(url("list", casebook.study)).status_code == 403
    assert client.get(url("export_scores", casebook.study)).status_code == 403


def test_annulling_from_the_page_needs_a_reason(client, casebook, study_researcher):
    client.force_login(study_researcher)
    annul = url("annul", casebook.study, question_id=casebook.q("plan").pk)
    assert client.post(annul, {"reason": ""}).status_code == 200
    assert not casebook.q("plan").annulled
    assert client.post(annul, {"reason": "Two readings possible"}).status_code == 302
    assert casebook.q("plan").annulled and casebook.q("plan", 2).annulled


def test_a_bad_csv_lists_row_errors_and_stores_nothing(client, casebook, study_researcher):
    client.force_login(study_researcher)
    text = "vignette,question,outcome,known_at,source\nreferral,rereferral,maybe,2024-01-01,File\n"
    upload = SimpleUploadedFile("outcomes.csv", text.encode(), content_type="text/csv")
    response = client.post(url("import", casebook.study), {"file": upload})
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Row 2, column outcome: &#x27;maybe&#x27; is not yes/no" in page
    assert not casebook.q("rereferral").has_outcome


def test_the_rescore_button_runs_a_job_and_the_status_endpoint_reports_it(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    client.force_login(study_researcher)
    outcome_post(client, casebook)
    status = client.get(url("rescore_status", casebook.study)).json()
    assert status["status"] == "none"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("rescore_start", casebook.study))
    assert response.status_code == 302
    job = RescoreJob.objects.get()
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    status = client.get(url("rescore_status", casebook.study)).json()
    assert status["percent"] == 100 and status["active"] is False
    page = client.get(url("rescore", casebook.study)).content.decode()
    assert 'role="status"' in page and "Finished: 1 forecast scored." in page
    assert '<meta http-equiv="refresh"' not in page


def test_a_running_job_page_refreshes_itself_without_javascript(client, casebook, study_researcher):
    RescoreJob.objects.create(study=casebook.study, status="running", total=200, done=50)
    client.force_login(study_researcher)
    page = client.get(url("rescore", casebook.study)).content.decode()
    assert '<meta http-equiv="refresh"' in page and "Scored 50 of 200 forecasts (25%)." in page
    assert 'value="25"' in page


def test_results_show_arms_and_calibration_as_svg_and_table(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks,
    django_user_model,
):  # fmt: skip
    """The results address leads to the trial report (tests/reports has its own tests):
    pooled while blinded for the team, by arm for the data monitoring committee."""
    for name, pct in [("ann", 30), ("ben", 60), ("cat", 80), ("dan", 90)]:
        casebook.answer(people[name], casebook.q("rereferral"), probability_pct=pct)
    client.force_login(study_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        outcome_post(client, casebook)
    with django_capture_on_commit_callbacks(execute=True):  # the report's task
        client.get(url("results", casebook.study), follow=True)
    page = client.get(url("results", casebook.study), follow=True).content.decode()
    assert "<svg" in page and 'aria-hidden="true"' in page
    assert "−0.300" not in page and "all arms are pooled" in page
    for name in casebook.study.arms.values_list("name", flat=True):
        assert name not in page
    # The data monitoring committee sees the report by arm.
    dmc = django_user_model.objects.create_user(email="dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=casebook.study, user=dmc, role="dmc")
    client.force_login(dmc)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url("results", casebook.study), follow=True)
    page = client.get(url("results", casebook.study), follow=True).content.decode()
    assert "Calibration by arm" in page and "Forecasts" in page
    assert "Feedback" in page and "−0.300" in page  # (0.04+0.01)/2 - (0.49+0.16)/2


def test_the_export_is_pseudonymised_with_a_keyed_hmac_and_readable_as_plain_csv(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=80, is_update=True)
    client.force_login(study_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        outcome_post(client, casebook)
    now = timezone.now()  # closed and unblinded: arm keys shown
    Study.objects.filter(pk=casebook.study.pk).update(
        status=Study.Status.CLOSED, data_locked_at=now, unblinded_at=now
    )
    response = client.get(url("export_scores", casebook.study))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    key = casebook.study.pseudonym_key.encode()
    expected = hmac.new(key, f"participant:{people['ann'].pk}".encode(), hashlib.sha256).hexdigest()
    assert {row["pseudonym"] for row in rows} == {expected}
    assert str(people["ann"].pk) not in {row["pseudonym"] for row in rows}
    first, last = rows
    assert (first["counted"], last["counted"]) == ("0", "1")
    # The fixture's second phase is the one randomised before: primary.
    assert (first["primary"], last["primary"]) == ("0", "1")
    assert last["probability"] == "0.8" and last["outcome"] == "1" and last["arm"] == "control"
    assert float(last["brier"]) == pytest.approx(0.04)
    assert last["wis"] == "" and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", last["submitted_at"]
    )
    dictionary = b"".join(client.get(url("export_dictionary", casebook.study)).streaming_content)
    described = [
        row["column"]
        for row in csv.DictReader(io.StringIO(dictionary.decode()))
        if row["file"] == "scores.csv"
    ]
    assert described == list(rows[0].keys())


# --- the outcome page: current outcome, prefilled form, plain history ----------------


def resolve_plan(casebook, by):
    from datetime import date

    from casecast.resolution import services
    from casecast.resolution.outcomes import Outcome

    services.question_resolve(
        question=casebook.q("plan"),
        outcome=Outcome(category=2),
        known_at=date(2024, 2, 3),
        source="LA case record",
        by=by,
    )


def test_the_correction_page_shows_the_recorded_outcome_and_starts_from_it(
    client, casebook, researcher
):
    resolve_plan(casebook, researcher)
    client.force_login(researcher)
    page = client.get(url("outcome", casebook.study, question_id=casebook.q("plan").pk))
    html = page.content.decode()
    summary = html[html.index('<dl class="govuk-summary-list">') : html.index("</dl>")]
    assert "Child protection" in summary  # the third option, the recorded outcome
    assert "3 February 2024" in summary and "LA case record" in summary
    # The radios are the question's options, the recorded one checked.
    assert re.search(r'value="3" checked>\s*<label[^>]*>Child protection<', html)
    assert html.count('type="radio"') == 3 and 'value="1"' in html and "Child in need" in html
    assert re.search(r'name="known_at-day"[^>]*value="3"', html)
    assert re.search(r'name="known_at-month"[^>]*value="2"', html)
    assert re.search(r'name="known_at-year"[^>]*value="2024"', html)
    assert re.search(r'name="source"[^>]*value="LA case record"', html)


def test_the_history_names_the_change_who_made_it_and_the_values_before_and_after(
    client, casebook, researcher
):
    resolve_plan(casebook, researcher)
    client.force_login(researcher)
    response = outcome_post(
        client, casebook, key="plan", outcome="2", known_at=(10, 2, 2024), reason="Re-checked"
    )
    assert response.status_code == 302
    assert casebook.q("plan").outcome_category == 1
    html = client.get(url("outcome", casebook.study, question_id=casebook.q("plan").pk))
    history = html.content.decode().split('<h2 class="govuk-heading-m">History</h2>')[1]
    assert "question.correct" not in history and "question.resolve" not in history
    assert "Outcome corrected" in history and "Outcome recorded" in history
    assert history.count("Rosa Researcher") == 2
    assert "Outcome: Child protection → Child in need" in history
    assert "Date known: 3 February 2024 → 10 February 2024" in history
    assert "Outcome: none → Child protection" in history
    assert "Re-checked" in history


def test_a_choice_outcome_is_picked_from_the_options(client, casebook, study_researcher):
    client.force_login(study_researcher)
    assert outcome_post(client, casebook, key="severity", outcome="3").status_code == 302
    assert casebook.q("severity").outcome_category == 2  # 'High', the third option
    response = outcome_post(client, casebook, key="plan", outcome="Child protection")
    assert "Select one of the options" in response.content.decode()
    assert not casebook.q("plan").has_outcome


def test_the_date_is_typed_as_day_month_and_year_and_cannot_be_in_the_future(
    client, casebook, study_researcher
):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(study_researcher)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = outcome_post(
        client, casebook, known_at=(tomorrow.day, tomorrow.month, tomorrow.year)
    )
    assert "The date the outcome became known must be today or in the past" in (
        response.content.decode()
    )
    assert not casebook.q("rereferral").has_outcome
    response = outcome_post(client, casebook, known_at=(12, "", 2024))
    html = response.content.decode()
    assert "The date the outcome became known must include a month" in html
    assert re.search(r'govuk-input--error" id="id_known_at-month"', html)
    assert not re.search(r'govuk-input--error" id="id_known_at"', html)  # the day was given
    response = outcome_post(client, casebook, known_at=(31, 2, 2024))
    assert "as a real date" in response.content.decode()
    assert '<a href="#id_known_at">' in response.content.decode()  # the day box
    # Day first, always: 3, 2, 2024 is 3 February (the CSV's 2024-02-03).
    assert outcome_post(client, casebook, known_at=(3, 2, 2024)).status_code == 302
    assert str(casebook.q("rereferral").outcome_known_at) == "2024-02-03"


# --- results page wording --------------------------------------------------------------


def test_results_describe_the_real_status(client, casebook, study_researcher):
    from casecast.studies.models import Study

    client.force_login(study_researcher)
    html = client.get(url("results", casebook.study), follow=True).content.decode()
    assert "The study is recruiting" in html and "interim" in html
    Study.objects.filter(pk=casebook.study.pk).update(status=Study.Status.CLOSED)
    html = client.get(url("results", casebook.study), follow=True).content.decode()
    assert "The study is closed" in html and "interim" not in html


def test_rescoring_counts_only_the_forecasts_that_get_a_score(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    from casecast.vignettes.models import Question

    stage = casebook.q("rereferral").stage
    decision = Question.objects.create(
        version=stage.version,
        stage=stage,
        key="decision",
        position=9,
        kind=Question.Kind.DECISION,
        text="What now?",
        options=["Close", "Assess"],
    )
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    casebook.answer(people["ann"], decision, decision=0, decision_confidence=3)
    casebook.answer(people["ann"], casebook.q("plan"), probabilities_pct=[20, 30, 50])
    client.force_login(study_researcher)
    outcome_post(client, casebook)  # yes/no resolved; 'plan' not
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("rescore_start", casebook.study))
    assert ForecastScore.objects.count() == 1
    status = client.get(url("rescore_status", casebook.study)).json()
    assert status["text"].startswith("Finished: 1 forecast scored. 2 other answers have no score")


def test_a_numeric_outcome_is_shown_and_prefilled_as_typed(client, casebook, researcher):
    client.force_login(researcher)
    assert outcome_post(client, casebook, key="visits", outcome="1,234,567").status_code == 302
    page = client.get(url("outcome", casebook.study, question_id=casebook.q("visits").pk))
    html = page.content.decode()
    assert re.search(r'name="outcome"[^>]*value="1234567"', html)
    assert "1234567" in html.split("Recorded outcome")[1].split("</dd>")[0]


@pytest.mark.parametrize(
    "known_at", [("1" * 30, 2, 2024), (1, "9" * 30, 2024), ("²", 2, 2024)], ids=str
)
def test_an_impossible_date_is_a_form_error_not_a_crash(
    client, casebook, study_researcher, known_at
):
    client.force_login(study_researcher)
    response = outcome_post(client, casebook, known_at=known_at)
    assert response.status_code == 200
    assert b"as a real date, like 27 3 2024" in response.content
    assert casebook.q("rereferral").outcome_known_at is None
