"""The Casecast Celery app with one change: a rescore pauses after its first chunk.

Used by test_worker_killed.py as `celery -A tests.faults.slow_celery worker`,
so the test can kill the worker at a known point — the first chunk's scores
committed, the summaries not yet written — instead of racing a fast task.
A rescore takes the study lock once per chunk and once more for the summaries;
the pause is just before the second time.
"""

import threading
import time

from celery.signals import task_prerun

from tasks.celery_app import app

__all__ = ["app"]
PAUSE_SECONDS = 600
_calls = threading.local()


@task_prerun.connect
def _pause_before_the_second_study_lock(**_: object) -> None:
    from casecast.resolution import scoring_pipeline

    _calls.count = 0
    original = scoring_pipeline._lock_study
    if getattr(original, "paused", False):
        return

    def lock_study(study_id: int) -> None:
        _calls.count += 1
        if _calls.count == 2:
            time.sleep(PAUSE_SECONDS)
        original(study_id)

    lock_study.paused = True  # type: ignore[attr-defined]
    scoring_pipeline._lock_study = lock_study
