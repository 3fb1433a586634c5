"""A training module in a real browser, by keyboard and mouse: axe-clean at every kind of page."""

import pytest
from casecast.studies import services
from casecast.studies.models import Study
from django.urls import reverse
from sesame.utils import get_query_string

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
    page.goto(reverse("accounts:link") + get_query_string(participant.user))
    page.goto(reverse("training:start"))
    assert page.locator("h1").inner_text() == "Calibration training"
    assert_accessible(page)
    page.get_by_role("button", name="Start now").click()
    assert_accessible(page)  # the lesson
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Check my answer").click()  # nothing chosen
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("River Severn").check()
    page.get_by_label("70%").check()
    page.get_by_role("button", name="Check my answer").click()
    assert "That is right." in page.content()
    assert_accessible(page)
    do_module(participant)
    page.goto(reverse("training:results"))
    assert page.locator("svg.cc-chart").count() == 1
    assert_accessible(page)


def test_debiasing_check_question_page_is_accessible(page, researcher):
    participant = _participant(researcher, "debiasing")
    page.goto(reverse("accounts:link") + get_query_string(participant.user))
    page.goto(reverse("training:step", args=[1]))
    assert_accessible(page)
    page.get_by_label("About 50%, because it could go either way").check()
    page.get_by_role("button", name="Check my answer").click()
    assert "The right answer is" in page.content()
    assert_accessible(page)
