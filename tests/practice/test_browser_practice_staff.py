"""The staff side of practice mode in a real browser: counts, shared records and
practice-only invitations pass axe (WCAG 2.2 AA), and inviting and removing work."""

import pytest
from casecast.practice.models import PracticeAccess, PracticeForecast, PracticeShare
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.fixtures_studies import build_study, create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_study_practice_page_and_invitations_are_accessible(page, researcher):
    study = build_study(by=researcher)
    participant = create_participant(study=study, email="sharer@example.org")
    for number, outcome in enumerate((True, False, None)):
        PracticeForecast.objects.create(
            owner=participant.user,
            local_id=f"staff-browser-{number:04d}-xxxx",
            question_key="return_home_12m",
            probability_pct=60,
            due_on=timezone.localdate(),
            outcome=outcome,
            resolved_at=timezone.now() if outcome is not None else None,
        )
    PracticeShare.objects.create(owner=participant.user, study=study)
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(researcher.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()

    page.goto(reverse("studies:detail", args=[study.slug]))
    page.get_by_role("link", name="Practice forecasts: counts and shared records").click()
    expect(page.locator("h1")).to_have_text("Practice forecasts")
    expect(page.locator("[data-shared-record] tbody tr")).to_have_count(3)
    assert "sharer@example.org" not in page.content()
    assert_accessible(page)

    page.get_by_role("link", name="Invite a worker to practise").click()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("The worker's email address").fill("newcomer@council.example.org")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation to practise sent.").wait_for()
    expect(page.locator("[data-practice-invited] tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.get_by_role("button", name="Remove newcomer@council.example.org").click()
    page.get_by_text("Practice access removed.").wait_for()
    assert PracticeAccess.objects.get().revoked_at is not None
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
