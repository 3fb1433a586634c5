"""Reads for studies: who is in which study, arm sizes, CONSORT flow, exports.

Concealment lives here: per-stratum counts and the advance allocation list
are only produced by functions whose callers check who is asking and the
study's status (`stratum_counts_visible`).
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from casecast.core.pseudonyms import pseudonym
from casecast.randomisation import allocation_list
from casecast.studies import design as study_design
from casecast.studies.analysis_plan import plan_values, version_plan
from casecast.studies.models import (
    Allocation,
    Arm,
    ConsentVersion,
    Council,
    DesignVersion,
    EnrolmentRoute,
    Invitation,
    Participant,
    Phase,
    Study,
    StudyMembership,
)

Status = Study.Status


def participation_for(*, user: Any, study: Study) -> Participant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Participant.objects.filter(user=user, study=study).select_related("arm", "council").first()
    )


def latest_participation(*, user: Any) -> Participant | None:
    """The user's current participation, or else the one they most recently left."""
    if not getattr(user, "is_authenticated", False):
        return None
    return active_participations(user=user).first() or (
        Participant.objects.filter(user=user)
        .select_related("study")
        .order_by("-withdrawn_at", "-pk")
        .first()
    )


def active_participations(*, user: Any) -> QuerySet[Participant]:
    """The user's participations they have not withdrawn from, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Participant.objects.none()
    return (
        Participant.objects.filter(user=user, withdrawn_at__isnull=True)
        .exclude(study__status=Status.ARCHIVED)
        .select_related("study", "arm", "council")
        .order_by("-enrolled_at", "-pk")
    )


def study_role(*, user: Any, study: Study) -> StudyMembership.Role | None:
    if not getattr(user, "is_authenticated", False):
        return None
    role = (
        StudyMembership.objects.filter(user=user, study=study)
        .values_list("role", flat=True)
        .first()
    )
    return StudyMembership.Role(role) if role else None


def lead_council(*, user: Any, study: Study) -> Council | None:
    """The council a council lead of this study is tied to (None for anyone else)."""
    membership = (
        StudyMembership.objects.filter(
            user=user, study=study, role=StudyMembership.Role.COUNCIL_LEAD
        )
        .select_related("council")
        .first()
    )
    return membership.council if membership else None


def studies_for_staff(*, user: Any) -> QuerySet[Study]:
    return (
        Study.objects.filter(memberships__user=user)
        .annotate(
            participant_count=Count("participants", distinct=True),
            # The viewer's role: a council lead's link goes to their progress page.
            my_role=Subquery(
                StudyMembership.objects.filter(study=OuterRef("pk"), user=user).values("role")[:1]
            ),
        )
        .order_by("-created_at")
    )


def design_current(*, study: Study) -> DesignVersion:
    version = study.design_versions.current()
    assert version is not None, "every study has a design version from creation"
    return version


def analysis_plan_current(*, study: Study) -> tuple[DesignVersion, dict[str, Any]]:
    """The design version in use and its analysis plan as plain values (defaults if none
    was saved). The SAP version is the design version's number."""
    version = design_current(study=study)
    return version, plan_values(version_plan(version=version))


def study_randomised(*, study: Study) -> bool:
    """Has anyone (or any council) been allocated yet? From then on the SAP is frozen."""
    return Allocation.objects.filter(study=study).exists()


def arms_ordered(*, study: Study) -> list[Arm]:
    return sorted(study.arms.all(), key=lambda arm: (not arm.is_control, arm.position, arm.pk))


def council_arm_sizes(*, study: Study) -> dict[str, int]:
    """Councils allocated per arm key (cluster randomisation)."""
    counts = dict(
        Council.objects.filter(study=study, arm__isnull=False)
        .values_list("arm__key")
        .annotate(n=Count("pk"))
    )
    return {arm.key: counts.get(arm.key, 0) for arm in arms_ordered(study=study)}


def arm_counts_visible(*, study: Study) -> bool:
    """Counts by arm only once no one else can be randomised.

    While a study can still randomise (recruiting or running), a count by arm
    that changes as each person is randomised, read beside the participants
    list, tells staff that person's arm. Totals are shown instead.
    """
    return study.status not in (Status.RECRUITING, Status.RUNNING)


def stratum_counts_visible(*, study: Study) -> bool:
    """Per-stratum counts would let staff predict the end of a block: only after closing."""
    return study.status in (Status.CLOSED, Status.ARCHIVED)


def stratum_counts(
    *, study: Study, keys: list[str] | None = None
) -> list[tuple[str, dict[str, int]]]:
    """Allocations per stratum and arm key, columns in the order of `keys` (default: control
    first). Callers must check `stratum_counts_visible`."""
    arms = keys if keys is not None else [arm.key for arm in arms_ordered(study=study)]
    by_stratum: dict[str, Counter[str]] = {}
    for stratum, arm_key in Allocation.objects.filter(study=study).values_list(
        "stratum", "arm__key"
    ):
        by_stratum.setdefault(stratum, Counter())[arm_key] += 1
    return [
        (stratum, {arm: counts.get(arm, 0) for arm in arms})
        for stratum, counts in sorted(by_stratum.items())
    ]


# --- CONSORT ----------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseCount:
    position: int
    name: str
    completed: int


@dataclass(frozen=True)
class ArmFlow:
    key: str
    name: str
    randomised: int
    phases: list[PhaseCount]
    withdrawn: int
    withdrawn_erased: int
    analysed: int
    councils: int | None = None


@dataclass(frozen=True)
class ConsortFlow:
    """Counts for a CONSORT-style flow diagram. `analysed` excludes erased withdrawals."""

    invited: int
    consented: int
    completed_baseline: int
    randomised: int
    withdrawn: int
    withdrawn_erased: int
    withdrawn_before_randomisation: int
    analysed: int
    arms: list[ArmFlow]
    is_cluster: bool = False
    councils_total: int = 0
    councils_with_participants: int = 0
    councils_randomised: int = 0
    routes: dict[str, int] = field(default_factory=dict)


def _phase_completers(*, study: Study, phases: list[Phase]) -> dict[int, dict[int, int]]:
    """{phase id: {arm id: participants whose assignments in that phase are all complete}}."""
    # One row per (participant, phase) with assignments, counted through the
    # reverse relation so studies need not import forecasts (the app above it).
    rows = (
        Participant.objects.filter(study=study, arm__isnull=False, assignments__isnull=False)
        .values("assignments__phase_id", "pk", "arm_id")
        .annotate(
            total=Count("assignments"),
            done=Count("assignments", filter=Q(assignments__completed_at__isnull=False)),
        )
    )
    result: dict[int, dict[int, int]] = {phase.pk: Counter() for phase in phases}
    for row in rows:
        if row["total"] and row["total"] == row["done"]:
            result.setdefault(row["assignments__phase_id"], Counter())[row["arm_id"]] += 1
    return result


def _labelled(arms: list[Arm], labels: dict[int, str] | None) -> list[Arm]:
    """Arms in the order of `labels`, each `name` replaced by its label (copies: unsaved)."""
    if labels is None:
        return arms
    by_id = {arm.pk: arm for arm in arms}
    shown = []
    for pk, label in labels.items():
        if pk in by_id:
            arm = copy.copy(by_id[pk])
            arm.name = label
            shown.append(arm)
    return shown


def _arm_flow(
    arm: Arm,
    *,
    participants: list[Participant],
    phases: list[Phase],
    completers: dict[int, dict[int, int]],
    councils: int | None,
) -> ArmFlow:
    mine = [p for p in participants if p.arm_id == arm.pk]
    withdrawn = [p for p in mine if p.withdrawn_at is not None]
    erased = [p for p in withdrawn if not p.keep_data]
    return ArmFlow(
        key=arm.key,
        name=arm.name,
        randomised=len(mine),
        phases=[
            PhaseCount(phase.position, phase.name, completers[phase.pk].get(arm.pk, 0))
            for phase in phases
        ],
        withdrawn=len(withdrawn),
        withdrawn_erased=len(erased),
        analysed=len(mine) - len(erased),
        councils=councils,
    )


def consort_flow(*, study: Study, labels: dict[int, str] | None = None) -> ConsortFlow:
    """The flow; with `labels` (`blinding.arm_labels`) arms are named and ordered by them."""
    participants = list(Participant.objects.filter(study=study))
    phases = list(study.phases.order_by("position"))
    completers = _phase_completers(study=study, phases=phases)
    is_cluster = design_current(study=study).unit == DesignVersion.Unit.COUNCIL
    council_sizes = council_arm_sizes(study=study) if is_cluster else {}
    arms = [
        _arm_flow(
            arm,
            participants=participants,
            phases=phases,
            completers=completers,
            councils=council_sizes.get(arm.key) if is_cluster else None,
        )
        for arm in _labelled(arms_ordered(study=study), labels)
    ]
    withdrawn = [p for p in participants if p.withdrawn_at is not None]
    return ConsortFlow(
        invited=len(participants),
        consented=sum(1 for p in participants if p.consented_at is not None),
        completed_baseline=sum(1 for p in participants if p.baseline_completed_at is not None),
        randomised=sum(arm.randomised for arm in arms),
        withdrawn=len(withdrawn),
        withdrawn_erased=sum(1 for p in withdrawn if not p.keep_data),
        withdrawn_before_randomisation=sum(1 for p in withdrawn if p.arm_id is None),
        analysed=sum(arm.analysed for arm in arms),
        arms=arms,
        is_cluster=is_cluster,
        councils_total=study.councils.count(),
        councils_with_participants=study.councils.filter(participants__isnull=False)
        .distinct()
        .count(),
        councils_randomised=study.councils.filter(arm__isnull=False).count(),
        routes=dict(Counter(EnrolmentRoute(p.enrolled_via).label for p in participants)),
    )


@dataclass(frozen=True)
class ConsortTable:
    """The follow-up table of the CONSORT page: one column per arm, or one of totals."""

    columns: list[str]
    rows: list[tuple[str, list[int]]]


def consort_table(*, flow: ConsortFlow, by_arm: bool) -> ConsortTable:
    columns = [arm.name for arm in flow.arms] if by_arm else ["All participants"]

    def row(label: str, per_arm: list[int]) -> tuple[str, list[int]]:
        return label, per_arm if by_arm else [sum(per_arm)]

    rows = []
    if flow.is_cluster:
        rows.append(row("Councils allocated", [arm.councils or 0 for arm in flow.arms]))
    rows.append(row("Randomised", [arm.randomised for arm in flow.arms]))
    for index, phase in enumerate(flow.arms[0].phases if flow.arms else []):
        label = f"Completed phase {phase.position}: {phase.name}"
        rows.append(row(label, [arm.phases[index].completed for arm in flow.arms]))
    rows.append(row("Withdrew", [arm.withdrawn for arm in flow.arms]))
    rows.append(row("Withdrew and asked for erasure", [arm.withdrawn_erased for arm in flow.arms]))
    rows.append(row("Analysed", [arm.analysed for arm in flow.arms]))
    return ConsortTable(columns=columns, rows=rows)


# --- Staff lists and exports -------------------------------------------------------


def participants_for_staff(*, study: Study) -> QuerySet[Participant]:
    return Participant.objects.filter(study=study).select_related("council", "arm", "user")


def invitation_codes(*, study: Study) -> QuerySet[Invitation]:
    return Invitation.objects.filter(study=study, kind=Invitation.Kind.CODE).select_related(
        "council"
    )


@dataclass(frozen=True)
class EnrolmentTarget:
    study: Study
    council: Council | None
    route: str
    invitation: Invitation | None = None


def enrolment_target_for_code(*, code: str) -> EnrolmentTarget | None:
    """What an enrolment code opens: a study (study code), a council, or one invitation."""
    code = code.strip().upper().replace(" ", "").replace("-", "")
    if not code:
        return None
    study = Study.objects.filter(enrolment_code=code).first()
    if study is not None:
        return EnrolmentTarget(study=study, council=None, route=EnrolmentRoute.STUDY_CODE)
    council = Council.objects.filter(enrolment_code=code).select_related("study").first()
    if council is not None:
        return EnrolmentTarget(
            study=council.study, council=council, route=EnrolmentRoute.COUNCIL_CODE
        )
    invitation = (
        Invitation.objects.filter(code=code, used_at__isnull=True)
        .select_related("study", "council")
        .first()
    )
    if invitation is not None:
        return EnrolmentTarget(
            study=invitation.study,
            council=invitation.council,
            route=EnrolmentRoute.SINGLE_USE_CODE,
            invitation=invitation,
        )
    return None


ALLOCATION_EXPORT_COLUMNS = [
    "pseudonym",
    "council",
    "region",
    "arm",
    "design_version",
    "allocated_at",
    "withdrawn",
    "erased",
]


def allocation_export_rows(
    *, study: Study, labels: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """Pseudonymised allocations, one row per randomised participant (closed studies only).

    Participants and councils appear as their keyed pseudonyms (`core/pseudonyms.py`), the
    same values as in the study's export package, so the two join; no council names.
    `labels` (arm id -> coded label while blinded) replaces the arm key in the arm column."""
    rows = []
    allocations = {
        allocation.participant_id or ("council", allocation.council_id): allocation
        for allocation in Allocation.objects.filter(study=study).select_related("design_version")
    }
    for participant in participants_for_staff(study=study).filter(arm__isnull=False):
        allocation = allocations.get(participant.pk) or allocations.get(
            ("council", participant.council_id)
        )
        rows.append(
            {
                "pseudonym": study_design.pseudonym(study=study, participant_id=participant.pk),
                # The council's keyed pseudonym, as in every file of the export package.
                "council": pseudonym(
                    key=study.pseudonym_key, kind="council", pk=participant.council_id
                ),
                "region": participant.council.region if participant.council else "",
                "arm": _arm_value(participant.arm, labels),
                "design_version": allocation.design_version.number if allocation else "",
                "allocated_at": participant.randomised_at.isoformat()
                if participant.randomised_at
                else "",
                "withdrawn": "yes" if participant.withdrawn_at else "no",
                "erased": "yes" if participant.erased_at else "no",
            }
        )
    return rows


def _arm_value(arm: Arm | None, labels: dict[int, str] | None) -> str:
    if arm is None:
        return ""
    return labels[arm.pk] if labels is not None else arm.key


def advance_allocation_rows(*, study: Study, per_stratum: int) -> list[dict[str, Any]]:
    """The allocation list in advance (site administrators only): the current design version."""
    version = design_current(study=study)
    engine = study_design.engine_design(version=version)
    if version.unit == DesignVersion.Unit.COUNCIL:
        strata = [
            dict(levels)
            for levels in {
                tuple(study_design.council_levels(council=c, version=version).items())
                for c in study.councils.all()
            }
        ]
    else:
        strata = study_design.all_strata(study=study, version=version)
    return allocation_list(
        design=engine,
        seed=study_design.version_seed(study=study, version=version),
        strata=strata,
        per_stratum=per_stratum,
    )


def reconsent_needed(*, participant: Participant) -> ConsentVersion | None:
    """The version a consented participant must agree to before continuing, if any.

    That is the newest version published with "ask everyone to agree again",
    when it is newer than the version they last agreed to. One query.
    """
    if participant.consent_version_id is None:
        return None
    agreed = ConsentVersion.objects.filter(pk=participant.consent_version_id).values("number")
    return (
        ConsentVersion.objects.filter(
            study_id=participant.study_id,
            requires_reconsent=True,
            number__gt=Subquery(agreed[:1]),
        )
        .order_by("-number")
        .first()
    )


def is_study_staff_anywhere(*, user: Any) -> bool:
    """Staff of at least one study, in any role."""
    if not getattr(user, "is_authenticated", False):
        return False
    return StudyMembership.objects.filter(user=user).exists()


def reconsent_due_sql(*, participant_alias: str, using: str = "default") -> str:
    """SQL that is true exactly when `reconsent_needed` finds a version for the
    participant row aliased `participant_alias`: for hot reads that load the
    participant by hand (`forecasts.selectors.assignment_for_user`) and so answer
    this in the same query. Keep the two in step (tests/studies/test_reconsent.py)."""
    quote = connections[using].ops.quote_name
    table = quote(ConsentVersion._meta.db_table)
    participant = quote(participant_alias)
    return (
        f"EXISTS (SELECT 1 FROM {table} newer WHERE newer.study_id = {participant}.study_id"
        f" AND newer.requires_reconsent AND newer.number > (SELECT agreed.number FROM {table}"
        f" agreed WHERE agreed.id = {participant}.consent_version_id))"
    )
