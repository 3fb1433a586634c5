"""Practice mode in a real browser: the case label stays in the browser.

Every request the page makes is recorded (address, headers, body) while a
worker labels a forecast, has an identifying question refused, resolves it,
looks at their calibration, downloads their data and deletes everything; the
label must appear in none of them, and afterwards in no column of any table
in the database (sessions decoded too). Each page is checked with axe.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote, quote_plus

import pytest
from casecast.accounts.links import participant_link_path
from casecast.practice.models import PracticeForecast
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Distinctive enough that finding it anywhere can only mean it leaked.
LABEL = "Zebedee Quintrell-Hawthorne 4471"
NEEDLES = (LABEL, "Zebedee", "Quintrell", quote(LABEL), quote_plus(LABEL))
STORAGE_PREFIX = "casecast.practice.label."


class RequestLog:
    """Everything the browser sent: address, headers and body of every request."""

    def __init__(self, page) -> None:
        self.sent: list[tuple[str, str]] = []
        page.on("request", self.record)

    def record(self, request) -> None:
        body = request.post_data_buffer or b""
        headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
        text = f"{request.method} {request.url}\n{headers}\n\n{body.decode('utf-8', 'replace')}"
        self.sent.append((request.url, text))

    def leaks(self, needles: tuple[str, ...] = NEEDLES) -> list[str]:
        return [url for url, text in self.sent if any(n in text for n in needles)]


def database_leaks(needles: tuple[str, ...] = NEEDLES) -> list[str]:
    """Every (table, row) in the database holding one of `needles`, sessions decoded."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = " ".join(
                    bytes(v).decode("utf-8", "replace")
                    if isinstance(v, bytes | memoryview)
                    else str(v)
                    for v in row
                )
                if any(needle in text for needle in needles):
                    found.append(f"{table}: {row!r}")
    for session in Session.objects.all():
        if any(needle in repr(session.get_decoded()) for needle in needles):
            found.append(f"session {session.session_key}")
    return found


def _tables_scanned() -> int:
    return len(connection.introspection.table_names())


@pytest.fixture
def worker(researcher):
    from tests.fixtures_studies import build_study

    study = build_study(by=researcher, title="Practice study")
    return create_participant(study=study, email="practice@example.org")


def _fill_forecast(page, *, question: str, percent: str, due_in_days: int = 90) -> None:
    page.get_by_label(question).check()
    page.get_by_label("How likely is it to happen, as a percentage?").fill(percent)
    due = (timezone.localdate() + timedelta(days=due_in_days)).isoformat()
    page.get_by_label("When will you know?").fill(due)


def test_the_case_label_never_reaches_the_server(page, worker):
    log = RequestLog(page)
    page.goto(participant_link_path(user=worker.user))
    page.goto(reverse("practice:home"))
    assert_accessible(page)
    page.get_by_role("link", name="Make a practice forecast").click()

    # The label field is shown by the script, and is typed into like any other.
    label = page.get_by_label("Your label for the case")
    expect(label).to_be_visible()
    assert label.get_attribute("name") is None
    label.fill(LABEL)
    _fill_forecast(page, question="I will write my own question", percent="70")
    page.get_by_label("Your own question (if you chose to write one)").fill(
        "Will Mr Jones move out?"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save practice forecast").click()

    # Refused, with the reason; the label is still there (from this browser's storage).
    page.get_by_text("There is a problem").wait_for()
    expect(page.get_by_text("looks like a person's name (Mr Jones)").first).to_be_visible()
    assert page.get_by_label("Your label for the case").input_value() == LABEL
    assert PracticeForecast.objects.count() == 0
    assert_accessible(page)
    page.get_by_label("Your own question (if you chose to write one)").fill(
        "Will mum move out within a year?"
    )
    page.get_by_role("button", name="Save practice forecast").click()
    page.wait_for_url(re.compile(r"/practice/$"))

    # The list shows the label next to the forecast, from this browser only.
    forecast = PracticeForecast.objects.get()
    assert forecast.custom_text == "Will mum move out within a year?"
    slot = page.locator(f'[data-practice-label="{forecast.local_id}"]')
    expect(slot).to_have_text(LABEL)
    stored = page.evaluate(f"localStorage.getItem('{STORAGE_PREFIX}{forecast.local_id}')")
    assert stored == LABEL
    assert_accessible(page)

    # Record what happened: the outcome page shows the label too.
    page.get_by_role("link", name="Record what happened").click()
    expect(page.locator(f'[data-practice-label="{forecast.local_id}"]')).to_have_text(LABEL)
    page.get_by_label("Yes, it happened").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/practice/$"))
    forecast.refresh_from_db()
    assert forecast.outcome is True

    page.get_by_role("link", name="See how well calibrated").click()
    expect(page.locator("[data-practice-periods] tbody tr")).to_have_count(1)
    assert_accessible(page)
    page.goto(reverse("practice:sharing"))
    page.get_by_label("Practice study").check()
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/practice/$"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Download all your practice forecasts (CSV)").click()
    exported = download.value.path().read_text()
    assert "Will mum move out within a year?" in exported
    assert not any(needle in exported for needle in NEEDLES)  # the server never had it

    # Before deleting: the label was sent nowhere and is stored nowhere. The same checks
    # do find the question, which was sent and stored, so they can see a leak.
    question = ("move out within a year", quote_plus("move out within a year"))
    assert log.leaks(question), "request bodies were recorded"
    assert [row.split(":")[0] for row in database_leaks(question)] == ["practice_practiceforecast"]
    assert log.leaks() == []
    assert _tables_scanned() > 20
    assert database_leaks() == []

    # Delete everything: the server's rows and this browser's labels.
    page.goto(reverse("practice:delete_all"))
    assert_accessible(page)
    page.get_by_role("button", name="Delete everything").click()
    page.get_by_text("Deleted 1 practice forecast.").wait_for()
    assert PracticeForecast.objects.count() == 0
    keys = page.evaluate("Object.keys(localStorage)")
    assert [key for key in keys if key.startswith(STORAGE_PREFIX)] == []
    assert log.leaks() == []
    assert database_leaks() == []


def test_without_javascript_practice_works_without_labels(browser, live_server, worker):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(participant_link_path(user=worker.user))
        page.goto(reverse("practice:new"))
        expect(page.locator("#practice-case-label")).not_to_be_visible()
        _fill_forecast(page, question="Will the child return home within a year?", percent="40")
        page.get_by_role("button", name="Save practice forecast").click()
        page.wait_for_url(re.compile(r"/practice/$"))
        assert PracticeForecast.objects.get().question_key == "return_home_12m"
        assert page.get_by_text("No label on this device").count() == 1
    finally:
        context.close()


def test_practice_pages_reflow_on_a_small_screen(page, worker):
    PracticeForecast.objects.create(
        owner=worker.user,
        local_id="reflow-test-0001-xxxxx",
        question_key="placement_breakdown_6m",
        probability_pct=25,
        due_on=timezone.localdate(),
    )
    page.goto(participant_link_path(user=worker.user))
    page.set_viewport_size({"width": 320, "height": 640})
    for name in ("practice:home", "practice:new", "practice:calibration"):
        page.goto(reverse(name))
        assert_no_horizontal_scroll(page)
