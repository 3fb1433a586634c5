"""The "Plan a trial" page passes axe-core (WCAG 2.2 AA) in a real browser, with its
results and with its error summary."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.fixtures_studies import build_study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_planning_a_trial_in_the_browser_is_accessible(page, researcher):
    build_study(by=researcher)
    page.goto(reverse("accounts:login"))
    page.get_by_label("Email address").fill(researcher.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(reverse("studies:list"))
    page.get_by_role("link", name="Plan a trial").click()
    expect(page.locator("h1")).to_have_text("Plan a trial")
    assert_accessible(page)

    page.get_by_label("Participants per arm").fill("30")
    page.get_by_label("Simulated trials").fill("50")
    page.get_by_role("button", name="Work out the power").click()
    page.wait_for_load_state()
    expect(page.locator("[data-power-table] tbody tr")).to_have_count(3)  # arms 2-4 vs control
    expect(page.locator("[data-plan-results] svg")).to_have_count(1)
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_label("Councils per arm").fill("1")
    page.get_by_role("button", name="Work out the power").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter 0 councils per arm")
    assert_accessible(page)
