"""Demo: a small two-arm study whose intervention arm works in teams of three.

"Casecast demo: team forecasting" is kept apart from the blinded main demo study so
that nothing there changes. Twelve demo participants from two councils are
randomised; those in the team arm are placed in teams, answer the first case, open
their team's forecasts after their own, comment (one comment is hidden by the demo
researcher) and give the case's later questions, flagged as made after seeing the
team. One team member is left just after part 1, for a demonstration of the
reveal; their sign-in link is printed. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

import uuid

from django.db import transaction

from casecast.accounts.models import User
from casecast.forecasts import services as journey
from casecast.forecasts.demo import example_answers
from casecast.forecasts.models import Assignment
from casecast.resolution import scoring_pipeline
from casecast.resolution.demo_blinding import DMC_EMAIL
from casecast.studies import services as study_services
from casecast.studies.demo import BASELINE_ANSWERS, COUNCILS
from casecast.studies.models import EnrolmentRoute, Participant, Phase, Study, StudyMembership
from casecast.teams import services
from casecast.vignettes import kinds
from casecast.vignettes.demo import seed_demo_bank
from casecast.vignettes.kinds import AnswerShape
from casecast.vignettes.models import Question, Stage
from casecast.vignettes.services import phase_vignettes_set

TEAM_DEMO_SLUG = "team-forecasting-demo"
TEAM_DEMO_TITLE = "Casecast demo: team forecasting"
PEOPLE = 12
# Each member's first forecast on a yes/no question, in order of joining.
FIRST_PCT = (30, 55, 75, 45, 65, 20, 50, 70, 35, 60, 80, 40)
COMMENTS = (
    "The earlier police callout makes me think another one is likely.",
    "I went lower: the mother engaged with the visit and the school is reassured.",
)
HIDDEN_COMMENT = "I know this family from Elm Road, the dad is Darren."
_KEYS = uuid.UUID("7c4e2b1a-96d3-4f0e-8a55-0d3e9b6f1c22")


def _email(n: int) -> str:
    return f"demo-team-{n}@example.org"


def _build(researcher: User) -> Study:
    study = study_services.study_create(
        title=TEAM_DEMO_TITLE,
        slug=TEAM_DEMO_SLUG,
        by=researcher,
        public_description="A demonstration of a team arm: do social workers forecast better "
        "when they see their teammates' forecasts after making their own?",
    )
    study_services.arm_save(
        study=study, by=researcher, key="individual", name="Individuals", is_control=True
    )
    study_services.arm_save(
        study=study,
        by=researcher,
        key="teams",
        name="Teams of three",
        feedback_policies=["outcome"],
        team_size=3,
    )
    study_services.randomisation_save(
        study=study,
        by=researcher,
        scheme="blocks",
        unit="participant",
        strata=["council"],
        block_multiples=[1, 2],
        minimisation_probability=0.8,
    )
    for name, region in COUNCILS[:2]:
        study_services.council_save(study=study, by=researcher, name=name, region=region)
    phase = study_services.phase_save(
        study=study, by=researcher, name="Cases", randomise_before=True
    )
    study_services.consent_save(
        study=study, text="# Team forecasting demo\n\n- I agree to take part.", by=researcher
    )
    from_bank(study=study, phase=phase)
    study_services.study_status_change(
        study=study, to=Study.Status.RECRUITING, by=researcher, reason="Demo study"
    )
    study.refresh_from_db()
    return study


def from_bank(*, study: Study, phase: Phase) -> None:
    """One case of the main demo's bank (the one with an update question)."""
    seed_demo_bank(study=study)
    phase_vignettes_set(phase=phase, vignette_keys=["domestic-abuse-notification"], retest_keys=[])


def _join(study: Study, n: int) -> Participant:
    councils = list(study.councils.order_by("name"))
    participant = study_services.participant_enrol(
        study=study,
        council=councils[n % 2],
        email=_email(n),
        route=EnrolmentRoute.COUNCIL_CODE,
        send_link=False,
    ).participant
    study_services.participant_consent(
        participant=participant,
        consent_version=study.consent_versions.current(),  # type: ignore[arg-type]
    )
    # The phase randomises before it starts: the baseline randomises, and places in a team.
    study_services.participant_baseline_submit(participant=participant, answers=BASELINE_ANSWERS)
    return Participant.objects.select_related("arm", "study").get(pk=participant.pk)


def _answers(stage: Stage, pct: int) -> dict[str, str]:
    questions = list(stage.questions.all())
    answers = example_answers(questions)
    for question in questions:
        if kinds.get(question.kind).answer == AnswerShape.PROBABILITY:
            answers[f"q{question.pk}"] = str(pct)
    return answers


def _submit(assignment: Assignment, stage: Stage, pct: int) -> None:
    journey.stage_view_record(assignment=assignment, stage=stage)
    journey.stage_submit(
        assignment=assignment,
        stage=stage,
        answers=_answers(stage, pct),
        idempotency_key=uuid.uuid5(_KEYS, f"{assignment.pk}-{stage.pk}"),
    )


def _first_binary(stage: Stage) -> Question | None:
    probability = kinds.values_answered_as(AnswerShape.PROBABILITY)
    return stage.questions.filter(kind__in=probability).order_by("position").first()


def _take_part(member: Participant, index: int, *, stop_after_part_one: bool) -> None:
    phase = Phase.objects.get(study=member.study, position=1)
    (assignment, *_) = journey.phase_start(participant=member, phase=phase)
    stages = list(Stage.objects.filter(version=assignment.vignette_version).order_by("position"))
    pct = FIRST_PCT[index % len(FIRST_PCT)]
    _submit(assignment, stages[0], pct)
    if stop_after_part_one:
        return
    first = _first_binary(stages[0])
    if first is not None and index % 3 != 2:  # two in three look at their team
        services.team_reveal_record(participant=member, question=first)
        if index < len(COMMENTS):
            services.team_comment_post(participant=member, question=first, text=COMMENTS[index])
    for stage in stages[1:]:
        # Those who looked move towards the middle of the team; the rest keep their view.
        _submit(assignment, stage, pct if index % 3 == 2 else (pct + 50) // 2)


def _hide_one(members: list[Participant], researcher: User) -> None:
    answered = Stage.objects.filter(questions__forecasts__participant=members[0])
    first_stage = answered.order_by("position").first()
    first = _first_binary(first_stage) if first_stage is not None else None
    if first is None:
        return
    comment = services.team_comment_post(
        participant=members[0], question=first, text=HIDDEN_COMMENT
    )
    services.team_comment_hide(
        comment=comment, by=researcher, reason="Names a family and an address"
    )


@transaction.atomic
def _committee(study: Study) -> None:
    """The demo's data monitoring committee member sits on this study too: it is blinded
    while it recruits, so only the committee sees its teams and scores."""
    member = User.objects.filter(email=DMC_EMAIL).first()
    if member is not None:
        StudyMembership.objects.get_or_create(
            study=study, user=member, defaults={"role": StudyMembership.Role.DMC}
        )


def seed_demo_teams(*, researcher: User) -> list[tuple[str, User]]:
    """The team demo study; returns the sign-in link to print (a member after part 1)."""
    study = Study.objects.filter(slug=TEAM_DEMO_SLUG).first()
    if study is None:
        study = _build(researcher)
        people = [_join(study, n) for n in range(1, PEOPLE + 1)]
        members = [p for p in people if p.arm is not None and p.arm.team_size]
        for index, member in enumerate(members):
            _take_part(member, index, stop_after_part_one=index == len(members) - 1)
        if len(members) > 1:
            _hide_one(members, researcher)
        scoring_pipeline.rescore_study(study_id=study.pk)
    _committee(study)
    waiting = (
        Participant.objects.filter(study=study, team_membership__isnull=False)
        .order_by("-pk")
        .select_related("user")
        .first()
    )
    if waiting is None or waiting.user is None:
        return []
    return [("Team arm member who has just answered part 1 (team demo study)", waiting.user)]
