"""A training module in a real browser, by keyboard and mouse: axe-clean at every kind of page."""

import re

import pytest
from casecast.accounts.links import participant_link_path
from casecast.studies import services
from casecast.studies.models import Study
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible
from tests.fixtures_studies import build_study, create_participant
from tests.training.support import do_module

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _participant(researcher, module):
    study = build_study(by=researcher, title="Browser training", status=Study.Status.DRAFT)
    arm = study.arms.get(key="feedback")
    services.arm_save(study=study, arm=arm, by=researcher, training_module=module)
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=researcher)
    study.refresh_from_db()
    return create_participant(study=study, email="t@example.org", arm="feedback")


def test_calibration_training_pages_are_accessible_and_give_feedback(page, researcher):
    participant = _participant(researcher, "calibration")
    page.goto(participant_link_path(user=participant.user))
    page.goto(reverse("training:start"))
    expect(page.locator("h1")).to_have_text("Calibration training")
    expect(page.locator(".govuk-warning-text")).to_have_count(0)  # no researchers' note
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()
    assert_accessible(page)  # the lesson
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Check my answer").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("River Severn").check()
    page.get_by_label("70%").check()
    page.get_by_role("button", name="Check my answer").click()
    assert "That is right." in page.content()
    assert_accessible(page)
    do_module(participant)
    page.goto(reverse("training:results"))
    expect(page.locator("svg.cc-chart")).to_have_count(1)
    groups = page.locator("[data-calibration-table] tbody th").all_inner_texts()
    assert groups == ["50%", "60%", "70%", "80%", "90%", "100%"]
    assert_accessible(page)


def test_debiasing_check_question_page_is_accessible(page, researcher):
    participant = _participant(researcher, "debiasing")
    page.goto(participant_link_path(user=participant.user))
    page.goto(reverse("training:step", args=[1]))
    assert_accessible(page)
    page.get_by_label("About 50%, because it could go either way").check()
    page.get_by_role("button", name="Check my answer").click()
    assert "The right answer is" in page.content()
    assert_accessible(page)


def _staff_sign_in(page):
    page.goto("/accounts/sign-in/")
    page.get_by_label("Email address").fill("researcher@example.org")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/studies/"))


def test_staff_edit_errors_are_at_the_text_box_and_accessible(page, researcher):
    from casecast.training.models import TrainingModuleVersion

    study = build_study(by=researcher, title="Browser training edit")
    _staff_sign_in(page)
    page.goto(reverse("training:staff_edit", args=[study.slug, "calibration"]))
    assert TrainingModuleVersion.objects.filter(study=study).count() == 0  # the GET wrote nothing
    assert "Example content" in page.locator("[data-researcher-note]").inner_text()
    assert_accessible(page)
    page.get_by_label("Module content (YAML)").fill("title: x\nintro: y\nsteps: []\n")
    page.get_by_role("button", name="Save as a new version").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    link = summary.get_by_role("link", name="steps: must be a list with at least one step")
    assert link.get_attribute("href") == "#id_source_yaml"
    error = page.locator("#id_source_yaml-error")
    expect(error).to_contain_text("steps: must be a list with at least one step")
    assert_accessible(page)
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_source_yaml"
    assert TrainingModuleVersion.objects.filter(study=study).count() == 0
