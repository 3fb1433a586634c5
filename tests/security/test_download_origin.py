"""Downloads of study data start only on Casecast's own pages (`casecast.core.downloads`).

A download another site started (`Sec-Fetch-Site: cross-site` or `same-site`) gets a 403
page saying how to get the file, and nothing is read or recorded in the audit log; one
started on our pages, typed in, or from a client that sends no Fetch Metadata gets the
answer the access matrix declares.
"""

from __future__ import annotations

from typing import Any

import pytest
from casecast.audit.models import AuditEvent
from casecast.core.downloads import MARKER
from django.db import transaction
from django.urls import reverse

from tests.security.access_world import (
    DOWNLOADS,
    ROLES,
    World,
    all_routes,
    all_views,
    concrete_url,
)
from tests.security.test_access_matrix import declaration, matches, observed


def test_every_download_of_study_data_is_refused_when_another_site_starts_it():
    assert {name for name, view in all_views() if getattr(view, MARKER, False)} == DOWNLOADS


def _allowed_role(name: str) -> tuple[str, Any, str]:
    declared = declaration(name)
    assert declared is not None, name
    expected, method = declared
    # A role the matrix lets in; else (a file no one may have yet, such as the allocation
    # list before the study closes) the study's administrator, refused by the view itself.
    role = next(
        (r for r in ROLES if isinstance(expected[r], int) and expected[r] < 403), "study_admin"
    )
    return role, expected[role], method


def _answer(world: World, role: str, url: str, method: str, origin: str | None) -> Any:
    client = world.client(role)
    headers = {} if origin is None else {"HTTP_SEC_FETCH_SITE": origin}
    with transaction.atomic():
        before = AuditEvent.objects.count()
        response = client.post(url, **headers) if method == "POST" else client.get(url, **headers)
        recorded = AuditEvent.objects.count() - before
        transaction.set_rollback(True)
    return response, recorded


ROUTES = [(route, name) for route, name in all_routes() if name in DOWNLOADS]
# Views that are a form as well as a download: the query that asks for the file.
AS_DOWNLOAD = {"network:pooled_data": "?format=csv"}


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name for _, name in ROUTES])
def test_a_download_another_site_started_is_refused_and_nothing_is_recorded(
    world: World, route: str, name: str
):
    role, allowed, method = _allowed_role(name)
    url = concrete_url(world, route, name) + AS_DOWNLOAD.get(name, "")
    for origin in ("cross-site", "same-site"):
        response, recorded = _answer(world, role, url, method, origin)
        assert response.status_code == 403, (origin, url)
        assert "Start the download in Casecast" in response.content.decode()
        assert recorded == 0
    for origin in ("same-origin", "none", None):
        response, _ = _answer(world, role, url, method, origin)
        assert matches(allowed, observed(response)), (origin, url, observed(response))
        if response.status_code == 403:
            assert "Start the download in Casecast" not in response.content.decode()


@pytest.mark.django_db
def test_the_pooled_data_form_itself_opens_from_anywhere(world: World):
    response, _ = _answer(world, "site_admin", reverse("network:pooled_data"), "GET", "cross-site")
    assert response.status_code == 200
    assert "Download pooled data" in response.content.decode()
