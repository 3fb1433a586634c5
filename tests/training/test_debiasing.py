"""Cognitive debiasing: short pages, each with a check question and an explanation."""

import pytest
from casecast.training import selectors, services
from django.urls import reverse

TOPICS = ("base rate", "explanation", "anchor", "confirmation bias")


@pytest.mark.django_db
def test_the_module_covers_each_topic_with_a_check_question(trainee):
    attempt = services.training_start(participant=trainee("debiasing"))
    steps = attempt.version.module.steps
    text = " ".join(f"{s.title} {s.body}".lower() for s in steps)
    for topic in TOPICS:
        assert topic in text
    assert all(step.check is not None and step.check.explanation for step in steps)


@pytest.mark.django_db
@pytest.mark.parametrize("right", [True, False])
def test_a_check_answer_shows_whether_it_was_right_and_explains(client, trainee, right):
    participant = trainee("debiasing")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    step = selectors.attempt_for(participant=participant).version.module.steps[0]
    choice = step.check.correct if right else (step.check.correct + 1) % len(step.check.options)
    page = client.post(
        reverse("training:step", args=[1]), {"answer": str(choice)}, follow=True
    ).content.decode()
    assert ("That is right." in page) is right
    assert ("The right answer is" in page) is not right
    assert step.check.explanation.split(".")[0] in page


@pytest.mark.django_db
def test_finishing_every_page_completes_the_module_and_records_answers(client, trainee):
    participant = trainee("debiasing")
    client.force_login(participant.user)
    client.post(reverse("training:start"))
    for number in range(1, 5):
        client.post(reverse("training:step", args=[number]), {"answer": "0"})
    attempt = selectors.attempt_for(participant=participant)
    assert attempt.completed_at is not None
    assert attempt.steps.count() == 4
    page = client.get(reverse("training:results")).content.decode()
    assert "Your answers" in page
