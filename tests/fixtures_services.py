"""Fixtures for real services: a Celery worker process and a headless browser.

The worker is started by pytest, pointed at the *test* database (a worker
started outside pytest would write to the wrong one), and torn down after the
session. Tests using it need `@pytest.mark.django_db(transaction=True)` so the
worker can see committed rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail(
            "The Celery worker tests need PostgreSQL: set DATABASE_URL (see docs/testing.md)."
        )
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[subprocess.Popen[bytes]]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("The Celery worker tests need CELERY_BROKER_URL pointing at Redis.")
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "casecast.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), str(ROOT)]),
    }
    # One worker per test process under pytest-xdist (each on its own Redis database).
    process_name = os.environ.get("PYTEST_XDIST_WORKER", "pytest")
    log_path = ROOT / "test-artifacts" / f"celery-worker-{process_name}.log"
    log_path.parent.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=threads",
        "--concurrency=4", "--loglevel=INFO", "--without-gossip", "--without-mingle",
        f"--hostname={process_name}@%h",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_worker()
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for_worker(timeout: float = 60.0) -> None:
    from tasks import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    pytest.fail("The Celery worker did not answer a ping within 60 seconds.")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API keeps an event loop running in this thread; Django's
    # ORM calls in the test body are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    from tests.browser_support import launch_chromium

    # expect() waits for the page a click leads to; under a parallel run that can
    # take longer than Playwright's 5 s default, as page actions may (15 s).
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
