"""Enqueueing after commit never fails the request; without a broker, errors still show."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from tasks.celery_app import app
from tasks.diagnostics import add
from tasks.enqueue import enqueue_now, enqueue_on_commit


@pytest.fixture
def broker_refuses(monkeypatch):
    """A real (non-eager) app whose every publish fails as a down broker does."""
    sent = []

    def refuse(*args, **kwargs):
        sent.append(kwargs.get("args"))
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(add, "apply_async", refuse)
    app.conf.task_always_eager = False  # restored by the autouse `_eager_tasks` fixture
    return sent


def test_a_failed_publish_is_logged_not_raised(broker_refuses, caplog):
    with caplog.at_level(logging.ERROR, logger="tasks.enqueue"):
        assert enqueue_now(add, 2, 3) is False
    assert broker_refuses == [(2, 3)]
    assert "Could not enqueue tasks.diagnostics.add(2, 3)" in caplog.text
    assert "sweep" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_publish_happens_after_commit_and_its_failure_does_not_escape(broker_refuses):
    with transaction.atomic():
        enqueue_on_commit(add, 1, 1)
        assert broker_refuses == []  # nothing is sent before the data is committed
    assert broker_refuses == [(1, 1)]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(broker_refuses):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(add, 1, 1)
        raise RuntimeError("the submission failed")
    assert broker_refuses == []


def test_without_a_broker_the_task_runs_in_process_and_its_errors_propagate():
    assert app.conf.task_always_eager  # tests run tasks eagerly unless marked `worker`
    assert enqueue_now(add, 2, 3) is True
    with pytest.raises(TypeError):
        enqueue_now(add, "two", 3)


def test_the_broker_is_given_up_on_quickly_and_a_lost_worker_is_redelivered_within_minutes():
    """The settings behind "never waits on the broker" (see docs/deployment.md)."""
    conf = app.conf
    transport = conf.broker_transport_options
    assert conf.broker_connection_timeout <= 2
    assert transport["socket_connect_timeout"] <= 2 and transport["socket_timeout"] <= 2
    assert transport["max_retries"] <= 1  # kombu's reconnect loop when publishing
    assert conf.task_publish_retry_policy["max_retries"] <= 1
    assert conf.result_backend_transport_options["retry_policy"]["max_retries"] <= 1
    assert transport["visibility_timeout"] <= 10 * 60  # kombu's default is an hour
    # ... and it is looked for often (kombu's default: every 100 s).
    assert transport["unacked_restore_interval"] * transport["unacked_restore_throttle"] <= 30
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_ignore_result
    from tasks.scoring import score_submission

    assert score_submission.ignore_result
