"""Who may open which page, and what the pages show through the test client."""

import uuid

import pytest
from casecast.forecasts.models import Assignment, Forecast
from casecast.studies.models import Arm
from casecast.studies.services import consent_save
from django.test import Client
from django.urls import reverse

from .conftest import answers_for, stages_of, start_case, submit

pytestmark = pytest.mark.django_db


def _urls(assignment):
    return [
        ("get", reverse("forecasts:case", args=[assignment.pk])),
        ("get", reverse("forecasts:stage", args=[assignment.pk, 1])),
        ("post", reverse("forecasts:stage", args=[assignment.pk, 1])),
        ("post", reverse("forecasts:draft", args=[assignment.pk, 1])),
        ("get", reverse("forecasts:complete", args=[assignment.pk])),
    ]


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_another_participant_gets_404_on_every_case_url(
    case_assignment, journey_study, make_participant
):
    someone_else = make_participant(study=journey_study, email="nosy@example.org", stage="baseline")
    start_case(someone_else, journey_study)
    client = _client_for(someone_else.user)
    for method, url in _urls(case_assignment):
        assert getattr(client, method)(url).status_code == 404, url
    assert not Forecast.objects.exists()


def test_participant_in_another_study_gets_404(case_assignment, participant_other_study):
    client = _client_for(participant_other_study.user)
    for method, url in _urls(case_assignment):
        assert getattr(client, method)(url).status_code == 404, url


def test_study_staff_cannot_submit_or_see_cases(case_assignment, study_researcher):
    client = _client_for(study_researcher)
    stage = stages_of(case_assignment)[0]
    data = {**answers_for(stage.questions.all()), "idempotency_key": str(uuid.uuid4())}
    response = client.post(reverse("forecasts:stage", args=[case_assignment.pk, 1]), data)
    assert response.status_code == 404
    assert client.get(reverse("forecasts:tasks")).status_code == 404
    assert not Forecast.objects.exists()


def test_anonymous_visitors_are_sent_to_get_a_new_link(case_assignment):
    """Participants sign in by link, so a case page without a session (an expired
    session, a bookmarked case) offers a new link, not the staff password form."""
    client = Client()
    for method, url in _urls(case_assignment):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("accounts:request_link")
        ), url
    assert not Forecast.objects.exists()
    response = client.get(reverse("forecasts:tasks"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:request_link"))


def test_participant_without_consent_is_sent_to_consent(journey_study, make_participant):
    person = make_participant(study=journey_study, email="early@example.org", stage="invited")
    response = _client_for(person.user).get(reverse("forecasts:tasks"))
    assert response.status_code == 302
    assert response["Location"] == reverse("studies:consent", kwargs={"slug": journey_study.slug})


def test_task_list_shows_counts_and_the_start_button(participant_client, journey_study):
    page = participant_client.get(reverse("forecasts:tasks")).content.decode()
    assert "Start these cases" in page and "1 case." in page
    response = participant_client.post(
        reverse("forecasts:phase_start", args=[journey_study.phases.get(position=1).pk]),
        follow=True,
    )
    assignment = Assignment.objects.get()
    assert response.redirect_chain[-1][0] == reverse("forecasts:stage", args=[assignment.pk, 1])
    page = participant_client.get(reverse("forecasts:tasks")).content.decode()
    assert "You have 1 case to do, 1 started." in page
    assert "govuk-task-list" in page and "In progress" in page


def test_stage_page_shows_progress_and_plain_probability_inputs(
    participant_client, case_assignment
):
    page = participant_client.get(
        reverse("forecasts:stage", args=[case_assignment.pk, 1])
    ).content.decode()
    assert "Case 1 of 1 · Part 1 of 3" in page
    assert 'inputmode="numeric"' in page and 'type="number"' not in page
    assert 'type="range"' not in page  # the slider is added by journey.js only
    assert "After that they are locked so that what you learn later" in page
    assert "In similar cases" not in page  # this participant's arm is not known / shows none


def test_base_rate_shown_only_to_arms_that_show_them(journey_study, make_participant):
    Arm.objects.filter(key="feedback").update(shows_base_rates=True)
    pages = {}
    for arm in ("control", "feedback"):
        person = make_participant(study=journey_study, email=f"{arm}@example.org", arm=arm)
        assignment = start_case(person, journey_study)
        url = reverse("forecasts:stage", args=[assignment.pk, 1])
        pages[arm] = _client_for(person.user).get(url).content.decode()
    assert "In similar cases, about 30% had this outcome." in pages["feedback"]
    assert "In similar cases" not in pages["control"]


def test_error_summary_names_each_field(participant_client, case_assignment):
    stage = stages_of(case_assignment)[0]
    choice = stage.questions.get(kind="multiple_choice")
    binary = stage.questions.get(kind="binary")
    data = {
        **answers_for(stage.questions.all()),
        f"q{binary.pk}": "0",
        f"q{choice.pk}-0": "10",
        f"q{choice.pk}-1": "10",
        f"q{choice.pk}-2": "10",
        "idempotency_key": str(uuid.uuid4()),
    }
    response = participant_client.post(
        reverse("forecasts:stage", args=[case_assignment.pk, 1]), data
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Case 1 of 1" in page
    assert "There is a problem" in page
    assert f'href="#q{binary.pk}">Question 1: Enter a whole number between 1 and 99.' in page
    assert f'href="#q{choice.pk}-0">Question 2: The percentages add up to 30%.' in page
    assert not Forecast.objects.exists()


def test_double_submit_writes_once_and_both_go_to_the_next_part(
    participant_client, case_assignment
):
    stage = stages_of(case_assignment)[0]
    data = {**answers_for(stage.questions.all()), "idempotency_key": str(uuid.uuid4())}
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    first = participant_client.post(url, data)
    second = participant_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"]
        == second["Location"]
        == reverse("forecasts:stage", args=[case_assignment.pk, 2])
    )
    assert Forecast.objects.count() == 3


def test_locked_part_is_read_only_and_cannot_be_changed(participant_client, case_assignment):
    stage = stages_of(case_assignment)[0]
    submit(case_assignment, stage)
    url = reverse("forecasts:stage", args=[case_assignment.pk, 1])
    page = participant_client.get(url).content.decode()
    assert "your answers are locked" in page and "<form" not in page.split("<main")[1]
    assert "35%" in page
    data = {**answers_for(stage.questions.all()), "idempotency_key": str(uuid.uuid4())}
    binary = stage.questions.get(kind="binary")
    data[f"q{binary.pk}"] = "80"
    response = participant_client.post(url, data, follow=True)
    assert "already submitted this part" in response.content.decode()
    assert Forecast.objects.get(question=binary).probability_pct == 35


def test_later_parts_wait_for_earlier_ones(participant_client, case_assignment):
    response = participant_client.get(reverse("forecasts:stage", args=[case_assignment.pk, 3]))
    assert response["Location"] == reverse("forecasts:stage", args=[case_assignment.pk, 1])
    assert (
        participant_client.get(reverse("forecasts:stage", args=[case_assignment.pk, 9])).status_code
        == 404
    )


def test_later_part_shows_the_participants_own_earlier_answer(participant_client, case_assignment):
    stages = stages_of(case_assignment)
    submit(case_assignment, stages[0])
    submit(case_assignment, stages[1])
    page = participant_client.get(
        reverse("forecasts:stage", args=[case_assignment.pk, 3])
    ).content.decode()
    assert "Earlier in this case you answered: <strong>35%</strong>" in page


def test_case_complete_page_after_the_last_part(participant_client, case_assignment):
    for stage in stages_of(case_assignment):
        submit(case_assignment, stage)
    response = participant_client.get(
        reverse("forecasts:case", args=[case_assignment.pk]), follow=True
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse(
        "forecasts:complete", args=[case_assignment.pk]
    )
    assert "Case complete" in page and "What happens next" in page


def test_case_pages_wait_for_agreement_to_changed_study_information(
    journey_study, make_participant, client
):
    person = make_participant(study=journey_study, email="reconsent@example.org", arm="control")
    assignment = start_case(person, journey_study)
    consent_save(study=journey_study, text="Changed information.", by=None, require_reconsent=True)
    client.force_login(person.user)
    for url in (
        reverse("forecasts:stage", args=[assignment.pk, 1]),
        reverse("forecasts:complete", args=[assignment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("studies:consent", args=[journey_study.slug])
