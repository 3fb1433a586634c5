import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")

app = Celery("casecast")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules live in this package, not in the Django apps.
app.conf.include = ["tasks.diagnostics", "tasks.notifications", "tasks.invitations"]
app.conf.include.append("tasks.scoring")
app.conf.include.append("tasks.beat")
