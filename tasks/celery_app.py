import os
from typing import Any

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")

app = Celery("casecast")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fixup closes every database connection before and after each task
# unless told to reuse them: a new PostgreSQL backend per task, about 25 a second under
# the load benchmark (docs/performance.md, "Capacity"). Tasks follow Django's rules for
# a request instead (below), and the fixup's own forced close comes only every this
# many tasks.
app.conf.update(CELERY_DB_REUSE_MAX=10_000)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _database_connections_as_for_a_request(sender: Any = None, **kwargs: Any) -> None:
    """Before and after a task, as Django does around a request: a connection older than
    `DB_CONN_MAX_AGE` (0: every one) or left broken is closed, and one kept is tested
    before its next use (`CONN_HEALTH_CHECKS`), so a connection the server dropped is
    replaced, not failed on. Not for a task run eagerly inside a request or a test."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


# Task modules live in this package, not in the Django apps.
app.conf.include = ["tasks.diagnostics", "tasks.notifications", "tasks.invitations"]
app.conf.include.append("tasks.scoring")
app.conf.include.append("tasks.sweep")
app.conf.include.append("tasks.beat")
app.conf.include.append("tasks.reports")
# Results are not stored (CELERY_TASK_IGNORE_RESULT); only the diagnostic tasks,
# whose whole point is to return a value to the caller, keep theirs.
app.conf.task_annotations = {
    "tasks.diagnostics.add": {"ignore_result": False},
    "tasks.diagnostics.count_users": {"ignore_result": False},
}
