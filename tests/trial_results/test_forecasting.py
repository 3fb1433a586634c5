"""Forecasting a trial's result: who may, what is stored, resolution and its audit."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from casecast.accounts.links import participant_link_path
from casecast.audit.models import AuditEvent
from casecast.trial_results import services
from casecast.trial_results.models import TrialForecast
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.sign_in import sign_in

pytestmark = pytest.mark.django_db


def _forecast_url(trial):
    return reverse("trial_results:forecast", args=[trial.study.slug, trial.pk])


def test_a_participant_forecasts_by_their_link_and_can_change_it(client, participant, trial):
    client.get(participant_link_path(user=participant.user))
    response = client.post(_forecast_url(trial), {"estimate": "-0.02", "low": "-0.05", "high": "0"})
    assert response.status_code == 302
    client.post(_forecast_url(trial), {"estimate": "-0.01", "low": "-0.04", "high": "0.01"})
    (forecast,) = TrialForecast.objects.all()
    assert (forecast.estimate, forecast.low, forecast.high) == (-0.01, -0.04, 0.01)
    assert forecast.forecaster == TrialForecast.Forecaster.PARTICIPANT


def test_study_staff_forecast_too_and_are_counted_as_staff(client, researcher, trial):
    sign_in(client, researcher)
    client.post(_forecast_url(trial), {"estimate": "1", "low": "0", "high": "2"})
    assert TrialForecast.objects.get().forecaster == TrialForecast.Forecaster.STAFF


def test_a_range_that_does_not_contain_the_estimate_is_refused_by_field(client, participant, trial):
    client.get(participant_link_path(user=participant.user))
    page = client.post(_forecast_url(trial), {"estimate": "5", "low": "6", "high": "4"}).content
    text = page.decode()
    assert "The lowest likely value must be at or below your estimate" in text
    assert "The highest likely value must be at or above your estimate" in text
    assert not TrialForecast.objects.exists()


def test_the_database_refuses_a_bad_range_even_from_a_bug(participant, trial):
    with pytest.raises(IntegrityError), transaction.atomic():
        TrialForecast.objects.create(
            question=trial, user=participant.user, forecaster="participant",
            estimate=5, low=6, high=7,
        )  # fmt: skip


def test_forecasts_close_at_the_closing_time_and_at_resolution(participant, trial, site_admin):
    trial.closes_at = timezone.now() - timedelta(minutes=1)
    trial.save()
    with pytest.raises(ValidationError, match="closed"):
        services.forecast_submit(question=trial, user=participant.user, estimate=1, low=0, high=2)
    trial.closes_at = None
    trial.save()
    services.question_resolve(question=trial, by=site_admin, estimate=0.5, source="Journal")
    with pytest.raises(ValidationError, match="published"):
        services.forecast_submit(question=trial, user=participant.user, estimate=1, low=0, high=2)


def test_resolution_is_audited_and_a_correction_needs_a_reason(trial, site_admin):
    services.question_resolve(question=trial, by=site_admin, estimate=-0.02, source="Report")
    with pytest.raises(ValidationError):
        services.question_resolve(question=trial, by=site_admin, estimate=-0.03)
    services.question_resolve(
        question=trial, by=site_admin, estimate=-0.03, reason="Erratum in the report"
    )
    actions = list(
        AuditEvent.objects.filter(action__startswith="trial_results.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["trial_results.resolve", "trial_results.correct"]
    correction = AuditEvent.objects.get(action="trial_results.correct")
    assert correction.data["before"]["estimate"] == -0.02


def test_what_a_trial_asks_cannot_change_once_people_forecast(trial, participant, site_admin):
    services.forecast_submit(question=trial, user=participant.user, estimate=1, low=0, high=2)
    with pytest.raises(ValidationError, match="cannot change"):
        services.question_save(
            study=trial.study, by=site_admin, question=trial, outcome="Something else"
        )


def test_the_result_page_shows_the_crowd_and_ones_own_score(
    client, participant, make_participant, trial, site_admin
):
    services.forecast_submit(question=trial, user=participant.user, estimate=2, low=1, high=4)
    for email, (e, lo, hi) in [("b@example.org", (5, 4, 6)), ("c@example.org", (0, -1, 1))]:
        other = make_participant(study=participant.study, email=email)
        services.forecast_submit(question=trial, user=other.user, estimate=e, low=lo, high=hi)
    client.get(participant_link_path(user=participant.user))
    url = reverse("trial_results:results", args=[trial.study.slug, trial.pk])
    assert client.get(url).status_code == 404  # not published yet
    services.question_resolve(question=trial, by=site_admin, estimate=3.0, source="Journal")
    page = client.get(url).content.decode()
    # Own range [1, 4] contains 3: interval score is its width, 3.00.
    assert "Your interval score: 3.00" in page
    assert "forecast <strong>2</strong> (1 to 4)" in page
    assert "b@example.org" not in page


def test_managing_is_for_site_admins_and_researchers_never_participants(
    client, participant, researcher, study, site_admin, results_study
):
    url = reverse("trial_results:manage_study", args=[results_study.slug])
    client.get(participant_link_path(user=participant.user))
    assert client.get(url).status_code == 403
    client.logout()
    sign_in(client, researcher)  # administrator of `study`
    assert client.get(url).status_code == 200


def test_the_export_names_forecasters_by_code_and_is_audited(
    client, site_admin, participant, trial
):
    services.forecast_submit(question=trial, user=participant.user, estimate=1, low=0, high=2)
    services.question_resolve(question=trial, by=site_admin, estimate=3.0, source="J")
    sign_in(client, site_admin)
    response = client.get(reverse("trial_results:export", args=[trial.study.slug]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    (row,) = rows
    assert participant.user.email not in row.values()
    assert len(row["forecaster_id"]) == 64
    # [0, 2] misses 3 by 1 at 80%: 2 + 10 × 1.
    assert float(row["interval_score"]) == pytest.approx(12.0)
    assert AuditEvent.objects.filter(action="trial_results.export").count() == 1
