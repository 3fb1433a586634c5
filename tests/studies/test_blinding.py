"""Blinding: random arm codes from the first randomisation, who sees what, data lock and
unblinding (services, constraints, audit), and the journey and outcome writes refusing
after data lock."""

from __future__ import annotations

from datetime import date

import pytest
from casecast.audit.models import AuditEvent
from casecast.forecasts import services as journey
from casecast.forecasts.models import Assignment
from casecast.resolution import services as resolution_services
from casecast.resolution.outcomes import Outcome
from casecast.studies import blinding, services
from casecast.studies.models import Arm, Study, StudyMembership
from casecast.vignettes.models import Question
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.fixtures_studies import build_study, create_participant
from tests.fixtures_vignettes import make_staged_vignette

pytestmark = pytest.mark.django_db
Role = StudyMembership.Role
FOUR_ARMS = (
    ("control", "Control", 1),
    ("outcome", "Outcome feedback", 1),
    ("calibration", "Calibration training", 1),
    ("debiasing", "Debiasing training", 1),
)


def _close(study: Study, by) -> Study:
    services.study_status_change(study=study, to=Study.Status.CLOSED, by=by)
    study.refresh_from_db()
    return study


def _lock_and_unblind(study: Study, by) -> Study:
    services.study_data_lock(study=study, by=by, reason="All outcomes in")
    services.study_unblind(study=study, by=by, reason="Analysis plan signed", confirmed=True)
    study.refresh_from_db()
    return study


# --- codes -----------------------------------------------------------------------------


def test_no_codes_and_real_names_before_anyone_is_randomised(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    create_participant(study=study, email="a@example.org", stage="consented")
    assert set(study.arms.values_list("blind_code", flat=True)) == {""}
    assert not blinding.is_blinded(study=study, role=Role.ANALYST)
    assert list(blinding.arm_labels(study=study, role=Role.ANALYST).values()) == [
        "Control",
        "Outcome feedback",
        "Calibration training",
        "Debiasing training",
    ]


def test_first_randomisation_gives_each_arm_one_of_the_first_letters(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    create_participant(study=study, email="a@example.org")  # randomised by the service
    codes = sorted(study.arms.values_list("blind_code", flat=True))
    assert codes == ["A", "B", "C", "D"]
    labels = blinding.arm_labels(study=study, role=Role.ANALYST)
    assert list(labels.values()) == ["Arm A", "Arm B", "Arm C", "Arm D"]  # by letter
    by_id = {arm.pk: f"Arm {arm.blind_code}" for arm in study.arms.all()}
    assert labels == by_id


def test_codes_are_a_random_permutation_not_the_arm_order(researcher):
    """Drawn afresh 200 times, the control arm gets every letter, and each of the 24
    orderings of four arms turns up (a fixed or position-based rule would give one)."""
    study = build_study(by=researcher, arms=FOUR_ARMS)
    arms = list(study.arms.order_by("position"))
    control_letters, orderings = set(), set()
    for _ in range(200):
        Arm.objects.filter(study=study).update(blind_code="")
        codes = blinding.arm_codes_assign(study=study)
        ordering = tuple(codes[arm.pk] for arm in arms)
        assert sorted(ordering) == ["A", "B", "C", "D"]
        control_letters.add(ordering[0])
        orderings.add(ordering)
    assert control_letters == {"A", "B", "C", "D"}
    # P(missing one of 24 orderings in 200 draws) < 24 * (23/24)^200 ≈ 5e-3; allow 20.
    assert len(orderings) >= 20


def test_codes_are_never_redrawn_and_a_new_arm_takes_the_next_free_letter(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS[:2])
    create_participant(study=study, email="a@example.org")
    before = dict(study.arms.values_list("pk", "blind_code"))
    create_participant(study=study, email="b@example.org")
    assert dict(study.arms.values_list("pk", "blind_code")) == before
    extra = Arm.objects.create(study=study, key="extra", name="Extra", position=9)
    labels = blinding.arm_labels(study=study, role=Role.RESEARCHER)
    extra.refresh_from_db()
    assert extra.blind_code == "C"
    assert labels[extra.pk] == "Arm C"


def test_two_arms_may_not_share_a_code(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS[:2])
    control, other = study.arms.order_by("position")
    Arm.objects.filter(pk=control.pk).update(blind_code="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Arm.objects.filter(pk=other.pk).update(blind_code="A")


# --- who sees what ----------------------------------------------------------------------


def test_roles_and_the_command_line(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    create_participant(study=study, email="a@example.org")
    for role in (Role.ADMIN, Role.RESEARCHER, Role.ANALYST, Role.COUNCIL_LEAD, None):
        assert blinding.is_blinded(study=study, role=role), role
    assert not blinding.is_blinded(study=study, role=Role.DMC)
    assert not blinding.is_blinded(study=study, role=None, unblinded=True)
    real = {arm.pk: arm.name for arm in study.arms.all()}
    assert blinding.arm_labels(study=study, role=Role.DMC) == real
    assert blinding.arm_labels(study=study, role=None, unblinded=True) == real
    assert set(blinding.arm_labels(study=study).values()) == {"Arm A", "Arm B", "Arm C", "Arm D"}
    assert blinding.control_arm_id(study=study, role=Role.ANALYST) is None


def test_after_unblinding_everyone_sees_real_names(researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    create_participant(study=study, email="a@example.org")
    study = _lock_and_unblind(_close(study, researcher), researcher)
    real = {arm.pk: arm.name for arm in study.arms.all()}
    for role in (Role.ADMIN, Role.ANALYST, Role.DMC, None):
        assert not blinding.is_blinded(study=study, role=role)
        assert blinding.arm_labels(study=study, role=role) == real


def test_pages_show_codes_while_blinded_and_names_after_unblinding(client, researcher):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    for n in range(6):
        create_participant(study=study, email=f"p{n}@example.org")
    study = _close(study, researcher)  # arms per participant are shown once closed
    client.force_login(researcher)
    names = [name for _, name, _ in FOUR_ARMS]
    pages = ["studies:participants", "studies:consort", "studies:detail", "studies:councils"]
    for page in pages:
        html = client.get(reverse(page, args=[study.slug])).content.decode()
        assert not any(f">{name}<" in html for name in names), page
    html = client.get(reverse("studies:participants", args=[study.slug])).content.decode()
    assert ">Arm A<" in html or ">Arm B<" in html or ">Arm C<" in html or ">Arm D<" in html
    study = _lock_and_unblind(study, researcher)
    html = client.get(reverse("studies:consort", args=[study.slug])).content.decode()
    assert all(f">{name}<" in html for name in names)
    assert ">Arm A<" not in html


def test_the_dmc_sees_real_names_while_the_team_sees_codes(client, researcher, django_user_model):
    study = build_study(by=researcher, arms=FOUR_ARMS)
    create_participant(study=study, email="a@example.org")
    study = _close(study, researcher)
    dmc = django_user_model.objects.create_user(email="dmc@example.org", password="x" * 12)
    StudyMembership.objects.create(study=study, user=dmc, role=Role.DMC)
    client.force_login(dmc)
    html = client.get(reverse("studies:consort", args=[study.slug])).content.decode()
    assert ">Control<" in html and ">Arm A<" not in html
    client.force_login(researcher)
    html = client.get(reverse("studies:consort", args=[study.slug])).content.decode()
    assert ">Control<" not in html and ">Arm A<" in html


# --- data lock and unblinding -----------------------------------------------------------


def test_data_lock_needs_a_closed_study_and_a_reason(researcher):
    study = build_study(by=researcher)
    with pytest.raises(ValidationError, match="Close the study"):
        services.study_data_lock(study=study, by=researcher, reason="Early")
    study = _close(study, researcher)
    with pytest.raises(ValidationError, match="reason"):
        services.study_data_lock(study=study, by=researcher, reason="  ")
    study.refresh_from_db()
    assert study.data_locked_at is None
    services.study_data_lock(study=study, by=researcher, reason="All outcomes in")
    study.refresh_from_db()
    assert study.data_locked_at is not None
    event = AuditEvent.objects.get(action="study.data_lock", study_id=study.pk)
    assert event.reason == "All outcomes in" and event.actor_id == researcher.pk
    with pytest.raises(ValidationError, match="already locked"):
        services.study_data_lock(study=study, by=researcher, reason="Again")


def test_unblinding_needs_data_lock_and_confirmation_and_is_audited(researcher):
    study = build_study(by=researcher)
    create_participant(study=study, email="a@example.org")
    study = _close(study, researcher)
    with pytest.raises(ValidationError, match="Lock the study's data"):
        services.study_unblind(study=study, by=researcher, reason="Now", confirmed=True)
    services.study_data_lock(study=study, by=researcher, reason="All in")
    with pytest.raises(ValidationError, match="Confirm"):
        services.study_unblind(study=study, by=researcher, reason="Now", confirmed=False)
    study.refresh_from_db()
    assert study.unblinded_at is None and blinding.is_blinded(study=study)
    services.study_unblind(study=study, by=researcher, reason="Plan signed", confirmed=True)
    study.refresh_from_db()
    assert study.unblinded_at is not None
    event = AuditEvent.objects.get(action="study.unblind", study_id=study.pk)
    assert event.reason == "Plan signed" and event.data == {"randomised_before": True}
    with pytest.raises(ValidationError, match="already unblinded"):
        services.study_unblind(study=study, by=researcher, reason="Again", confirmed=True)


def test_a_study_cannot_be_unblinded_without_data_lock_in_the_database(researcher):
    study = build_study(by=researcher)
    with pytest.raises(IntegrityError), transaction.atomic():
        Study.objects.filter(pk=study.pk).update(unblinded_at="2026-01-01T00:00:00Z")


def test_the_unblind_page_confirms_and_records(client, researcher):
    study = build_study(by=researcher)
    create_participant(study=study, email="a@example.org")
    study = _close(study, researcher)
    services.study_data_lock(study=study, by=researcher, reason="All in")
    client.force_login(researcher)
    url = reverse("studies:unblind", args=[study.slug])
    refused = client.post(url, {"reason": "Plan signed"})
    assert refused.status_code == 200
    assert "Confirm that you want to unblind the study" in refused.content.decode()
    study.refresh_from_db()
    assert study.unblinded_at is None
    done = client.post(url, {"reason": "Plan signed", "confirm": "on"})
    assert done.status_code == 302
    study.refresh_from_db()
    assert study.unblinded_at is not None


def test_the_data_lock_page_refuses_a_recruiting_study_and_changes_nothing(client, researcher):
    study = build_study(by=researcher)
    client.force_login(researcher)
    response = client.post(reverse("studies:data_lock", args=[study.slug]), {"reason": "x"})
    assert response.status_code == 200
    assert "Close the study before locking its data" in response.content.decode()
    study.refresh_from_db()
    assert study.data_locked_at is None


# --- what data lock stops -----------------------------------------------------------------


def test_data_lock_stops_the_journey_politely(researcher):
    study = build_study(by=researcher, randomise_on_enrolment=True)
    participant = create_participant(study=study, email="a@example.org", stage="baseline")
    phase = study.phases.get()
    _close(study, researcher)
    services.study_data_lock(study=study, by=researcher, reason="All in")
    with pytest.raises(journey.PhaseNotAvailable, match="finished collecting answers"):
        journey.phase_start(participant=participant, phase=phase)
    assert not Assignment.objects.filter(participant=participant).exists()


def test_data_lock_freezes_outcomes(researcher):
    study = build_study(by=researcher)
    make_staged_vignette(study=study)
    question = Question.objects.filter(stage__version__vignette__study=study).first()
    assert question is not None
    before = (question.annulled, question.outcome_known_at, question.outcome_binary)
    _close(study, researcher)
    services.study_data_lock(study=study, by=researcher, reason="All in")
    with pytest.raises(ValidationError, match="data are locked"):
        resolution_services.question_resolve(
            question=question,
            outcome=Outcome(binary=True),
            known_at=date(2026, 1, 1),
            source="Case file",
            by=researcher,
        )
    with pytest.raises(ValidationError, match="data are locked"):
        resolution_services.question_annul(question=question, by=researcher, reason="Unclear")
    question.refresh_from_db()
    assert (question.annulled, question.outcome_known_at, question.outcome_binary) == before


# --- roles ------------------------------------------------------------------------------


def test_a_council_lead_needs_a_council_and_nobody_else_has_one(researcher, django_user_model):
    study = build_study(by=researcher)
    user = django_user_model.objects.create_user(email="lead@example.org", password="x" * 12)
    with pytest.raises(ValidationError) as error:
        services.membership_add(
            study=study, email=user.email, role=Role.COUNCIL_LEAD, by=researcher
        )
    assert "council" in error.value.message_dict
    assert not StudyMembership.objects.filter(user=user).exists()
    council = study.councils.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyMembership.objects.create(study=study, user=user, role=Role.COUNCIL_LEAD)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyMembership.objects.create(study=study, user=user, role=Role.ANALYST, council=council)
    membership = services.membership_add(
        study=study, email=user.email, role=Role.COUNCIL_LEAD, by=researcher, council=council
    )
    assert membership.council == council
    services.membership_change(membership=membership, role=Role.DMC, by=researcher)
    membership.refresh_from_db()
    assert membership.role == Role.DMC and membership.council is None


def test_a_council_lead_may_not_lead_another_studys_council(researcher, django_user_model):
    study = build_study(by=researcher)
    other = build_study(by=researcher, title="Other")
    user = django_user_model.objects.create_user(email="lead@example.org", password="x" * 12)
    with pytest.raises(ValidationError, match="council of this study"):
        services.membership_add(
            study=study,
            email=user.email,
            role=Role.COUNCIL_LEAD,
            by=researcher,
            council=other.councils.first(),
        )


def test_the_team_page_adds_a_council_lead_with_their_council(
    client, researcher, django_user_model
):
    study = build_study(by=researcher)
    lead = django_user_model.objects.create_user(email="lead@example.org", password="x" * 12)
    council = study.councils.order_by("name").last()
    client.force_login(researcher)
    url = reverse("studies:staff_add", args=[study.slug])
    refused = client.post(url, {"email": lead.email, "role": "council_lead", "council": ""})
    assert "Select the council this council lead is for" in refused.content.decode()
    assert not StudyMembership.objects.filter(user=lead).exists()
    added = client.post(url, {"email": lead.email, "role": "council_lead", "council": council.pk})
    assert added.status_code == 302
    membership = StudyMembership.objects.get(user=lead)
    assert (membership.role, membership.council) == (Role.COUNCIL_LEAD, council)
    team = client.get(reverse("studies:staff", args=[study.slug])).content.decode()
    assert f"Council lead: {council.name}" in team


def test_exposures_stay_empty_while_blinded_because_a_module_names_its_arm(researcher):
    from casecast.resolution.exports.exposures import exposure_source
    from casecast.training.services import training_start

    study = build_study(by=researcher)
    Arm.objects.filter(study=study, key="feedback").update(training_module="calibration")
    trainee = create_participant(study=study, email="t@example.org", arm="feedback")
    training_start(participant=trainee)
    study = _close(study, researcher)
    assert blinding.is_blinded(study=study)
    assert list(exposure_source(study=study).rows) == []
    study = _lock_and_unblind(study, researcher)
    assert len(list(exposure_source(study=study).rows)) == 1
