"""Staff tables on a 320px screen scroll inside their own box, never the whole page.

Each wide table sits in `app-table-wrapper` (casecast.css): a focusable, labelled
region, so keyboard users can scroll it and screen readers announce what it holds.
Also: the email preview wraps instead of widening the page.
"""

import pytest
from django.core.management import call_command

from tests.browser_support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    demo_researcher_sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_SLUG = "judgement-2019-demo"
TABLE_PAGES = {
    f"/studies/{DEMO_SLUG}/participants/": ["Participants"],
    f"/studies/{DEMO_SLUG}/councils/": ["Councils"],
    f"/studies/{DEMO_SLUG}/vignettes/": ["Vignettes"],
    f"/studies/{DEMO_SLUG}/resolution/": ["Questions"],
}

WRAPPERS_JS = """
() => [...document.querySelectorAll('.app-table-wrapper')].map(box => ({
  label: box.getAttribute('aria-label'),
  role: box.getAttribute('role'),
  tabindex: box.getAttribute('tabindex'),
  hasTable: box.querySelector('table.govuk-table') !== null,
  scrolls: box.scrollWidth > box.clientWidth,
  right: box.getBoundingClientRect().right,
}))
"""


def _sign_in(page):
    demo_researcher_sign_in(page)


def test_staff_tables_scroll_inside_a_focusable_labelled_region_at_320px(page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    _sign_in(page)
    page.set_viewport_size({"width": 320, "height": 640})
    failures = []
    for path, labels in TABLE_PAGES.items():
        page.goto(path)
        try:
            assert_no_horizontal_scroll(page)
            wrappers = page.evaluate(WRAPPERS_JS)
            assert [w["label"] for w in wrappers][: len(labels)] == labels, wrappers
            for wrapper in wrappers:
                assert wrapper["role"] == "region" and wrapper["tabindex"] == "0", wrapper
                assert wrapper["hasTable"], wrapper
                assert wrapper["right"] <= 320, wrapper
            # At 320px the table really is wider than its box: the box is what scrolls.
            assert any(w["scrolls"] for w in wrappers), wrappers
            assert_accessible(page)
        except AssertionError as problem:
            failures.append(f"{path}: {problem}")
    # The demo study is still recruiting, so the CONSORT flow is one column of
    # totals (no counts by arm): it fits at 320px without scrolling at all.
    page.goto(f"/studies/{DEMO_SLUG}/consort/")
    try:
        assert_no_horizontal_scroll(page)
        assert [w["label"] for w in page.evaluate(WRAPPERS_JS)] == ["Flow, all arms together"]
    except AssertionError as problem:
        failures.append(f"consort: {problem}")
    assert not failures, "\n\n".join(failures)

    # A keyboard user reaches the region, sees the focus outline and scrolls it.
    page.goto(f"/studies/{DEMO_SLUG}/resolution/")
    region = page.get_by_role("region", name="Questions")
    region.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Questions"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the GOV.UK focus outline shows where the keyboard is
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('[aria-label=\"Questions\"]').scrollLeft > 0", timeout=5000
    )


def test_the_email_preview_wraps_at_1000px(page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    from casecast.studies.models import Study

    Study.objects.filter(slug=DEMO_SLUG).update(
        public_description="A fictional study of decisions in children's social care. " * 8
        + "https://example.org/a-very-long-address-"
        + "x" * 200
    )
    _sign_in(page)
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"/studies/{DEMO_SLUG}/emails/invitation/")
    assert "x" * 200 in page.locator("pre.app-pre-wrap").inner_text()
    assert_no_horizontal_scroll(page)
    assert_accessible(page)
