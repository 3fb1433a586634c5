"""The calibration exercise: 20+ two-answer questions, immediate feedback, Brier and a chart."""

import pytest
from casecast.training import selectors, services
from casecast.training.content import CONFIDENCE, MIN_CALIBRATION_QUESTIONS
from django.urls import reverse

from tests.training.support import do_module


@pytest.mark.django_db
def test_the_bundled_exercise_has_at_least_20_confidence_questions(trainee):
    attempt = services.training_start(participant=trainee("calibration"))
    assert len(attempt.version.module.confidence_steps) >= MIN_CALIBRATION_QUESTIONS


@pytest.mark.django_db
def test_brier_is_the_mean_squared_gap_between_confidence_and_being_right(trainee):
    participant = trainee("calibration")
    # Alternate right at 90% and wrong at 60%.
    attempt = do_module(
        participant, right=lambda i: i % 2 == 1, confidence=lambda i: 90 if i % 2 == 1 else 60
    )
    result = selectors.exercise_result(progress=selectors.attempt_progress(attempt=attempt))
    expected = [(0.1**2 if r.correct else 0.6**2) for r in attempt.steps.exclude(confidence=None)]
    assert result.n == len(expected) >= 20
    assert result.brier == pytest.approx(sum(expected) / len(expected))


@pytest.mark.django_db
def test_each_answer_gets_immediate_feedback_with_the_right_answer(client, trainee):
    participant = trainee("calibration")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    client.post(reverse("training:step", args=[1]))  # the lesson
    attempt = selectors.attempt_for(participant=participant)
    step = attempt.version.module.steps[1]
    assert step.type == CONFIDENCE
    wrong = 1 - step.correct
    response = client.post(
        reverse("training:step", args=[2]), {"answer": str(wrong), "confidence": "90"}, follow=True
    )
    page = response.content.decode()
    assert "Not quite" in page
    assert f"The right answer is “{step.options[step.correct]}”" in page
    assert "90% sure" in page
    assert step.explanation in page


@pytest.mark.django_db
def test_missing_confidence_is_an_error_and_nothing_is_recorded(client, trainee):
    participant = trainee("calibration")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    client.post(reverse("training:step", args=[1]))
    page = client.post(reverse("training:step", args=[2]), {"answer": "0"}).content.decode()
    assert "There is a problem" in page
    assert "Choose how sure you are" in page
    assert selectors.attempt_for(participant=participant).steps.count() == 1


@pytest.mark.django_db
def test_steps_cannot_be_skipped_or_answered_twice(client, trainee):
    participant = trainee("calibration")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    response = client.get(reverse("training:step", args=[5]))
    assert response.status_code == 302 and response.url == reverse("training:step", args=[1])
    attempt = selectors.attempt_for(participant=participant)
    with pytest.raises(services.TrainingError):
        services.training_step_record(attempt=attempt, step_key="rivers", choice=1, confidence=80)
    services.training_step_record(attempt=attempt, step_key="how-it-works")
    first = services.training_step_record(
        attempt=attempt, step_key="rivers", choice=0, confidence=50
    )
    again = services.training_step_record(
        attempt=attempt, step_key="rivers", choice=1, confidence=100
    )
    assert again.pk == first.pk and again.choice == 0


@pytest.mark.django_db
def test_results_page_shows_brier_and_a_chart_with_its_table(client, trainee):
    participant = trainee("calibration")
    do_module(participant, right=lambda i: i % 3 != 0, confidence=lambda i: 90)
    client.force_login(participant.user)
    page = client.get(reverse("training:results")).content.decode()
    assert "Training complete" in page
    assert "Your Brier score" in page
    assert "<svg" in page
    assert "data-calibration-table" in page
    assert "You were over-confident" in page
