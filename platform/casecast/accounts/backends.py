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
from django.db import router

from casecast.accounts.models import User
from casecast.core import joined_rows

# The path sessions record at sign-in (`login(..., backend=ACCOUNT_BACKEND)`).
ACCOUNT_BACKEND = "casecast.accounts.backends.AccountBackend"


@cache
def _user_sql(using: str) -> str:
    pk = joined_rows.qualified_column(User._meta, User._meta.pk.name, using=using)
    return joined_rows.rows_of_sql(User, where=f"{pk} = %s", using=using)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        # As the parent's: the row by primary key (an id Django has already converted from
        # the session), unless the account is switched off.
        pk = User._meta.pk.to_python(user_id)
        using = router.db_for_read(User)
        user = joined_rows.one(User, _user_sql(using), [pk], using=using)
        if user is None:
            return None
        assert isinstance(user, User)
        return user if self.user_can_authenticate(user) else None
