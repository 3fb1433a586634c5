"""Randomising participants through the service: idempotent, logged, reproducible."""

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import services
from casecast.studies.models import Allocation, Participant, RandomisationState
from django.core.exceptions import ValidationError

from tests.fixtures_studies import build_study, create_participant


def test_randomising_twice_returns_the_same_allocation(participant_ready):
    first = services.participant_randomise(participant=participant_ready)
    again = services.participant_randomise(participant=participant_ready)
    assert first.pk == again.pk
    assert Allocation.objects.filter(study=participant_ready.study).count() == 1
    participant_ready.refresh_from_db()
    assert participant_ready.arm == first.arm
    assert participant_ready.status == Participant.Status.RANDOMISED


def test_allocation_records_design_version_inputs_and_is_audited(participant_ready):
    allocation = services.participant_randomise(participant=participant_ready)
    assert allocation.design_version.number == 1
    assert allocation.inputs["levels"] == {"council": participant_ready.council.name}
    assert allocation.inputs["decision"]["details"]["scheme"] == "blocks"
    assert AuditEvent.objects.filter(
        action="participant.randomise", target_id=str(participant_ready.pk)
    ).exists()


def test_allocations_cannot_be_changed_or_deleted(participant):
    allocation = Allocation.objects.get(participant=participant)
    allocation.stratum = "tampered"
    with pytest.raises(Exception, match="written once"):
        allocation.save()
    with pytest.raises(Exception, match="never deleted"):
        allocation.delete()


def test_participant_is_not_randomised_before_consent_and_baseline(participant_consented):
    with pytest.raises(ValidationError):
        services.participant_randomise(participant=participant_consented)


def test_randomise_on_enrolment_allocates_when_baseline_is_submitted(researcher):
    study = build_study(by=researcher, randomise_on_enrolment=True)
    participant = create_participant(study=study, email="p@example.org", stage="baseline")
    assert participant.arm is not None
    assert Allocation.objects.filter(participant=participant).exists()


def test_two_phase_design_waits_for_the_randomisation_point(participant_ready):
    assert participant_ready.arm is None


def _allocations_for(researcher, title):
    study = build_study(by=researcher, title=title)
    study.allocation_seed = "same-seed-for-both"
    study.save()
    arms = []
    for n in range(8):
        council = study.councils.all()[n % 2]
        participant = create_participant(
            study=study, email=f"{title}-{n}@example.org", council=council
        )
        arms.append(participant.arm.key)
    return arms


def test_same_seed_and_enrolment_order_give_the_same_allocations(researcher):
    assert _allocations_for(researcher, "one") == _allocations_for(researcher, "two")


def test_blocks_keep_each_council_balanced_at_block_ends(researcher):
    study = build_study(by=researcher, title="balance")
    council = study.councils.first()
    for n in range(8):
        create_participant(study=study, email=f"b{n}@example.org", council=council)
    state = RandomisationState.objects.get(study=study).state["engine"]
    stratum = state["strata"][f"council={council.name.replace(' ', '%20')}"]
    counts = [
        Participant.objects.filter(study=study, arm__key=key).count()
        for key in ("control", "feedback")
    ]
    assert sum(counts) == 8
    if stratum["position"] == 0:
        assert counts[0] == counts[1]
    assert abs(counts[0] - counts[1]) <= 2


def test_unequal_ratio_is_respected(researcher):
    study = build_study(
        by=researcher,
        title="ratio",
        arms=(("control", "Control", 2), ("feedback", "Feedback", 1)),
        strata=(),
    )
    for n in range(12):
        create_participant(study=study, email=f"r{n}@example.org")
    control = Participant.objects.filter(study=study, arm__key="control").count()
    # Blocks of 3 or 6 in a 2:1 ratio: 12 allocations end close to 8:4.
    assert 6 <= control <= 10


def test_minimisation_scheme_allocates_through_the_service(researcher):
    study = build_study(
        by=researcher, title="min", scheme="minimisation", strata=("council", "role")
    )
    for n in range(6):
        create_participant(study=study, email=f"m{n}@example.org")
    allocation = Allocation.objects.filter(study=study).first()
    assert allocation.inputs["decision"]["details"]["scheme"] == "minimisation"
    assert allocation.inputs["levels"]["role"] == "Social worker"


def test_cluster_randomisation_gives_every_participant_their_councils_arm(researcher):
    study = build_study(by=researcher, title="cluster", unit="council", strata=("region",))
    council = study.councils.first()
    people = [
        create_participant(study=study, email=f"c{n}@example.org", council=council)
        for n in range(3)
    ]
    council.refresh_from_db()
    assert council.arm is not None
    assert {p.arm_id for p in people} == {council.arm_id}
    assert Allocation.objects.filter(study=study, council=council).count() == 1
    assert Allocation.objects.filter(study=study, participant__isnull=False).count() == 0


def test_cluster_council_is_allocated_when_its_first_participant_enrols(researcher):
    study = build_study(by=researcher, title="cluster2", unit="council", strata=())
    council = study.councils.first()
    create_participant(study=study, email="first@example.org", council=council, stage="invited")
    council.refresh_from_db()
    assert council.arm is not None


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_bulk_and_raw_changes_to_the_allocation_log(participant):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only (CI runs this on it)")
    allocation = Allocation.objects.get(participant=participant)
    attempts = [
        lambda: Allocation.objects.filter(pk=allocation.pk).update(stratum="tampered"),
        lambda: Allocation.objects.filter(pk=allocation.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert Allocation.objects.get(pk=allocation.pk).stratum == allocation.stratum
