"""Writes for the participant journey: start a phase, record views, save drafts, submit.

Guarantees:
- a submitted part is locked: its forecasts are never changed or added to;
- a submission carries an idempotency key, so a double click or a retried
  request writes one set of forecasts (unique constraint + lookup in one
  transaction);
- the number of queries for a submission does not depend on how many
  questions the part has (one bulk insert).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, router, transaction
from django.utils import timezone

from casecast.core import row_writes
from casecast.forecasts import answers as answer_rules
from casecast.forecasts import selectors
from casecast.forecasts.delivery import phase_order
from casecast.forecasts.models import Assignment, Draft, Forecast, StageVisit
from casecast.studies.models import Participant, Phase, Study
from casecast.studies.services import participant_randomise
from casecast.vignettes import kinds
from casecast.vignettes.models import Question, Stage, VignetteVersion
from tasks.enqueue import enqueue_coalesced_on_commit
from tasks.scoring import score_recent_submissions

IDEMPOTENCY_FIELD = "idempotency_key"


class JourneyError(Exception):
    """A step the participant cannot take now; the message is shown to them."""


class PhaseNotAvailable(JourneyError):
    pass


class StageLocked(JourneyError):
    """The part was already submitted; its answers cannot change."""


class StageNotReady(JourneyError):
    """An earlier part of the case has not been submitted yet."""


class DataLocked(StageLocked):
    """The study's data are locked (docs/analysis.md): no answer is accepted any more."""


DATA_LOCKED_MESSAGE = (
    "This study has finished collecting answers, so nothing more can be saved. "
    "Thank you for taking part."
)


def _refuse_if_data_locked(participant_id: int, *, assignment: Assignment | None = None) -> None:
    """Refuse once the study's data are locked.

    An assignment read by `selectors.assignment_for_user` carries `data_locked`, read in
    the same query as the rest of the request's state: that answer is used as it is. It
    is as fresh as this function's own query would be, since neither takes a lock (the
    lock itself holds the study row, not the participants' writes). Anything else costs
    one query, whatever the caller has loaded: a study object held from earlier may be
    stale.
    """
    locked = getattr(assignment, "data_locked", None)
    if locked is None:
        locked = Study.objects.filter(
            participants=participant_id, data_locked_at__isnull=False
        ).exists()
    if locked:
        raise DataLocked(DATA_LOCKED_MESSAGE)


@dataclass
class StageResult:
    """What happened to a submission. `errors` non-empty means nothing was saved."""

    forecasts: list[Forecast] = field(default_factory=list)
    errors: list[answer_rules.FieldError] = field(default_factory=list)
    replayed: bool = False
    case_complete: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Starting a phase --------------------------------------------------------

_UNAVAILABLE = {
    selectors.PhaseState.WAITING_FOR_PREVIOUS: "Finish the cases before this one first.",
    selectors.PhaseState.NOT_OPEN_YET: "These cases are not available yet.",
    selectors.PhaseState.TRAINING_REQUIRED: "Complete your training first.",
}


def _randomise(participant: Participant) -> None:
    participant_randomise(participant=participant)
    participant.refresh_from_db(fields=["arm", "status"])


def _latin_square_sequence(participant: Participant) -> int:
    """The participant's place among those counterbalanced together (their arm, or study)."""
    peers = Participant.objects.filter(study_id=participant.study_id, pk__lt=participant.pk)
    if participant.arm_id is not None:
        peers = peers.filter(arm_id=participant.arm_id)
    return peers.count()


def _current_versions(vignette_ids: list[int]) -> dict[int, VignetteVersion]:
    """Each vignette's newest version, in one query."""
    return VignetteVersion.objects.filter(vignette_id__in=vignette_ids).current_each("vignette_id")


def phase_start(*, participant: Participant, phase: Phase) -> list[Assignment]:
    """Give the participant this phase's cases, in their order. Safe to call again.

    Randomises first if the phase says so; each case is pinned to its
    vignette's current version at this moment.
    """
    existing = list(Assignment.objects.filter(participant=participant, phase=phase))
    try:
        _refuse_if_data_locked(participant.pk)
    except DataLocked as error:
        raise PhaseNotAvailable(str(error)) from error
    if existing:
        return sorted(existing, key=lambda a: a.position)
    if phase.randomise_before and participant.arm_id is None:
        state = selectors.phase_overview(participant=participant, phase=phase).state
        if state in _UNAVAILABLE:
            raise PhaseNotAvailable(_UNAVAILABLE[state])
        _randomise(participant)
    state = selectors.phase_overview(participant=participant, phase=phase).state
    if state != selectors.PhaseState.READY:
        raise PhaseNotAvailable(_UNAVAILABLE.get(state, "There are no cases to start here."))
    return _assignments_create(participant=participant, phase=phase)


def _assignments_create(*, participant: Participant, phase: Phase) -> list[Assignment]:
    study = phase.study
    order = phase_order(
        selectors.plan_items(phase=phase),
        ordering=phase.ordering,
        arm_id=participant.arm_id,
        seed=study.allocation_seed,
        participant_id=participant.pk,
        phase_id=phase.pk,
        sequence=_latin_square_sequence(participant),
    )
    versions = _current_versions([item.vignette_id for item in order])
    rows = [
        Assignment(
            participant=participant,
            phase=phase,
            vignette_version=versions[item.vignette_id],
            position=position,
            is_retest=item.is_retest,
        )
        for position, item in enumerate(i for i in order if i.vignette_id in versions)
    ]
    try:
        with transaction.atomic():
            Assignment.objects.bulk_create(rows)
    except IntegrityError:
        pass  # a parallel request started the phase first; use its assignments
    return list(
        Assignment.objects.filter(participant=participant, phase=phase).order_by("position")
    )


# --- Timing ---------------------------------------------------------------------


def stage_view_record(
    *, assignment: Assignment, stage: Stage, progress: selectors.CaseProgress | None = None
) -> None:
    """Note when a part was first shown (and so when the case was started).

    One insert that does nothing if the part was shown before (every page view
    runs this), and the case's start only while it has none. With the case's
    `progress` just read, a part already shown in a started case costs no query.
    """
    if (
        progress is not None
        and stage.pk in progress.viewed_stage_ids
        and assignment.started_at is not None
    ):
        return
    now = timezone.now()
    row_writes.insert_unless_present(
        StageVisit,
        {"assignment": assignment.pk, "stage": stage.pk, "first_viewed_at": now},
        using=router.db_for_write(StageVisit),
    )
    if assignment.started_at is None:
        Assignment.objects.filter(pk=assignment.pk, started_at__isnull=True).update(started_at=now)
        assignment.started_at = now


# --- Drafts ------------------------------------------------------------------------


def draft_answers(
    *, specs: list[answer_rules.QuestionSpec], data: Mapping[str, Any]
) -> dict[str, str]:
    """Only this part's fields (and the idempotency key), as plain strings."""
    names = [name for spec in specs for name in answer_rules.field_names(spec)]
    kept = {name: str(data.get(name, ""))[:10_000] for name in names if name in data}
    key = str(data.get(IDEMPOTENCY_FIELD, ""))
    if _is_uuid(key):
        kept[IDEMPOTENCY_FIELD] = key
    return kept


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def draft_save(
    *,
    assignment: Assignment,
    stage: Stage,
    answers: Mapping[str, Any],
    progress: selectors.CaseProgress | None = None,
) -> Draft:
    """Keep unsubmitted typing on the server. No validation: half an answer is fine.

    `progress` is the case's progress if the caller has just read it: whether the
    part is submitted is then not asked again (the check takes no lock either way,
    so reading it moments earlier in the same request guarantees the same)."""
    questions = selectors.stage_questions(stage=stage, version=_loaded_version(assignment))
    values = draft_answers(specs=question_specs(questions=questions), data=answers)
    _refuse_if_data_locked(assignment.participant_id, assignment=assignment)
    submitted = (
        progress.is_submitted(stage)
        if progress is not None
        else _stage_submitted(assignment, stage)
    )
    if submitted:
        raise StageLocked("You have already submitted this part.")
    # One statement (drafts are saved on every change, so this runs often).
    now = timezone.now()
    pk = row_writes.upsert_returning_pk(
        Draft,
        {"assignment": assignment.pk, "stage": stage.pk, "answers": values, "updated_at": now},
        unique=("assignment", "stage"),
        update=("answers", "updated_at"),
        using=router.db_for_write(Draft),
    )
    return Draft(pk=pk, assignment=assignment, stage=stage, answers=values, updated_at=now)


def _loaded_version(assignment: Assignment) -> VignetteVersion | None:
    """The assignment's version if already loaded (then its structure comes from the cache)."""
    if Assignment.vignette_version.is_cached(assignment):
        return assignment.vignette_version
    return None


def _stage_submitted(assignment: Assignment, stage: Stage) -> bool:
    return StageVisit.objects.filter(
        assignment=assignment, stage=stage, submitted_at__isnull=False
    ).exists()


# --- Submitting -------------------------------------------------------------------


def question_spec(question: Question) -> answer_rules.QuestionSpec:
    # A kind with default options (a decision) offers them when the question lists none.
    options = list(question.options) or list(kinds.get(question.kind).default_options)
    return answer_rules.QuestionSpec(
        prefix=f"q{question.pk}",
        kind=question.kind,
        options=tuple(options),
        numeric_format=question.numeric_format or answer_rules.QUANTILES,
        interval_confidence=question.interval_confidence,
        required=question.required,
    )


def question_specs(*, questions: list[Question]) -> list[answer_rules.QuestionSpec]:
    return [question_spec(q) for q in questions]


def _team_seen_questions(assignment: Assignment, questions: list[Question]) -> set[int]:
    """Questions here whose earlier asking the participant opened the team panel on.

    Asked through the reverse relation (`team_reveals`) so the journey does not
    import the teams app. No query unless some question updates an earlier one;
    then one small one, on the earlier askings only, when the version's questions
    (which question each asks again) are in the structure cache.
    """
    if not any(q.earlier_id is not None for q in questions):
        return set()
    version = _loaded_version(assignment)
    known = selectors.version_questions(version=version) if version is not None else {}
    if not all(q.pk in known for q in questions):
        return _team_seen_questions_orm(assignment, questions)
    ancestors: dict[int, list[int]] = {}
    for question in questions:
        # As the ORM reading below: only this version's questions count (the walk
        # stops at an earlier asking outside it).
        chain, ancestor = [], known[question.pk].earlier_id
        while ancestor is not None and ancestor in known:
            chain.append(ancestor)
            ancestor = known[ancestor].earlier_id
        ancestors[question.pk] = chain
    wanted = sorted({pk for chain in ancestors.values() for pk in chain})
    revealed = selectors.questions_revealed(
        participant_id=assignment.participant_id, question_ids=wanted
    )
    return {pk for pk, chain in ancestors.items() if revealed.intersection(chain)}


def _team_seen_questions_orm(assignment: Assignment, questions: list[Question]) -> set[int]:
    earlier_of = dict(
        Question.objects.filter(version_id=assignment.vignette_version_id).values_list(
            "pk", "earlier_id"
        )
    )
    revealed = set(
        Question.objects.filter(
            version_id=assignment.vignette_version_id,
            team_reveals__participant_id=assignment.participant_id,
        ).values_list("pk", flat=True)
    )
    seen = set()
    for question in questions:
        ancestor = earlier_of.get(question.pk)
        while ancestor is not None:
            if ancestor in revealed:
                seen.add(question.pk)
                break
            ancestor = earlier_of.get(ancestor)
    return seen


def _forecast_row(
    *,
    assignment: Assignment,
    question: Question,
    answer: answer_rules.Answer,
    key: uuid.UUID,
    seen_team: bool = False,
) -> Forecast:
    return Forecast(
        participant_id=assignment.participant_id,
        question=question,
        assignment=assignment,
        idempotency_key=key,
        is_update=question.earlier_id is not None,
        probability_pct=answer.probability_pct,
        probabilities_pct=list(answer.probabilities_pct) if answer.probabilities_pct else None,
        lower=answer.lower,
        median=answer.median,
        upper=answer.upper,
        interval_confidence=answer.interval_confidence,
        decision=answer.decision,
        decision_confidence=answer.decision_confidence,
        rationale=answer.rationale,
        seen_team=seen_team,
    )


def _replay(assignment: Assignment, stage: Stage, key: uuid.UUID) -> list[Forecast] | None:
    """The forecasts an earlier request with this key already wrote for this part, if any.

    Scoped like the `forecast_idempotent_per_assignment` constraint: a key
    replays only this participant's answers to this part, never another part's.
    """
    rows = list(
        Forecast.objects.filter(assignment=assignment, question__stage=stage, idempotency_key=key)
    )
    return rows or None


def stage_submit(
    *,
    assignment: Assignment,
    stage: Stage,
    answers: Mapping[str, Any],
    idempotency_key: uuid.UUID,
    progress: selectors.CaseProgress | None = None,
) -> StageResult:
    """Check every answer on the part; if all are fine, lock the part and write its forecasts.

    Sending the same key again returns the first result (`replayed=True`)
    instead of writing twice, even when the two requests arrive together. A
    different key for a locked part raises `StageLocked`. `progress` is the
    case's progress if the caller has just read it (it is not read twice).
    """
    _refuse_if_data_locked(assignment.participant_id, assignment=assignment)
    if progress is None:
        progress = selectors.case_progress(assignment=assignment)
    if stage not in progress.stages:
        raise StageNotReady("This part does not belong to this case.")
    if progress.is_submitted(stage):
        # Only a submitted part can hold this key's forecasts (a twin still writing is
        # caught under the lock in `_write_stage`), so a first submission skips this read.
        replay = _replay(assignment, stage, idempotency_key)
        if replay is not None:
            return StageResult(forecasts=replay, replayed=True, case_complete=_complete(assignment))
        raise StageLocked("You have already submitted this part. Your answers are locked.")
    if progress.current_stage != stage:
        raise StageNotReady("Submit the earlier parts of this case first.")
    questions = selectors.stage_questions(stage=stage, version=_loaded_version(assignment))
    parsed = answer_rules.parse_stage(question_specs(questions=questions), answers)
    if not parsed.is_valid:
        return StageResult(errors=parsed.errors)
    by_prefix = {f"q{q.pk}": q for q in questions}
    seen = _team_seen_questions(assignment, questions)
    rows = [
        _forecast_row(
            assignment=assignment,
            question=by_prefix[a.prefix],
            answer=a,
            key=idempotency_key,
            seen_team=by_prefix[a.prefix].pk in seen,
        )
        for a in parsed.answers
    ]
    is_last = progress.next_stage(stage) is None
    try:
        return _write_stage(
            assignment=assignment, stage=stage, rows=rows, is_last=is_last, key=idempotency_key
        )
    except IntegrityError:
        # The same key raced in from a parallel request and won: replay its result.
        replay = _replay(assignment, stage, idempotency_key)
        if replay is None:
            raise
        return StageResult(forecasts=replay, replayed=True, case_complete=_complete(assignment))


def _stage_claim(assignment: Assignment, stage: Stage, now: datetime) -> bool:
    """Mark the part submitted unless it already is; True if this call did (in a transaction).

    One UPDATE, which takes the part's row lock: a twin submission of the same part
    waits here until this transaction ends, then finds the part submitted. The page
    view almost always created the row; only if not is it made first.
    """
    unsubmitted = StageVisit.objects.filter(
        assignment=assignment, stage=stage, submitted_at__isnull=True
    )
    if unsubmitted.update(submitted_at=now):
        return True
    StageVisit.objects.get_or_create(assignment=assignment, stage=stage)
    return bool(unsubmitted.update(submitted_at=now))


def _complete(assignment: Assignment) -> bool:
    return Assignment.objects.filter(pk=assignment.pk, completed_at__isnull=False).exists()


# A submission to a question whose outcome is known is scored by a task sent this long
# after it commits, shared with the study's other submissions meanwhile (per process),
# which reads every forecast of the study submitted within SCORING_LOOKBACK and still
# unscored. A submission whose transaction took longer than that is left to the sweep.
SCORING_DELAY_SECONDS = 1.0
SCORING_LOOKBACK = timedelta(seconds=30)


def forecasts_submitted(*, study_id: int, forecast_ids: Sequence[int]) -> None:
    """Score a submission soon when an outcome is already known (call inside its transaction).

    Only if some of the forecasts answer a question whose outcome is already known:
    after commit, a scoring task for the study is sent to start SCORING_DELAY_SECONDS
    later, unless this process has sent one that has not started (it covers this
    submission too). The task runs the resolution app's scoring pipeline; the journey
    never imports it.
    """
    if selectors.forecasts_scorable(forecast_ids=forecast_ids):
        since = (timezone.now() - SCORING_LOOKBACK).isoformat()
        enqueue_coalesced_on_commit(
            score_recent_submissions, study_id, since, key=study_id, delay=SCORING_DELAY_SECONDS
        )


def _write_stage(
    *, assignment: Assignment, stage: Stage, rows: list[Forecast], is_last: bool, key: uuid.UUID
) -> StageResult:
    with transaction.atomic():
        now = timezone.now()
        if not _stage_claim(assignment, stage, now):
            # A double click whose twin claimed the part first: the claim waited for the
            # twin's commit, so its forecasts are there to replay rather than show "locked".
            replay = _replay(assignment, stage, key)
            if replay is not None:
                return StageResult(
                    forecasts=replay, replayed=True, case_complete=_complete(assignment)
                )
            raise StageLocked("You have already submitted this part. Your answers are locked.")
        using = router.db_for_write(Forecast)
        row_writes.insert_all(rows, using=using)
        row_writes.delete_matching(
            Draft, {"assignment": assignment.pk, "stage": stage.pk}, using=using
        )
        if is_last:
            Assignment.objects.filter(pk=assignment.pk).update(completed_at=now)
            assignment.completed_at = now
        # Scored soon after commit (with the study's other submissions) when an outcome
        # is already known.
        forecasts_submitted(
            study_id=assignment.participant.study_id,
            forecast_ids=[forecast.pk for forecast in rows],
        )
    return StageResult(forecasts=rows, case_complete=is_last)
