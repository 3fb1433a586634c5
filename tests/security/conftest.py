"""One demo world for the whole access-control matrix module (seed_demo takes seconds).

Built once inside a transaction that is rolled back at the end; each test's own
`db` transaction nests inside it, so tests still cannot see each other's writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from tests.security.access_world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
