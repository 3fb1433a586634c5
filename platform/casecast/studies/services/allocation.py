"""The randomisation service: allocate a participant (or, in a cluster trial, a council) once.

The pure schemes in `casecast.randomisation` decide; each decision is written once to the
append-only allocation log.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casecast.audit.services import audit_record
from casecast.randomisation import allocate, initial_state
from casecast.studies import design as study_design
from casecast.studies.blinding import arm_codes_assign
from casecast.studies.models import (
    Allocation,
    Council,
    DesignVersion,
    Participant,
    RandomisationState,
    Study,
)
from casecast.studies.selectors import design_current
from casecast.studies.services._common import RANDOMISING, _active
from casecast.teams.placement import team_place


def _is_cluster(study: Study) -> bool:
    return design_current(study=study).unit == DesignVersion.Unit.COUNCIL


def _allocation_write(
    *,
    study: Study,
    levels: dict[str, str],
    participant: Participant | None = None,
    council: Council | None = None,
) -> Allocation:
    """Allocate one unit under the current design version and log it once.

    The caller holds the study's RandomisationState row lock (SELECT FOR
    UPDATE), so the state read here is the latest and nobody else can take
    the same slot.
    """
    state_row = RandomisationState.objects.select_for_update().get(study=study)
    version = design_current(study=study)
    engine = study_design.engine_design(version=version)
    stored = state_row.state or {}
    engine_state = (
        stored["engine"]
        if stored.get("design_version") == version.number
        else initial_state(engine)
    )
    decision, new_state = allocate(
        design=engine,
        seed=study_design.version_seed(study=study, version=version),
        state=engine_state,
        levels=levels,
    )
    arm = study.arms.get(key=engine.arms[decision.arm])
    if study.arms.filter(blind_code="").exists():
        arm_codes_assign(study=study)  # blinding starts with the first randomisation
    allocation = Allocation.objects.create(
        study=study,
        sequence=state_row.next_sequence,
        design_version=version,
        participant=participant,
        council=council,
        arm=arm,
        stratum=decision.details["stratum"],
        inputs={
            "design_version": version.number,
            "unit": version.unit,
            "levels": levels,
            "decision": decision.to_dict(),
        },
    )
    state_row.state = {"design_version": version.number, "engine": new_state}
    state_row.next_sequence += 1
    state_row.save(update_fields=["state", "next_sequence"])
    return allocation


def _council_allocate_if_cluster(*, council: Council) -> Allocation | None:
    """Under cluster randomisation, allocate a council when its first participant enrols."""
    study = council.study
    if not _is_cluster(study) or study.status not in RANDOMISING:
        return None
    # Lock the state first (the same order as individual allocation), then the council.
    RandomisationState.objects.select_for_update().get(study=study)
    council = Council.objects.select_for_update().get(pk=council.pk)
    if council.arm_id is not None:
        return Allocation.objects.get(study=study, council=council)
    version = design_current(study=study)
    allocation = _allocation_write(
        study=study,
        levels=study_design.council_levels(council=council, version=version),
        council=council,
    )
    council.arm = allocation.arm
    council.save(update_fields=["arm"])
    audit_record(
        action="council.randomise",
        study_id=study.pk,
        target=council,
        data={"sequence": allocation.sequence, "design_version": version.number},
    )
    return allocation


def _existing_allocation(participant: Participant) -> Allocation:
    own = Allocation.objects.filter(participant=participant).first()
    if own is not None:
        return own
    return Allocation.objects.get(study=participant.study_id, council=participant.council_id)


@transaction.atomic
def participant_randomise(*, participant: Participant) -> Allocation:
    """Allocate a participant to an arm, once. Safe to call again and from parallel requests.

    Under cluster randomisation the participant takes their council's arm
    (allocating the council now if nobody from it has been allocated yet), and
    the council's allocation row is returned.
    """
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("study", "council")
        .get(pk=participant.pk)
    )
    if participant.arm_id is not None:
        return _existing_allocation(participant)
    study = participant.study
    _active(participant)
    if participant.consented_at is None or participant.baseline_completed_at is None:
        raise ValidationError("A participant is randomised only after consent and baseline.")
    if study.status not in RANDOMISING:
        raise ValidationError("Participants can only be randomised while the study is open.")
    if _is_cluster(study):
        if participant.council is None:
            raise ValidationError("Under cluster randomisation every participant needs a council.")
        allocation = _council_allocate_if_cluster(council=participant.council)
        assert allocation is not None
    else:
        version = design_current(study=study)
        allocation = _allocation_write(
            study=study,
            participant=participant,
            levels=study_design.participant_levels(participant=participant, version=version),
        )
    participant.arm = allocation.arm
    participant.randomised_at = timezone.now()
    participant.status = Participant.Status.RANDOMISED
    participant.save(update_fields=["arm", "randomised_at", "status"])
    audit_record(
        action="participant.randomise",
        study_id=study.pk,
        target=participant,
        data={
            "sequence": allocation.sequence,
            "design_version": allocation.inputs["design_version"],
            "cluster": allocation.council_id is not None,
        },
    )
    team_place(participant=participant)  # team arms only; same transaction and lock
    return allocation
