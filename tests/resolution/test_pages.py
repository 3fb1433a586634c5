"""Researcher pages: permissions, forms, import errors, rescore progress, results, export."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io

import pytest
from casecast.resolution.models import ForecastScore, RescoreJob
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


def url(name, study, **kwargs):
    return reverse(f"resolution:{name}", kwargs={"slug": study.slug, **kwargs})


def outcome_post(client, casebook, key="rereferral", **data):
    payload = {"outcome": "yes", "known_at": "2024-02-01", "source": "Case file", **data}
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
    response = outcome_post(client, casebook, outcome="maybe")
    assert response.status_code == 200
    assert "&#x27;maybe&#x27; is not yes/no" in response.content.decode()
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
    assert client.get(url("results", casebook.study)).status_code == 200
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
    assert 'role="status"' in page and "Finished: 1 forecasts rescored." in page
    assert '<meta http-equiv="refresh"' not in page


def test_a_running_job_page_refreshes_itself_without_javascript(client, casebook, study_researcher):
    RescoreJob.objects.create(study=casebook.study, status="running", total=200, done=50)
    client.force_login(study_researcher)
    page = client.get(url("rescore", casebook.study)).content.decode()
    assert '<meta http-equiv="refresh"' in page and "Scored 50 of 200 forecasts (25%)." in page
    assert 'value="25"' in page


def test_results_show_arms_and_calibration_as_svg_and_table(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    for name, pct in [("ann", 30), ("ben", 60), ("cat", 80), ("dan", 90)]:
        casebook.answer(people[name], casebook.q("rereferral"), probability_pct=pct)
    client.force_login(study_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        outcome_post(client, casebook)
    page = client.get(url("results", casebook.study)).content.decode()
    assert "<svg" in page and 'aria-hidden="true"' in page
    assert "Forecasts grouped by probability" in page
    assert "Feedback" in page and "-0.300" in page  # (0.04+0.01)/2 - (0.49+0.16)/2


def test_the_export_is_pseudonymised_with_a_keyed_hmac_and_readable_as_plain_csv(
    client, casebook, people, study_researcher, django_capture_on_commit_callbacks
):
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=80, is_update=True)
    client.force_login(study_researcher)
    with django_capture_on_commit_callbacks(execute=True):
        outcome_post(client, casebook)
    response = client.get(url("export_scores", casebook.study))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    key = casebook.study.pseudonym_key.encode()
    expected = hmac.new(key, f"participant:{people['ann'].pk}".encode(), hashlib.sha256).hexdigest()
    assert {row["pseudonym"] for row in rows} == {expected}
    assert str(people["ann"].pk) not in {row["pseudonym"] for row in rows}
    first, last = rows
    assert (first["counted_in_primary"], last["counted_in_primary"]) == ("0", "1")
    assert last["probability"] == "0.8" and last["outcome"] == "1" and last["arm"] == "control"
    assert float(last["brier"]) == pytest.approx(0.04)
    assert last["crps"] == "" and last["submitted_at"].endswith("+00:00")
    dictionary = b"".join(client.get(url("export_dictionary", casebook.study)).streaming_content)
    names = [row["column"] for row in csv.DictReader(io.StringIO(dictionary.decode()))]
    assert names == list(rows[0].keys())
