"""Shared study personas (pytest fixtures), built with the real services.

- `study`: a recruiting two-arm trial (control, feedback), stratified permuted
  blocks by council, two councils, phases "Baseline cases" (position 1) and
  "After randomisation" (position 2, randomise_before), consent version 1.
  The `researcher` persona (tests/conftest.py) is its study administrator.
- `study_researcher` / `study_analyst`: staff with those roles in `study`.
- `make_participant(...)`: a participant at any stage, optionally forced into
  an arm (for journey tests that need "a participant in arm X").
- `participant_invited`, `participant_consented`, `participant_ready` (consent
  and baseline done, not yet randomised), `participant` (randomised, in the
  arm the engine chose), `participant_control` / `participant_feedback`
  (forced into that arm).
- `other_study` + `participant_other_study`: someone in a different study.
- `seeded_demo`: the demo study as `manage.py seed_demo` leaves it, seeded once per test
  module (`demo_seeded_for_module`) inside a transaction rolled back after the module;
  each test's own transaction nests inside it, so tests still cannot see each other's
  writes. Only for modules whose every test uses it (a test after it in the same module
  would run inside the open transaction).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from casecast.studies import services
from casecast.studies.models import (
    Allocation,
    Council,
    EnrolmentRoute,
    Participant,
    RandomisationState,
    Study,
    StudyMembership,
)
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

BASELINE_ANSWERS = {
    "role": "Social worker",
    "years_qualified": "2 to 5 years",
    "team_type": "Children in care",
}

CONSENT_TEXT = """# About the study

This is a test study. You will read short case summaries and make forecasts.

## Consent

- I have read the information above.
- I agree to take part.
"""


def build_study(
    *,
    by: Any,
    title: str = "Forecasting study",
    arms: tuple[tuple[str, str, int], ...] = (
        ("control", "Control", 1),
        ("feedback", "Feedback", 1),
    ),
    scheme: str = "blocks",
    unit: str = "participant",
    strata: tuple[str, ...] = ("council",),
    councils: tuple[tuple[str, str], ...] = (
        ("Northshire County Council", "North East"),
        ("Westbridge Borough Council", "London"),
    ),
    randomise_on_enrolment: bool = False,
    status: str = Study.Status.RECRUITING,
) -> Study:
    """A complete study through the services (usable from any test module)."""
    study = services.study_create(title=title, by=by)
    for position, (key, name, ratio) in enumerate(arms):
        services.arm_save(
            study=study,
            by=by,
            key=key,
            name=name,
            ratio=ratio,
            is_control=position == 0,
            feedback_policies=[] if position == 0 else ["outcome"],
        )
    services.randomisation_save(
        study=study,
        by=by,
        scheme=scheme,
        unit=unit,
        strata=list(strata),
        block_multiples=[1, 2],
        minimisation_probability=0.8,
    )
    for name, region in councils:
        services.council_save(study=study, by=by, name=name, region=region)
    if randomise_on_enrolment:
        services.phase_save(study=study, by=by, name="Cases", randomise_before=True)
    else:
        services.phase_save(study=study, by=by, name="Baseline cases", randomise_before=False)
        services.phase_save(study=study, by=by, name="After randomisation", randomise_before=True)
    services.consent_save(study=study, text=CONSENT_TEXT, by=by)
    if status != Study.Status.DRAFT:
        services.study_status_change(study=study, to=Study.Status.RECRUITING, by=by)
        if status != Study.Status.RECRUITING:
            services.study_status_change(study=study, to=status, by=by)
    study.refresh_from_db()
    return study


def _force_arm(participant: Participant, arm_key: str) -> None:
    """Test-only: put a participant in a named arm, still writing one allocation row."""
    study = participant.study
    arm = study.arms.get(key=arm_key)
    state = RandomisationState.objects.get(study=study)
    Allocation.objects.create(
        study=study,
        sequence=state.next_sequence,
        design_version=study.design_versions.last(),
        participant=participant,
        arm=arm,
        stratum="fixture",
        inputs={"fixture": True},
    )
    state.next_sequence += 1
    state.save(update_fields=["next_sequence"])
    Participant.objects.filter(pk=participant.pk).update(
        arm=arm, randomised_at=timezone.now(), status=Participant.Status.RANDOMISED
    )
    participant.refresh_from_db()


def create_participant(
    *,
    study: Study,
    email: str | None,
    council: Council | None = None,
    stage: str = "randomised",
    arm: str | None = None,
) -> Participant:
    """stage: "invited", "consented", "baseline" or "randomised"."""
    council = council or study.councils.first()
    result = services.participant_enrol(
        study=study,
        council=council,
        email=email,
        route=EnrolmentRoute.COUNCIL_CODE if council else EnrolmentRoute.STUDY_CODE,
    )
    participant = result.participant
    if stage == "invited":
        return participant
    services.participant_consent(
        participant=participant, consent_version=study.consent_versions.last()
    )
    if stage == "consented":
        return participant
    if arm is not None:
        Participant.objects.filter(pk=participant.pk).update(
            baseline=BASELINE_ANSWERS,
            baseline_completed_at=timezone.now(),
            status=Participant.Status.BASELINE_DONE,
        )
        participant.refresh_from_db()
        _force_arm(participant, arm)
        return participant
    participant = services.participant_baseline_submit(
        participant=participant, answers=BASELINE_ANSWERS
    )
    if stage == "randomised" and participant.arm_id is None:
        services.participant_randomise(participant=participant)
    participant.refresh_from_db()
    return participant


@pytest.fixture
def study(db, researcher) -> Study:
    return build_study(by=researcher)


@pytest.fixture
def study_researcher(db, django_user_model, study) -> Any:
    user = django_user_model.objects.create_user(
        email="study-researcher@example.org", password="correct horse battery staple"
    )
    StudyMembership.objects.create(study=study, user=user, role=StudyMembership.Role.RESEARCHER)
    return user


@pytest.fixture
def study_analyst(db, django_user_model, study) -> Any:
    user = django_user_model.objects.create_user(
        email="analyst@example.org", password="correct horse battery staple"
    )
    StudyMembership.objects.create(study=study, user=user, role=StudyMembership.Role.ANALYST)
    return user


@pytest.fixture
def make_participant(db) -> Callable[..., Participant]:
    return create_participant


@pytest.fixture
def participant_invited(study) -> Participant:
    return create_participant(study=study, email="invited@example.org", stage="invited")


@pytest.fixture
def participant_consented(study) -> Participant:
    return create_participant(study=study, email="consented@example.org", stage="consented")


@pytest.fixture
def participant_ready(study) -> Participant:
    return create_participant(study=study, email="ready@example.org", stage="baseline")


@pytest.fixture
def participant(study) -> Participant:
    return create_participant(study=study, email="participant@example.org")


@pytest.fixture
def participant_control(study) -> Participant:
    return create_participant(study=study, email="control@example.org", arm="control")


@pytest.fixture
def participant_feedback(study) -> Participant:
    return create_participant(study=study, email="feedback@example.org", arm="feedback")


@pytest.fixture
def other_study(db, django_user_model) -> Study:
    owner = django_user_model.objects.create_user(
        email="other-researcher@example.org", password="correct horse battery staple"
    )
    return build_study(by=owner, title="Another study")


@pytest.fixture
def participant_other_study(other_study) -> Participant:
    return create_participant(study=other_study, email="elsewhere@example.org")


@contextmanager
def rolled_back(django_db_blocker: Any) -> Iterator[None]:
    """Database access for a module-scoped fixture, in a transaction rolled back when the
    module is done; each test's own `db` transaction nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture(scope="module")
def demo_seeded_for_module(django_db_setup, django_db_blocker) -> Iterator[None]:
    # seed_demo takes 10–30 s; seeding once per module instead of once per test is most of
    # what keeps the demo's own tests affordable in CI.
    with rolled_back(django_db_blocker):
        call_command("seed_demo", stdout=io.StringIO())
        yield


@pytest.fixture
def seeded_demo(demo_seeded_for_module, db) -> Study:
    from casecast.studies.demo import DEMO_SLUG

    return Study.objects.get(slug=DEMO_SLUG)
