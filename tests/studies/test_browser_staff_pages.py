"""Study staff pages pass axe-core (WCAG 2.2 AA) in a real browser."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible
from tests.fixtures_studies import build_study, create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "detail",
    "arms",
    "arm_add",
    "randomisation",
    "councils",
    "phases",
    "questions",
    "baseline_add",
    "consent_text",
    "staff",
    "participants",
    "invitations",
    "consort",
    "design_versions",
    "status",
    "edit",
]


def test_every_staff_page_is_accessible(page, researcher):
    study = build_study(by=researcher)
    participant = create_participant(study=study, email="one@example.org")
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(researcher.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(reverse("studies:list"))
    assert_accessible(page)
    for name in PAGES:
        page.goto(reverse(f"studies:{name}", args=[study.slug]))
        assert page.locator("h1").count() == 1, name
        assert page.locator(".govuk-caption-l").inner_text() == study.title, name
        assert_accessible(page)
    page.goto(reverse("studies:arm_add", args=[study.slug]))
    page.get_by_role("button", name="Save arm").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    draft = build_study(by=researcher, title="Draft study", status="draft")
    for name in ("phases", "questions"):  # with "Move up" and "Move down" buttons
        page.goto(reverse(f"studies:{name}", args=[draft.slug]))
        assert page.get_by_role("button", name="Move down").count() >= 1, name
        assert_accessible(page)
    page.get_by_role("button", name="Move down").first.click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    page.goto(reverse("studies:participant_withdraw", args=[study.slug, participant.pk]))
    page.get_by_role("button", name="Record withdrawal").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
