"""The service navigation shows each person only what they may use."""

import pytest
from django.urls import reverse


def _menu(client, user) -> str:
    client.force_login(user)
    html = client.get(reverse("core:privacy")).content.decode()
    return html[html.index('class="govuk-service-navigation"') : html.index("</nav>")]


@pytest.mark.django_db
def test_study_staff_see_their_studies(client, researcher, study):
    menu = _menu(client, researcher)
    assert "Your studies" in menu
    assert "Your cases" not in menu
    assert ">Home<" not in menu  # "Your studies" is their home: one link, not two


@pytest.mark.django_db
def test_a_control_participant_is_not_told_that_feedback_exists(client, participant_control):
    menu = _menu(client, participant_control.user)
    assert "Your cases" in menu
    assert ">Home<" not in menu  # "Your cases" is their home
    assert "Your feedback" not in menu


@pytest.mark.django_db
def test_a_participant_in_a_feedback_arm_sees_their_feedback(client, participant_feedback):
    menu = _menu(client, participant_feedback.user)
    assert "Your feedback" in menu
    assert reverse("feedback:home") in menu


@pytest.mark.django_db
def test_an_outsider_sees_only_sign_out(client, outsider):
    menu = _menu(client, outsider)
    assert "Your studies" not in menu
    assert "Your cases" not in menu
    assert ">Home<" in menu
    assert "Sign out" in menu


@pytest.mark.django_db
def test_staff_reach_second_factor_set_up_and_participants_do_not(client, researcher, participant):
    assert reverse("accounts:two_factor_setup") in _menu(client, researcher)
    assert reverse("accounts:two_factor_setup") not in _menu(client, participant.user)
