"""A study of N ready-to-work participants for the load benchmark (`prepare_load`).

Everything is written in bulk (a few dozen queries for 600 participants), so the
benchmark can rebuild its starting point before every run. Running it again
gives the same state: the same study, the first N of its participants, each
consented, with the baseline questionnaire done and an arm from the study's
simple randomisation (one allocation row each), and no case started. Any work
a previous run left (assignments, forecasts, scores, summaries) is deleted.

The study is a two-arm trial (control; outcome feedback released immediately)
with one phase, "Cases", randomised before it starts. Its bank has
`VIGNETTES` cases of two parts each; every question's outcome is already known,
so each submission is scored at once and refreshes the study's summaries, the
heaviest path a submission can take.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from casecast.accounts.links import participant_link_path
from casecast.accounts.models import User
from casecast.forecasts.models import Assignment
from casecast.resolution.models import ArmSummary, ForecastScore, ParticipantSummary
from casecast.studies import services
from casecast.studies.models import (
    Allocation,
    Arm,
    EnrolmentRoute,
    Participant,
    RandomisationState,
    Study,
)
from casecast.vignettes.bank import bank_import
from casecast.vignettes.services import phase_vignettes_set

LOAD_SLUG = "load-test"
VIGNETTES = 10
BASELINE = {
    "role": "Social worker",
    "years_qualified": "2 to 5 years",
    "team_type": "Children in care",
}
CONSENT = "# Load test\n\nA synthetic study for the load benchmark.\n\n- I agree to take part.\n"


class LoadStudyError(RuntimeError):
    """The load study could not be built (a bad bank, or too few participants asked for)."""


@dataclass(frozen=True)
class LoadStudy:
    study: Study
    links: list[str]  # one personal link path (with token) per participant, in pk order


def _bank_yaml(vignettes: int) -> str:
    """A bank of two-part cases: two yes/no questions, then an update and a decision."""
    lines = ["vignettes:"]
    for n in range(1, vignettes + 1):
        yes = "true" if n % 2 else "false"
        no = "false" if n % 2 else "true"
        lines += [
            f"  - key: load-case-{n}",
            f"    title: Load case {n}",
            "    summary: A synthetic case for the load benchmark.",
            "    source: fictional",
            "    stages:",
            "      - title: Referral",
            "        body: A referral arrives at the front door.",
            "        questions:",
            "          - key: rereferral",
            "            kind: binary",
            "            text: How likely is another referral within 3 months?",
            f"            outcome: {{value: {yes}, known_at: 2024-04-12, source: Records}}",
            "          - key: plan",
            "            kind: binary",
            "            text: How likely is a child protection plan within 6 months?",
            f"            outcome: {{value: {no}, known_at: 2024-05-20, source: Records}}",
            "      - title: After the visit",
            "        body: A social worker visits the family.",
            "        questions:",
            "          - key: rereferral-after-visit",
            "            kind: binary",
            "            text: How likely is another referral within 3 months?",
            "            earlier: rereferral",
            f"            outcome: {{value: {yes}, known_at: 2024-04-12, source: Records}}",
            "          - key: decision",
            "            kind: decision",
            "            text: What would you recommend now?",
            "            relates_to: rereferral-after-visit",
            "            outcome: {value: Child in need plan, known_at: 2024-03-28, source: Case}",
        ]
    return "\n".join(lines) + "\n"


def _study_create(*, by: User) -> Study:
    study = services.study_create(title="Load test", by=by, slug=LOAD_SLUG)
    services.arm_save(study=study, by=by, key="control", name="Control", is_control=True)
    services.arm_save(
        study=study, by=by, key="feedback", name="Feedback", feedback_policies=["outcome"]
    )
    services.randomisation_save(
        study=study,
        by=by,
        scheme="simple",
        unit="participant",
        strata=[],
        block_multiples=[1],
        minimisation_probability=0.8,
    )
    services.council_save(study=study, by=by, name="Loadshire County Council", region="London")
    phase = services.phase_save(study=study, by=by, name="Cases", randomise_before=True)
    services.consent_save(study=study, text=CONSENT, by=by)
    report = bank_import(study=study, text=_bank_yaml(VIGNETTES), filename="load.yaml")
    if not report.ok:
        raise LoadStudyError("; ".join(str(problem) for problem in report.problems))
    phase_vignettes_set(
        phase=phase, vignette_keys=[f"load-case-{n}" for n in range(1, VIGNETTES + 1)]
    )
    Study.objects.filter(pk=study.pk).update(outcome_release=Study.OutcomeRelease.IMMEDIATELY)
    services.study_status_change(study=study, to=Study.Status.RECRUITING, by=by)
    study.refresh_from_db()
    return study


def _work_reset(study: Study) -> None:
    """Delete every case a previous run started (forecasts and scores go with them)."""
    ForecastScore.objects.filter(study=study).delete()
    ParticipantSummary.objects.filter(study=study).delete()
    ArmSummary.objects.filter(study=study).delete()
    Assignment.objects.filter(participant__study=study).delete()


def _participants_add(study: Study, count: int) -> None:
    """`count` more participants, consented, baseline done and randomised, in bulk.

    Simple randomisation draws each arm independently with the arms' ratios, so
    the allocation of one participant needs no state from the others: the rows
    are written as the scheme would write them, numbered on from the study's
    allocation sequence.
    """
    if count <= 0:
        return
    now = timezone.now()
    arms = list(Arm.objects.filter(study=study).order_by("position", "pk"))
    council = study.councils.first()
    consent = study.consent_versions.last()
    design = study.design_versions.last()
    state, _ = RandomisationState.objects.select_for_update().get_or_create(study=study)
    first = state.next_sequence
    # Signed in by personal link only: an unusable password, as for enrolled participants.
    users = User.objects.bulk_create(
        User(email=None, password=make_password(None)) for _ in range(count)
    )
    draw = random.Random(f"{study.allocation_seed}:{first}")
    chosen = draw.choices(arms, weights=[arm.ratio for arm in arms], k=count)
    people = Participant.objects.bulk_create(
        Participant(
            study=study,
            user=user,
            council=council,
            status=Participant.Status.RANDOMISED,
            enrolled_via=EnrolmentRoute.INVITATION,
            consent_version=consent,
            consented_at=now,
            baseline=BASELINE,
            baseline_completed_at=now,
            arm=arm,
            randomised_at=now,
        )
        for user, arm in zip(users, chosen, strict=True)
    )
    Allocation.objects.bulk_create(
        Allocation(
            study=study,
            sequence=first + n,
            design_version=design,
            participant=person,
            arm=person.arm,
            stratum="",
            inputs={"scheme": "simple", "load_test": True},
        )
        for n, person in enumerate(people)
    )
    state.next_sequence = first + count
    state.save(update_fields=["next_sequence"])


def load_study_prepare(*, participants: int, by: User) -> LoadStudy:
    """Build or reset the load study so its first `participants` are ready to start."""
    if participants < 1:
        raise LoadStudyError("Ask for at least one participant.")
    with transaction.atomic():
        study = Study.objects.filter(slug=LOAD_SLUG).first() or _study_create(by=by)
        _work_reset(study)
        existing = Participant.objects.filter(study=study).count()
        _participants_add(study, participants - existing)
        people = list(
            Participant.objects.filter(study=study)
            .select_related("user")
            .order_by("pk")[:participants]
        )
    # Every load participant has an account (`_participants_add` creates it).
    links = [participant_link_path(user=person.user) for person in people if person.user]
    return LoadStudy(study=study, links=links)
