"""Trial report task: computes one cached report by id (`casecast.reports.jobs`).

Idempotent: a report already finished is left alone, so a retry or a duplicate does no
harm. Database contention is retried with backoff, as the scoring tasks do.
"""

from casecast.reports import jobs
from django.db import DatabaseError

from tasks.celery_app import app


@app.task(
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
)
def build_report(report_id: int) -> None:
    jobs.report_build(report_id=report_id)
