"""What "Your cases" and "Case complete" tell a participant to do next, and that they agree.

"You have no cases to do right now" and "finished … for now" are said only when
nothing can be started or gone on with; otherwise the pages offer the next step.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from casecast.forecasts.models import Assignment
from casecast.studies.models import Arm
from django.test import Client
from django.test.html import Element
from django.urls import reverse

from .conftest import phase, plan, stages_of, start_case, submit
from .page_support import attr, by_id, find, find_all, page_tree, text, with_class

pytestmark = pytest.mark.django_db

NOTHING_TO_DO = "You have no cases to do right now."
FINISHED_FOR_NOW = "You have finished all the cases you can do for now."
RELEASE = datetime(2099, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def _client(participant) -> Client:
    client = Client()
    client.force_login(participant.user)
    return client


def _finish(assignment: Assignment) -> None:
    for stage in stages_of(assignment):
        submit(assignment, stage)


def _summary(client: Client) -> str:
    return text(by_id(page_tree(client.get(reverse("forecasts:tasks")).content), "cases-summary"))


class WhatNext:
    """The "What happens next" part of "Case complete": what it says, and where it leads."""

    def __init__(self, content: bytes) -> None:
        column = find(page_tree(content), with_class("govuk-grid-column-two-thirds"))
        elements = [c for c in column.children if isinstance(c, Element)]
        heading = next(i for i, e in enumerate(elements) if text(e) == "What happens next")
        self.elements = elements[heading + 1 :]
        self.text = " ".join(text(e) for e in self.elements)

    def actions(self) -> list[tuple[str, str, str]]:
        """(tag, words, where it goes) for each link, button and form, in page order."""
        found = []
        for top in self.elements:
            for element in find_all(top, lambda e: e.name in ("a", "button", "form")):
                where = attr(element, "href") or attr(element, "action")
                words = "" if element.name == "form" else text(element)
                found.append((element.name, words, where))
        return found


def _what_next(client: Client, assignment: Assignment) -> WhatNext:
    return WhatNext(client.get(reverse("forecasts:complete", args=[assignment.pk])).content)


# --- "Your cases" --------------------------------------------------------------------


def test_straight_after_about_you_the_ready_cases_are_counted(
    journey_study, more_vignettes, participant_ready
):
    plan(phase(journey_study, 1), more_vignettes[0])  # "Baseline cases": 2 cases
    client = _client(participant_ready)
    page = client.get(reverse("forecasts:tasks")).content.decode()
    assert NOTHING_TO_DO not in page
    assert _summary(client) == "You have 2 cases to do."
    assert "Start these cases" in page and "2 cases." in page


def test_counting_goes_on_once_cases_are_started(journey_study, participant_ready):
    assignment = start_case(participant_ready, journey_study)
    client = _client(participant_ready)
    client.get(reverse("forecasts:stage", args=[assignment.pk, 1]))
    assert _summary(client) == "You have 1 case to do, 1 started."


def test_training_that_must_come_first_is_named_not_nothing_to_do(
    journey_study, staged_vignette, participant_control
):
    Arm.objects.filter(study=journey_study).update(training_module="calibration-basics")
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    _finish(start_case(participant_control, journey_study))
    client = _client(participant_control)
    assert _summary(client) == "Complete your training before you start your next cases."


def test_nothing_to_do_says_when_more_cases_come(
    journey_study, staged_vignette, participant_control
):
    second = phase(journey_study, 2)
    plan(second, staged_vignette, is_retest=True)
    second.opens_at = RELEASE
    second.save()
    _finish(start_case(participant_control, journey_study))
    assert _summary(_client(participant_control)) == (
        "You have no cases to do right now. More cases will be available from 3 March 2099."
    )


def test_everything_done_says_so(journey_study, participant_control):
    _finish(start_case(participant_control, journey_study))  # phase 2 has nothing for them
    assert _summary(_client(participant_control)) == (
        "You have finished all the cases in this study."
    )


# --- "Case complete" -----------------------------------------------------------------


def test_after_the_last_baseline_case_the_next_set_can_be_started(
    journey_study, staged_vignette, participant_ready
):
    second = phase(journey_study, 2)
    plan(second, staged_vignette, is_retest=True)
    assignment = start_case(participant_ready, journey_study)
    _finish(assignment)
    client = _client(participant_ready)
    what_next = _what_next(client, assignment)
    assert "finished all the cases" not in what_next.text
    assert "Your next set of cases is ready: 1 case." in what_next.text
    start = reverse("forecasts:phase_start", args=[second.pk])
    assert what_next.actions()[:2] == [
        ("form", "", start),
        ("button", "Start the next set of cases", ""),
    ]

    response = client.post(start)
    following = Assignment.objects.get(participant=participant_ready, phase=second)
    assert response["Location"] == reverse("forecasts:case", args=[following.pk])


def test_when_the_next_set_waits_for_training_the_training_is_offered(
    journey_study, staged_vignette, participant_control
):
    Arm.objects.filter(study=journey_study).update(training_module="calibration-basics")
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    assignment = start_case(participant_control, journey_study)
    _finish(assignment)
    what_next = _what_next(_client(participant_control), assignment)
    assert "finished all the cases" not in what_next.text
    assert "you need to complete a short training module" in what_next.text
    assert what_next.actions()[0] == ("a", "Start your training", reverse("training:start"))
    assert "Start the next set of cases" not in what_next.text


def test_finished_for_now_only_when_true_and_says_when_more_come(
    journey_study, staged_vignette, participant_control
):
    second = phase(journey_study, 2)
    plan(second, staged_vignette, is_retest=True)
    second.opens_at = RELEASE
    second.save()
    assignment = start_case(participant_control, journey_study)
    _finish(assignment)
    what_next = _what_next(_client(participant_control), assignment)
    assert what_next.text.startswith(
        f"{FINISHED_FOR_NOW} More cases will be available from 3 March 2099."
    )
    assert what_next.actions() == [("a", "Go to your cases", reverse("forecasts:tasks"))]


def test_after_the_very_last_case_the_page_says_all_are_finished(
    journey_study, participant_control
):
    assignment = start_case(participant_control, journey_study)
    _finish(assignment)
    what_next = _what_next(_client(participant_control), assignment)
    assert what_next.text.startswith("You have finished all the cases in this study.")
    assert FINISHED_FOR_NOW not in what_next.text
    assert what_next.actions() == [("a", "Go to your cases", reverse("forecasts:tasks"))]


def test_with_more_cases_in_the_same_set_the_next_case_is_offered(
    journey_study, more_vignettes, participant_ready
):
    plan(phase(journey_study, 1), more_vignettes[0])
    first = start_case(participant_ready, journey_study)
    _finish(first)
    second = Assignment.objects.get(participant=participant_ready, position=1)
    what_next = _what_next(_client(participant_ready), first)
    assert what_next.text.startswith("You have 1 more case to do.")
    assert what_next.actions()[0] == (
        "a",
        "Start the next case",
        reverse("forecasts:case", args=[second.pk]),
    )
    assert "Start the next set of cases" not in what_next.text


def test_before_randomisation_a_count_that_depends_on_the_arm_is_not_stated(
    journey_study, more_vignettes, participant_ready
):
    # Phase 2 randomises first: one case for everyone, one for the feedback arm only.
    feedback = Arm.objects.get(study=journey_study, key="feedback")
    plan(phase(journey_study, 2), more_vignettes[0])
    plan(phase(journey_study, 2), more_vignettes[1], arm=feedback)
    first = start_case(participant_ready, journey_study)
    _finish(first)
    client = _client(participant_ready)
    assert _summary(client) == "You have new cases to start."
    tasks = client.get(reverse("forecasts:tasks")).content.decode()
    assert "Start these cases" in tasks and "1 case." not in tasks
    what_next = _what_next(client, first)
    assert "Your next set of cases is ready." in what_next.text
    assert "ready: 1 case" not in what_next.text
