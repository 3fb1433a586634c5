"""Settings come from the environment, with a safe embedded default."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL, "backend": settings.CELERY_RESULT_BACKEND,
    "debug": settings.DEBUG,
    "db_options": {
        k: db.get("OPTIONS", {}).get(k) for k in ("server_side_binding", "prepare_threshold")
    },
}))
"""
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "DEBUG",
    "DB_PREPARE_THRESHOLD",
    "SECRET_KEY",
    "NETWORK_PSEUDONYM_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture; never in deployment
)


def _run(code_or_args: list[str], **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="casecast.settings", **env_overrides)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "platform"), str(ROOT)])
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(**env_overrides: str) -> dict:
    result = _run(["-c", PROBE], **env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_in_the_repository_and_eager_tasks():
    found = _settings()
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"] == str(ROOT / "casecast.sqlite3")
    assert found["eager"] is True
    assert found["broker"].startswith("memory://")


def test_urls_select_postgresql_and_a_redis_broker_with_a_result_backend():
    found = _settings(
        DATABASE_URL="postgres://casecast:pw@db.internal:5433/casecast",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "casecast"
    assert found["eager"] is False
    assert found["broker"] == "redis://cache.internal:6379/0"
    assert found["backend"] == "redis://cache.internal:6379/0"


def test_secret_key_is_required_when_debug_is_off():
    result = _run(["-c", PROBE], DEBUG="False")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_checks_are_clean_with_production_variables():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="False",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        NETWORK_PSEUDONYM_KEY="a-long-random-network-pseudonym-key-0123456789",
        ALLOWED_HOSTS="casecast.example.org",
        DATABASE_URL="sqlite:////tmp/casecast-deploy-check.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_warn_while_the_network_key_is_unset():
    """Without it, network ids derive from SECRET_KEY and change when that rotates."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="False",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-key-0123456789",
        ALLOWED_HOSTS="casecast.example.org",
        DATABASE_URL="sqlite:////tmp/casecast-deploy-check.sqlite3",
    )
    assert result.returncode != 0
    assert "casecast.network.W001" in result.stdout + result.stderr


def test_prepared_statements_are_on_for_postgresql_unless_switched_off():
    postgres = "postgres://casecast:pw@db.internal:5433/casecast"
    on = {"server_side_binding": True, "prepare_threshold": 5}
    assert _settings(DATABASE_URL=postgres)["db_options"] == on
    off = _settings(DATABASE_URL=postgres, DB_PREPARE_THRESHOLD="")["db_options"]
    assert off == {"server_side_binding": None, "prepare_threshold": None}
    later = _settings(DATABASE_URL=postgres, DB_PREPARE_THRESHOLD="20")["db_options"]
    assert later["prepare_threshold"] == 20
    assert _settings()["db_options"] == {"server_side_binding": None, "prepare_threshold": None}
