"""A worker killed mid-rescore: the task is redelivered within the visibility timeout,
runs to the end once, and leaves the same scores and summaries as an undisturbed run."""

from __future__ import annotations

import pytest
from casecast.resolution import scoring_pipeline
from casecast.resolution.models import ForecastScore, ParticipantSummary, RescoreJob
from casecast.resolution.services import rescore_job_create

from tasks import scoring as scoring_tasks
from tests.faults.conftest import QUEUE, wait_for
from tests.resolution.test_idempotency import answer_everything, resolve_all, snapshot

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 5  # seconds; production uses CELERY_VISIBILITY_TIMEOUT (300)


def test_a_rescore_killed_mid_way_completes_once_on_another_worker(
    casebook, people, researcher, workers
):
    answer_everything(casebook, people.values())
    resolve_all(casebook)  # outcomes set; nothing scored yet
    job, created = rescore_job_create(study=casebook.study, by=researcher)
    assert created

    slow = workers.start(app="tests.faults.slow_celery", visibility_timeout=VISIBILITY_TIMEOUT)
    scoring_tasks.rescore_study.apply_async(args=[job.pk], queue=QUEUE)

    def first_chunk_committed() -> bool:
        job.refresh_from_db()
        return job.status == RescoreJob.Status.RUNNING and job.done > 0

    assert wait_for(first_chunk_committed), "the rescore never got under way"
    assert ForecastScore.objects.count() == 12
    assert not ParticipantSummary.objects.exists()  # killed before the summaries

    workers.kill(slow)
    workers.start(visibility_timeout=VISIBILITY_TIMEOUT)

    def finished() -> bool:
        job.refresh_from_db()
        return job.status == RescoreJob.Status.DONE

    # Redelivery waits for the visibility timeout, then a worker's next
    # restore pass (every 10 s, settings: unacked_restore_interval).
    assert wait_for(finished, timeout=90), f"not redelivered: job is {job.status}"
    assert (job.done, job.total) == (12, 12)
    assert RescoreJob.objects.filter(study=casebook.study).count() == 1
    after_the_fault = snapshot()
    assert len(after_the_fault[1]) == 4  # a summary for each participant

    # The same study rescored without interruption gives the same rows.
    scoring_pipeline.rescore_study(study_id=casebook.study.pk)
    assert snapshot() == after_the_fault
