"""Prepared statements on PostgreSQL (settings: DB_PREPARE_THRESHOLD).

psycopg prepares a query the fifth time a connection runs it, so PostgreSQL plans the
journey's joined reads once per connection instead of on every page. These tests look at
PostgreSQL's own list of the session's prepared statements, and at the setting's effect.
"""

import json

import pytest
from django.conf import settings
from django.db import connection

from tests.core.test_settings import _run

pytestmark = pytest.mark.django_db

PROBE = """
import json, django
django.setup()
from django.conf import settings
options = settings.DATABASES["default"].get("OPTIONS", {})
print(json.dumps({k: options.get(k) for k in ("server_side_binding", "prepare_threshold")}))
"""


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _options(**env: str) -> dict:
    result = _run(["-c", PROBE], DATABASE_URL="postgres://u@db.internal/casecast", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_query_run_often_on_a_connection_is_prepared_once(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: prepared statements are PostgreSQL's (set DATABASE_URL)")
    threshold = settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold")
    if threshold is None:
        pytest.skip("prepared statements switched off here (DB_PREPARE_THRESHOLD is empty)")
    marker = "prepared-statement-probe"
    for _ in range(threshold - 1):
        list(django_user_model.objects.filter(name=marker))
    assert not [sql for sql in _prepared_here() if '"accounts_user"."name" = $1' in sql]
    for _ in range(2):
        list(django_user_model.objects.filter(name=marker))
    prepared = [sql for sql in _prepared_here() if '"accounts_user"."name" = $1' in sql]
    assert len(prepared) == 1  # bound as a parameter, not written into the text


def test_prepared_statements_are_on_by_default_and_can_be_switched_off():
    assert _options() == {"server_side_binding": True, "prepare_threshold": 5}
    assert _options(DB_PREPARE_THRESHOLD="") == {
        "server_side_binding": None,
        "prepare_threshold": None,
    }
    assert _options(DB_PREPARE_THRESHOLD="20")["prepare_threshold"] == 20
