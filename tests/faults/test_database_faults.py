"""Database connections terminated, or the database unreachable, under gunicorn with DEBUG off.

People never see a traceback: a dropped persistent connection is replaced
before the next request uses it (CONN_HEALTH_CHECKS), and while the database
cannot be reached every page is a 503 "try again" page and /healthz says so.
Only connections to this run's test database are terminated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from casecast.accounts.links import participant_link_path
from django.db import connection

from tasks.celery_app import app
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

UNREACHABLE_DATABASE = "postgres://postgres@127.0.0.1:1/casecast"  # nothing listens on port 1


def terminate_other_connections_to_the_test_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@contextmanager
def tasks_in_process() -> Iterator[None]:
    """Enrolment emails a personal link, and a newer link supersedes older ones. Where a
    worker from earlier tests is running it would send that email at some moment of
    its own; run it here instead, so the link this test issues afterwards is current."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


def test_terminated_connections_are_replaced_without_an_error_or_a_restart(start_server, study):
    with tasks_in_process():
        participant = create_participant(study=study, email="ann@example.org", stage="consented")
    link = participant_link_path(user=participant.user)
    server = start_server(DB_CONN_MAX_AGE="600")  # persistent connections, as in production
    assert server.get("/healthz")[0] == 200  # opens the worker's connection

    assert terminate_other_connections_to_the_test_database() >= 1

    for _ in range(3):
        status, body = server.get("/healthz")
        assert (status, json.loads(body)["database"]) == (200, "ok")
    status, _ = server.get(link)
    assert status == 302  # signed in by the personal link: a database read and write
    assert server.process.poll() is None  # the same server, never restarted


def test_an_unreachable_database_gives_a_friendly_503_page_and_a_503_healthz(start_server, study):
    participant = create_participant(study=study, email="ann@example.org", stage="consented")
    link = participant_link_path(user=participant.user)
    server = start_server(DATABASE_URL=UNREACHABLE_DATABASE, DB_CONNECT_TIMEOUT="2")

    status, html = server.get(link)
    assert status == 503
    assert "Sorry, the service is unavailable" in html
    assert "try again" in html
    assert "Traceback" not in html and "OperationalError" not in html

    status, body = server.get("/healthz")
    assert status == 503
    assert json.loads(body)["failures"][0] == "database"
