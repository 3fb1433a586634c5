"""Database sessions, read with hand-written SQL.

Every signed-in page starts by reading its session row. Django's database
backend does that with a queryset, which costs about three times the query's
own time to build (docs/performance.md, "Sixth round"). This store is Django's
`db` backend with only that read replaced: same table, same expiry rule, same
writes, so sessions and `clearsessions` work as before.
"""

from __future__ import annotations

from functools import cache, partial

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from casecast.core import joined_rows


@cache
def _session_sql(using: str) -> str:
    column = partial(joined_rows.qualified_column, Session._meta, using=using)
    where = f"{column('session_key')} = %s AND {column('expire_date')} > %s"
    return joined_rows.rows_of_sql(Session, where=where, using=using)


# Keep the class name: Django salts the session data's signature with the store's
# qualified name, so renaming it would make every existing session unreadable.
class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        # As the parent's: the unexpired row for this key, else forget the key.
        using = router.db_for_read(Session)
        now = connections[using].ops.adapt_datetimefield_value(timezone.now())  # as the ORM
        session = joined_rows.one(
            Session, _session_sql(using), [self.session_key, now], using=using
        )
        if session is None:
            self._session_key = None
            return None
        assert isinstance(session, Session)
        return session
