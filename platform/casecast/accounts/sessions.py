"""Database sessions, read with hand-written SQL.

Every signed-in page starts by reading its session row. Django's database
backend does that with a queryset, which costs about three times the query's
own time to build (docs/performance.md, "Sixth round"). This store is Django's
`db` backend with only that read replaced: same table, same expiry rule, same
writes, so sessions and `clearsessions` work as before.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from casecast.core import joined_rows


@cache
def _session_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    key = joined_rows.qualified_column(Session._meta, "session_key", using=using)
    expires = joined_rows.qualified_column(Session._meta, "expire_date", using=using)
    return (
        f"SELECT {joined_rows.select_list(Session, Session._meta.db_table, using=using)}"
        f" FROM {quote(Session._meta.db_table)} WHERE {key} = %s AND {expires} > %s"
    )


# Keep the class name: Django salts the session data's signature with the store's
# qualified name, so renaming it would make every existing session unreadable.
class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        # As the parent's: the unexpired row for this key, else forget the key.
        using = router.db_for_read(Session)
        connection = connections[using]
        now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM sends it
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(using), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        session = joined_rows.instance(Session, row, using=using)
        assert isinstance(session, Session)
        return session
