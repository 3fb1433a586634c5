"""Freezing the trial design after draft, and numbered design versions with who/when/why."""

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import services
from casecast.studies.models import Allocation, DesignVersion
from django.core.exceptions import ValidationError

from tests.fixtures_studies import build_study, create_participant


def test_draft_changes_update_the_single_working_version(researcher):
    study = build_study(by=researcher, status="draft")
    assert study.design_versions.count() == 1
    services.arm_save(study=study, by=researcher, arm=study.arms.get(key="feedback"), ratio=2)
    version = study.design_versions.get()
    assert [a["ratio"] for a in version.arms] == [1, 2]


def test_after_draft_frozen_changes_need_a_reason(researcher, study):
    arm = study.arms.get(key="feedback")
    with pytest.raises(ValidationError, match="reason"):
        services.arm_save(study=study, by=researcher, arm=arm, ratio=2)
    with pytest.raises(ValidationError, match="reason"):
        services.randomisation_save(
            study=study,
            by=researcher,
            scheme="simple",
            unit="participant",
            strata=[],
            block_multiples=[1],
            minimisation_probability=0.8,
        )
    assert study.design_versions.count() == 1


def test_a_change_after_draft_creates_a_new_version_beside_the_old(researcher, study):
    arm = study.arms.get(key="feedback")
    services.arm_save(study=study, by=researcher, arm=arm, ratio=2, reason="Power analysis")
    versions = list(study.design_versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert [a["ratio"] for a in versions[0].arms] == [1, 1]
    assert [a["ratio"] for a in versions[1].arms] == [1, 2]
    assert versions[1].created_by == researcher and versions[1].reason == "Power analysis"
    assert AuditEvent.objects.filter(action="design.change", reason="Power analysis").exists()


def test_renaming_an_arm_is_not_a_design_change(researcher, study):
    arm = study.arms.get(key="feedback")
    services.arm_save(study=study, by=researcher, arm=arm, name="Feedback (renamed)")
    assert study.design_versions.count() == 1


def test_allocations_record_the_version_they_were_made_under(researcher, study):
    first = create_participant(study=study, email="a@example.org")
    services.randomisation_save(
        study=study,
        by=researcher,
        scheme="simple",
        unit="participant",
        strata=[],
        block_multiples=[1],
        minimisation_probability=0.8,
        reason="Switch to simple",
    )
    second = create_participant(study=study, email="b@example.org")
    assert Allocation.objects.get(participant=first).design_version.number == 1
    later = Allocation.objects.get(participant=second)
    assert later.design_version.number == 2
    assert later.inputs["decision"]["details"]["scheme"] == "simple"
    assert later.sequence == 1


def test_point_of_randomisation_and_arm_removal_are_frozen(researcher, study):
    phase = study.phases.get(position=2)
    with pytest.raises(ValidationError):
        services.phase_save(
            study=study, by=researcher, phase=phase, name=phase.name, randomise_before=False
        )
    with pytest.raises(ValidationError):
        services.arm_delete(arm=study.arms.get(key="feedback"), by=researcher)


def test_status_lifecycle_only_moves_forward(researcher, study):
    with pytest.raises(ValidationError):
        services.study_status_change(study=study, to="draft", by=researcher)
    services.study_status_change(study=study, to="running", by=researcher)
    services.study_status_change(study=study, to="closed", by=researcher)
    services.study_status_change(study=study, to="archived", by=researcher)
    with pytest.raises(ValidationError):
        services.study_status_change(study=study, to="recruiting", by=researcher)
    assert AuditEvent.objects.filter(action="study.status", study_id=study.pk).count() == 4


def test_design_pages_show_every_version(client, researcher, study):
    services.arm_save(
        study=study,
        by=researcher,
        arm=study.arms.get(key="feedback"),
        ratio=3,
        reason="Bigger intervention arm",
    )
    client.force_login(researcher)
    page = client.get(f"/studies/{study.slug}/design/").content.decode()
    assert "Version 2 (current)" in page and "Version 1" in page
    assert "Bigger intervention arm" in page
    assert DesignVersion.objects.filter(study=study).count() == 2
