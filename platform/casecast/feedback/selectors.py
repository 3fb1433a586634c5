"""What a participant may see about their own forecasts, by arm policy and study timing.

Two gates, both applied here and nowhere else:
- the arm's `feedback_policies` ("outcome", "calibration", "peer"; none for
  control) decide which kinds of feedback exist for the participant at all;
- `casecast.resolution.selectors.outcomes_visible` (the study's outcome
  timing) decides, question by question, whether an outcome — and so any
  score computed from it — may be shown yet.

A withheld outcome reads exactly like an unknown one, so the page never
reveals that an outcome exists before it may be shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from casecast import insights, scoring
from casecast.feedback import wording
from casecast.feedback.calibration import MIN_FORECASTS, calibration_chart
from casecast.feedback.models import FeedbackSeen
from casecast.feedback.profile import Peers, Profile, Side, Updates
from casecast.feedback.records import MIN_PEERS, Standing, TrackRecord
from casecast.forecasts.models import Assignment, Forecast
from casecast.forecasts.selectors import version_stages
from casecast.network.selectors import WaveStanding, linked_participants
from casecast.network.selectors import standing_across_waves as network_standing
from casecast.resolution.models import ForecastScore
from casecast.resolution.selectors import outcomes_visible
from casecast.studies.models import Participant, Study
from casecast.vignettes import kinds
from casecast.vignettes.models import Question

OUTCOME = "outcome"
CALIBRATION = "calibration"
PEER = "peer"
PROFILE = "profile"
# Fewer other participants than this and a standing would say too much about them.


def policies_for(*, participant: Participant) -> frozenset[str]:
    arm = participant.arm
    if arm is None or participant.withdrawn_at is not None:
        return frozenset()
    return frozenset(arm.feedback_policies or [])


def _visible(participant: Participant, questions: list[Question]) -> set[int]:
    return outcomes_visible(participant=participant, questions=questions)


# --- outcome feedback after a case ---------------------------------------------------


class State:
    SCORED = "scored"
    SCORING = "scoring"
    NOT_YET = "not_yet"
    NEVER = "never"


@dataclass(frozen=True)
class QuestionFeedback:
    question_id: int
    question: str
    state: str
    answer: str
    outcome: str = ""
    score_text: str = ""
    message: str = ""
    part: str = ""  # "Part 1", or "Updated in part 2" for a question asked again

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.question_id,
            "part": self.part,
            "state": self.state,
            "answer": self.answer,
            "outcome": self.outcome,
            "score": self.score_text,
            "message": self.message,
        }


@dataclass(frozen=True)
class CaseFeedback:
    assignment: Assignment
    title: str
    questions: list[QuestionFeedback] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return any(q.state == State.SCORING for q in self.questions)


def _last_forecasts(assignment: Assignment) -> dict[int, Forecast]:
    latest: dict[int, Forecast] = {}
    for forecast in Forecast.objects.filter(assignment=assignment).order_by("submitted_at", "pk"):
        latest[forecast.question_id] = forecast
    return latest


def _question_feedback(
    question: Question,
    forecast: Forecast,
    score: ForecastScore | None,
    *,
    visible: bool,
    never: bool,
    part: str,
) -> QuestionFeedback:
    answer = wording.answer_text(question=question, forecast=forecast)

    def feedback(state: str, **shown: str) -> QuestionFeedback:
        return QuestionFeedback(question.pk, question.text, state, answer, part=part, **shown)

    if never:
        return feedback(State.NEVER, message=wording.NEVER_SHOWN)
    if not visible:
        return feedback(State.NOT_YET, message=wording.NOT_YET)
    outcome = wording.outcome_text(question=question, forecast=forecast)
    if score is None:
        return feedback(State.SCORING, outcome=outcome, message=wording.SCORING)
    return feedback(
        State.SCORED,
        outcome=outcome,
        score_text=wording.score_text(question=question, forecast=forecast, score=score),
    )


def _part_labels(assignment: Assignment, questions: list[Question]) -> dict[int, str]:
    """Which part of the case each question was asked in, as participants saw it.

    A question asked again in a later part (`Question.earlier`) reads "Updated in
    part 2", so the two answers are not mistaken for a repeat. A case with one
    part needs no labels.
    """
    positions = [stage.pk for stage in version_stages(version=assignment.vignette_version)]
    if len(positions) < 2:
        return {}
    part = {stage_id: number for number, stage_id in enumerate(positions, start=1)}
    return {
        q.pk: (
            f"Updated in part {part[q.stage_id]}"
            if q.earlier_id is not None
            else f"Part {part[q.stage_id]}"
        )
        for q in questions
    }


def case_feedback(*, participant: Participant, assignment: Assignment) -> CaseFeedback | None:
    """Outcome feedback for one of the participant's cases; None if their arm has none."""
    if OUTCOME not in policies_for(participant=participant):
        return None
    if assignment.participant_id != participant.pk or assignment.completed_at is None:
        return None
    forecasts = _last_forecasts(assignment)
    questions = [
        q
        for q in Question.objects.filter(
            version_id=assignment.vignette_version_id, kind__in=kinds.forecast_values()
        )
        .select_related("version")
        .order_by("stage__position", "position", "pk")
        if q.pk in forecasts
    ]
    never = participant.study.outcome_release == Study.OutcomeRelease.NEVER
    visible = set() if never else _visible(participant, questions)
    scores = {
        score.forecast_id: score
        for score in ForecastScore.objects.filter(
            forecast_id__in=[forecasts[q.pk].pk for q in questions]
        )
    }
    parts = _part_labels(assignment, questions)
    return CaseFeedback(
        assignment=assignment,
        title=assignment.vignette_version.title,
        questions=[
            _question_feedback(
                q,
                forecasts[q.pk],
                scores.get(forecasts[q.pk].pk),
                visible=q.pk in visible,
                never=never,
                part=parts.get(q.pk, ""),
            )
            for q in questions
        ],
    )


def cases_with_feedback(*, participant: Participant) -> list[Assignment]:
    if OUTCOME not in policies_for(participant=participant):
        return []
    return list(
        Assignment.objects.filter(participant=participant, completed_at__isnull=False)
        .select_related("vignette_version", "phase")
        .order_by("phase__position", "position")
    )


# --- scores the participant may see --------------------------------------------------------


def visible_scores(*, participant: Participant, binary_only: bool = True) -> list[ForecastScore]:
    """The participant's counted scores whose outcomes the study's timing lets them see."""
    scores = ForecastScore.objects.filter(
        participant=participant, is_last=True, is_retest=False
    ).select_related("question__version", "forecast")
    if binary_only:
        scores = scores.filter(
            kind__in=kinds.values_scored_by(kinds.Scoring.EVENT), probability__isnull=False
        )
    rows = list(scores.order_by("forecast__submitted_at", "pk"))
    questions = {row.question_id: row.question for row in rows}
    visible = _visible(participant, list(questions.values()))
    return [row for row in rows if row.question_id in visible]


def later_visible_score_count(*, participant: Participant) -> int:
    """Visible scores the participant could not have seen when they answered.

    Under "immediately", those scored more than an hour after the forecast
    (the question was resolved later); under the other timings, all of them.
    """
    immediate = participant.study.outcome_release == Study.OutcomeRelease.IMMEDIATELY
    rows = visible_scores(participant=participant, binary_only=False)
    if not immediate:
        return len(rows)
    late = timedelta(hours=1)
    return sum(1 for row in rows if row.scored_at - row.forecast.submitted_at > late)


# --- calibration track record ------------------------------------------------------------


def _finite(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return number if np.isfinite(number) else None


def track_record(*, participant: Participant) -> TrackRecord | None:
    """Calibration feedback over the participant's visible binary forecasts; None if not in arm."""
    if CALIBRATION not in policies_for(participant=participant):
        return None
    rows = visible_scores(participant=participant)
    p = [float(row.probability) for row in rows if row.probability is not None]
    y = [1 if row.outcome_binary else 0 for row in rows if row.probability is not None]
    chart = calibration_chart(
        probabilities=p,
        outcomes=y,
        caption="Your forecasts and how often things happened",
    )
    if len(p) < MIN_FORECASTS:
        return TrackRecord(len(p), None, None, None, None, None, None, chart)
    p_arr, y_arr = np.array(p), np.array(y)
    decomposition = scoring.murphy(p_arr, y_arr, bins=chart.bins)
    return TrackRecord(
        n=len(p),
        brier=_finite(decomposition.brier),
        reliability=_finite(decomposition.reliability),
        resolution=_finite(decomposition.resolution),
        auc=_finite(scoring.auc(p_arr, y_arr).auc),
        mean_forecast=float(p_arr.mean()),
        event_rate=float(y_arr.mean()),
        chart=chart,
    )


# --- peer comparison ----------------------------------------------------------------------


def peer_standing(*, participant: Participant) -> Standing | None:
    """Where the participant stands among the study's other participants; None if not in arm.

    Only questions whose outcomes the participant may see count, and every
    participant's score on a question is compared with the question's median
    (relative Brier), so easy and hard cases weigh the same.
    """
    if PEER not in policies_for(participant=participant):
        return None
    mine = visible_scores(participant=participant)
    question_ids = {row.question_id for row in mine}
    rows = list(
        ForecastScore.objects.filter(
            study_id=participant.study_id,
            question_id__in=question_ids,
            is_last=True,
            is_retest=False,
            kind__in=kinds.values_scored_by(kinds.Scoring.EVENT),
            brier__isnull=False,
            participant__withdrawn_at__isnull=True,
        ).values_list("participant_id", "question_id", "brier")
    )
    peers = {pid for pid, _, _ in rows if pid != participant.pk}
    if not question_ids or not rows:
        return Standing(len(question_ids), len(peers), None, None)
    who = np.array([r[0] for r in rows])
    relative = scoring.relative_brier(
        np.array([r[2] for r in rows]), np.array([r[1] for r in rows])
    )
    by_person: dict[int, list[float]] = defaultdict(list)
    for pid, value in zip(who.tolist(), relative.tolist(), strict=True):
        by_person[pid].append(value)
    means = {pid: float(np.mean(values)) for pid, values in by_person.items()}
    own = means.get(participant.pk)
    others = [value for pid, value in means.items() if pid != participant.pk]
    better = round(100 * sum(1 for v in others if v > (own or 0)) / len(others)) if others else None
    return Standing(len(question_ids), len(others), own, better)


def standing_across_waves(*, participant: Participant) -> list[WaveStanding] | None:
    """Their standing among linked forecasters in each wave of every study they linked;
    None unless their arm has peer feedback and they agreed to link this study.

    Only questions whose outcomes they may see count, in each study by its own rules."""
    if PEER not in policies_for(participant=participant):
        return None
    if participant.linked_across_studies_at is None or participant.user_id is None:
        return None
    mine = linked_participants().filter(user_id=participant.user_id).select_related("study")
    visible = {row.question_id for p in mine for row in visible_scores(participant=p)}
    return network_standing(user_id=participant.user_id, question_ids=visible, min_peers=MIN_PEERS)


# --- judgement profile --------------------------------------------------------------------


def judgement_profile(*, participant: Participant) -> Profile | None:
    """The participant's over- or under-confidence, how they update, and (with peer feedback
    too) how far they sit from colleagues; None if their arm has no judgement profile.

    Only their own counted yes/no forecasts whose outcomes they may see count. Colleagues
    appear only as the average of at least `MIN_PEERS` others on a question.
    """
    policies = policies_for(participant=participant)
    if PROFILE not in policies:
        return None
    mine = [row for row in visible_scores(participant=participant) if row.probability is not None]
    with_peers = PEER in policies
    if len(mine) < MIN_FORECASTS:
        empty = Side("", 0, None, None)
        peers = Peers(0, None, None) if with_peers else None
        return Profile(len(mine), empty, empty, Updates(0, 0, None, None, None, None), peers)
    cells: dict[tuple[int, int], tuple[float | None, bool | None]] = {
        (participant.pk, r.question_id): (r.probability, r.outcome_binary) for r in mine
    }
    if with_peers:
        cells.update(_colleague_cells(participant, {r.question_id for r in mine}))
    who, question = (np.array(column) for column in zip(*cells, strict=True))
    p = np.array([value for value, _ in cells.values()], dtype=np.float64)
    y = np.array([1 if happened else 0 for _, happened in cells.values()])
    found = insights.judgement_profile(
        p=p, y=y, worker=who, question=question, min_colleagues=MIN_PEERS
    )
    me = int(np.flatnonzero(found.worker == participant.pk)[0])
    own = who == participant.pk
    sides = [
        _side(label, p[own & mask], float(over[me]), int(n[me]))
        for label, mask, over, n in (
            ("When you said more likely than not", p > 0.5, found.over_high, found.n_high),
            ("When you said less likely than not", p < 0.5, found.over_low, found.n_low),
        )
    ]
    peers = None
    if with_peers:
        peers = Peers(
            int(found.n_peer_questions[me]),
            _finite(found.peer_gap_pp[me]),
            _finite(found.peer_abs_gap_pp[me]),
        )
    return Profile(len(mine), sides[0], sides[1], _updates(mine), peers)


def _side(label: str, said: np.ndarray, over: float, n: int) -> Side:
    if not n:
        return Side(label, 0, None, None)
    mean = float(said.mean())
    return Side(label, n, mean, mean - over)  # over = mean forecast - event rate


def _colleague_cells(
    participant: Participant, question_ids: set[int]
) -> dict[tuple[int, int], tuple[float | None, bool | None]]:
    """Other participants' counted yes/no forecasts on the same questions (for averages),
    one per person and question (the latest if a case was ever given twice)."""
    rows = (
        ForecastScore.objects.filter(
            study_id=participant.study_id,
            question_id__in=question_ids,
            is_last=True,
            is_retest=False,
            probability__isnull=False,
            participant__withdrawn_at__isnull=True,
            participant__erased_at__isnull=True,
        )
        .exclude(participant=participant)
        .order_by("participant_id", "question_id", "forecast__submitted_at", "pk")
        .values_list("participant_id", "question_id", "probability", "outcome_binary")
    )
    return {(pid, qid): (p, y) for pid, qid, p, y in rows}


def _updates(mine: list[ForecastScore]) -> Updates:
    """Pairs of a forecast and the same question asked again later in the same case."""
    by_cell = {(r.forecast.assignment_id, r.question_id): r for r in mine}
    pairs = [
        (earlier.probability, r.probability, 1 if r.outcome_binary else 0)
        for r in mine
        if r.question.earlier_id is not None
        and (earlier := by_cell.get((r.forecast.assignment_id, r.question.earlier_id)))
    ]
    if not pairs:
        return Updates(0, 0, None, None, None, None)
    p0, p1, y = (np.array(column, dtype=np.float64) for column in zip(*pairs, strict=True))
    found = insights.belief_updating(before=p0, after=p1, y=y)
    return Updates(
        n=int(found.n[0]),
        n_changed=int(found.n_changed[0]),
        mean_abs_pp=_finite(found.mean_abs_update_pp[0]),
        share_toward=_finite(found.share_toward_outcome[0]),
        brier_before=_finite(found.brier_before[0]),
        brier_after=_finite(found.brier_after[0]),
    )


# --- the hub -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackOverview:
    policies: frozenset[str]
    cases: list[Assignment]

    @property
    def shows_outcomes(self) -> bool:
        return OUTCOME in self.policies

    @property
    def shows_calibration(self) -> bool:
        return CALIBRATION in self.policies

    @property
    def shows_standing(self) -> bool:
        return PEER in self.policies

    @property
    def shows_profile(self) -> bool:
        return PROFILE in self.policies


def feedback_overview(*, participant: Participant) -> FeedbackOverview | None:
    policies = policies_for(participant=participant)
    if not policies:
        return None
    return FeedbackOverview(policies, cases_with_feedback(participant=participant))


def feedback_seen_participant_ids(*, study: Study) -> set[int]:
    """Ids of the study's participants who have opened at least one feedback page (any
    page: overview, a case, track record or comparison). For per-protocol analyses: the
    participants of a feedback arm who actually received feedback. One query."""
    return set(
        FeedbackSeen.objects.filter(participant__study=study)
        .values_list("participant_id", flat=True)
        .distinct()
    )
