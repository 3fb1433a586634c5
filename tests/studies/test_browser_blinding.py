"""The recruitment, data-lock and unblinding pages and blinded results pass axe-core
(WCAG 2.2 AA) in a real browser, and the council table sorts without JavaScript."""

import re

import pytest
from casecast.studies import services
from casecast.studies.models import Study, StudyMembership
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible
from tests.fixtures_studies import build_study, create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def _sign_in(page, email: str) -> None:
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_blinding_pages_are_accessible_and_unblinding_is_confirmed(page, researcher):
    study = build_study(by=researcher)
    for n in range(4):
        create_participant(study=study, email=f"p{n}@example.org")
    _sign_in(page, researcher.email)
    page.goto(reverse("studies:recruitment", args=[study.slug]))
    expect(page.locator("h1")).to_have_text("Recruitment and progress by council")
    assert_accessible(page)
    page.get_by_role("link", name="Enrolled", exact=True).click()  # sort: a plain link
    expect(page.locator("th[aria-sort='ascending']")).to_have_text("Enrolled")
    page.goto(reverse("resolution:results", args=[study.slug]))  # leads to the trial report
    assert page.url.endswith(reverse("reports:report", args=[study.slug]))
    text = page.locator("main").inner_text()
    for name in study.arms.values_list("name", flat=True):
        assert name not in text  # nothing on the report names an arm while blinded
    assert_accessible(page)
    services.study_status_change(study=study, to=Study.Status.CLOSED, by=researcher)
    page.goto(reverse("studies:data_lock", args=[study.slug]))
    assert_accessible(page)
    page.get_by_label("Reason").fill("All outcomes recorded")
    page.get_by_role("button", name="Lock the data").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    page.goto(reverse("studies:unblind", args=[study.slug]))
    page.get_by_label("Reason").fill("Analysis plan signed off")
    page.get_by_role("button", name="Unblind the study").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()  # not confirmed
    assert_accessible(page)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Unblind the study").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    page.goto(reverse("studies:consort", args=[study.slug]))
    assert page.get_by_role("columnheader", name="Feedback").count() >= 1


def test_the_council_leads_page_is_accessible(page, researcher, django_user_model):
    study = build_study(by=researcher)
    create_participant(study=study, email="p@example.org")
    lead = django_user_model.objects.create_user(email="lead@example.org", password=PASSWORD)
    StudyMembership.objects.create(
        study=study,
        user=lead,
        role=StudyMembership.Role.COUNCIL_LEAD,
        council=study.councils.order_by("name").first(),
    )
    _sign_in(page, lead.email)
    page.goto(reverse("studies:list"))
    page.get_by_role("link", name=study.title).click()
    expect(page.locator("h1")).to_have_text(re.compile("^Progress: "))
    assert_accessible(page)
