"""Scoring tasks. Each takes ids, loads fresh state and writes idempotently.

Acks are late and a lost worker rejects its message (settings), so a task
killed mid-way runs again; every write is an upsert inside one transaction per
study, so a partial run leaves no partial summary. Database contention
(deadlock, serialisation failure, lock timeout) is retried with backoff.
"""

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
def score_submission(forecast_ids: list[int]) -> int:
    """A stage's forecasts were submitted to questions whose outcome is known."""
    from casecast.resolution.services import forecasts_score

    return forecasts_score(forecast_ids=forecast_ids).scored


@app.task(**RETRY)
def refresh_summaries(study_id: int) -> None:
    """Summaries of the participants whose scores changed since the last refresh."""
    from casecast.resolution.services import summaries_refresh

    summaries_refresh(study_id=study_id)


@app.task(**RETRY)
def score_questions(question_ids: list[int]) -> int:
    """Questions were resolved, corrected, annulled or reinstated."""
    from casecast.resolution.services import questions_score

    return questions_score(question_ids=question_ids).scored


@app.task(bind=True, **RETRY)
def rescore_study(self, job_id: int) -> str:
    """A full rescore of one study, reporting progress on its RescoreJob row."""
    from casecast.resolution.services import rescore_job_run

    final = self.request.retries >= self.max_retries
    job = rescore_job_run(job_id=job_id, final_attempt=final)
    return job.status if job is not None else "skipped"
