"""Which vignettes each phase delivers: order, arm, retests."""

from __future__ import annotations

import pytest
from casecast.forecasts.models import Assignment
from casecast.studies.models import Participant
from casecast.vignettes.models import PhaseVignette
from casecast.vignettes.services import phase_plan_set, phase_vignettes_set
from django.core.exceptions import ValidationError

from tests.fixtures_vignettes import make_staged_vignette


@pytest.fixture
def bank(draft_study):
    for key in ("case-a", "case-b", "case-c"):
        make_staged_vignette(study=draft_study, key=key)
    return draft_study


def phase(study, position):
    return study.phases.get(position=position)


def rows(study):
    return list(
        PhaseVignette.objects.filter(phase__study=study).values_list(
            "phase__position", "vignette__key", "arm__key", "position", "is_retest"
        )
    )


def test_sets_vignettes_in_order_for_everyone_and_for_one_arm(bank):
    feedback = bank.arms.get(key="feedback")

    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-b", "case-a"])
    phase_vignettes_set(phase=phase(bank, 2), vignette_keys=["case-c"], arm=feedback)

    assert rows(bank) == [
        (1, "case-b", None, 1, False),
        (1, "case-a", None, 2, False),
        (2, "case-c", "feedback", 1, False),
    ]


def test_retest_must_have_been_delivered_in_an_earlier_phase(bank):
    with pytest.raises(ValidationError, match="no earlier phase delivers it"):
        phase_vignettes_set(phase=phase(bank, 2), vignette_keys=["case-a"], retest_keys=["case-a"])

    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a"])
    phase_vignettes_set(phase=phase(bank, 2), vignette_keys=["case-a"], retest_keys=["case-a"])

    assert rows(bank)[-1] == (2, "case-a", None, 1, True)


def test_repeating_an_earlier_vignette_must_be_marked_as_a_retest(bank):
    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a"])

    with pytest.raises(ValidationError, match="mark it as a retest"):
        phase_vignettes_set(phase=phase(bank, 2), vignette_keys=["case-a"])


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["nope"], "No vignette 'nope'"),
        (["case-a", "case-a"], "listed twice"),
    ],
)
def test_unknown_or_repeated_keys_are_refused(bank, keys, message):
    with pytest.raises(ValidationError, match=message):
        phase_vignettes_set(phase=phase(bank, 1), vignette_keys=keys)
    assert rows(bank) == []


def test_a_vignette_goes_to_everyone_or_to_arms_not_both(bank):
    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a"])

    with pytest.raises(ValidationError, match="already delivered to everyone"):
        phase_vignettes_set(
            phase=phase(bank, 1), vignette_keys=["case-a"], arm=bank.arms.get(key="control")
        )


def test_plan_is_frozen_once_participants_have_the_phase(bank):
    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a"])
    participant = Participant.objects.create(study=bank, council=bank.councils.first())
    Assignment.objects.create(
        participant=participant,
        phase=phase(bank, 1),
        vignette_version=bank.vignettes.get(key="case-a").current_version(),
        position=1,
    )

    phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a"])  # unchanged: fine
    with pytest.raises(ValidationError, match="can no longer change"):
        phase_vignettes_set(phase=phase(bank, 1), vignette_keys=["case-a", "case-b"])


def test_phase_plan_set_moves_a_vignette_between_groups(bank):
    control = bank.arms.get(key="control")
    phase_plan_set(phase=phase(bank, 1), plan={None: [("case-a", False)], control: []})

    phase_plan_set(
        phase=phase(bank, 1), plan={None: [("case-b", False)], control: [("case-a", False)]}
    )

    assert set(rows(bank)) == {(1, "case-a", "control", 1, False), (1, "case-b", None, 1, False)}
