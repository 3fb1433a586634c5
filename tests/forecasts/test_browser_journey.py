"""The participant journey in headless Chromium: with JavaScript, by keyboard, without JavaScript.

Every page is checked with axe-core (WCAG 2.2 AA) in the JavaScript run; the
keyboard run is at 320px wide and checks reflow there and at 200% zoom.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from casecast.accounts.links import participant_link
from casecast.forecasts.models import Draft, Forecast, StageVisit
from casecast.vignettes.models import Question
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll

from .conftest import phase, plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _q(key: str) -> str:
    return f"q{Question.objects.get(key=key).pk}"


def _link_path(user) -> str:
    url = urlparse(participant_link(user=user))
    return f"{url.path}?{url.query}"


def _go_through_consent_and_baseline(page: Page) -> None:
    expect(page.get_by_role("heading", name="Taking part in the study")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("I have read the information above and I agree to take part").check()
    page.get_by_role("button", name="I agree – continue").click()
    assert_accessible(page)
    for fieldset in page.locator("main form fieldset").all():
        fieldset.locator("input[type=radio]").first.check()
    page.locator("main form button[type=submit]").first.click()


def _fill(page: Page, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.locator(f"[name='{name}']").fill(value)


def test_full_journey_with_javascript(page: Page, journey_study, staged_vignette, make_participant):
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    person = make_participant(study=journey_study, email="browser@example.org", stage="invited")
    page.goto(_link_path(person.user))
    _go_through_consent_and_baseline(page)

    # Task list, then start the phase.
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()
    expect(page.locator("#cases-summary")).to_have_text("You have 1 case to do.")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Start these cases")).click()

    # Part 1: the slider appears, starts unset, and stays in sync with the text box.
    expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 1 of 3")
    binary = page.locator(f"#{_q('rereferral-3m')}")
    slider = page.get_by_label(re.compile("^Or use the slider"))
    expect(slider).to_have_attribute("aria-valuetext", "Not set")
    expect(slider).to_have_class(re.compile("app-slider--unset"))
    assert_accessible(page)
    binary.fill("35")
    expect(slider).to_have_value("35")
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(binary).to_have_value("36")

    # Every validation error on this part, with a live total for the percentages.
    choice = _q("conference-outcome")
    numeric = _q("school-sessions")
    binary.fill("100")
    _fill(page, {f"{choice}-0": "10", f"{choice}-1": "10", f"{choice}-2": "10"})
    expect(page.locator(f"[data-live-total='{choice}']")).to_have_text(
        "Total: 30%. Add 70% more to make 100%."
    )
    _fill(page, {f"{numeric}-p5": "10", f"{numeric}-p50": "5", f"{numeric}-p95": ""})
    page.get_by_role("button", name="Submit and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Question 1: Enter a whole number between 1 and 99.")
    expect(summary).to_contain_text("Question 2: The percentages add up to 30%.")
    # The total is about the whole question: one message in its fieldset, above the inputs.
    total_error = page.locator(f"fieldset:has(#{choice}-0) > .govuk-error-message")
    expect(total_error).to_have_text(
        "Error: The percentages add up to 30%. Change them so they add up to 100%."
    )
    first_option = page.locator(f"#{choice}-0")
    assert total_error.bounding_box()["y"] < first_option.bounding_box()["y"]
    summary.get_by_role("link", name=re.compile("^Question 2:")).click()
    expect(first_option).to_be_focused()
    expect(summary).to_contain_text("Question 3, High estimate: Enter the high estimate")
    assert page.title().startswith("Error: ")
    assert_accessible(page)

    binary.fill("35")
    _fill(page, {f"{choice}-0": "20", f"{choice}-1": "30", f"{choice}-2": "50"})
    expect(page.locator(f"[data-live-total='{choice}']")).to_have_text("Total: 100%.")
    _fill(page, {f"{numeric}-p5": "2", f"{numeric}-p50": "6", f"{numeric}-p95": "15"})
    page.get_by_role("button", name="Submit and continue").click()

    # Part 2: type, let autosave run, leave, come back: the typing is still there.
    expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 2 of 3")
    assert_accessible(page)
    page.locator("form[data-journey-form]").evaluate("f => f.dataset.autosaveDelay = '200'")
    ordered = _q("risk-level")
    _fill(page, {f"{ordered}-0": "10", f"{ordered}-1": "40"})
    expect(page.locator("[data-autosave-status]")).to_have_text(re.compile(r"^Saved at \d\d:\d\d$"))
    page.goto(reverse("forecasts:tasks"))
    expect(page.locator("#cases-summary")).to_have_text("You have 1 case to do, 1 started.")
    page.get_by_role("link", name=re.compile("Case 1: Mia")).click()
    expect(page.locator(f"#{ordered}-1")).to_have_value("40")
    interval = _q("missed-days")
    _fill(page, {f"{ordered}-2": "40", f"{ordered}-3": "10"})
    _fill(page, {f"{interval}-lower": "8", f"{interval}-upper": "3"})
    page.get_by_role("button", name="Submit and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The upper bound must be more than the lower bound"
    )
    _fill(page, {f"{interval}-lower": "1", f"{interval}-upper": "9"})
    page.get_by_role("button", name="Submit and continue").click()

    # Part 3: own earlier answer shown; decision, confidence and reasoning.
    expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 3 of 3")
    expect(page.get_by_text("Earlier in this case you answered:")).to_contain_text("35%")
    page.get_by_role("button", name="Submit and finish this case").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the decision you would take")
    expect(summary).to_contain_text("Select how confident you are in this decision")
    assert_accessible(page)
    page.locator(f"#{_q('rereferral-3m-later')}").fill("50")
    page.get_by_label("Child in need plan").check()
    page.get_by_label("4 – Very confident").check()
    page.get_by_label(re.compile("Why did you give these answers")).fill("Attendance and the home.")
    page.get_by_role("button", name="Submit and finish this case").click()

    expect(page.get_by_role("heading", name="Case complete")).to_be_visible()
    # The next phase is ready, so the page offers it rather than "finished for now".
    expect(page.get_by_role("button", name="Start the next set of cases")).to_be_visible()
    expect(page.get_by_text("finished all the cases")).to_have_count(0)
    assert_accessible(page)
    assert Forecast.objects.filter(participant=person).count() == 8
    assert not Draft.objects.exists()
    complete_url = page.url

    # Going back shows part 1 read-only.
    page.goto(reverse("forecasts:stage", args=[Forecast.objects.first().assignment_id, 1]))
    expect(page.locator("#locked-answers")).to_contain_text("35%")
    expect(page.locator("main form")).to_have_count(0)
    assert_accessible(page)

    # From "Case complete", the next set of cases starts (randomising first).
    page.goto(complete_url)
    page.get_by_role("button", name="Start the next set of cases").click()
    expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 1 of 3")
    person.refresh_from_db()
    assert person.arm_id is not None


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the Tab key")


def _type_into(page: Page, selector: str, text: str) -> None:
    _tab_to(page, selector)
    page.keyboard.type(text)


def test_whole_case_by_keyboard_at_320px_and_200_percent_zoom(
    browser, live_server, journey_study, participant_ready
):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(_link_path(participant_ready.user))
        assert_no_horizontal_scroll(page)
        _tab_to(page, "main button.govuk-button")
        page.keyboard.press("Enter")
        expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 1 of 3")
        for width in (320, 640):  # 640 CSS px = a 1280px window at 200% zoom
            page.set_viewport_size({"width": width, "height": 640})
            assert_no_horizontal_scroll(page)
        page.set_viewport_size({"width": 320, "height": 640})

        choice, numeric = _q("conference-outcome"), _q("school-sessions")
        _type_into(page, f"#{_q('rereferral-3m')}", "30")
        for index, value in enumerate(["20", "30", "50"]):
            _type_into(page, f"#{choice}-{index}", value)
        for part, value in (("p5", "1"), ("p50", "4"), ("p95", "9")):
            _type_into(page, f"#{numeric}-{part}", value)
        page.keyboard.press("Enter")

        expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 2 of 3")
        assert_no_horizontal_scroll(page)
        ordered, interval = _q("risk-level"), _q("missed-days")
        for index, value in enumerate(["10", "40", "40", "10"]):
            _type_into(page, f"#{ordered}-{index}", value)
        _type_into(page, f"#{interval}-lower", "1")
        _type_into(page, f"#{interval}-upper", "7")
        page.keyboard.press("Enter")

        expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 3 of 3")
        assert_no_horizontal_scroll(page)
        decision = _q("decision")
        _type_into(page, f"#{_q('rereferral-3m-later')}", "45")
        _tab_to(page, f"#{decision}-decision")
        page.keyboard.press("Space")  # selects the first option
        page.keyboard.press("ArrowDown")  # … and moves the choice to the second
        _tab_to(page, f"#{decision}-confidence")
        page.keyboard.press("Space")
        _tab_to(page, "button[value=submit]")
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", name="Case complete")).to_be_visible()
        assert_no_horizontal_scroll(page)
        saved = Forecast.objects.get(question__key="decision")
        assert (saved.decision, saved.decision_confidence) == (1, 1)
        assert Forecast.objects.get(question__key="rereferral-3m").probability_pct == 30
    finally:
        context.close()


def test_whole_flow_without_javascript(browser, live_server, journey_study, participant_ready):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(_link_path(participant_ready.user))
        page.get_by_role("button", name=re.compile("Start these cases")).click()
        expect(page.locator("input[type=range]")).to_have_count(0)
        expect(page.locator("[data-live-total]")).to_be_hidden()

        # Save and come back later, without checks, then resume.
        binary = _q("rereferral-3m")
        page.locator(f"#{binary}").fill("0")
        page.get_by_role("button", name="Save and come back later").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "Your answers have been saved"
        )
        page.get_by_role("link", name=re.compile("Case 1: Mia")).click()
        expect(page.locator(f"#{binary}")).to_have_value("0")

        # Server-side errors for certainty, totals and quantiles.
        page.get_by_role("button", name="Submit and continue").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text(
            "No case is completely certain, so 0% and 100% are not allowed."
        )
        expect(summary).to_contain_text("Enter a percentage for No conference held")
        expect(summary).to_contain_text("Enter the low estimate")

        choice, numeric = _q("conference-outcome"), _q("school-sessions")
        page.locator(f"#{binary}").fill("35")
        _fill(page, {f"{choice}-0": "20", f"{choice}-1": "30", f"{choice}-2": "50"})
        # A count may repeat: no sessions missed, and perhaps up to 3.
        _fill(page, {f"{numeric}-p5": "0", f"{numeric}-p50": "0", f"{numeric}-p95": "3"})

        # Double submit: the second request carries the same idempotency key.
        page.get_by_role("button", name="Submit and continue").dblclick()
        expect(page.locator(".govuk-caption-l")).to_have_text("Case 1 of 1 · Part 2 of 3")
        assert Forecast.objects.filter(question__stage__position=1).count() == 3
        assert StageVisit.objects.filter(submitted_at__isnull=False).count() == 1

        ordered, interval = _q("risk-level"), _q("missed-days")
        _fill(page, {f"{ordered}-{i}": v for i, v in enumerate(["10", "40", "40", "10"])})
        _fill(page, {f"{interval}-lower": "1", f"{interval}-upper": "9"})
        page.get_by_role("button", name="Submit and continue").click()
        page.locator(f"#{_q('rereferral-3m-later')}").fill("40")
        page.get_by_label("Early help").check()
        page.get_by_label("3 – Moderately confident").check()
        page.get_by_role("button", name="Submit and finish this case").click()
        expect(page.get_by_role("heading", name="Case complete")).to_be_visible()
        assert Forecast.objects.filter(participant=participant_ready).count() == 7
        sessions = Forecast.objects.get(question__key="school-sessions")
        assert (sessions.lower, sessions.median, sessions.upper) == (0, 0, 3)
    finally:
        context.close()
