"""Placing a participant of a team arm in a team: the rule, and the service that applies it.

Kept apart from `teams.services` so the randomisation service can call it in its
own transaction without importing the rest of the teams app (pages, scores).

The rule (docs/teams.md, "Placement"), deterministic given the order of arrival:
- a participant joins an open team (fewer members than the arm's team size) of
  their arm, the one where their council has the fewest members; ties go to the
  fuller team, then the lower number;
- a new team is opened when no team is open, or when their council already fills
  at least half the places of every open team and fewer than two teams are open.
  The cap of two open teams is what makes teams fill even with one council.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casecast.audit.services import audit_record
from casecast.studies.models import Arm, Participant
from casecast.teams.models import Team, TeamMembership

MAX_OPEN_TEAMS = 2


@dataclass(frozen=True)
class OpenTeam:
    number: int
    size: int  # members so far
    same_council: int  # members so far from the arriving participant's council


def team_choice(*, open_teams: Sequence[OpenTeam], team_size: int) -> int | None:
    """The number of the open team to join, or None for a new team."""
    if not open_teams:
        return None
    crowded = all(2 * team.same_council >= team_size for team in open_teams)
    if crowded and len(open_teams) < MAX_OPEN_TEAMS:
        return None
    best = min(open_teams, key=lambda team: (team.same_council, -team.size, team.number))
    return best.number


def _open_teams(participant: Participant, arm: Arm) -> list[OpenTeam]:
    team_size = arm.team_size or 0
    teams: dict[int, list[int | None]] = {}
    for number, council_id in TeamMembership.objects.filter(team__arm=arm).values_list(
        "team__number", "council_id"
    ):
        teams.setdefault(number, []).append(council_id)
    return [
        OpenTeam(
            number=number,
            size=len(councils),
            same_council=sum(1 for c in councils if c == participant.council_id),
        )
        for number, councils in sorted(teams.items())
        if len(councils) < team_size
    ]


def team_place(*, participant: Participant) -> TeamMembership | None:
    """Place a just-randomised participant of a team arm; None for any other arm.

    Call inside the randomisation transaction, which holds the study's
    RandomisationState row lock: that lock is what stops two parallel
    allocations from both taking the last place in a team.
    """
    arm = participant.arm
    if arm is None or arm.team_size is None:
        return None
    existing = TeamMembership.objects.filter(participant=participant).first()
    if existing is not None:
        return existing
    number = team_choice(open_teams=_open_teams(participant, arm), team_size=arm.team_size)
    if number is None:
        last = Team.objects.filter(arm=arm).order_by("-number").first()
        team = Team.objects.create(
            study_id=participant.study_id, arm=arm, number=(last.number + 1) if last else 1
        )
    else:
        team = Team.objects.get(arm=arm, number=number)
    membership = TeamMembership.objects.create(
        team=team,
        participant=participant,
        position=team.memberships.count(),
        council_id=participant.council_id,
    )
    audit_record(
        action="participant.team_place",
        study_id=participant.study_id,
        target=participant,
        data={"team": team.pk, "team_number": team.number, "position": membership.position},
    )
    return membership
