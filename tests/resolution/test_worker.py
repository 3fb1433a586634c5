"""Through Redis to a real Celery worker on the test PostgreSQL database."""

from __future__ import annotations

import time
from datetime import date

import pytest
from casecast.resolution import services
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.outcomes import Outcome
from django.db import transaction

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def resolve_rereferral(casebook, researcher, *, happened: bool) -> None:
    services.question_resolve(
        question=casebook.q("rereferral"),
        outcome=Outcome(binary=happened),
        known_at=date(2024, 1, 1),
        source="Case file",
        by=researcher,
    )


def test_resolving_a_question_is_scored_by_the_worker(
    celery_worker_process, casebook, people, researcher
):
    forecasts = [
        casebook.answer(people[name], casebook.q("rereferral"), probability_pct=pct)
        for name, pct in [("ann", 70), ("cat", 20)]
    ]
    resolve_rereferral(casebook, researcher, happened=True)
    assert wait_for(lambda: ForecastScore.objects.filter(forecast__in=forecasts).count() == 2)
    assert ForecastScore.objects.get(forecast=forecasts[0]).brier == pytest.approx(0.09)
    assert wait_for(lambda: ParticipantSummary.objects.filter(study=casebook.study).count() == 2)


def test_a_full_rescore_is_run_by_the_worker(celery_worker_process, casebook, people, researcher):
    casebook.answer(people["ann"], casebook.q("rereferral"), probability_pct=70)
    resolve_rereferral(casebook, researcher, happened=True)
    job = services.study_rescore_start(study=casebook.study, by=researcher)

    def finished() -> bool:
        job.refresh_from_db()
        return job.status == "done"

    assert wait_for(finished)
    assert (job.done, job.total) == (1, 1)


def test_a_burst_of_submissions_is_scored_by_the_coalesced_tasks(
    celery_worker_process, casebook, people, researcher, monkeypatch
):
    """Submissions to a resolved question, through the journey's own service, from this
    process: the worker scores every one, once, without the sweep."""
    from casecast.forecasts import services as journey_services

    from tasks import scoring

    resolve_rereferral(casebook, researcher, happened=False)
    sent = []
    publish = scoring.score_recent_submissions.apply_async

    def counted(*args, **options):
        sent.append(options.get("countdown"))
        return publish(*args, **options)

    monkeypatch.setattr(scoring.score_recent_submissions, "apply_async", counted)
    submitted = []
    for name, pct in [("ann", 10), ("ben", 30), ("cat", 60), ("dan", 90)]:
        with transaction.atomic():
            forecast = casebook.answer(people[name], casebook.q("rereferral"), probability_pct=pct)
            journey_services.forecasts_submitted(
                study_id=casebook.study.pk, forecast_ids=[forecast.pk]
            )
        submitted.append(forecast)

    assert 1 <= len(sent) <= len(submitted)
    assert set(sent) == {journey_services.SCORING_DELAY_SECONDS}
    assert wait_for(lambda: ForecastScore.objects.filter(forecast__in=submitted).count() == 4)
    assert ForecastScore.objects.get(forecast=submitted[3]).brier == pytest.approx(0.81)
    assert wait_for(lambda: ParticipantSummary.objects.filter(study=casebook.study).count() == 4)
