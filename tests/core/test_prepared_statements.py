"""Prepared statements on PostgreSQL (settings: DB_PREPARE_THRESHOLD).

psycopg prepares a query the fifth time a connection runs it, so PostgreSQL plans the
journey's joined reads once per connection instead of on every page. This test looks at
PostgreSQL's own list of the session's prepared statements; `test_settings.py` checks
the setting itself.
"""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


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
