"""The token page in a real browser: create (the secret shown once), list and revoke,
each page checked with axe-core; and the API's Swagger UI runs under the site's CSP."""

from __future__ import annotations

import re

import pytest
from casecast.api.models import ApiToken
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, demo_researcher_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_researcher_creates_and_revokes_a_token(page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo_researcher_sign_in(page)
    page.get_by_role("link", name="API tokens").first.click()
    page.wait_for_url(re.compile(r"/api/tokens/$"))
    assert_accessible(page)
    page.get_by_role("button", name="Create a token").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create token").click()  # nothing filled in
    expect(page.get_by_text("There is a problem")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Name").fill("R on my laptop")
    page.get_by_label("Judgement in children's social care (demo)").check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("[data-api-token]").inner_text()
    assert re.fullmatch(r"cc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", secret)
    assert_accessible(page)
    page.get_by_role("link", name="I have copied it").click()
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke R on my laptop").click()
    assert_accessible(page)
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_url(re.compile(r"/api/tokens/$"))
    assert ApiToken.objects.get(name="R on my laptop").revoked_at is not None


def test_the_api_reference_runs_under_the_content_security_policy(page):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/api/v1/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Casecast research API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(
        ".opblock-summary-path", has_text="/api/v1/studies/{slug}/scores/"
    ).first.wait_for()
    assert refused == []
