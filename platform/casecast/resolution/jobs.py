"""Job bodies the scoring tasks run (`tasks.scoring`); they never enqueue a task.

Services enqueue tasks and tasks call jobs, so nothing here may import
`resolution.services` or `tasks` (an import-linter contract in pyproject.toml
keeps it so). Scoring a submission or a set of questions is
`scoring_pipeline.score_submission` / `score_questions`, called by the task
directly; a full rescore has its own job row and lives here.
"""

from __future__ import annotations

from django.db import DatabaseError
from django.db.models import F
from django.utils import timezone

from casecast.resolution import scoring_pipeline
from casecast.resolution.models import RescoreJob


def rescore_job_run(*, job_id: int, final_attempt: bool = True) -> RescoreJob | None:
    """Run a rescore job to the end. Claims the job first; a finished job is left alone."""
    now = timezone.now()
    claimed = RescoreJob.objects.filter(
        pk=job_id, status__in=[RescoreJob.Status.QUEUED, RescoreJob.Status.RUNNING]
    ).update(status=RescoreJob.Status.RUNNING, started_at=now, error="")
    if not claimed:
        return None
    job = RescoreJob.objects.get(pk=job_id)
    try:
        result = scoring_pipeline.rescore_study(study_id=job.study_id, job_id=job.pk)
    except DatabaseError as error:
        if final_attempt:
            _job_failed(job_id, error)
        raise
    except Exception as error:
        _job_failed(job_id, error)
        raise
    RescoreJob.objects.filter(pk=job_id, status=RescoreJob.Status.RUNNING).update(
        status=RescoreJob.Status.DONE,
        done=F("total"),
        scored=result.scored,
        finished_at=timezone.now(),
    )
    return RescoreJob.objects.get(pk=job_id)


def _job_failed(job_id: int, error: Exception) -> None:
    # The class name only: messages can quote data.
    RescoreJob.objects.filter(pk=job_id).update(
        status=RescoreJob.Status.FAILED, finished_at=timezone.now(), error=type(error).__name__
    )
