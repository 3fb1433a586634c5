"""Enqueueing after commit never fails the request; without a broker, errors still show."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from tasks import enqueue
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


# --- coalesced: a burst of commits shares one task ----------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def broker_takes(monkeypatch):
    """A real (non-eager) app whose broker takes every publish; `fail` makes it refuse."""
    sent: list[tuple[tuple, dict]] = []
    state = {"fail": False}

    def take(args=(), **options):
        if state["fail"]:
            raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
        sent.append((tuple(args), options))

    monkeypatch.setattr(add, "apply_async", take)
    monkeypatch.setattr(enqueue, "_coalesced_sent", {})
    clock = Clock()
    monkeypatch.setattr(enqueue.time, "monotonic", clock)
    app.conf.task_always_eager = False  # restored by the autouse `_eager_tasks` fixture
    return sent, state, clock


def _commit_one(key, *args, delay=1.0):
    with transaction.atomic():
        enqueue.enqueue_coalesced_on_commit(add, *args, key=key, delay=delay)


@pytest.mark.django_db(transaction=True)
def test_commits_within_half_the_delay_share_the_task_sent_for_the_first(broker_takes):
    sent, _, clock = broker_takes
    _commit_one("study 1", 1, 1)
    clock.now += 0.2
    _commit_one("study 1", 2, 2)
    clock.now += 0.29  # 0.49 s after the first: it cannot have started yet
    _commit_one("study 1", 3, 3)
    assert sent == [((1, 1), {"countdown": 1.0})]


@pytest.mark.django_db(transaction=True)
def test_a_commit_after_half_the_delay_or_under_another_key_sends_its_own(broker_takes):
    sent, _, clock = broker_takes
    _commit_one("study 1", 1, 1)
    _commit_one("study 2", 2, 2)
    clock.now += 0.5
    _commit_one("study 1", 3, 3)
    assert [args for args, _ in sent] == [(1, 1), (2, 2), (3, 3)]


@pytest.mark.django_db(transaction=True)
def test_a_failed_coalesced_publish_is_not_remembered(broker_takes, caplog):
    sent, state, clock = broker_takes
    state["fail"] = True
    with caplog.at_level(logging.ERROR, logger="tasks.enqueue"):
        _commit_one("study 1", 1, 1)
    assert "Could not enqueue" in caplog.text
    state["fail"] = False
    clock.now += 0.1
    _commit_one("study 1", 2, 2)  # the broker is back: this one is sent
    assert sent == [((2, 2), {"countdown": 1.0})]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_commit_sends_nothing_and_holds_nothing_back(broker_takes):
    sent, _, _ = broker_takes
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue.enqueue_coalesced_on_commit(add, 1, 1, key="study 1", delay=1.0)
        raise RuntimeError("the submission failed")
    _commit_one("study 1", 2, 2)
    assert sent == [((2, 2), {"countdown": 1.0})]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_every_coalesced_commit_runs_its_task_at_once(monkeypatch):
    ran = []
    monkeypatch.setattr(add, "apply_async", lambda args=(), **options: ran.append(args))
    _commit_one("study 1", 1, 1)
    _commit_one("study 1", 2, 2)
    assert ran == [(1, 1), (2, 2)]
