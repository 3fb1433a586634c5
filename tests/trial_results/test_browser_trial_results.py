"""Forecasting a trial's result and reading it, in a real browser, checked with axe-core."""

import pytest
from casecast.accounts.links import participant_link_path
from casecast.trial_results import services
from casecast.trial_results.models import ResultsStudy, TrialForecast
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import (
    assert_accessible,
    assert_no_horizontal_scroll,
    demo_researcher_sign_in,
)
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_participant_forecasts_a_trial_and_reads_the_result(page, study, trial, site_admin):
    participant = create_participant(study=study, email="forecaster@example.org")
    page.goto(participant_link_path(user=participant.user))
    page.goto(reverse("trial_results:study", args=[trial.study.slug]))
    assert_accessible(page)
    page.get_by_role("link", name=f"Forecast {trial.trial}").click()
    assert_accessible(page)
    # A range that misses the estimate: errors at both ends, in the summary and by the field.
    page.get_by_label("Your estimate").fill("-0.02")
    page.get_by_label("Lowest likely value").fill("0")
    page.get_by_label("Highest likely value").fill("-0.03")
    page.get_by_role("button", name="Save my forecast").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("at or below your estimate")
    assert_accessible(page)
    page.get_by_label("Lowest likely value").fill("-0.04")
    page.get_by_label("Highest likely value").fill("0")
    page.get_by_role("button", name="Save my forecast").click()
    page.wait_for_url(f"**{reverse('trial_results:study', args=[trial.study.slug])}")
    assert TrialForecast.objects.get(user=participant.user).estimate == -0.02

    services.question_resolve(question=trial, by=site_admin, estimate=-0.01, source="Journal")
    page.goto(reverse("trial_results:results", args=[trial.study.slug, trial.pk]))
    assert "contained the published estimate" in page.locator(".govuk-panel").inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)


def test_the_set_up_pages_of_the_demo_are_accessible(page):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo_researcher_sign_in(page)
    study = ResultsStudy.objects.get()
    question = study.questions.order_by("position").first()
    for path in (
        reverse("trial_results:manage"),
        reverse("trial_results:manage_study", args=[study.slug]),
        reverse("trial_results:question_add", args=[study.slug]),
        reverse("trial_results:resolve", args=[study.slug, question.pk]),
        reverse("trial_results:results", args=[study.slug, question.pk]),
    ):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
