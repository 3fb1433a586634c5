"""Which cases a participant gets, in which order, and when a phase opens."""

from collections import Counter
from datetime import timedelta
from itertools import pairwise

import pytest
from casecast.forecasts import delivery, selectors, services
from casecast.forecasts.delivery import PlanItem
from casecast.forecasts.models import Assignment
from casecast.forecasts.selectors import PhaseState
from casecast.studies.models import Arm
from casecast.vignettes.models import VignetteVersion
from django.utils import timezone

from .conftest import phase, plan, stages_of, start_case, submit

ITEMS = [PlanItem(vignette_id=v, position=p) for p, v in enumerate([11, 12, 13, 14])]


def order_ids(**kwargs):
    arguments = dict(
        ordering="fixed", arm_id=None, seed="s", participant_id=1, phase_id=1, sequence=0
    )
    arguments.update(kwargs)
    return [item.vignette_id for item in delivery.phase_order(ITEMS, **arguments)]


# --- Pure ordering ---------------------------------------------------------------


def test_fixed_order_follows_the_plan_positions():
    shuffled = [ITEMS[2], ITEMS[0], ITEMS[3], ITEMS[1]]
    assert [i.vignette_id for i in delivery.items_for_arm(shuffled, arm_id=None)] == [
        11,
        12,
        13,
        14,
    ]


def test_random_order_is_fixed_per_participant_and_differs_between_them():
    first = order_ids(ordering="random", participant_id=7)
    assert first == order_ids(ordering="random", participant_id=7)
    assert sorted(first) == [11, 12, 13, 14]
    orders = {tuple(order_ids(ordering="random", participant_id=p)) for p in range(60)}
    assert len(orders) > 10
    assert order_ids(ordering="random", participant_id=7, seed="other") != first or (
        order_ids(ordering="random", participant_id=8, seed="other")
        != order_ids(ordering="random", participant_id=8)
    )


def test_random_order_is_balanced_over_many_participants():
    firsts = Counter(order_ids(ordering="random", participant_id=p)[0] for p in range(4000))
    assert set(firsts) == {11, 12, 13, 14}
    assert all(850 < count < 1150 for count in firsts.values()), firsts


def test_random_order_never_exposes_the_seed():
    items = delivery.random_order(ITEMS, seed="very-secret", participant_id=1, phase_id=1)
    assert "very-secret" not in repr(items)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8])
def test_williams_square_balances_positions_and_carry_over(n):
    rows = delivery.williams_rows(n)
    assert len(rows) == (n if n % 2 == 0 else 2 * n)
    for row in rows:
        assert sorted(row) == list(range(n))
    for position in range(n):
        counts = Counter(row[position] for row in rows)
        assert len(set(counts.values())) == 1 and len(counts) == n
    followers = Counter(pair for row in rows for pair in pairwise(row))
    assert len(followers) == n * (n - 1) and len(set(followers.values())) == 1


def test_latin_square_rows_go_by_participant_sequence():
    rows = [order_ids(ordering="latin_square", sequence=s) for s in range(5)]
    assert rows[0] == [11, 12, 14, 13]
    assert rows[4] == rows[0]
    assert len({tuple(r) for r in rows[:4]}) == 4


def test_arm_specific_items_only_for_that_arm():
    items = [PlanItem(1, 0), PlanItem(2, 1, arm_id=10), PlanItem(3, 2, arm_id=20)]
    assert [i.vignette_id for i in delivery.items_for_arm(items, arm_id=10)] == [1, 2]
    assert [i.vignette_id for i in delivery.items_for_arm(items, arm_id=None)] == [1]


# --- Starting phases ------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


def _finish(assignment: Assignment) -> None:
    for stage in stages_of(assignment):
        submit(assignment, stage)


@pytestmark_db
def test_phase_start_pins_the_current_version_and_is_idempotent(journey_study, participant_ready):
    assignments = services.phase_start(participant=participant_ready, phase=phase(journey_study, 1))
    again = services.phase_start(participant=participant_ready, phase=phase(journey_study, 1))
    assert [a.pk for a in assignments] == [a.pk for a in again]
    vignette = assignments[0].vignette_version.vignette
    VignetteVersion.objects.create(vignette=vignette, number=2, title="Changed later")
    assignments[0].refresh_from_db()
    assert assignments[0].vignette_version.number == 1


@pytestmark_db
def test_random_ordering_in_the_database_is_a_permutation(
    journey_study, more_vignettes, make_participant
):
    first = phase(journey_study, 1)
    plan(first, *more_vignettes)
    first.ordering = "random"
    first.save()
    orders = set()
    for n in range(4):
        person = make_participant(study=journey_study, email=f"r{n}@example.org", stage="baseline")
        assignments = services.phase_start(participant=person, phase=first)
        assert [a.position for a in assignments] == [0, 1, 2, 3]
        orders.add(tuple(a.vignette_version.vignette_id for a in assignments))
    assert len(orders) > 1


@pytestmark_db
def test_latin_square_in_the_database_gives_successive_participants_different_rows(
    journey_study, more_vignettes, make_participant
):
    first = phase(journey_study, 1)
    plan(first, *more_vignettes)
    first.ordering = "latin_square"
    first.save()
    firsts = []
    for n in range(4):
        person = make_participant(study=journey_study, email=f"l{n}@example.org", stage="baseline")
        firsts.append(services.phase_start(participant=person, phase=first)[0].vignette_version_id)
    assert len(set(firsts)) == 4


@pytestmark_db
def test_retest_flag_is_copied_to_the_assignment(journey_study, participant_ready, staged_vignette):
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    _finish(start_case(participant_ready, journey_study))
    second = services.phase_start(participant=participant_ready, phase=phase(journey_study, 2))
    assert [a.is_retest for a in second] == [True]
    assert Assignment.objects.filter(participant=participant_ready, is_retest=False).count() == 1


@pytestmark_db
def test_later_phase_waits_for_the_earlier_one_then_randomises(
    journey_study, participant_ready, staged_vignette
):
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    first = start_case(participant_ready, journey_study)
    states = [o.state for o in selectors.phase_overviews(participant=participant_ready)]
    assert states == [PhaseState.IN_PROGRESS, PhaseState.WAITING_FOR_PREVIOUS]
    with pytest.raises(services.PhaseNotAvailable):
        services.phase_start(participant=participant_ready, phase=phase(journey_study, 2))
    assert participant_ready.arm_id is None
    _finish(first)
    services.phase_start(participant=participant_ready, phase=phase(journey_study, 2))
    participant_ready.refresh_from_db()
    assert participant_ready.arm_id is not None


@pytestmark_db
def test_arm_specific_items_go_only_to_that_arm(
    journey_study, participant_control, participant_feedback, more_vignettes
):
    second = phase(journey_study, 2)
    control, feedback = Arm.objects.get(key="control"), Arm.objects.get(key="feedback")
    plan(second, more_vignettes[0], arm=control)
    plan(second, more_vignettes[1], arm=feedback)
    plan(second, more_vignettes[2])
    for person, own, other in (
        (participant_control, more_vignettes[0], more_vignettes[1]),
        (participant_feedback, more_vignettes[1], more_vignettes[0]),
    ):
        _finish(start_case(person, journey_study))
        got = {
            a.vignette_version.vignette_id
            for a in services.phase_start(participant=person, phase=second)
        }
        assert got == {own.pk, more_vignettes[2].pk} and other.pk not in got


@pytestmark_db
def test_release_date_keeps_a_phase_closed_until_then(journey_study, participant_ready):
    first = phase(journey_study, 1)
    opens = timezone.now() + timedelta(days=3)
    first.opens_at = opens
    first.save()
    overview = selectors.phase_overview(participant=participant_ready, phase=first)
    assert overview.state == PhaseState.NOT_OPEN_YET and overview.opens_at == opens
    with pytest.raises(services.PhaseNotAvailable, match="not available yet"):
        services.phase_start(participant=participant_ready, phase=first)
    later = selectors.phase_overviews(
        participant=participant_ready, now=opens + timedelta(minutes=1)
    )
    assert later[0].state == PhaseState.READY


@pytestmark_db
def test_training_arm_stays_locked_until_training_is_complete(
    journey_study, participant_ready, staged_vignette, monkeypatch
):
    Arm.objects.filter(study=journey_study).update(training_module="calibration-basics")
    plan(phase(journey_study, 2), staged_vignette, is_retest=True)
    _finish(start_case(participant_ready, journey_study))
    with pytest.raises(services.PhaseNotAvailable, match="Complete your training first"):
        services.phase_start(participant=participant_ready, phase=phase(journey_study, 2))
    participant_ready.refresh_from_db()
    assert participant_ready.arm_id is not None  # randomised, then held back for training
    assert selectors.training_complete(participant=participant_ready) is False
    states = [o.state for o in selectors.phase_overviews(participant=participant_ready)]
    assert states[1] == PhaseState.TRAINING_REQUIRED

    monkeypatch.setattr(selectors, "training_complete", lambda *, participant: True)
    assert services.phase_start(participant=participant_ready, phase=phase(journey_study, 2))


@pytestmark_db
def test_arm_without_training_counts_as_trained(participant_control):
    assert selectors.training_complete(participant=participant_control) is True


@pytestmark_db
def test_task_list_counts_cases_to_do_and_started(journey_study, participant_ready, more_vignettes):
    plan(phase(journey_study, 1), *more_vignettes[:2])
    assignments = services.phase_start(participant=participant_ready, phase=phase(journey_study, 1))
    services.stage_view_record(assignment=assignments[0], stage=stages_of(assignments[0])[0])
    tasks = selectors.task_list(participant=participant_ready)
    assert (tasks.to_do, tasks.started) == (3, 1)
