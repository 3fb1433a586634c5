"""A worker keeps its database connection between tasks, as gunicorn does between
requests (`DB_CONN_MAX_AGE`), and replaces one the server dropped instead of failing a
task on it. Celery's Django fixup would otherwise open a new PostgreSQL backend for every
task (tasks/celery_app.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from tasks.diagnostics import count_users
from tests.faults.conftest import QUEUE
from tests.faults.test_database_faults import terminate_other_connections_to_the_test_database

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TASKS = 12


def _sessions_opened_on_the_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _count_users_on_the_worker() -> int:
    return count_users.apply_async(queue=QUEUE).get(timeout=30)


def test_a_worker_keeps_its_connection_between_tasks_and_replaces_a_dropped_one(
    workers, researcher
):
    workers.start(DB_CONN_MAX_AGE="600")  # persistent connections, as in production
    assert _count_users_on_the_worker() == 1  # the worker's threads connect

    before = _sessions_opened_on_the_test_database()
    for _ in range(TASKS):
        assert _count_users_on_the_worker() == 1
    opened = _sessions_opened_on_the_test_database() - before
    # The pool's second thread may connect for the first time; never one per task.
    assert opened <= 1, f"{opened} new database sessions for {TASKS} tasks"

    assert terminate_other_connections_to_the_test_database() >= 1
    for _ in range(3):
        assert _count_users_on_the_worker() == 1  # no task fails on the dropped connection


def test_with_no_connection_age_a_worker_closes_its_connection_after_each_task(workers, researcher):
    workers.start(DB_CONN_MAX_AGE="0")  # the default: as Django closes after a request
    assert _count_users_on_the_worker() == 1
    before = _sessions_opened_on_the_test_database()
    for _ in range(4):
        assert _count_users_on_the_worker() == 1
    assert _sessions_opened_on_the_test_database() - before >= 4
