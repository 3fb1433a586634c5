"""Every URL in the project, visited anonymously: only the public pages answer.

The list is walked from the URL configuration, so a page added later is
checked without anyone remembering to add it here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages an anonymous visitor may use (issue: start page, public notices,
# enrolment by code, request a new link, /healthz and /readyz; plus sign-in and the
# personal-link and unsubscribe endpoints, which check their own signed tokens).
PUBLIC = {
    "core:start", "core:privacy", "core:accessibility", "core:contact", "core:healthz",
    "core:readyz",
    "accounts:login", "accounts:logout", "accounts:link", "accounts:request_link",
    "accounts:password_reset", "accounts:password_reset_done",
    "accounts:password_reset_confirm", "accounts:password_reset_complete",
    "studies:enrol_code", "studies:enrol_eligibility", "studies:enrol_details",
    "notifications:unsubscribe",
    "api:schema", "api:docs",  # the research API's description; it holds no data
}  # fmt: skip
HEALTH = {"core:healthz", "core:readyz"}
SAMPLE_VALUES = {"int": "1", "str": "x"}


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _routes(
                pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace
            )
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}"


def _path(route: str, slug: str) -> str:
    values = {**SAMPLE_VALUES, "slug": slug}
    return "/" + re.sub(r"<(\w+):\w+>", lambda m: values[m.group(1)], route)


ROUTES = [(route, name) for route, name in _routes(get_resolver().url_patterns)
          if not route.startswith("site-admin/")]  # fmt: skip


def test_the_walk_finds_the_whole_site():
    names = {name for _, name in ROUTES}
    assert {
        "studies:detail",
        "forecasts:stage",
        "resolution:results",
        "feedback:track_record",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name for _, name in ROUTES])
def test_anonymous_visitors_reach_only_public_pages(client, study, route, name):
    response = client.get(_path(route, study.slug))
    if name in HEALTH:  # 503 is their honest answer when a dependency is down
        assert response.status_code in (200, 503)
        return
    if name in PUBLIC:
        assert response.status_code < 500
        return
    # The research API answers 401 (it takes bearer tokens, never a sign-in page).
    refusals = (302, 403, 404, 405, *((401,) if name.startswith("api:") else ()))
    assert response.status_code in refusals, f"{name} answered {response.status_code}"
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(("/accounts/sign-in/", "/accounts/new-link/")), location
