"""What a part's questions say and how their errors are shown, through the test client."""

import uuid

import pytest
from casecast.forecasts.models import Forecast
from casecast.vignettes.models import Question
from django.test import Client
from django.urls import reverse

from .conftest import answers_for, stages_of, submit
from .page_support import attr, by_id, classes, find, find_all, page_tree, tag, text, with_class

pytestmark = pytest.mark.django_db


def _part(client: Client, assignment, number: int):
    return page_tree(client.get(reverse("forecasts:stage", args=[assignment.pk, number])).content)


def _post_part(client: Client, assignment, number: int, **overrides: str):
    stage = stages_of(assignment)[number - 1]
    data = {
        **answers_for(stage.questions.all()),
        **overrides,
        "idempotency_key": str(uuid.uuid4()),
    }
    return client.post(reverse("forecasts:stage", args=[assignment.pk, number]), data)


def _on_part_three(assignment) -> None:
    stages = stages_of(assignment)
    submit(assignment, stages[0])
    submit(assignment, stages[1])


def _hint_of(page, element_id: str) -> str:
    return text(by_id(page, element_id))


# --- Confidence in a decision: the hint and the options agree -----------------------------


def test_confidence_hint_matches_the_options_shown(participant_client, case_assignment):
    _on_part_three(case_assignment)
    decision = Question.objects.get(key="decision")
    page = _part(participant_client, case_assignment, 3)
    hint = _hint_of(page, f"q{decision.pk}-confidence-hint")
    assert hint == "1 means not at all confident and 5 means completely confident."
    labels = [text(label) for label in find_all(page, with_class("govuk-radios__label"))]
    assert "1 – Not at all confident" in labels
    assert "4 – Very confident" in labels
    assert "5 – Completely confident" in labels


def test_confidence_hint_follows_a_question_with_its_own_scale(participant_client, case_assignment):
    scale = ["Unsure", "A little sure", "Fairly sure", "Quite sure", "Sure"]
    Question.objects.filter(key="decision").update(confidence_scale=scale)
    _on_part_three(case_assignment)
    decision = Question.objects.get(key="decision")
    page = _part(participant_client, case_assignment, 3)
    assert _hint_of(page, f"q{decision.pk}-confidence-hint") == "1 means unsure and 5 means sure."
    labels = [text(label) for label in find_all(page, with_class("govuk-radios__label"))]
    assert "1 – Unsure" in labels and "5 – Sure" in labels


# --- The decision's link to a forecast question -------------------------------------------


@pytest.mark.parametrize(
    "question_text, sentence",
    [
        (
            "How likely is another referral within 3 months?",
            'This decision follows from your answer to "How likely is another referral '
            'within 3 months?" Choose',
        ),
        (
            "Give the chance of another referral within 3 months.",
            'This decision follows from your answer to "Give the chance of another referral '
            'within 3 months." Choose',
        ),
        (
            "Chance of another referral within 3 months",
            'This decision follows from your answer to "Chance of another referral '
            'within 3 months". Choose',
        ),
    ],
)
def test_decision_hint_names_the_forecast_it_follows_punctuated_once(
    participant_client, case_assignment, question_text, sentence
):
    Question.objects.filter(key="rereferral-3m-later").update(text=question_text)
    _on_part_three(case_assignment)
    decision = Question.objects.get(key="decision")
    hint = _hint_of(_part(participant_client, case_assignment, 3), f"q{decision.pk}-hint")
    assert hint == f"{sentence} the decision you would take if this were your case."
    for doubled in ('?".', '.".', "?.", ".."):
        assert doubled not in hint


# --- Percentages that do not add up: an error about the whole question --------------------


def test_total_error_belongs_to_the_question_fieldset(participant_client, case_assignment):
    choice = Question.objects.get(key="conference-outcome")
    prefix = f"q{choice.pk}"
    response = _post_part(
        participant_client,
        case_assignment,
        1,
        **{f"{prefix}-0": "80", f"{prefix}-1": "40", f"{prefix}-2": "40"},
    )
    assert response.status_code == 200
    page = page_tree(response.content)
    message = "The percentages add up to 160%. Change them so they add up to 100%."

    summary = find(page, with_class("govuk-error-summary"))
    links = [(attr(a, "href"), text(a)) for a in find_all(summary, tag("a"))]
    assert links == [(f"#{prefix}-0", f"Question 2: {message}")]

    inputs = [f"{prefix}-{i}" for i in range(3)]
    fieldset = find(
        page,
        lambda e: (
            e.name == "fieldset"
            and any(attr(i, "id") == inputs[0] for i in find_all(e, tag("input")))
        ),
    )
    group = find(page, lambda e: fieldset in e.children)
    assert "govuk-form-group--error" in classes(group)
    errors = find_all(fieldset, with_class("govuk-error-message"))
    assert [text(e) for e in errors] == [f"Error: {message}"]
    assert attr(errors[0], "id") in attr(fieldset, "aria-describedby").split()
    # Above the inputs: the message comes before the first input in the fieldset.
    order = [attr(e, "id") for e in find_all(fieldset, lambda e: e.name in ("p", "input"))]
    assert order.index(attr(errors[0], "id")) < order.index(inputs[0])
    # Every input of the question is marked, not the first one only.
    for input_id in inputs:
        assert "govuk-input--error" in classes(by_id(page, input_id))
    assert not Forecast.objects.exists()


def test_a_missing_option_is_still_named_with_its_option(participant_client, case_assignment):
    choice = Question.objects.get(key="conference-outcome")
    prefix = f"q{choice.pk}"
    response = _post_part(participant_client, case_assignment, 1, **{f"{prefix}-1": ""})
    page = page_tree(response.content)
    summary = find(page, with_class("govuk-error-summary"))
    links = [(attr(a, "href"), text(a)) for a in find_all(summary, tag("a"))]
    assert links == [
        (
            f"#{prefix}-1",
            "Question 2, Child in need plan: Enter a percentage for Child in need plan",
        )
    ]
    assert "govuk-input--error" in classes(by_id(page, f"{prefix}-1"))
    assert "govuk-input--error" not in classes(by_id(page, f"{prefix}-0"))


# --- Numbers: estimates may repeat but not go down ------------------------------------------


def test_a_count_of_0_0_3_is_accepted(participant_client, case_assignment):
    sessions = Question.objects.get(key="school-sessions")
    prefix = f"q{sessions.pk}"
    response = _post_part(
        participant_client,
        case_assignment,
        1,
        **{f"{prefix}-p5": "0", f"{prefix}-p50": "0", f"{prefix}-p95": "3"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("forecasts:stage", args=[case_assignment.pk, 2])
    saved = Forecast.objects.get(question=sessions)
    assert (saved.lower, saved.median, saved.upper) == (0, 0, 3)


def test_estimates_that_go_down_are_refused_with_a_clear_message(
    participant_client, case_assignment
):
    sessions = Question.objects.get(key="school-sessions")
    prefix = f"q{sessions.pk}"
    response = _post_part(
        participant_client,
        case_assignment,
        1,
        **{f"{prefix}-p5": "4", f"{prefix}-p50": "2", f"{prefix}-p95": "9"},
    )
    page = page_tree(response.content)
    summary = find(page, with_class("govuk-error-summary"))
    links = [(attr(a, "href"), text(a)) for a in find_all(summary, tag("a"))]
    assert links == [
        (
            f"#{prefix}-p50",
            "Question 3, Middle estimate: "
            "The middle estimate must be the same as or more than the low estimate",
        )
    ]
    hint = _hint_of(page, f"{prefix}-hint")
    assert hint.endswith("Each must be the same as or more than the one before.")
    assert not Forecast.objects.exists()
