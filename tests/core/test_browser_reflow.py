"""Every page, participant and staff, at 320px: no sideways scrolling (WCAG 1.4.10), and
nothing blocked by the Content Security Policy.

The pages are those the access-control matrix (tests/security/test_access_matrix.py)
declares as answering 200 to the demo participant or to the study administrator,
so a new page is walked here as soon as it is declared there.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from tests.browser_support import assert_no_horizontal_scroll
from tests.security.access_world import all_routes, build_world, concrete_url
from tests.security.test_access_matrix import POST, declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Files, not pages: a CSV, YAML or JSON download has no layout to reflow.
NOT_PAGES = (".csv", ".yaml", ".json", "/download/yaml/", "/api/v1/schema/")


def _pages_for(world: Any, role: str) -> list[str]:
    urls = []
    for route, name in all_routes():
        declared = declaration(name)
        if declared is None or name.startswith("admin:"):
            continue
        expected, method = declared
        url = concrete_url(world, route, name)
        if method != POST and expected[role] == 200 and not url.endswith(NOT_PAGES):
            urls.append(url)
    return urls


def _sign_in(page: Any, world: Any, role: str) -> None:
    cookie = world.sessions[role][settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": page.url}]
    )


@pytest.mark.parametrize("role", ["participant", "study_admin"])
def test_no_page_scrolls_sideways_at_320px_or_breaks_the_policy(page, role):
    world = build_world()
    page.goto("/")
    _sign_in(page, world, role)
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_viewport_size({"width": 320, "height": 640})
    urls = _pages_for(world, role)
    assert len(urls) > (5 if role == "participant" else 40)
    failures = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        try:
            assert_no_horizontal_scroll(page)
        except AssertionError as problem:
            failures.append(str(problem))
    assert not failures, "\n".join(failures)
    assert not blocked, "\n".join(blocked)


CHART_TEXT_JS = """
() => [...document.querySelectorAll('svg.cc-chart')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width
  const size = parseFloat(svg.getAttribute('font-size'))
  return { px: size * scale, width: svg.getBoundingClientRect().width }
})
"""


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("participant", "/feedback/track-record/"),
        ("study_admin", "/studies/judgement-2019-demo/report/"),
    ],
)
def test_chart_labels_are_at_least_14px_on_a_phone_and_on_desktop(page, role, path):
    world = build_world()
    page.goto("/")
    _sign_in(page, world, role)
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        charts = page.evaluate(CHART_TEXT_JS)
        assert charts, f"no chart on {path}"
        for chart in charts:
            assert chart["px"] >= 14, (width, chart)
            assert chart["width"] <= width, (width, chart)


def test_pages_part_way_through_the_journey_at_320px(page):
    """The walk above sees a participant who has finished their open cases; this one
    covers consent, the enrolment pages and every part of a case still being answered."""
    from casecast.accounts.models import User
    from casecast.forecasts import services as journey
    from casecast.studies.models import Participant
    from django.test import Client

    world = build_world()
    invited = User.objects.get(email="participant@example.org")
    ready = Participant.objects.get(user__email="demo-baseline-1@example.org")
    assignment = journey.phase_start(participant=ready, phase=ready.study.phases.get(position=1))[0]
    parts = assignment.vignette_version.stages.count()
    visits = {
        None: ["/enrol/", "/accounts/new-link/", "/accounts/sign-in/"],
        invited: [f"/s/{world.study.slug}/consent/"],
        ready.user: [
            "/cases/",
            *(f"/cases/{assignment.pk}/part/{n}/" for n in range(1, parts + 1)),
            f"/s/{world.study.slug}/withdraw/",
        ],
    }
    page.set_viewport_size({"width": 320, "height": 640})
    failures = []
    for user, urls in visits.items():
        page.context.clear_cookies()
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            page.goto("/")
            page.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": page.url}]
            )
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            try:
                assert_no_horizontal_scroll(page)
            except AssertionError as problem:
                failures.append(str(problem))
    assert not failures, "\n".join(failures)
