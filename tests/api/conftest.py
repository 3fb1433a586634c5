"""API personas: the seeded demo study and tokens for its staff.

`demo` is the demo study as `seed_demo` leaves it (40 participants with scored
forecasts): `seeded_demo` from tests/fixtures_studies.py, seeded once per module inside a
transaction rolled back at the end; each test's own `db` transaction nests inside it, so
tests still cannot see each other's writes. `api` is a DRF client; `bearer(secret)` the header
a token sends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from casecast.accounts.models import User
from casecast.api.services import token_create
from casecast.studies.models import Study
from rest_framework.test import APIClient


@pytest.fixture
def demo(seeded_demo) -> Study:
    return seeded_demo


@pytest.fixture
def demo_admin(demo) -> User:
    return User.objects.get(email="researcher@example.org")


@pytest.fixture
def demo_analyst(demo) -> User:
    return User.objects.get(email="analyst@example.org")


@pytest.fixture
def make_token() -> Callable[..., str]:
    def make(user: User, *studies: Study, days: int = 30) -> str:
        _, secret = token_create(user=user, name="Tests", studies=studies, days=days)
        return secret

    return make


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def all_pages(api: APIClient, url: str, secret: str) -> list[dict[str, Any]]:
    """Every row of a paged list, following `next` links to the end."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while url:
        assert url not in seen, "a next link points back to a page already read"
        seen.add(url)
        response = api.get(url, **bearer(secret))
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        url = body["next"]
    return rows
