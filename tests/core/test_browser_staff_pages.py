"""Every study-staff page of the demo study, in a real browser, checked with axe-core.

Pages are walked from the URL configuration: each route under `studies/<slug>/`
that needs no other argument (downloads excepted), so new staff pages are
checked without being listed here.
"""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from tests.browser_support import assert_accessible, demo_researcher_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_SLUG = "judgement-2019-demo"
# Pages study staff must not reach: the advance allocation list is for site administrators.
SITE_ADMIN_ONLY = {f"/studies/{DEMO_SLUG}/allocation-list/"}
# Old addresses kept as redirects: the page they lead to is checked under its own address.
REDIRECTS = {f"/studies/{DEMO_SLUG}/resolution/results/": f"/studies/{DEMO_SLUG}/report/"}


def _staff_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _staff_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("studies/"):
            if (
                re.search(r"\.(csv|yaml|json|zip)$", route) or "download" in route
            ):  # files, not pages
                continue
            arguments = re.findall(r"<(\w+):(\w+)>", route)
            if arguments in ([("slug", "slug")], []):
                yield "/" + route.replace("<slug:slug>", DEMO_SLUG)


def _sign_in(page):
    demo_researcher_sign_in(page)


def test_every_staff_page_of_the_demo_study_is_accessible(page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    _sign_in(page)
    paths = sorted(set(_staff_routes()))
    assert len(paths) > 20, paths
    failures = []
    for path in paths:
        response = page.request.get(path, max_redirects=0)
        status = response.status
        if path in REDIRECTS:
            if status != 302 or response.headers.get("location") != REDIRECTS[path]:
                failures.append(f"{path}: expected a redirect to {REDIRECTS[path]}")
            continue
        if status == 405:  # an action endpoint (POST only), reached from a button
            continue
        if path in SITE_ADMIN_ONLY:
            if status != 403:
                failures.append(f"{path}: a researcher got HTTP {status}, expected 403")
            continue
        if status != 200:
            failures.append(f"{path}: HTTP {status}")
            continue
        page.goto(path)
        try:
            assert_accessible(page)
        except AssertionError as problem:
            failures.append(f"{path}: {problem}")
    assert not failures, "\n\n".join(failures)
