"""Reads for the participant journey: task list, phase states, case progress.

Nothing here writes. Nothing here returns another participant's answers:
every function takes the participant (or their assignment) it is about.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache, partial
from typing import Any, cast

from django.core.cache import caches
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

from casecast.core import joined_rows
from casecast.forecasts.delivery import PlanItem, items_for_arm
from casecast.forecasts.models import Assignment, Draft, Forecast, StageVisit
from casecast.studies.models import Arm, Participant, Phase, Study
from casecast.studies.selectors import reconsent_due_sql
from casecast.training import selectors as training_selectors
from casecast.vignettes.models import PhaseVignette, Question, Stage, VignetteVersion


class PhaseState(StrEnum):
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    WAITING_FOR_PREVIOUS = "waiting_for_previous"
    NOT_OPEN_YET = "not_open_yet"
    TRAINING_REQUIRED = "training_required"
    NOTHING_TO_DO = "nothing_to_do"


@dataclass
class PhaseOverview:
    phase: Phase
    state: PhaseState
    assignments: list[Assignment] = field(default_factory=list)
    planned_count: int = 0
    # False before randomisation when some of the phase's cases are for one arm only: the
    # count then leaves those out, so pages do not state it.
    count_exact: bool = True

    @property
    def opens_at(self) -> datetime | None:
        return self.phase.opens_at

    @property
    def next_assignment(self) -> Assignment | None:
        return next((a for a in self.assignments if a.completed_at is None), None)


@dataclass
class TaskList:
    participant: Participant
    phases: list[PhaseOverview]

    @property
    def open_assignments(self) -> list[Assignment]:
        return [
            a for overview in self.phases for a in overview.assignments if a.completed_at is None
        ]

    @property
    def to_do(self) -> int:
        return len(self.open_assignments)

    @property
    def started(self) -> int:
        return sum(1 for a in self.open_assignments if a.started_at is not None)

    @property
    def next_assignment(self) -> Assignment | None:
        return next(iter(self.open_assignments), None)

    @property
    def visible_phases(self) -> list[PhaseOverview]:
        return [p for p in self.phases if p.state != PhaseState.NOTHING_TO_DO]

    def _first(self, state: PhaseState) -> PhaseOverview | None:
        return next((p for p in self.phases if p.state == state), None)

    @property
    def phase_to_start(self) -> PhaseOverview | None:
        """The phase whose cases can be started now (at most one: phases open in turn)."""
        return self._first(PhaseState.READY)

    @property
    def training_phase(self) -> PhaseOverview | None:
        """The next phase, when it is held back until the participant's training is done."""
        return self._first(PhaseState.TRAINING_REQUIRED)

    @property
    def cases_to_do(self) -> int:
        """Cases given and not finished, plus those in a phase that is ready to start
        (when its count is known: before randomisation, arm-specific cases are not)."""
        ready = self.phase_to_start
        return self.to_do + (ready.planned_count if ready and ready.count_exact else 0)

    @property
    def opens_next(self) -> datetime | None:
        """When more cases become available, if a phase is waiting for its release date."""
        waiting = self._first(PhaseState.NOT_OPEN_YET)
        return waiting.opens_at if waiting else None

    @property
    def all_finished(self) -> bool:
        """Some cases done, and every phase done or with nothing for this participant."""
        done = (PhaseState.COMPLETED, PhaseState.NOTHING_TO_DO)
        return any(p.state == PhaseState.COMPLETED for p in self.phases) and all(
            p.state in done for p in self.phases
        )


# --- What the journey asks of other apps --------------------------------------


def training_complete(*, participant: Participant) -> bool:
    """Has the participant finished their arm's training (True if it has none)?"""
    arm = participant.arm
    if arm is None or not arm.training_module:
        return True
    return training_selectors.training_complete(participant=participant)


def forecasts_scorable(*, forecast_ids: Sequence[int]) -> list[int]:
    """Those of these forecasts whose question already has an outcome (one query).

    Hand-written SQL (on every submission; the ORM's join and exclusion cost several
    times the database's time), the same condition as the ORM's: not annulled, and
    some outcome set. `tests/forecasts/test_assignment_read.py` holds it to the ORM's.
    """
    if not forecast_ids:
        return []
    using = router.db_for_read(Forecast)
    quote = connections[using].ops.quote_name
    forecast, question = Forecast._meta, Question._meta
    column = partial(joined_rows.qualified_column, using=using)
    outcome = " OR ".join(
        f"{column(question, name)} IS NOT NULL"
        for name in ("outcome_binary", "outcome_category", "outcome_numeric")
    )
    placeholders = ", ".join(["%s"] * len(forecast_ids))
    sql = (
        f"SELECT {column(forecast, 'id')} FROM {quote(forecast.db_table)}"
        f" INNER JOIN {quote(question.db_table)}"
        f" ON {column(question, 'id')} = {column(forecast, 'question')}"
        f" WHERE {column(forecast, 'id')} IN ({placeholders})"
        f" AND NOT {column(question, 'annulled')} AND ({outcome})"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(forecast_ids))
        return [pk for (pk,) in cursor.fetchall()]


# --- Phases and the task list ------------------------------------------------


def plan_items(*, phase: Phase) -> list[PlanItem]:
    return [
        PlanItem(
            vignette_id=item.vignette_id,
            position=item.position,
            arm_id=item.arm_id,
            is_retest=item.is_retest,
        )
        for item in PhaseVignette.objects.filter(phase=phase)
    ]


def _needs_training(phase: Phase, phases: list[Phase]) -> bool:
    """Phases from the first randomised one onwards come after training."""
    return any(p.randomise_before and p.position <= phase.position for p in phases)


def _unstarted_state(
    phase: Phase, *, phases: list[Phase], participant: Participant, planned: int, now: datetime
) -> PhaseState:
    if phase.opens_at is not None and phase.opens_at > now:
        return PhaseState.NOT_OPEN_YET
    if _needs_training(phase, phases) and not training_complete(participant=participant):
        return PhaseState.TRAINING_REQUIRED
    arm_known = participant.arm_id is not None or not _needs_training(phase, phases)
    if arm_known and planned == 0:
        return PhaseState.NOTHING_TO_DO
    return PhaseState.READY


def phase_overviews(
    *, participant: Participant, now: datetime | None = None
) -> list[PhaseOverview]:
    """Every phase of the participant's study, in order, with what they can do in it."""
    now = now or timezone.now()
    phases, items = _phases_and_plans(study_id=participant.study_id)
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in _assignments_with_versions(participant_id=participant.pk):
        assignments[assignment.phase_id].append(assignment)
    overviews = []
    previous_done = True
    for phase in phases:
        mine = assignments.get(phase.pk, [])
        plan = items.get(phase.pk, [])
        planned = len(items_for_arm(plan, arm_id=participant.arm_id))
        exact = participant.arm_id is not None or not any(item.arm_id for item in plan)
        if mine:
            done = all(a.completed_at is not None for a in mine)
            state = PhaseState.COMPLETED if done else PhaseState.IN_PROGRESS
        elif not previous_done:
            state = PhaseState.WAITING_FOR_PREVIOUS
        else:
            state = _unstarted_state(
                phase, phases=phases, participant=participant, planned=planned, now=now
            )
        overviews.append(PhaseOverview(phase, state, mine, planned, exact))
        previous_done = state in (PhaseState.COMPLETED, PhaseState.NOTHING_TO_DO)
    return overviews


# The task list and "Case complete" read every phase, plan and assignment of the
# participant. Written by hand for the same reason as `assignment_for_user`: three
# querysets cost several times their database time to build (docs/performance.md).


@cache
def _phases_and_plans_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    phase, plan = Phase._meta, PhaseVignette._meta
    column = partial(joined_rows.qualified_column, using=using)
    plan_columns = ", ".join(
        column(plan, name) for name in ("vignette", "position", "arm", "is_retest")
    )
    return (
        f"SELECT {joined_rows.select_list(Phase, phase.db_table, using=using)}, {plan_columns}"
        f" FROM {quote(phase.db_table)} LEFT JOIN {quote(plan.db_table)}"
        f" ON {column(plan, 'phase')} = {column(phase, 'id')}"
        f" WHERE {column(phase, 'study')} = %s"
        # The plan's own order (PhaseVignette's Meta.ordering), within each phase.
        f" ORDER BY {column(phase, 'position')}, {column(plan, 'position')}, {column(plan, 'id')}"
    )


def _phases_and_plans(*, study_id: int) -> tuple[list[Phase], dict[int, list[PlanItem]]]:
    """The study's phases in order, and each phase's plan items, in one query."""
    using = router.db_for_read(Phase)
    with connections[using].cursor() as cursor:
        cursor.execute(_phases_and_plans_sql(using), [study_id])
        rows = cursor.fetchall()
    phases: dict[int, Phase] = {}
    items: dict[int, list[PlanItem]] = defaultdict(list)
    for row in rows:
        loaded, (vignette_id, position, arm_id, is_retest) = joined_rows.instances(
            row, (Phase,), using=using
        )
        phase = cast(Phase, loaded[0])
        phase = phases.setdefault(phase.pk, phase)
        if vignette_id is not None:  # a phase with no plan yet joins no item
            items[phase.pk].append(PlanItem(vignette_id, position, arm_id, bool(is_retest)))
    return list(phases.values()), items


@cache
def _assignments_with_versions_sql(using: str) -> str:
    quote = connections[using].ops.quote_name
    assignment, version = Assignment._meta, VignetteVersion._meta
    column = partial(joined_rows.qualified_column, using=using)
    return (
        f"SELECT {joined_rows.select_list(Assignment, assignment.db_table, using=using)},"
        f" {joined_rows.select_list(VignetteVersion, version.db_table, using=using)}"
        f" FROM {quote(assignment.db_table)} JOIN {quote(version.db_table)}"
        f" ON {column(version, 'id')} = {column(assignment, 'vignette_version')}"
        f" WHERE {column(assignment, 'participant')} = %s"
        f" ORDER BY {column(assignment, 'position')}, {column(assignment, 'id')}"
    )


def _assignments_with_versions(*, participant_id: int) -> list[Assignment]:
    """The participant's assignments in order, each with its vignette version."""
    using = router.db_for_read(Assignment)
    with connections[using].cursor() as cursor:
        cursor.execute(_assignments_with_versions_sql(using), [participant_id])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        (assignment, version), _ = joined_rows.instances(
            row, (Assignment, VignetteVersion), using=using
        )
        assert isinstance(assignment, Assignment)
        assignment.vignette_version = version  # type: ignore[assignment]
        found.append(assignment)
    return found


def phase_overview(*, participant: Participant, phase: Phase) -> PhaseOverview:
    return next(o for o in phase_overviews(participant=participant) if o.phase.pk == phase.pk)


def task_list(*, participant: Participant) -> TaskList:
    return TaskList(participant=participant, phases=phase_overviews(participant=participant))


# --- One case -----------------------------------------------------------------


@dataclass
class CaseProgress:
    """Where a participant is in one case: "Case 2 of 4 · Part 1 of 3"."""

    assignment: Assignment
    case_number: int
    case_count: int
    stages: list[Stage]
    submitted_stage_ids: set[int]
    # Parts shown before (a visit recorded), so a page view need not record it again.
    viewed_stage_ids: set[int] = field(default_factory=set)
    # Unsubmitted typing kept for a part (its draft's answers), by part id.
    draft_answers: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def stage_count(self) -> int:
        return len(self.stages)

    @property
    def current_stage(self) -> Stage | None:
        """The first part not yet submitted; None when the case is complete."""
        return next((s for s in self.stages if s.pk not in self.submitted_stage_ids), None)

    def part_number(self, stage: Stage) -> int:
        return self.stages.index(stage) + 1

    def stage_at(self, part: int) -> Stage | None:
        return self.stages[part - 1] if 1 <= part <= len(self.stages) else None

    def is_submitted(self, stage: Stage) -> bool:
        return stage.pk in self.submitted_stage_ids

    def is_reachable(self, stage: Stage) -> bool:
        """Submitted parts can be reread; the current one answered; later ones wait."""
        current = self.current_stage
        return current is None or self.part_number(stage) <= self.part_number(current)

    def next_stage(self, stage: Stage) -> Stage | None:
        return self.stage_at(self.part_number(stage) + 1)


@cache
def _assignment_sql(using: str) -> str:
    """The journey's per-page read, built from the models (see `core.joined_rows`)."""
    quote = connections[using].ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    columns = ", ".join(
        joined_rows.select_list(model, alias, using=using)
        for model, alias in zip(_ASSIGNMENT_MODELS, _ASSIGNMENT_ALIASES, strict=True)
    )
    return (
        f"SELECT {columns},"
        f" (SELECT COUNT(*) FROM {table(Assignment)} same"
        "   WHERE same.participant_id = a.participant_id AND same.phase_id = a.phase_id),"
        f" {reconsent_due_sql(participant_alias='p', using=using)}"
        f" FROM {table(Assignment)} a"
        f" JOIN {table(Participant)} p ON p.id = a.participant_id"
        f" LEFT JOIN {table(Arm)} arm ON arm.id = p.arm_id"
        f" JOIN {table(Study)} s ON s.id = p.study_id"
        f" JOIN {table(VignetteVersion)} v ON v.id = a.vignette_version_id"
        f" JOIN {table(Phase)} ph ON ph.id = a.phase_id"
        " WHERE a.id = %s AND p.user_id = %s"
    )


_ASSIGNMENT_MODELS: tuple[type[Model], ...] = (
    Assignment,
    Participant,
    Arm,
    Study,
    VignetteVersion,
    Phase,
)
_ASSIGNMENT_ALIASES = ("a", "p", "arm", "s", "v", "ph")


def assignment_for_user(*, user: Any, assignment_id: int) -> Assignment | None:
    """The assignment, only if it belongs to this signed-in user, in one query.

    Loaded with its participant (and their arm and study), version and phase, as
    `select_related` would, plus two answers every journey page needs:
    `case_count`, the number of cases in its phase (for "Case 2 of 4"), and
    `reconsent_due`, whether `studies.selectors.reconsent_needed` would send the
    participant to agree to changed information first; and `data_locked`, whether
    the study's data are locked (no draft or submission is accepted). Written by hand because
    the equivalent queryset costs ten times its database time to build on every
    page (docs/performance.md).
    """
    if not getattr(user, "is_authenticated", False) or not isinstance(assignment_id, int):
        return None
    using = router.db_for_read(Assignment)
    with connections[using].cursor() as cursor:
        cursor.execute(_assignment_sql(using), [assignment_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    loaded, (case_count, reconsent_due) = joined_rows.instances(
        row, _ASSIGNMENT_MODELS, using=using
    )
    assignment, participant, arm, study, version, phase = loaded
    assert isinstance(assignment, Assignment) and isinstance(participant, Participant)
    assert isinstance(study, Study)
    participant.arm = arm  # type: ignore[assignment]
    participant.study = study
    assignment.participant = participant
    assignment.vignette_version = version  # type: ignore[assignment]
    assignment.phase = phase  # type: ignore[assignment]
    assignment.case_count = int(case_count)
    assignment.reconsent_due = bool(reconsent_due)
    # Read with the rest, so a draft or a submission need not ask again (services).
    assignment.data_locked = study.data_locked_at is not None
    return assignment


# A vignette version's parts and questions never change once it has been given to
# anyone (the bank adds a new version instead; `vignettes.bank`), and journey pages
# only show versions that have been given. So they are read once per process and
# kept in a local cache, keyed by the version and when it was created. Only their
# structure is used from the cache: a question's outcome and annulment are read
# from the database wherever they matter (scoring, feedback).
STRUCTURE_CACHE = "structure"  # a per-process cache (settings.CACHES)
STRUCTURE_CACHE_SECONDS = 60 * 60


def _version_key(version: VignetteVersion) -> str:
    return f"casecast:version:{version.pk}:{version.created_at.timestamp()}"


def structure_cache_key(*, version: VignetteVersion, name: str) -> str:
    """Where something drawn only from a version's fixed structure is kept (`name` says
    what): in the structure cache with the version's parts and questions, under the same
    rule (a version shown to participants never changes; an edit is a new version)."""
    return f"{_version_key(version)}:{name}"


def version_stages(*, version: VignetteVersion) -> list[Stage]:
    key = _version_key(version) + ":stages"
    stages: list[Stage] | None = caches[STRUCTURE_CACHE].get(key)
    if stages is None:
        stages = list(Stage.objects.filter(version_id=version.pk).order_by("position"))
        caches[STRUCTURE_CACHE].set(key, stages, STRUCTURE_CACHE_SECONDS)
    return stages


@cache
def _visits_and_drafts_sql(using: str) -> str:
    """The case's part visits and drafts in one round trip (see `case_progress`)."""
    quote = connections[using].ops.quote_name
    visit = StageVisit._meta
    draft = Draft._meta

    def column(meta: Any, name: str) -> str:
        return quote(meta.get_field(name).column)

    return (
        f"SELECT {column(visit, 'stage')}, {column(visit, 'submitted_at')}, NULL"
        f" FROM {quote(visit.db_table)} WHERE {column(visit, 'assignment')} = %s"
        f" UNION ALL SELECT {column(draft, 'stage')}, NULL, {column(draft, 'answers')}"
        f" FROM {quote(draft.db_table)} WHERE {column(draft, 'assignment')} = %s"
    )


def _visits_and_drafts(
    assignment: Assignment,
) -> tuple[set[int], set[int], dict[int, dict[str, str]]]:
    """Parts viewed, parts submitted, and drafts' answers by part, in one query.

    Written by hand for the same reason as `assignment_for_user`: every journey page
    asks, and two querysets cost several times their database time to build. The
    answers go through the model field's own conversion, as the ORM's would.
    """
    using = router.db_for_read(StageVisit)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_visits_and_drafts_sql(using), [assignment.pk, assignment.pk])
        rows = cursor.fetchall()
    answers_field = Draft._meta.get_field("answers")
    answers_column = answers_field.get_col(Draft._meta.db_table)  # what the ORM passes
    viewed: set[int] = set()
    submitted: set[int] = set()
    drafts: dict[int, dict[str, str]] = {}
    for stage_id, submitted_at, answers in rows:
        if answers is not None:
            drafts[stage_id] = answers_field.from_db_value(answers, answers_column, connection)
            continue
        viewed.add(stage_id)
        if submitted_at is not None:
            submitted.add(stage_id)
    return viewed, submitted, drafts


def case_progress(*, assignment: Assignment) -> CaseProgress:
    viewed, submitted, drafts = _visits_and_drafts(assignment)
    case_count = getattr(assignment, "case_count", None)
    if case_count is None:
        case_count = Assignment.objects.filter(
            participant_id=assignment.participant_id, phase_id=assignment.phase_id
        ).count()
    return CaseProgress(
        assignment=assignment,
        case_number=assignment.position + 1,
        case_count=case_count,
        stages=version_stages(version=assignment.vignette_version),
        submitted_stage_ids=submitted,
        viewed_stage_ids=viewed,
        draft_answers=drafts,
    )


def stage_questions(*, stage: Stage, version: VignetteVersion | None = None) -> list[Question]:
    """A part's questions in page order; cached with the version's structure when the
    caller passes the (assigned) version the part belongs to."""
    key = f"{_version_key(version)}:stage:{stage.pk}" if version is not None else None
    questions: list[Question] | None = caches[STRUCTURE_CACHE].get(key) if key else None
    if questions is None:
        questions = list(
            Question.objects.filter(stage=stage)
            .select_related("relates_to")
            .order_by("position", "pk")
        )
        if key:
            caches[STRUCTURE_CACHE].set(key, questions, STRUCTURE_CACHE_SECONDS)
    return questions


def stage_forecasts(*, assignment: Assignment, stage: Stage) -> dict[int, Forecast]:
    """The participant's own submitted answers for one part, by question id."""
    rows = Forecast.objects.filter(assignment=assignment, question__stage=stage)
    return {forecast.question_id: forecast for forecast in rows}


def earlier_forecasts(
    *, assignment: Assignment, questions: list[Question], version: VignetteVersion | None = None
) -> dict[int, Forecast]:
    """This participant's latest answer to each question's earlier version, by later question id.

    Each forecast comes with its question. Given the (assigned) `version`, the forecasts
    are read by hand-written SQL and their questions taken from the structure cache (an
    earlier asking is a question of an earlier part of the same version), as
    `assignment_for_user` does: the ORM's join and `select_related` cost several times
    the database's time on every part that asks again.
    """
    earlier_ids = {q.earlier_id: q.pk for q in questions if q.earlier_id}
    if not earlier_ids:
        return {}
    known = version_questions(version=version) if version is not None else {}
    if not all(pk in known for pk in earlier_ids):
        rows = Forecast.objects.filter(
            assignment=assignment, question_id__in=earlier_ids
        ).select_related("question")
        found: dict[int, Forecast] = {}
        for forecast in rows.order_by("submitted_at", "pk"):
            found[earlier_ids[forecast.question_id]] = forecast
        return found
    found = {}
    for forecast in _forecasts_on(assignment, sorted(earlier_ids)):
        forecast.question = known[forecast.question_id]
        found[earlier_ids[forecast.question_id]] = forecast
    return found


def version_questions(*, version: VignetteVersion) -> dict[int, Question]:
    """Every question of the (assigned) version by id, from the structure cache."""
    return {
        question.pk: question
        for stage in version_stages(version=version)
        for question in stage_questions(stage=stage, version=version)
    }


def questions_revealed(*, participant_id: int, question_ids: list[int]) -> set[int]:
    """Those of these questions on which the participant opened their team's panel.

    Read from the reverse relation's table (`team_reveals`), so the journey does not import
    the teams app, by hand-written SQL: this is on every submission of a part that asks
    again, and the ORM's join costs several times the database's time.
    """
    if not question_ids:
        return set()
    relation: Any = Question._meta.get_field("team_reveals")
    reveal = relation.related_model._meta
    using = router.db_for_read(reveal.model)
    quote = connections[using].ops.quote_name
    question, participant = (
        quote(reveal.get_field(name).column) for name in ("question", "participant")
    )
    placeholders = ", ".join(["%s"] * len(question_ids))
    sql = (
        f"SELECT {question} FROM {quote(reveal.db_table)}"
        f" WHERE {participant} = %s AND {question} IN ({placeholders})"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [participant_id, *question_ids])
        return {question_id for (question_id,) in cursor.fetchall()}


def _forecasts_on(assignment: Assignment, question_ids: list[int]) -> list[Forecast]:
    """The assignment's forecasts on these questions, oldest first (as the ORM would load
    them, `core.joined_rows`)."""
    using = router.db_for_read(Forecast)
    quote = connections[using].ops.quote_name
    meta = Forecast._meta
    placeholders = ", ".join(["%s"] * len(question_ids))
    sql = (
        f"SELECT {joined_rows.select_list(Forecast, meta.db_table, using=using)}"
        f" FROM {quote(meta.db_table)}"
        f" WHERE {quote(meta.get_field('assignment').column)} = %s"
        f" AND {quote(meta.get_field('question').column)} IN ({placeholders})"
        f" ORDER BY {quote(meta.get_field('submitted_at').column)}, {quote(meta.pk.column)}"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [assignment.pk, *question_ids])
        rows = cursor.fetchall()
    return [cast(Forecast, joined_rows.instance(Forecast, row, using=using)) for row in rows]
