"""Reads for team arms: a member's team panel, the staff overview and team scores.

Guarantees:
- a participant's panel on a question exists only once their own forecast on it
  is submitted (`team_panel` returns None before), so no page can show a
  teammate's answer early;
- teammates are labelled "Teammate A", "B", … by order of joining, never by name;
- the team's aggregate score is shown to members only when their arm's feedback
  policies include outcome feedback and the study's timing lets them see the
  outcome (the same two gates as their own feedback, `feedback.selectors`).

The team aggregate on a question is the mean of the members' final yes/no
probabilities (`casecast.scoring.aggregate`, method "mean"), scored with the
engine's Brier score against the outcome.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import numpy as np

from casecast import scoring
from casecast.core.pseudonyms import pseudonym
from casecast.feedback.selectors import OUTCOME, policies_for
from casecast.forecasts.models import Forecast
from casecast.forecasts.pages import answer_text
from casecast.resolution.models import ForecastScore
from casecast.resolution.selectors import outcomes_visible
from casecast.studies.blinding import arm_labels, is_blinded
from casecast.studies.models import Participant, Study
from casecast.teams.models import Team, TeamComment, TeamMembership, TeamReveal
from casecast.vignettes import kinds
from casecast.vignettes.kinds import AnswerShape
from casecast.vignettes.models import Question

AGGREGATE_METHOD: Final = "mean"
HIDDEN_TEXT = "Comment hidden by the research team"


def membership_for(*, participant: Participant) -> TeamMembership | None:
    return (
        TeamMembership.objects.filter(participant=participant)
        .select_related("team", "team__arm")
        .first()
    )


def own_forecast_submitted(*, participant: Participant, question: Question) -> bool:
    return Forecast.objects.filter(participant=participant, question=question).exists()


def team_revealed(*, participant: Participant, question: Question) -> bool:
    """Whether the participant has chosen to see their team's forecasts on this question."""
    return TeamReveal.objects.filter(participant=participant, question=question).exists()


def team_pseudonym(*, study: Study, team_id: int | None) -> str:
    """The team's export pseudonym: keyed like participants', with its own kind."""
    return pseudonym(key=study.pseudonym_key, kind="team", pk=team_id)


@dataclass(frozen=True)
class TeammateForecast:
    label: str
    answer: str
    rationale: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class CommentRow:
    label: str
    text: str
    created_at: datetime
    is_hidden: bool
    is_own: bool


@dataclass(frozen=True)
class TeamScore:
    team: Team
    questions: int
    team_brier: float
    member_brier: float


@dataclass(frozen=True)
class TeamPanel:
    membership: TeamMembership
    question: Question
    teammates: list[TeammateForecast]
    comments: list[CommentRow]
    team_brier: float | None  # None: not shown (arm policy, timing, or not resolved)


def _labels(team: Team) -> dict[int, str]:
    return {m.participant_id: m.label for m in team.memberships.all()}


def _latest(
    participant_ids: list[int], questions: list[Question]
) -> dict[tuple[int, int], Forecast]:
    latest: dict[tuple[int, int], Forecast] = {}
    rows = Forecast.objects.filter(participant_id__in=participant_ids, question__in=questions)
    for forecast in rows:  # ordered by submission: the last one wins
        latest[(forecast.participant_id, forecast.question_id)] = forecast
    return latest


def _teammate_forecasts(
    question: Question, labels: dict[int, str], own_id: int
) -> list[TeammateForecast]:
    """Each teammate's latest answer to the question, with their written reasons: the
    free-text answers they gave on the same part of the case (if it asks for any)."""
    others = [pk for pk in labels if pk != own_id]
    reasons = list(
        Question.objects.filter(
            stage_id=question.stage_id, kind__in=kinds.values_answered_as(AnswerShape.TEXT)
        ).exclude(pk=question.pk)
    )
    latest = _latest(others, [question, *reasons])
    rows = []
    for pk in others:
        forecast = latest.get((pk, question.pk))
        written = [latest[(pk, r.pk)].rationale for r in reasons if (pk, r.pk) in latest]
        rows.append(
            TeammateForecast(
                label=labels[pk],
                answer=answer_text(question, forecast) if forecast else "Not answered yet",
                rationale="\n\n".join(text for text in written if text),
                submitted_at=forecast.submitted_at if forecast else None,
            )
        )
    return rows


def _comments(
    team: Team, question: Question, labels: dict[int, str], own_id: int
) -> list[CommentRow]:
    return [
        CommentRow(
            label=labels.get(c.author_id, "A former teammate"),
            text=HIDDEN_TEXT if c.is_hidden else c.text,
            created_at=c.created_at,
            is_hidden=c.is_hidden,
            is_own=c.author_id == own_id,
        )
        for c in TeamComment.objects.filter(team=team, question=question)
    ]


def team_panel(*, participant: Participant, question: Question) -> TeamPanel | None:
    """The team panel for this question, or None: no team, or own forecast not yet in."""
    membership = membership_for(participant=participant)
    if membership is None or participant.withdrawn_at is not None:
        return None
    if not own_forecast_submitted(participant=participant, question=question):
        return None
    team = membership.team
    labels = _labels(team)
    return TeamPanel(
        membership=membership,
        question=question,
        teammates=_teammate_forecasts(question, labels, participant.pk),
        comments=_comments(team, question, labels, participant.pk),
        team_brier=_visible_team_brier(participant, team, question),
    )


# --- scores ------------------------------------------------------------------------


@dataclass(frozen=True)
class _MemberScore:
    team_id: int
    question_id: int
    probability: float
    outcome: float
    brier: float


def _member_scores(teams: list[Team]) -> list[_MemberScore]:
    """Members' counted yes/no scores (final forecast per question, no retests)."""
    rows = ForecastScore.objects.filter(
        participant__team_membership__team__in=teams,
        is_last=True,
        is_retest=False,
        kind__in=kinds.values_scored_by(kinds.Scoring.EVENT),
        probability__isnull=False,
        brier__isnull=False,
        outcome_binary__isnull=False,
    ).values_list(
        "participant__team_membership__team_id",
        "question_id",
        "probability",
        "outcome_binary",
        "brier",
    )
    # The filter above excludes nulls; `or 0.0` only tells the type checker so.
    return [
        _MemberScore(team, question, float(p or 0.0), float(bool(y)), float(b or 0.0))
        for team, question, p, y, b in rows
    ]


def _score_rows(rows: list[_MemberScore]) -> dict[tuple[int, int], tuple[float, float]]:
    """(team id, question id) -> (team aggregate Brier, mean member Brier)."""
    if not rows:
        return {}
    keys = sorted({(r.team_id, r.question_id) for r in rows})
    code = {key: index for index, key in enumerate(keys)}
    groups = np.array([code[(r.team_id, r.question_id)] for r in rows])
    probability = np.array([r.probability for r in rows])
    crowd = scoring.aggregate(probability, groups, method=AGGREGATE_METHOD, n_groups=len(keys))
    outcome = np.zeros(len(keys))
    for r in rows:
        outcome[code[(r.team_id, r.question_id)]] = r.outcome
    team_brier = scoring.brier(crowd, outcome)
    briers = np.array([r.brier for r in rows])
    member_sum = np.bincount(groups, weights=briers, minlength=len(keys))
    member_count = np.bincount(groups, minlength=len(keys))
    return {
        key: (float(team_brier[i]), float(member_sum[i] / member_count[i]))
        for i, key in enumerate(keys)
    }


def question_team_briers(*, teams: list[Team]) -> dict[tuple[int, int], tuple[float, float]]:
    """(team id, question id) -> (team aggregate Brier, mean member Brier), resolved only."""
    return _score_rows(_member_scores(teams))


def team_scores(*, study: Study) -> list[TeamScore]:
    """Each team's mean aggregate Brier over its resolved yes/no questions, beside the
    mean of its members' Brier scores on the same questions (lower is better)."""
    teams = list(Team.objects.filter(study=study).select_related("arm"))
    per_question = question_team_briers(teams=teams)
    by_team: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for (team_id, _question_id), pair in per_question.items():
        by_team[team_id].append(pair)
    return [
        TeamScore(
            team=team,
            questions=len(by_team[team.pk]),
            team_brier=float(np.mean([p[0] for p in by_team[team.pk]])),
            member_brier=float(np.mean([p[1] for p in by_team[team.pk]])),
        )
        for team in teams
        if by_team[team.pk]
    ]


def _visible_team_brier(participant: Participant, team: Team, question: Question) -> float | None:
    if OUTCOME not in policies_for(participant=participant):
        return None
    if question.pk not in outcomes_visible(participant=participant, questions=[question]):
        return None
    pair = question_team_briers(teams=[team]).get((team.pk, question.pk))
    return pair[0] if pair else None


# --- staff pages --------------------------------------------------------------------


@dataclass(frozen=True)
class TeamRow:
    team: Team
    arm_label: str
    members: int
    councils: int
    score: TeamScore | None


def team_overview(*, study: Study, role: str) -> list[TeamRow] | None:
    """Every team of the study with its size, councils and scores; None while `role` is
    blinded. Only a team arm has teams, so a team listed beside its arm's code (or its
    members and scores by arm) would tell which code is the team arm and show interim
    results by arm: while blinded only the data monitoring committee sees this."""
    if is_blinded(study=study, role=role):
        return None
    labels = arm_labels(study=study, role=role)
    scores = {s.team.pk: s for s in team_scores(study=study)}
    teams = Team.objects.filter(study=study).prefetch_related("memberships")
    return [
        TeamRow(
            team=team,
            arm_label=labels.get(team.arm_id, ""),
            members=len(team.memberships.all()),
            councils=len({m.council_id for m in team.memberships.all()}),
            score=scores.get(team.pk),
        )
        for team in teams
    ]


def comments_for_staff(*, study: Study) -> list[TeamComment]:
    return list(
        TeamComment.objects.filter(team__study=study)
        .select_related("team", "question", "hidden_by")
        .order_by("-created_at", "-pk")
    )


def comment_for_staff(*, study: Study, pk: int) -> TeamComment | None:
    return TeamComment.objects.filter(team__study=study, pk=pk).select_related("team").first()


def team_questions(*, participant: Participant, assignment_id: int) -> list[Question]:
    """Questions of this case the participant has answered, if they are in a team (else none):
    the ones whose team panel they may open."""
    if participant.arm is None or participant.arm.team_size is None:
        return []
    ids = Forecast.objects.filter(participant=participant, assignment_id=assignment_id).values_list(
        "question_id", flat=True
    )
    return list(Question.objects.filter(pk__in=ids).order_by("stage__position", "position"))
