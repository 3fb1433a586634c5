"""Reads for training: is a participant's training done, where are they in it, how did they do.

`training_complete` is the hook the participant journey calls
(`casecast.forecasts.selectors.training_complete`) to keep the
post-randomisation phase locked until the arm's module is finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

import numpy as np
from django.db.models import Count, Q

from casecast import scoring
from casecast.studies.models import Arm, Participant, Study
from casecast.training.content import (
    CONFIDENCE,
    ModuleContent,
    Step,
    bundled_yaml,
    module_parse,
)
from casecast.training.models import (
    ModuleKey,
    TrainingAttempt,
    TrainingModuleVersion,
    TrainingStepRecord,
)


def module_key_for(*, participant: Participant) -> str:
    """The arm's module key, or "" when the participant has no arm or their arm has none."""
    arm = participant.arm
    return arm.training_module if arm is not None else ""


def training_complete(*, participant: Participant) -> bool:
    """True when the participant's arm has no training module or they have completed it."""
    key = module_key_for(participant=participant)
    if not key:
        return True
    return TrainingAttempt.objects.filter(
        participant=participant, key=key, completed_at__isnull=False
    ).exists()


def attempt_for(*, participant: Participant) -> TrainingAttempt | None:
    key = module_key_for(participant=participant)
    if not key:
        return None
    return (
        TrainingAttempt.objects.filter(participant=participant, key=key)
        .select_related("version")
        .first()
    )


@dataclass(frozen=True)
class StepView:
    """One step as a participant sees it: its place, and their record if done."""

    number: int
    step: Step
    record: TrainingStepRecord | None
    reachable: bool

    @property
    def done(self) -> bool:
        return self.record is not None


@dataclass(frozen=True)
class Progress:
    attempt: TrainingAttempt
    module: ModuleContent
    steps: list[StepView]

    @property
    def next_step(self) -> StepView | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done)

    def step(self, number: int) -> StepView | None:
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None


def attempt_progress(*, attempt: TrainingAttempt) -> Progress:
    module = attempt.version.module
    records = {r.step_key: r for r in attempt.steps.all()}
    views: list[StepView] = []
    reachable = True
    for number, step in enumerate(module.steps, start=1):
        record = records.get(step.key)
        views.append(StepView(number, step, record, reachable))
        reachable = reachable and record is not None
    return Progress(attempt=attempt, module=module, steps=views)


@dataclass(frozen=True)
class ExerciseResult:
    """A participant's calibration exercise: how often right, how sure, Brier."""

    n: int
    n_correct: int
    mean_confidence: float | None
    brier: float | None
    probabilities: list[float]
    outcomes: list[int]

    @property
    def percent_correct(self) -> int:
        return round(100 * self.n_correct / self.n) if self.n else 0

    @property
    def overconfidence_points(self) -> int | None:
        """Mean confidence minus percent right, in percentage points (positive: over-confident)."""
        if self.mean_confidence is None:
            return None
        return round(self.mean_confidence * 100 - self.percent_correct)


def exercise_result(*, progress: Progress) -> ExerciseResult:
    """Score the confidence questions answered so far: p = confidence in the chosen answer."""
    p: list[float] = []
    y: list[int] = []
    for view in progress.steps:
        if view.step.type != CONFIDENCE or view.record is None:
            continue
        p.append((view.record.confidence or 50) / 100)
        y.append(1 if view.record.correct else 0)
    if not p:
        return ExerciseResult(0, 0, None, None, [], [])
    brier = float(np.mean(scoring.brier(np.array(p), np.array(y))))
    return ExerciseResult(
        n=len(p),
        n_correct=sum(y),
        mean_confidence=float(np.mean(p)),
        brier=brier,
        probabilities=p,
        outcomes=y,
    )


# --- researchers ------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentContent:
    """A study's module as it stands, read without writing anything.

    `version` is None while the study has not used the module yet: the content
    is then the bundled YAML, saved as version 1 on first use (a participant
    starting, or a researcher saving an edit).
    """

    version: TrainingModuleVersion | None
    module: ModuleContent
    source_yaml: str

    @property
    def number(self) -> int:
        return self.version.number if self.version is not None else 0


def module_content_current(*, study: Study, key: str) -> CurrentContent:
    version = TrainingModuleVersion.objects.filter(study=study, key=key).current()
    if version is not None:
        return CurrentContent(version, version.module, version.source_yaml)
    source = bundled_yaml(key=key)
    return CurrentContent(None, module_parse(source, key=key), source)


@dataclass(frozen=True)
class ArmTraining:
    """One arm's row in "What each arm gets", in words (no codes)."""

    name: str
    training: str
    feedback: str
    shows_base_rates: bool


def arm_training_rows(*, study: Study) -> list[ArmTraining]:
    modules = dict(ModuleKey.choices)
    policies = dict(Arm.FeedbackPolicy.choices)
    rows = []
    for arm in study.arms.all():
        training = (
            str(modules.get(arm.training_module, arm.training_module))
            if arm.training_module
            else "No training"
        )
        feedback = ", ".join(str(policies.get(p, p)) for p in arm.feedback_policies or [])
        rows.append(
            ArmTraining(
                name=arm.name,
                training=training,
                feedback=feedback or "No feedback",
                shows_base_rates=arm.shows_base_rates,
            )
        )
    return rows


@dataclass(frozen=True)
class ModuleOverview:
    key: str
    label: str
    current: TrainingModuleVersion | None
    researcher_note: str
    versions: list[TrainingModuleVersion]
    arms: list[Arm]
    started: int
    completed: int
    median_seconds: float | None  # over completions with time recorded; None if none

    @property
    def participants(self) -> str:
        if not self.started:
            return "Not started"
        return f"{self.completed} completed of {self.started} started"

    @property
    def median_time(self) -> str:
        if not self.completed:
            return "No completions yet"
        return minutes_text(self.median_seconds)


def minutes_text(seconds: float | None) -> str:
    """A time spent, for people: "12 minutes", "less than 1 minute"; "–" when none is recorded."""
    if not seconds:
        return "\N{EN DASH}"
    if seconds < 60:
        return "less than 1 minute"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def module_overviews(*, study: Study) -> list[ModuleOverview]:
    """Each module: its versions, the arms that do it, and how many started/finished it."""
    overviews = []
    for key, label in ModuleKey.choices:
        versions = list(TrainingModuleVersion.objects.filter(study=study, key=key).newest_first())
        attempts = TrainingAttempt.objects.filter(participant__study=study, key=key)
        counts = attempts.aggregate(
            started=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False))
        )
        # An attempt with no time recorded (0 seconds) says nothing about how long it takes.
        seconds = list(
            attempts.filter(completed_at__isnull=False, seconds_spent__gt=0).values_list(
                "seconds_spent", flat=True
            )
        )
        module = versions[0].module if versions else module_parse(bundled_yaml(key=key), key=key)
        overviews.append(
            ModuleOverview(
                key=key,
                label=str(label),
                current=versions[0] if versions else None,
                researcher_note=module.researcher_note,
                versions=versions,
                arms=list(study.arms.filter(training_module=key)),
                started=counts["started"],
                completed=counts["completed"],
                median_seconds=float(median(seconds)) if seconds else None,
            )
        )
    return overviews


def version_for_study(*, study: Study, key: str, number: int) -> TrainingModuleVersion | None:
    return TrainingModuleVersion.objects.filter(study=study, key=key, number=number).first()


def completions_by_version(*, study: Study, key: str) -> dict[int, int]:
    rows = (
        TrainingAttempt.objects.filter(
            participant__study=study, key=key, completed_at__isnull=False
        )
        .values_list("version__number")
        .annotate(n=Count("pk"))
    )
    return dict(rows)
