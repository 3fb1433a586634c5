"""Dependency checks behind /healthz and /readyz — each fast, none waits on Celery.

- Database: one `SELECT 1` on this process's connection.
- Broker: one Redis round trip (reading the worker heartbeat) with 0.2 s
  connect and read timeouts, so a broker that is down or unreachable is
  reported within a fraction of a second instead of holding the web worker.
- Worker: the age of the heartbeat that a worker writes when it runs the
  `tasks.sweep.heartbeat` task (every 30 s, from Celery beat). No heartbeat
  within WORKER_HEARTBEAT_MAX_AGE seconds means no worker (or no beat) is
  taking tasks. Nothing here pings the workers, which used to take a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.db import connection

HEARTBEAT_KEY = "casecast:worker-heartbeat"
REDIS_TIMEOUT = 0.2  # seconds, for connect and for the reply


@dataclass(frozen=True)
class Report:
    database: str
    broker: str
    worker: str

    @property
    def database_ok(self) -> bool:
        return self.database == "ok"

    @property
    def all_ok(self) -> bool:
        # "eager": no broker configured, tasks run in-process — nothing to be down.
        return self.database_ok and all(
            status.startswith(("ok", "eager")) for status in (self.broker, self.worker)
        )

    def failures(self) -> list[str]:
        named = {"database": self.database, "broker": self.broker, "worker": self.worker}
        return [name for name, status in named.items() if not status.startswith(("ok", "eager"))]


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"error: {type(exc).__name__}"
    return "ok"


def _broker_client() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_connect_timeout=REDIS_TIMEOUT,
        socket_timeout=REDIS_TIMEOUT,
        retry_on_timeout=False,
    )


def broker_and_worker_status(*, now: float | None = None) -> tuple[str, str]:
    """(broker, worker) from one read of the heartbeat key in the broker's Redis."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager", "eager"
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return "unknown: not a Redis broker", "unknown: not a Redis broker"
    try:
        with _broker_client() as client:
            beat = client.get(HEARTBEAT_KEY)
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}", "unknown: broker unreachable"
    if beat is None:
        return "ok", "error: no heartbeat (is a Celery worker and beat running?)"
    age = (now if now is not None else time.time()) - float(beat)
    if age > settings.WORKER_HEARTBEAT_MAX_AGE:
        return "ok", f"error: last heartbeat {age:.0f} s ago"
    return "ok", f"ok: last heartbeat {max(age, 0):.0f} s ago"


def report() -> Report:
    broker, worker = broker_and_worker_status()
    return Report(database=database_status(), broker=broker, worker=worker)


def heartbeat_record() -> None:
    """Called by the heartbeat task in a worker: "a worker took a task just now"."""
    with _broker_client() as client:
        client.set(HEARTBEAT_KEY, repr(time.time()), ex=24 * 60 * 60)
