"""Fault tests: real PostgreSQL, Redis and Celery workers, with faults injected.

Marked `faults` (and `worker`, so they are left out without PostgreSQL and a
Redis broker, and run by `make test` and CI). Every fault is local to this
test run: the broker outage is a closed port, not a stopped Redis; workers are
this test's own processes, on their own queue; terminated connections are only
those to the test database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fixtures_services import _test_database_url
from tests.forecasts.conftest import journey_study  # noqa: F401  (fixture)
from tests.resolution.conftest import casebook, people  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
QUEUE = "faults"  # the workers below consume only this queue, never the shared one
CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def service_env(**overrides: str) -> dict[str, str]:
    """The environment of a Casecast process pointed at the test database."""
    return {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "casecast.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
        **overrides,
    }


class Workers:
    """Start Celery workers on the `faults` queue; kill or stop them; clean up."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(
        self, *, app: str = "tasks", visibility_timeout: int = 5, **env: str
    ) -> subprocess.Popen[bytes]:
        from tasks import app as celery_app

        name = f"faults-{len(self.processes) + 1}-{os.getpid()}@localhost"
        log = open(ROOT / "test-artifacts" / f"{name.split('@')[0]}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", app, "worker", "--pool=threads",
                "--concurrency=2", "--loglevel=INFO", "--without-gossip", "--without-mingle",
                f"--hostname={name}", "-Q", QUEUE,
            ],
            cwd=ROOT,
            env=service_env(CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout), **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(process)
        if not wait_for(lambda: bool(celery_app.control.ping(destination=[name], timeout=0.5))):
            pytest.fail(f"Worker {name} did not answer a ping within 60 seconds.")
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)  # no warm shutdown: the task is not acked
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def workers() -> Iterator[Workers]:
    from tasks import app

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    # Messages left by an earlier, interrupted run would name rows of another
    # test database.
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)
    started = Workers()
    try:
        yield started
    finally:
        started.stop_all()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected as in production (hashed names, manifest)."""
    root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "False", "SECRET_KEY": "x" * 50, "STATIC_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root


class Server:
    """gunicorn serving Casecast with DEBUG off, on a loopback port."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.url = process, f"http://127.0.0.1:{port}"

    def get(self, path: str) -> tuple[int, str]:
        import urllib.error
        import urllib.request

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.fixture
def start_server(collected_static) -> Iterator[Callable[..., Server]]:
    from django.conf import settings

    started: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> Server:
        port = free_port()
        log = open(ROOT / "test-artifacts" / f"gunicorn-{port}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "casecast.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "1", "--timeout", "60"],
            cwd=ROOT,
            env=service_env(
                DEBUG="False", SECRET_KEY=settings.SECRET_KEY, ALLOWED_HOSTS="127.0.0.1",
                SECURE_SSL_REDIRECT="False", STATIC_ROOT=str(collected_static), **env,
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append(process)
        server = Server(process, port)

        def answers() -> bool:
            try:
                server.get("/accessibility/")
            except OSError:
                return False
            return True

        if not wait_for(answers, timeout=60):
            pytest.fail("gunicorn did not answer within 60 seconds")
        return server

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)
