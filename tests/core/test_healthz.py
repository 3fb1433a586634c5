"""/healthz (liveness) and /readyz (readiness): fast, and each failure named.

Speed is tested by counting work, never by timing: one database query, at most
one Redis round trip with short timeouts, and no Celery worker ping (which used
to wait a full second on every call).
"""

import time
from unittest import mock

import pytest
import redis
from casecast.core import health
from django.db.utils import OperationalError

BROKER = "redis://127.0.0.1:6379/15"
NOW = 1_800_000_000.0  # the clock, frozen while a test reads the heartbeat


class FakeRedis:
    """Stands in for the broker's Redis; records every command and its timeouts."""

    def __init__(self, heartbeat: float | None = None, down: bool = False) -> None:
        self.heartbeat, self.down, self.commands, self.timeouts = heartbeat, down, [], []

    def from_url(self, url, **options):
        self.timeouts.append((options["socket_connect_timeout"], options["socket_timeout"]))
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, key):
        self.commands.append(("GET", key))
        if self.down:
            raise redis.ConnectionError("Connection refused")
        return None if self.heartbeat is None else repr(self.heartbeat).encode()


@pytest.fixture
def with_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER
    settings.WORKER_HEARTBEAT_MAX_AGE = 120


@pytest.fixture
def no_worker_ping():
    """Fail the test if anything asks the workers over the broker."""
    from tasks import app

    with (
        mock.patch.object(app.control, "ping", side_effect=AssertionError("pinged workers")),
        mock.patch.object(app, "connection_for_write", side_effect=AssertionError("connected")),
    ):
        yield


def _get(client, url, fake):
    with (
        mock.patch.object(health.redis.Redis, "from_url", fake.from_url),
        mock.patch.object(health.time, "time", return_value=NOW),
    ):
        return client.get(url)


@pytest.mark.django_db
def test_healthz_does_one_query_and_one_redis_read_with_short_timeouts(
    client, with_broker, no_worker_ping, django_assert_num_queries
):
    fake = FakeRedis(heartbeat=NOW - 5)
    with django_assert_num_queries(1):
        response = _get(client, "/healthz", fake)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": "ok: last heartbeat 5 s ago",
        "failures": [],
    }
    assert fake.commands == [("GET", health.HEARTBEAT_KEY)]
    assert fake.timeouts == [(0.2, 0.2)]


@pytest.mark.django_db
def test_broker_down_is_named_in_the_body_but_healthz_stays_up(client, with_broker, no_worker_ping):
    body = _get(client, "/healthz", FakeRedis(down=True))
    assert body.status_code == 200
    assert body.json()["broker"] == "error: ConnectionError"
    assert body.json()["failures"] == ["broker", "worker"]


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_down(client, with_broker, no_worker_ping):
    response = _get(client, "/readyz", FakeRedis(down=True))
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["failures"] == ["broker", "worker"]


@pytest.mark.django_db
def test_a_stale_or_missing_heartbeat_means_no_worker(client, with_broker, no_worker_ping):
    stale = _get(client, "/readyz", FakeRedis(heartbeat=NOW - 600))
    assert stale.status_code == 503
    assert stale.json()["worker"] == "error: last heartbeat 600 s ago"
    assert stale.json()["failures"] == ["worker"]

    missing = _get(client, "/readyz", FakeRedis(heartbeat=None)).json()
    assert missing["worker"].startswith("error: no heartbeat")
    assert missing["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_is_200_when_everything_answers(client, with_broker, no_worker_ping):
    response = _get(client, "/readyz", FakeRedis(heartbeat=NOW))
    assert response.status_code == 200
    assert response.json()["failures"] == []


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no broker or worker to report on
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
    assert response.json()["failures"] == ["database"]


@pytest.mark.django_db
def test_healthz_says_tasks_run_eagerly_without_a_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    body = client.get("/healthz").json()
    assert body["broker"] == "eager"
    assert body["worker"] == "eager"
    assert client.get("/readyz").status_code == 200


def test_the_heartbeat_task_writes_what_healthz_reads(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER
    stored = {}

    class Recorder(FakeRedis):
        def set(self, key, value, ex):
            stored[key] = (float(value), ex)

    with mock.patch.object(health.redis.Redis, "from_url", Recorder().from_url):
        health.heartbeat_record()
    written_at, expiry = stored[health.HEARTBEAT_KEY]
    assert abs(written_at - time.time()) < 60
    assert expiry > settings.WORKER_HEARTBEAT_MAX_AGE
