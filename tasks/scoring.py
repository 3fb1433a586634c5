"""Scoring tasks. Each takes ids, loads fresh state and writes idempotently.

Acks are late and a lost worker rejects its message (settings), so a task
killed mid-way runs again; every write is an upsert inside one transaction per
study, so a partial run leaves no partial summary. Database contention
(deadlock, serialisation failure, lock timeout) is retried with backoff.
"""

from datetime import datetime

from casecast.resolution import jobs, scoring_pipeline, summaries
from django.db import DatabaseError

from tasks.celery_app import app

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@app.task(**RETRY)
def score_recent_submissions(study_id: int, since: str) -> int:
    """Submissions to questions whose outcome is known: every forecast of the study
    submitted since `since` (ISO 8601) and still without a score.

    Sent by `enqueue_coalesced_on_commit` a moment after the submission commits, so a
    burst of submissions shares one task.
    """
    since_time = datetime.fromisoformat(since)
    return _queue_refresh(scoring_pipeline.score_recent(study_id=study_id, since=since_time))


@app.task(**RETRY)
def score_submission(forecast_ids: list[int]) -> int:
    """A stage's forecasts were submitted to questions whose outcome is known (the task
    submissions sent before `score_recent_submissions`; kept for messages still queued)."""
    return _queue_refresh(scoring_pipeline.score_submission(forecast_ids=forecast_ids))


def _queue_refresh(result: scoring_pipeline.ScoringResult) -> int:
    """Summaries of a study refreshed less than COALESCE_SECONDS ago wait: one delayed
    refresh per study takes every participant marked meanwhile (claimed, so a burst
    of submissions queues it once; a submission that found one already queued, under
    the study lock, leaves it to that one)."""
    for study_id in result.refresh_deferred:
        if study_id in result.refresh_queued:
            continue
        if summaries.refresh_queue_claim(study_id=study_id):
            refresh_summaries.apply_async((study_id,), countdown=summaries.COALESCE_SECONDS)
    return result.scored


@app.task(**RETRY)
def refresh_summaries(study_id: int) -> None:
    """Summaries of the participants whose scores changed since the last refresh."""
    summaries.pending_refresh(study_id=study_id)


@app.task(**RETRY)
def refresh_summaries_of(study_id: int, participant_ids: list[int]) -> None:
    """These participants' data changed outside scoring (an erasure removed their forecasts)."""
    summaries.participants_refresh(study_id=study_id, participant_ids=participant_ids)


@app.task(**RETRY)
def score_questions(question_ids: list[int]) -> int:
    """Questions were resolved, corrected, annulled or reinstated."""
    return scoring_pipeline.score_questions(question_ids=question_ids).scored


@app.task(bind=True, **RETRY)
def rescore_study(self, job_id: int) -> str:
    """A full rescore of one study, reporting progress on its RescoreJob row."""
    final = self.request.retries >= self.max_retries
    job = jobs.rescore_job_run(job_id=job_id, final_attempt=final)
    return job.status if job is not None else "skipped"
