"""Celery application and task modules (run with `celery -A tasks worker`)."""

from tasks.celery_app import app

__all__ = ["app"]
