"""The trial report and the analysis plan in a real browser: accessible (axe), no sideways
scroll on a phone, chart text legible, and the numbers on the page are the JSON's."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from casecast.core.management.commands.seed_demo import DEMO_PASSWORD
from casecast.resolution.demo_blinding import DMC_EMAIL
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser_support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    demo_researcher_sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_SLUG = "judgement-2019-demo"

CHART_TEXT_JS = """
() => [...document.querySelectorAll('svg.cc-chart')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width
  return { px: parseFloat(svg.getAttribute('font-size')) * scale,
           right: svg.getBoundingClientRect().right }
})
"""


def _seed() -> None:
    call_command("seed_demo", verbosity=0, stdout=StringIO())


def test_the_report_page_is_accessible_and_shows_the_commands_numbers(page):
    _seed()
    out = StringIO()
    # The demo trial is blinded while it recruits: read it as its data monitoring committee.
    call_command(
        "analyse_study", DEMO_SLUG, "--json", "--unblinded", "--user", DMC_EMAIL, stdout=out
    )
    document = json.loads(out.getvalue())
    assert document["primary"]["effects"], "the DMC's view compares the arms"
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill(DMC_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/studies/**")
    page.goto(f"/studies/{DEMO_SLUG}/resolution/results/")
    page.wait_for_url(f"**/studies/{DEMO_SLUG}/report/")
    expect(page.get_by_role("heading", name="Trial report")).to_be_visible()
    assert document["stamp"]["input_hash"] in page.locator("[data-report-stamp]").inner_text()
    table = page.locator("[data-primary-table]")
    for effect in document["primary"]["effects"]:
        row = table.get_by_role("row", name=effect["arm"])
        assert f"{effect['difference']:.3f}".replace("-", "−") in row.inner_text()
        assert str(effect["n"]) in row.inner_text()
    consort = page.locator("[data-consort-table]")
    for arm in document["consort"]["arms"]:
        assert str(arm["analysed"]) in consort.get_by_role("row", name=arm["arm"]).inner_text()
    assert_accessible(page)
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert_no_horizontal_scroll(page)
        charts = page.evaluate(CHART_TEXT_JS)
        assert len(charts) >= 3, "CONSORT, forest plot and calibration charts"
        for chart in charts:
            assert chart["px"] >= 14 and chart["right"] <= width, (width, chart)


def test_the_analysis_plan_pages_are_accessible(page):
    _seed()
    demo_researcher_sign_in(page)
    for path in ("analysis-plan/", "analysis-plan/print/", "analysis-plan/change/"):
        page.goto(f"/studies/{DEMO_SLUG}/{path}")
        assert page.get_by_role("heading", level=1).inner_text().endswith("analysis plan")
        assert_accessible(page)
        page.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(page)
        page.set_viewport_size({"width": 1024, "height": 768})
