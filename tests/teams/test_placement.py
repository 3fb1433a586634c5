"""Placement in teams: the rule by hand, and that randomisation into a team arm places once."""

from __future__ import annotations

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import services as study_services
from casecast.studies.models import Participant
from casecast.teams.models import TeamMembership
from casecast.teams.placement import OpenTeam, team_choice, team_place

from tests.fixtures_studies import create_participant

NORTH, WEST = "Northshire County Council", "Westbridge Borough Council"


@pytest.mark.parametrize(
    ("open_teams", "size", "expected"),
    [
        ([], 3, None),  # nothing open: a new team
        ([OpenTeam(1, 1, 1)], 3, 1),  # one of mine in a team of three: not yet half
        ([OpenTeam(1, 2, 2)], 3, None),  # mine fill 2 of 3 places: open another
        ([OpenTeam(1, 2, 2), OpenTeam(2, 1, 1)], 3, 2),  # fewest of my council wins
        ([OpenTeam(1, 2, 0), OpenTeam(2, 1, 0)], 3, 1),  # a tie goes to the fuller team
        ([OpenTeam(1, 1, 0), OpenTeam(2, 1, 0)], 3, 1),  # then to the lower number
        ([OpenTeam(1, 2, 2), OpenTeam(2, 2, 2)], 3, 1),  # two open already: no third
        ([OpenTeam(1, 1, 1)], 2, None),  # teams of two: one per council where possible
    ],
)
def test_the_choice_follows_the_rule(open_teams, size, expected):
    assert team_choice(open_teams=open_teams, team_size=size) == expected


def _teams(participants: list[Participant]) -> dict[int, list[str]]:
    teams: dict[int, list[str]] = {}
    for p in participants:
        membership = TeamMembership.objects.select_related("team", "council").get(participant=p)
        teams.setdefault(membership.team.number, []).append(membership.council.name[0])
    return teams


def test_six_from_two_councils_arriving_in_blocks_make_two_mixed_teams(team_member):
    # N N N W W W, teams of 3, worked by hand: N→T1, N→T1, N: half of T1 is N → T2,
    # W: T1 and T2 have no W, T1 fuller → T1 (full), W→T2, W: one W in T2 of 3 → T2.
    arrivals = [NORTH, NORTH, NORTH, WEST, WEST, WEST]
    people = [team_member(f"b{n}@example.org", council) for n, council in enumerate(arrivals)]
    assert _teams(people) == {1: ["N", "N", "W"], 2: ["N", "W", "W"]}


def test_six_alternating_make_two_full_mixed_teams(team_member):
    arrivals = [NORTH, WEST, NORTH, WEST, NORTH, WEST]
    people = [team_member(f"a{n}@example.org", council) for n, council in enumerate(arrivals)]
    assert _teams(people) == {1: ["N", "W", "N"], 2: ["W", "N", "W"]}


def test_teammates_are_lettered_in_order_of_joining(team_member):
    people = [team_member(f"l{n}@example.org", c) for n, c in enumerate([NORTH, WEST, WEST])]
    labels = [TeamMembership.objects.get(participant=p).label for p in people]
    assert labels == ["Teammate A", "Teammate B", "Teammate C"]


def test_placing_twice_keeps_the_first_place_and_is_audited_once(team_member):
    participant = team_member("twice@example.org")
    first = TeamMembership.objects.get(participant=participant)
    assert team_place(participant=participant) == first
    events = AuditEvent.objects.filter(
        action="participant.team_place", target_id=str(participant.pk)
    )
    assert events.count() == 1
    assert events.get().data["team_number"] == first.team.number


def test_randomisation_into_the_team_arm_places_and_the_control_arm_does_not(team_study):
    # Permuted blocks of 2 or 4 in one council: four participants reach both arms.
    people = [create_participant(study=team_study, email=f"r{n}@example.org") for n in range(4)]
    arms = {p.arm.key for p in people}
    assert arms == {"control", "team"}
    for p in people:
        placed = TeamMembership.objects.filter(participant=p).exists()
        assert placed == (p.arm.key == "team")


def test_randomising_again_does_not_move_anyone(team_study):
    people = [create_participant(study=team_study, email=f"s{n}@example.org") for n in range(4)]
    before = dict(TeamMembership.objects.values_list("participant_id", "team_id"))
    for p in people:
        study_services.participant_randomise(participant=p)
    assert dict(TeamMembership.objects.values_list("participant_id", "team_id")) == before
