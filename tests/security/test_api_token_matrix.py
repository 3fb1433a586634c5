"""The research API's role matrix, for token requests (the page matrix in
test_access_matrix.py sends sessions, which the API never accepts).

Each role asks for a token scoped to the demo study. Study staff (administrator,
researcher, analyst, data monitoring committee) get one and reach every API URL of the
demo study; staff of another study cannot scope a token to it, and their own token
(scoped to their study) finds nothing of the demo's; the site administrator, on no
study's team, gets no token for it; participants, practice-only workers and council
leads (who see only their council's progress counts) get no token at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from casecast.api.services import token_create
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.test import APIClient

from tests.security.access_world import ROLES, World, all_routes, concrete_url

REFUSED = "no token"
# role -> what its token gets from the demo study's API URLs (the study list is checked apart)
TOKEN_TABLE: dict[str, Any] = {
    "anonymous": REFUSED,
    "participant": REFUSED,
    "participant_other_study": REFUSED,
    "participant_withdrawn": REFUSED,
    "study_admin": 200,
    "study_researcher": 200,
    "study_analyst": 200,
    "study_dmc": 200,  # reads what analysts read
    "study_council_lead": REFUSED,  # their council's progress counts only, never data
    "staff_other_study": 404,
    "site_admin": REFUSED,
    "practice_only": REFUSED,  # signs in by personal link, like participants
}
API_ROUTES = [
    (route, name)
    for route, name in all_routes()
    if route.startswith("api/v1/studies/<slug:slug>/") and name.startswith("api:")
]


def test_the_table_covers_every_role_and_the_api_has_its_study_urls():
    assert set(TOKEN_TABLE) == set(ROLES)
    assert len(API_ROUTES) == 9


def _token_for_demo(world: World, role: str) -> str | None:
    """A token of `role` scoped to the demo study, or None if the service refuses."""
    user = world.users[role]
    if user is None:
        return None
    try:
        with transaction.atomic():
            return token_create(user=user, name="matrix", studies=[world.study], days=1)[1]
    except ValidationError:
        return None


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_roles_token_gets_the_declared_answer(world: World, role: str):
    secret = _token_for_demo(world, role)
    expected = TOKEN_TABLE[role]
    if expected == REFUSED:
        assert secret is None, f"{role} was given a token for the demo study"
        return
    if role == "staff_other_study":
        assert secret is None, "a token is only ever scoped to its owner's studies"
        user = world.users[role]
        secret = token_create(user=user, name="own", studies=[world.other_study], days=1)[1]
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {secret}")
    wrong = []
    for route, name in API_ROUTES:
        url = concrete_url(world, route, name)
        if (status := client.get(url).status_code) != expected:
            wrong.append(f"{url}: expected {expected}, got {status}")
    assert not wrong, "\n".join(wrong)
    studies = client.get("/api/v1/studies/").json()["results"]
    reachable = world.other_study if role == "staff_other_study" else world.study
    assert [study["slug"] for study in studies] == [reachable.slug]
