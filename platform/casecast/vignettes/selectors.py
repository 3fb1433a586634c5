"""Reads about vignettes: current versions, the study's bank, phase plans."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from casecast.studies.models import Phase, Study
from casecast.vignettes import kinds
from casecast.vignettes.models import PhaseVignette, Vignette, VignetteVersion


def vignette_current_version(*, vignette: Vignette) -> VignetteVersion:
    """The version new assignments get: the highest number."""
    return vignette.current_version()


@dataclass(frozen=True)
class VignetteRow:
    """One line of the researcher's vignette list."""

    vignette: Vignette
    version: VignetteVersion
    versions: int
    stages: int
    questions: int
    outcomes_known: int
    forecast_questions: int


def study_vignette_rows(*, study: Study) -> list[VignetteRow]:
    rows = []
    vignettes = Vignette.objects.filter(study=study).annotate(n_versions=Count("versions"))
    for vignette in vignettes.order_by("pk"):
        version = vignette.current_version()
        if version is None:
            continue
        questions = version.questions.aggregate(
            total=Count("pk"),
            known=Count("pk", filter=_OUTCOME_KNOWN),
            forecasts=Count("pk", filter=Q(kind__in=kinds.values_with_outcome())),
        )
        rows.append(
            VignetteRow(
                vignette=vignette,
                version=version,
                versions=vignette.n_versions,
                stages=version.stages.count(),
                questions=questions["total"],
                outcomes_known=questions["known"],
                forecast_questions=questions["forecasts"],
            )
        )
    return rows


_OUTCOME_KNOWN = (
    Q(outcome_binary__isnull=False)
    | Q(outcome_category__isnull=False)
    | Q(outcome_numeric__isnull=False)
)


@dataclass
class PhasePlan:
    phase: Phase
    items: list[PhaseVignette] = field(default_factory=list)


def study_phase_plans(*, study: Study) -> list[PhasePlan]:
    plans = {phase.pk: PhasePlan(phase) for phase in Phase.objects.filter(study=study)}
    items = PhaseVignette.objects.filter(phase__study=study).select_related("vignette", "arm")
    for item in items.order_by("phase__position", "arm__position", "position"):
        plans[item.phase_id].items.append(item)
    return sorted(plans.values(), key=lambda plan: plan.phase.position)
