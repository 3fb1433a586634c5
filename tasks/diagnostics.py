"""A trivial task used by /healthz checks and the worker integration test."""

from casecast.accounts.models import User

from tasks.celery_app import app


@app.task
def add(x: int, y: int) -> int:
    return x + y


@app.task
def count_users() -> int:
    return User.objects.count()
