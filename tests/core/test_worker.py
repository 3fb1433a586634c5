"""A real task through Redis to a real worker process (run in CI; see docs/testing.md)."""

import time

import pytest

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_sent_through_the_broker_is_run_by_the_worker(celery_worker_process):
    from tasks.diagnostics import add

    result = add.delay(20, 22)
    assert result.get(timeout=30) == 42


def test_the_worker_reads_the_test_database(celery_worker_process, django_user_model):
    from tasks.diagnostics import count_users

    django_user_model.objects.create_user(email="one@example.org")
    django_user_model.objects.create_user(email="two@example.org")
    assert count_users.delay().get(timeout=30) == 2


def test_healthz_sees_the_broker_and_the_worker_heartbeat(celery_worker_process, client):
    """Beat sends the heartbeat task every 30 s; here the test sends it, the worker runs it."""
    from casecast.core import health

    from tasks.sweep import heartbeat

    with health._broker_client() as redis:
        redis.delete(health.HEARTBEAT_KEY)  # no heartbeat left over from another run
    assert client.get("/healthz").json()["worker"].startswith("error: no heartbeat")

    heartbeat.delay()
    deadline = time.monotonic() + 20
    body = client.get("/healthz").json()
    while not body["worker"].startswith("ok") and time.monotonic() < deadline:
        time.sleep(0.2)
        body = client.get("/healthz").json()
    assert body["broker"] == "ok"
    assert body["worker"].startswith("ok: last heartbeat ")
    assert client.get("/readyz").status_code == 200
