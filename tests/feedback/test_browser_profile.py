"""The judgement profile page in a real browser: axe-clean and readable at 320px."""

import pytest
from casecast.accounts.links import participant_link_path
from casecast.studies import services
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser_support import assert_accessible, assert_no_horizontal_scroll
from tests.feedback_support import answer_phase, build_feedback_study
from tests.fixtures_studies import create_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_judgement_profile_page_has_no_wcag_22_aa_violations(page, researcher):
    study = build_feedback_study(by=researcher, timing="immediately")
    services.arm_save(
        study=study,
        arm=study.arms.get(key="profile"),
        by=researcher,
        reason="test",
        feedback_policies=["profile", "peer"],
    )
    participant = create_participant(study=study, email="me@example.org", arm="profile")
    answer_phase(participant, 1)
    for n in range(4):
        peer = create_participant(study=study, email=f"peer{n}@example.org", arm="control")
        answer_phase(peer, 1, probability_for=lambda q, n=n: 40 + 10 * n)
    page.goto(participant_link_path(user=participant.user))
    page.goto(reverse("feedback:profile"))
    expect(page.locator("h1")).to_have_text("Your judgement profile")
    expect(page.locator("svg.cc-chart")).to_have_count(1)
    expect(page.locator("[data-profile-table] tbody tr")).to_have_count(2)
    expect(page.locator("[data-profile-findings] li")).to_have_count(3)
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
