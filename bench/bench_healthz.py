"""/healthz and /readyz latency through gunicorn (run by `make bench`, not by the tests).

Starts gunicorn (one sync worker, DEBUG off, persistent database connection)
on a loopback port and times 500 sequential requests, each on a new
connection as a load balancer's probe would be, in three states:

1. everything up (a worker heartbeat written just before);
2. the broker down (its URL a closed port): /healthz must still answer fast,
   naming the broker;
3. /readyz with everything up.

Target: p95 < 50 ms for each. Exit status 1 if one is missed.

    .venv/bin/python bench/bench_healthz.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench  (the default)
    CELERY_BROKER_URL=redis://127.0.0.1:6379/1                      (the default)
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")

import django  # noqa: E402

django.setup()

from casecast.core.health import heartbeat_record  # noqa: E402

REQUESTS = 500
TARGET_P95_MS = 50.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(**env: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "casecast.wsgi", "--pythonpath", "platform,.",
         "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env={
            **os.environ, "DEBUG": "False", "SECRET_KEY": "bench-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "False",
            "DB_CONN_MAX_AGE": "60", **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            get(port, "/healthz")
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def get(port: int, path: str) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def database_create_if_missing() -> None:
    """SELECT 1 needs a database, not a schema: create an empty one if needed."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
        dbname="postgres", autocommit=True,
    ) as admin:  # fmt: skip
        if not admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone():
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def measure(name: str, port: int, path: str, *, expect: tuple[int, list[str]]) -> bool:
    for _ in range(20):  # warm up: imports, the database connection
        get(port, path)
    times, statuses, body = [], set(), {}
    for _ in range(REQUESTS):
        started = time.perf_counter()
        status, body = get(port, path)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * len(times)) - 1]
    answered = (sorted(statuses), body.get("failures")) == ([expect[0]], expect[1])
    ok = p95 < TARGET_P95_MS and answered
    print(
        f"{name:<28} {path:<9} HTTP {sorted(statuses)}  p50 {p50:5.1f} ms  p95 {p95:5.1f} ms  "
        f"max {times[-1]:6.1f} ms  {'ok' if ok else 'MISSED'} (target p95 < {TARGET_P95_MS:.0f} ms)"
    )
    print(f"{'':<28} body: {json.dumps(body)}")
    if not answered:
        print(f"{'':<28} WRONG ANSWER: expected HTTP {expect[0]} with failures {expect[1]}")
    return ok


def main() -> int:
    database_create_if_missing()
    heartbeat_record()
    results = []
    process, port = serve()
    try:
        results.append(measure("everything up", port, "/healthz", expect=(200, [])))
        results.append(measure("everything up", port, "/readyz", expect=(200, [])))
    finally:
        process.terminate()
        process.wait()
    process, port = serve(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    try:
        results.append(
            measure(
                "broker down (closed port)", port, "/healthz", expect=(200, ["broker", "worker"])
            )
        )
    finally:
        process.terminate()
        process.wait()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
