"""Broker down during submissions: every submission is acknowledged, and scored once after.

The web side runs in its own process whose broker URL is a closed port, so each
publish fails exactly as it would with Redis down. Then Redis is "back": the
sweep runs on a real worker and scores what the lost tasks would have. The
same submissions replayed change nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from casecast.forecasts.models import Forecast
from casecast.resolution.models import ForecastScore, ParticipantSummary
from casecast.resolution.scoring_pipeline import scored_kinds
from django.db.models import F
from django.urls import reverse

from tasks import sweep as sweep_tasks
from tests.faults.conftest import CLOSED_BROKER, QUEUE, ROOT, service_env, wait_for
from tests.fixtures_studies import create_participant
from tests.forecasts.conftest import answers_for, stages_of, start_case

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PARTICIPANTS = 4


def submissions(study) -> list[dict]:
    """Each participant's answers to the first part of their case (outcomes known)."""
    requests = []
    for n in range(PARTICIPANTS):
        participant = create_participant(study=study, email=f"p{n}@example.org", stage="baseline")
        assignment = start_case(participant, study)
        stage = stages_of(assignment)[0]
        data = answers_for(stage.questions.all())
        data["idempotency_key"] = f"00000000-0000-4000-8000-{n:012d}"
        url = reverse("forecasts:stage", args=[assignment.pk, 1])
        requests.append({"user_id": participant.user_id, "url": url, "data": data})
    return requests


def questions_in_part_one(study) -> int:
    from casecast.vignettes.models import Stage

    stage = Stage.objects.get(version__vignette__study=study, position=1)
    return stage.questions.count()


def post_from_a_web_process(requests: list[dict], broker_url: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "faults" / "submit_client.py")],
        input=json.dumps(requests),
        env=service_env(CELERY_BROKER_URL=broker_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_submissions_are_acknowledged_with_the_broker_down_and_scored_after(
    journey_study, workers, capsys
):
    requests = submissions(journey_study)

    answered = post_from_a_web_process(requests, CLOSED_BROKER)

    assert [r["status"] for r in answered] == [302] * PARTICIPANTS
    assert not any(r["body_has_traceback"] for r in answered)
    assert all("/part/2/" in r["location"] for r in answered), answered  # on to the next part
    stored = Forecast.objects.count()
    assert stored == PARTICIPANTS * questions_in_part_one(journey_study)
    assert not ForecastScore.objects.exists()  # every scoring task was lost
    with capsys.disabled():
        seconds = ", ".join(f"{r['seconds']:.2f}" for r in answered)
        print(f"\n  submit with the broker down took {seconds} s")

    # Recovery: the broker is back and beat's next sweep runs on a worker. The
    # forecasts are aged past the sweep's grace period, as time would.
    Forecast.objects.update(submitted_at=F("submitted_at") - timedelta(minutes=10))
    scorable = Forecast.objects.filter(
        question__kind__in=[kind.value for kind in scored_kinds()]
    ).exclude(
        question__outcome_binary__isnull=True,
        question__outcome_category__isnull=True,
        question__outcome_numeric__isnull=True,
    )
    assert scorable.exists()
    workers.start()
    sweep_tasks.sweep_scoring.apply_async(queue=QUEUE)
    assert wait_for(lambda: ForecastScore.objects.count() == scorable.count())
    assert wait_for(lambda: ParticipantSummary.objects.count() == PARTICIPANTS)

    # Replaying the same submissions (same idempotency keys) with the broker up
    # stores nothing new and scores nothing twice.
    from django.conf import settings

    replayed = post_from_a_web_process(requests, settings.CELERY_BROKER_URL)
    assert [r["status"] for r in replayed] == [302] * PARTICIPANTS
    assert Forecast.objects.count() == stored
    assert ForecastScore.objects.count() == scorable.count()
