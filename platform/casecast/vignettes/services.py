"""Writes about vignettes other than bank import: which vignettes each phase delivers.

Bank import and export live in `casecast.vignettes.bank`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from casecast.audit.services import audit_record
from casecast.studies.models import Arm, Participant, Phase
from casecast.vignettes.bank import ImportReport, bank_export, bank_import
from casecast.vignettes.models import PhaseVignette, Vignette

__all__ = [
    "ImportReport",
    "bank_export",
    "bank_import",
    "phase_plan_set",
    "phase_vignettes_set",
]


def phase_vignettes_set(
    *,
    phase: Phase,
    vignette_keys: Sequence[str],
    arm: Arm | None = None,
    retest_keys: Iterable[str] = (),
    by: Any = None,
) -> list[PhaseVignette]:
    """Set, in order, the vignettes `phase` delivers to `arm` (None: everyone).

    `retest_keys` marks which of `vignette_keys` repeat a vignette delivered in
    an earlier phase. Setting the same plan again changes nothing; once anyone
    has been given this phase's vignettes, a different plan is refused.
    """
    retests = set(retest_keys)
    vignettes = _plan_vignettes(phase=phase, keys=vignette_keys, arm=arm, retests=retests)
    wanted = [(vignette.pk, vignette.key in retests) for vignette in vignettes]
    with transaction.atomic():
        rows = PhaseVignette.objects.select_for_update().filter(phase=phase, arm=arm)
        current = [(row.vignette_id, row.is_retest) for row in rows.order_by("position", "pk")]
        if current == wanted:
            return list(rows.order_by("position", "pk"))
        _check_phase_not_started(phase)
        rows.delete()
        created = PhaseVignette.objects.bulk_create(
            PhaseVignette(
                phase=phase,
                vignette=vignette,
                arm=arm,
                position=position,
                is_retest=vignette.key in retests,
            )
            for position, vignette in enumerate(vignettes, start=1)
        )
        audit_record(
            action="vignettes.phase_plan_set",
            actor=by,
            study_id=phase.study_id,
            target=phase,
            data={
                "arm": arm.key if arm else None,
                "vignettes": [vignette.key for vignette in vignettes],
                "retests": sorted(retests),
            },
        )
    return created


def phase_plan_set(
    *, phase: Phase, plan: Mapping[Arm | None, Sequence[tuple[str, bool]]], by: Any = None
) -> None:
    """Set every group's list for a phase at once: {arm or None: [(key, is_retest), ...]}.

    Groups not in `plan` are emptied.
    """
    wanted = {
        (arm.pk if arm else None, key, is_retest, position)
        for arm, items in plan.items()
        for position, (key, is_retest) in enumerate(items, start=1)
    }
    with transaction.atomic():
        rows = PhaseVignette.objects.select_for_update().filter(phase=phase)
        current = set(rows.values_list("arm_id", "vignette__key", "is_retest", "position"))
        if current == wanted:
            return
        _check_phase_not_started(phase)
        rows.delete()
        for arm, items in plan.items():
            if items:
                phase_vignettes_set(
                    phase=phase,
                    vignette_keys=[key for key, _ in items],
                    arm=arm,
                    retest_keys=[key for key, is_retest in items if is_retest],
                    by=by,
                )


def _check_phase_not_started(phase: Phase) -> None:
    # Assignments are the journey's (forecasts); reached through Participant so
    # vignettes need not import the app above them.
    if Participant.objects.filter(assignments__phase=phase).exists():
        raise ValidationError(
            f"Participants have already been given the vignettes of {phase.name!r}, so what it "
            "delivers can no longer change."
        )


def _plan_vignettes(
    *, phase: Phase, keys: Sequence[str], arm: Arm | None, retests: set[str]
) -> list[Vignette]:
    study = phase.study
    if arm is not None and arm.study_id != study.pk:
        raise ValidationError(f"Arm {arm.key!r} belongs to another study.")
    duplicates = sorted({key for key in keys if list(keys).count(key) > 1})
    if duplicates:
        raise ValidationError(f"Vignette {duplicates[0]!r} is listed twice.")
    if not retests <= set(keys):
        raise ValidationError("Every retest must also be one of the phase's vignettes.")
    found = {v.key: v for v in Vignette.objects.filter(study=study, key__in=keys)}
    missing = [key for key in keys if key not in found]
    if missing:
        raise ValidationError(f"No vignette {missing[0]!r} in this study.")
    _check_earlier_delivery(phase=phase, keys=keys, retests=retests)
    _check_other_groups(phase=phase, keys=keys, arm=arm)
    return [found[key] for key in keys]


def _check_earlier_delivery(*, phase: Phase, keys: Sequence[str], retests: set[str]) -> None:
    earlier = set(
        PhaseVignette.objects.filter(
            phase__study=phase.study, phase__position__lt=phase.position, vignette__key__in=keys
        ).values_list("vignette__key", flat=True)
    )
    for key in keys:
        if key in retests and key not in earlier:
            raise ValidationError(
                f"Vignette {key!r} is marked as a retest but no earlier phase delivers it."
            )
        if key not in retests and key in earlier:
            raise ValidationError(
                f"Vignette {key!r} was delivered in an earlier phase; mark it as a retest."
            )


def _check_other_groups(*, phase: Phase, keys: Sequence[str], arm: Arm | None) -> None:
    """A vignette goes to everyone or to particular arms in a phase, not both."""
    others = PhaseVignette.objects.filter(phase=phase, vignette__key__in=keys)
    others = others.exclude(arm__isnull=True) if arm is None else others.filter(arm__isnull=True)
    clash = others.values_list("vignette__key", flat=True).first()
    if clash:
        group = "particular arms" if arm is None else "everyone"
        raise ValidationError(f"Vignette {clash!r} is already delivered to {group} in this phase.")
