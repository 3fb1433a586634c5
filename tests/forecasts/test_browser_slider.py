"""The probability slider never starts from an invisible 50%: from unset, the keyboard
starts at an end of the scale (issue 14: "the keyboard slider starts from 50")."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from casecast.accounts.links import participant_link
from casecast.vignettes.models import Question
from playwright.sync_api import Page, expect

from .conftest import start_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_first_part(page: Page, journey_study, staged_vignette, make_participant, email: str):
    person = make_participant(study=journey_study, email=email)
    assignment = start_case(person, journey_study)
    url = urlparse(participant_link(user=person.user))
    page.goto(f"{url.path}?{url.query}")
    page.goto(f"/cases/{assignment.pk}/part/1/")
    binary = page.locator(f"#q{Question.objects.get(key='rereferral-3m').pk}")
    return binary, page.get_by_label(re.compile("^Or use the slider"))


@pytest.mark.parametrize(
    ("key", "expected"),
    [("ArrowRight", "1"), ("ArrowUp", "1"), ("Home", "1"), ("ArrowLeft", "99"), ("End", "99")],
)
def test_the_first_key_on_an_untouched_slider_starts_at_an_end_not_at_50(
    page: Page, journey_study, staged_vignette, make_participant, key, expected
):
    binary, slider = _open_first_part(
        page, journey_study, staged_vignette, make_participant, "slider@example.org"
    )
    expect(slider).to_have_attribute("aria-valuetext", "Not set")
    slider.focus()
    page.keyboard.press(key)
    expect(binary).to_have_value(expected)
    expect(slider).to_have_attribute("aria-valuetext", f"{expected}%")
    # Once set, the keys step as usual.
    page.keyboard.press("ArrowRight" if expected == "1" else "ArrowLeft")
    expect(binary).to_have_value("2" if expected == "1" else "98")
    # The draft is saved a few seconds after the last key; wait for it, so the test ends
    # with no request still writing while the database is emptied for the next test.
    status = page.locator("[data-autosave-status]")
    expect(status).to_contain_text("Saved at", timeout=15_000)
