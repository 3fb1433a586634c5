"""Shared personas and fixtures.

Feature fixtures live beside their tests; the personas below are shared by all:
a site administrator, a researcher (study staff once added to a study) and an
outsider with an account but no study. Study, vignette and participant
personas come from the plugin modules listed in `pytest_plugins`.
"""

import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest


def _one_broker_database_per_test_process() -> None:
    """Under pytest-xdist (`make test` runs `-n auto`), give each test process its own Redis
    database, as pytest-django gives each its own test database: a worker test's Celery worker
    must take only its own process's tasks, and `app.control` and the health checks must see
    only that worker.

    pytest-django may already have loaded the settings when this conftest is imported, so
    both the environment (read by Celery and by the worker subprocess) and the loaded
    settings (read by the health checks) are pointed at the process's database.
    """
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("CELERY_BROKER_URL")
    if not worker.startswith("gw") or not url or not url.startswith("redis"):
        return
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0) + int(worker[2:])
    if database > 15:
        raise RuntimeError(f"{worker} would need Redis database {database}: use fewer -n workers")
    own = urlunsplit(parts._replace(path=f"/{database}"))
    os.environ["CELERY_BROKER_URL"] = own
    if os.environ.get("CELERY_RESULT_BACKEND", url) == url:
        os.environ["CELERY_RESULT_BACKEND"] = own
    from django.conf import settings

    if settings.configured:
        settings.CELERY_BROKER_URL = own
        if url == settings.CELERY_RESULT_BACKEND:
            settings.CELERY_RESULT_BACKEND = own


_one_broker_database_per_test_process()

pytest_plugins = [
    "tests.fixtures_studies",
    "tests.fixtures_vignettes",
    "tests.fixtures_services",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers cost ~0.3 s per persona; tests do not need them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_not_required(settings):
    """Staff-page tests sign in with `force_login`; the second factor (required in
    every deployment by default) has its own tests, which switch it back on with
    `second_factor_on` (tests/accounts/test_second_factor.py)."""
    settings.STAFF_TWO_FACTOR_REQUIRED = False


@pytest.fixture
def second_factor_on(settings):
    settings.STAFF_TWO_FACTOR_REQUIRED = True


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()


def _wait_until_workers_are_idle(app, timeout: float = 30.0) -> None:
    """A worker test can leave work behind (a summary refresh queued with a countdown); let
    it finish before the next test empties the tables, or the two can deadlock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        inspect = app.control.inspect(timeout=0.5)
        busy = [inspect.active() or {}, inspect.reserved() or {}, inspect.scheduled() or {}]
        if not any(tasks for replies in busy for tasks in replies.values()):
            return
        time.sleep(0.5)


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Run tasks in-process even when CELERY_BROKER_URL is set: only `worker` tests
    go through Redis to the real worker (started by `celery_worker_process`). No test
    inherits another's coalesced sends (`tasks.enqueue`): ids repeat across tests."""
    from tasks import enqueue
    from tasks.celery_app import app

    enqueue._coalesced_sent.clear()
    if request.node.get_closest_marker("worker"):
        yield
        _wait_until_workers_are_idle(app)
        return

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def site_admin(django_user_model):
    return django_user_model.objects.create_superuser(
        email="admin@example.org", password="correct horse battery staple"
    )


@pytest.fixture
def researcher(django_user_model):
    return django_user_model.objects.create_user(
        email="researcher@example.org",
        password="correct horse battery staple",
        name="Rosa Researcher",
    )


@pytest.fixture
def outsider(django_user_model):
    return django_user_model.objects.create_user(
        email="outsider@example.org", password="correct horse battery staple"
    )


def _missing_service(item: pytest.Item) -> str | None:
    """Why a test cannot run in this environment, or None. Reported, never silent."""
    from django.conf import settings

    if item.get_closest_marker("worker") and settings.CELERY_TASK_ALWAYS_EAGER:
        return "needs CELERY_BROKER_URL (Redis) and PostgreSQL"
    if item.get_closest_marker("worker") and settings.DATABASES["default"]["ENGINE"].endswith(
        "sqlite3"
    ):
        return "needs PostgreSQL (DATABASE_URL)"
    if item.get_closest_marker("browser") and not _chromium_available():
        return "needs Debian chromium at /usr/bin/chromium (apt-get install chromium)"
    return None


def _chromium_available() -> bool:
    import os

    return os.access(os.environ.get("CASECAST_CHROMIUM", "/usr/bin/chromium"), os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out slow simulations unless asked for (`-m slow`), and tests whose services are absent.

    Every test left out is counted in the terminal summary with its reason, so a
    run that could not exercise the real services says so.
    """
    expression = config.getoption("-m") or ""
    run_slow = "slow" in expression and "not slow" not in expression
    keep, dropped = [], {}
    for item in items:
        reason = (
            None if run_slow or not item.get_closest_marker("slow") else "slow (make test-slow)"
        )
        reason = reason or _missing_service(item)
        if reason:
            dropped.setdefault(reason, []).append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=[i for group in dropped.values() for i in group])
        items[:] = keep
        config._casecast_left_out = {reason: len(group) for reason, group in dropped.items()}  # type: ignore[attr-defined]
        if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints the summary
            config.workeroutput["casecast_left_out"] = config._casecast_left_out  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent with -p no:xdist
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    """xdist: every worker collects the same tests, so any one worker's count is the run's."""
    left_out = getattr(node, "workeroutput", {}).get("casecast_left_out")
    if left_out:
        node.config._casecast_left_out = left_out


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    for reason, count in getattr(config, "_casecast_left_out", {}).items():
        terminalreporter.write_line(f"left out {count} test(s): {reason}", yellow=True)
