"""The post-randomisation phase stays locked until the arm's training module is complete."""

import pytest
from casecast.forecasts import selectors as journey
from casecast.training.selectors import training_complete
from django.urls import reverse

from tests.training.support import do_module


def _after_randomisation_state(participant):
    phase = participant.study.phases.get(randomise_before=True)
    return journey.phase_overview(participant=participant, phase=phase).state


@pytest.mark.django_db
@pytest.mark.parametrize("arm", ["calibration", "debiasing"])
def test_phase_after_randomisation_is_locked_until_training_is_complete(trainee, arm):
    participant = trainee(arm)
    assert training_complete(participant=participant) is False
    assert journey.training_complete(participant=participant) is False
    assert _after_randomisation_state(participant) == journey.PhaseState.TRAINING_REQUIRED
    do_module(participant)
    assert training_complete(participant=participant) is True
    assert journey.training_complete(participant=participant) is True
    assert _after_randomisation_state(participant) != journey.PhaseState.TRAINING_REQUIRED


@pytest.mark.django_db
def test_a_half_done_module_still_locks_the_phase(trainee):
    participant = trainee("calibration")
    from casecast.training import services

    attempt = services.training_start(participant=participant)
    services.training_step_record(attempt=attempt, step_key="how-it-works")
    assert training_complete(participant=participant) is False


@pytest.mark.django_db
def test_an_arm_without_training_is_never_locked(trainee, client):
    participant = trainee("control")
    assert training_complete(participant=participant) is True
    client.force_login(participant.user)
    assert client.get(reverse("training:start")).status_code == 404


@pytest.mark.django_db
def test_completion_in_another_module_does_not_count(trainee):
    from casecast.studies.models import Participant

    participant = trainee("calibration")
    do_module(participant)
    debiasing = participant.study.arms.get(key="debiasing")
    Participant.objects.filter(pk=participant.pk).update(arm=debiasing)
    participant.refresh_from_db()
    assert training_complete(participant=participant) is False
