"""Outcome feedback after a case, in plain words; "being calculated" until the score exists."""

import pytest
from casecast.feedback.demo import case_answer
from casecast.feedback.selectors import case_feedback
from casecast.forecasts.services import phase_start
from casecast.resolution.models import ForecastScore
from django.urls import reverse

from tests.feedback.page import feedback_cards
from tests.feedback_support import answer_phase, probability_pct


@pytest.mark.django_db
def test_each_question_says_what_they_said_what_happened_and_the_score(client, in_arm):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    assignment = participant.assignments.get()
    client.force_login(participant.user)
    page = client.get(reverse("feedback:case", args=[assignment.pk])).content.decode()
    # event-00 did not happen and was forecast at 30 - 5 = 25%: Brier 0.0625.
    card = feedback_cards(page)[0]
    assert card.question == "Will event 0 happen in twelve-a?"
    assert card.rows == {
        "Your answer": "You said 25%.",
        "What happened": "It did not happen.",
        "Your score": "0.06. Scores run from 0, perfect, to 1.",
    }
    assert "Refresh" not in page


@pytest.mark.django_db
def test_while_scoring_the_page_says_so_offers_refresh_and_the_json_reports_pending(client, in_arm):
    participant = in_arm("outcome")
    assignment = phase_start(
        participant=participant, phase=participant.study.phases.get(position=1)
    )[0]
    case_answer(assignment=assignment, probability_for=probability_pct)
    ForecastScore.objects.filter(participant=participant).delete()  # not scored yet
    client.force_login(participant.user)
    page = client.get(reverse("feedback:case", args=[assignment.pk])).content.decode()
    assert "Your score is being calculated" in page
    assert "Refresh</a>" in page
    assert "feedback/case-feedback.js" in page
    status_url = reverse("feedback:case_status", args=[assignment.pk])
    assert f'data-feedback-status-url="{status_url}"' in page
    data = client.get(status_url).json()
    assert data["pending"] is True
    assert {q["state"] for q in data["questions"]} == {"scoring"}

    from casecast.resolution.scoring_pipeline import score_submission

    score_submission(forecast_ids=list(participant.forecasts.values_list("pk", flat=True)))
    data = client.get(status_url).json()
    assert data["pending"] is False
    scores = [card.rows["Your score"] for card in feedback_cards(f"<main>{data['html']}</main>")]
    assert len(scores) == 12
    assert all("Scores run from 0, perfect, to 1." in score for score in scores)
    assert "Refresh" not in data["html"]


@pytest.mark.django_db
def test_control_arm_has_no_case_feedback(in_arm):
    participant = in_arm("control")
    answer_phase(participant, 1)
    assert case_feedback(participant=participant, assignment=participant.assignments.get()) is None


@pytest.mark.django_db
def test_feedback_home_lists_finished_cases_for_the_outcome_arm(client, in_arm):
    participant = in_arm("outcome")
    answer_phase(participant, 1)
    client.force_login(participant.user)
    page = client.get(reverse("feedback:home")).content.decode()
    assert "Case twelve-a" in page
    assert reverse("feedback:case", args=[participant.assignments.get().pk]) in page
