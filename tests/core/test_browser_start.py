"""The public pages in a real browser: accessible, and usable on a 320px screen."""

import pytest
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_page_has_no_wcag_22_aa_violations(page):
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Take part in a decision forecasting study")
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    ["/privacy/", "/accessibility/", "/contact/", "/accounts/sign-in/", "/accounts/new-link/"],
)
def test_public_pages_have_no_wcag_22_aa_violations(page, path):
    page.goto(path)
    assert_accessible(page)


def test_start_page_fits_a_320px_screen(page):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    assert_no_horizontal_scroll(page)


def test_skip_link_is_the_first_thing_the_keyboard_reaches(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"


def test_sign_in_errors_are_announced_in_an_error_summary(page):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("someone@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(
        "Enter the email address and password for your researcher account"
    )
    assert page.title() == "Error: Sign in – Casecast"
    assert_accessible(page)
