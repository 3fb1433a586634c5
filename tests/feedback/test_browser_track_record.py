"""The track-record and case feedback pages in a real browser: axe-clean, readable."""

import pytest
from casecast.accounts.links import participant_link_path
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.feedback_support import answer_phase, build_feedback_study
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, user):
    page.goto(participant_link_path(user=user))


def test_track_record_page_has_no_wcag_22_aa_violations(page, researcher):
    study = build_feedback_study(by=researcher)
    participant = create_participant(study=study, email="cal@example.org", arm="calibration")
    answer_phase(participant, 1)
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:track_record"))
    expect(page.locator("h1")).to_have_text("Your track record")
    expect(page.locator("svg.cc-chart")).to_have_count(1)
    expect(page.locator("[data-calibration-table] tbody tr")).to_have_count(5)
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)


def test_case_feedback_page_has_no_wcag_22_aa_violations(page, researcher):
    study = build_feedback_study(by=researcher, timing="immediately")
    participant = create_participant(study=study, email="out@example.org", arm="outcome")
    answer_phase(participant, 1)
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:case", args=[participant.assignments.get().pk]))
    first = page.locator(".govuk-summary-card").first
    assert first.locator(".govuk-summary-list__value").nth(2).inner_text().startswith("0.06. ")
    assert_accessible(page)


def test_case_feedback_updates_in_place_when_the_score_arrives(page, researcher):
    from casecast.feedback.demo import case_answer
    from casecast.forecasts.services import phase_start
    from casecast.resolution.models import ForecastScore
    from casecast.resolution.scoring_pipeline import score_submission

    from tests.feedback_support import probability_pct

    study = build_feedback_study(by=researcher, timing="immediately")
    participant = create_participant(study=study, email="live@example.org", arm="outcome")
    assignment = phase_start(participant=participant, phase=study.phases.get(position=1))[0]
    case_answer(assignment=assignment, probability_for=probability_pct)
    ForecastScore.objects.filter(participant=participant).delete()  # as if the worker is busy
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:case", args=[assignment.pk]))
    assert page.get_by_text("Your score is being calculated").count() == 12
    expect(page.get_by_role("link", name="Refresh")).not_to_be_visible()  # the script polls instead

    score_submission(forecast_ids=list(participant.forecasts.values_list("pk", flat=True)))

    # No reload: the script's next poll swaps the block and announces it.
    page.get_by_text("Your scores are ready.").wait_for(timeout=15_000)
    assert page.get_by_text("Your score is being calculated").count() == 0
    assert page.get_by_text("Scores run from 0, perfect, to 1.").count() == 12
    assert "You said 25%." in page.content()
    assert_accessible(page)


def test_track_record_numbers_open_from_details_and_stay_accessible(page, researcher):
    study = build_feedback_study(by=researcher)
    participant = create_participant(study=study, email="num@example.org", arm="calibration")
    answer_phase(participant, 1)
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:track_record"))
    findings = page.locator("[data-track-record-findings]").inner_text()
    assert "Your overall score is" in findings
    assert "AUC" not in findings and "reliability" not in findings.lower()
    numbers = page.locator("[data-track-record-numbers]")
    expect(numbers.get_by_text("Reliability", exact=True)).not_to_be_visible()
    numbers.get_by_text("The numbers behind this").click()
    expect(numbers.get_by_text("Reliability", exact=True)).to_be_visible()
    expect(numbers.get_by_text("AUC", exact=True)).to_be_visible()
    assert_accessible(page)


def test_case_feedback_with_parts_and_ranges_is_accessible(page, researcher):
    from casecast.vignettes.services import phase_vignettes_set

    from tests.feedback.test_case_feedback_wording import _answer
    from tests.fixtures_vignettes import make_staged_vignette

    study = build_feedback_study(by=researcher, title="Staged browser")
    make_staged_vignette(study=study)
    phase_vignettes_set(phase=study.phases.get(position=1), vignette_keys=["staged-case"])
    participant = create_participant(study=study, email="parts@example.org", arm="outcome")
    assignment = _answer(participant, {"missed-days": ("8", "20")})
    _sign_in(page, participant.user)
    page.goto(reverse("feedback:case", args=[assignment.pk]))
    titles = page.locator(".govuk-summary-card__title").all_inner_texts()
    assert titles[-1].startswith("Updated in part 3")
    assert titles[0].startswith("Part 1")
    assert page.get_by_text("That is outside your range (8 to 20): 2 days below it.").count() == 1
    assert_accessible(page)
