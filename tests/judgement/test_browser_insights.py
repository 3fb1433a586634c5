"""The insight pages in a real browser: accessible (axe), charts and tables within their
column, no horizontal page scroll on a phone."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ("overview", "calibration", "questions", "noise", "thresholds", "updating")


def _sign_in(page):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("researcher@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/studies/"))


def test_every_insight_page_is_accessible_and_reflows(page, study, answered):
    _sign_in(page)
    for name in PAGES:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(reverse(f"judgement:{name}", kwargs={"slug": study.slug}))
        assert page.get_by_role("heading", level=1).count() == 1
        if name != "overview":
            chart = page.locator("svg.cc-chart").first
            assert chart.get_attribute("role") == "img"
            main_right = page.evaluate(
                "document.querySelector('main').getBoundingClientRect().right"
            )
            assert chart.bounding_box()["x"] + chart.bounding_box()["width"] <= main_right + 0.5
        assert_accessible(page)
        page.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(page)


def test_the_study_page_leads_to_the_insights(page, study, answered):
    _sign_in(page)
    page.goto(reverse("studies:detail", kwargs={"slug": study.slug}))
    page.get_by_role("link", name=re.compile("Judgement insights")).click()
    page.wait_for_url(re.compile(r"/insights/$"))
    page.get_by_role("link", name="Noise audit", exact=True).first.click()
    page.wait_for_url(re.compile(r"/insights/noise/$"))
    expect(page.get_by_role("heading", name="Noise audit", level=1)).to_be_visible()
