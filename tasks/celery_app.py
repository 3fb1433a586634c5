import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")

app = Celery("casecast")
app.config_from_object("django.conf:settings", namespace="CELERY")
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
