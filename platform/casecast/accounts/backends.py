"""The sign-in backend: Django's `ModelBackend` with the per-page user read hand-written.

Every signed-in page reads its user once (the session holds only the id). The
queryset Django uses for that costs more to build than the query takes to run
(docs/performance.md, "Sixth round"), so `get_user` reads the row with SQL written
once per process from the model's fields. Passwords, permissions and the
switched-off check are the parent's.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from casecast.accounts.models import User
from casecast.core import joined_rows

# The path sessions record at sign-in (`login(..., backend=ACCOUNT_BACKEND)`).
ACCOUNT_BACKEND = "casecast.accounts.backends.AccountBackend"


@cache
def _user_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    table = User._meta.db_table
    pk = joined_rows.qualified_column(User._meta, User._meta.pk.name, using=using)
    return (
        f"SELECT {joined_rows.select_list(User, table, using=using)}"
        f" FROM {quote(table)} WHERE {pk} = %s"
    )


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        # As the parent's: the row by primary key (an id Django has already converted from
        # the session), unless the account is switched off.
        pk = User._meta.pk.to_python(user_id)
        using = router.db_for_read(User)
        with connections[using].cursor() as cursor:
            cursor.execute(_user_sql(using), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = joined_rows.instance(User, row, using=using)
        assert isinstance(user, User)
        return user if self.user_can_authenticate(user) else None
