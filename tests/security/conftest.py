"""One demo world for the whole access-control matrix module (seed_demo takes seconds).

Built once inside a transaction that is rolled back at the end; each test's own
`db` transaction nests inside it, so tests still cannot see each other's writes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures_studies import rolled_back
from tests.security.access_world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with rolled_back(django_db_blocker):
        yield build_world()
