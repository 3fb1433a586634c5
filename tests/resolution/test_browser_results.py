"""Researcher pages in a real browser: the results page fits its column at every width,
and the outcome form (radios, GOV.UK date input, history) is accessible."""

from __future__ import annotations

import re

import pytest
from casecast.resolution.outcomes import Outcome
from casecast.resolution.scoring_pipeline import score_questions
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.resolution.test_pipeline import resolve_quietly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Right edge of each calibration element, and of the column it sits in.
_EDGES_JS = """
() => {
  const main = document.querySelector('main');
  const table = document.querySelector('[data-calibration-table]');
  const wrapper = table.closest('.app-table-wrapper');
  return {
    main: main.getBoundingClientRect().right,
    table: table.getBoundingClientRect().right,
    wrapper: wrapper.getBoundingClientRect().right,
    scrolls: wrapper.scrollWidth > wrapper.clientWidth,
    chart: document.querySelector('svg.cc-chart').getBoundingClientRect().right,
  };
}
"""


def _sign_in(page):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("researcher@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/studies/"))


def test_the_calibration_table_fits_its_column_on_tablet_and_desktop(page, casebook, people):
    q = casebook.q("rereferral")
    for name, pct in [("ann", 15), ("ben", 45), ("cat", 75), ("dan", 95)]:
        casebook.answer(people[name], q, probability_pct=pct)
    score_questions(question_ids=resolve_quietly(q, Outcome(binary=True)))
    _sign_in(page)
    page.goto(reverse("resolution:results", kwargs={"slug": casebook.study.slug}))
    # Four forecasts: five groups, as on a participant's chart (charts.bins_for).
    expect(page.locator("[data-calibration-table] tbody tr")).to_have_count(5)
    for width in (768, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        edges = page.evaluate(_EDGES_JS)
        assert edges["table"] <= edges["wrapper"] + 0.5, (width, edges)
        assert edges["wrapper"] <= edges["main"] + 0.5, (width, edges)
        assert edges["chart"] <= edges["main"] + 0.5, (width, edges)
        assert not edges["scrolls"], (width, edges)
        assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)  # the table may scroll inside its region, the page not
    assert_accessible(page)


def test_the_correction_page_is_accessible_with_radios_a_date_input_and_history(
    page, casebook, researcher
):
    from datetime import date

    from casecast.resolution import services

    services.question_resolve(
        question=casebook.q("severity"),
        outcome=Outcome(category=1),
        known_at=date(2024, 3, 4),
        source="Case records",
        by=researcher,
    )
    _sign_in(page)
    page.goto(
        reverse(
            "resolution:outcome",
            kwargs={"slug": casebook.study.slug, "question_id": casebook.q("severity").pk},
        )
    )
    assert page.get_by_role("radio", name="Medium").is_checked()
    assert page.get_by_label("Day").input_value() == "4"
    assert page.get_by_label("Month").input_value() == "3"
    assert page.get_by_label("Year").input_value() == "2024"
    assert page.get_by_label("Source").input_value() == "Case records"
    assert_accessible(page)
    page.get_by_label("Year").fill("2099")
    page.get_by_role("radio", name="High").check()
    page.get_by_label("Reason for the change").fill("Checked again")
    page.get_by_role("button", name="Save correction").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("must be today or in the past")
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_known_at"
    assert_accessible(page)
