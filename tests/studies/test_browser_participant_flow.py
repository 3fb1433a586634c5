"""Consent, baseline and withdrawal in a real browser, with axe-core on every page."""

import re

import pytest
from casecast.accounts.links import participant_link_path
from casecast.studies.models import Participant
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible
from tests.fixtures_studies import build_study, create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user):
    page.goto(participant_link_path(user=user))


def test_participant_consents_and_answers_the_baseline_questions(page, researcher):
    study = build_study(by=researcher)
    participant = create_participant(study=study, email="browser@example.org", stage="invited")
    _sign_in(page, participant.user)
    page.goto(reverse("studies:consent", args=[study.slug]))
    expect(page.locator("h1")).to_have_text("Taking part in the study")
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("^I agree")).click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I have read the information above and I agree to take part").check()
    page.get_by_role("button", name=re.compile("^I agree")).click()

    page.wait_for_url(f"**/s/{study.slug}/about-you/")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Team manager").check()
    page.get_by_label("2 to 5 years").check()
    page.get_by_label("Children in care").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    participant.refresh_from_db()
    assert participant.baseline["role"] == "Team manager"
    assert participant.consented_at is not None


def test_participant_withdraws_and_asks_for_erasure(page, researcher):
    study = build_study(by=researcher)
    participant = create_participant(study=study, email="leaver@example.org")
    _sign_in(page, participant.user)
    page.goto(reverse("studies:withdraw", args=[study.slug]))
    assert_accessible(page)
    page.get_by_role("button", name="Leave the study").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("No, delete my answers and my personal details").check()
    page.get_by_role("button", name="Leave the study").click()
    expect(page.locator("h1")).to_have_text("You have left the study")
    assert_accessible(page)
    assert Participant.objects.get(pk=participant.pk).erased_at is not None


def test_code_enrolment_without_email_shows_a_link_to_bookmark(page, researcher):
    study = build_study(by=researcher)
    study.allow_no_email = True
    study.save()
    page.goto(reverse("studies:enrol_code"))
    assert_accessible(page)
    page.get_by_label("Enter your study code").fill(study.councils.first().enrolment_code)
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Save your personal link")
    assert_accessible(page)
    expect(page.locator("#personal-link")).to_contain_text("token=")
    page.get_by_role("button", name=re.compile("^I have saved my link")).click()
    page.wait_for_url(f"**/s/{study.slug}/consent/")
