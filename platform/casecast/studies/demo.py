"""The demo study, in the style of the 2019 social work forecasting trial.

Both functions are idempotent: running them again leaves the same data.
Vignettes are added to the phases by the vignettes app's own demo seeding.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from casecast.accounts.models import User
from casecast.studies import services
from casecast.studies.models import EnrolmentRoute, Participant, Study, StudyMembership

DEMO_SLUG = "judgement-2019-demo"
ANALYST_EMAIL = "analyst@example.org"
ANALYST_PASSWORD = "casecast-demo-2026"

ARMS: list[dict[str, Any]] = [
    {
        "key": "control",
        "name": "Control",
        "is_control": True,
        "feedback_policies": [],
        "training_module": "",
        "description": "Forecasts each case with no feedback or training.",
    },
    {
        "key": "feedback",
        "name": "Outcome and calibration feedback",
        "is_control": False,
        "feedback_policies": ["outcome", "calibration", "peer", "profile"],
        "training_module": "",
        # Only what the feedback pages show: an earlier text promised a "growth
        # mindset" note that no page has.
        "description": "After each case, sees what happened and how well calibrated their "
        "forecasts have been, how they compare with colleagues, and their judgement profile "
        "(confidence, updating, distance from colleagues' average).",
    },
    {
        "key": "calibration",
        "name": "Calibration training",
        "is_control": False,
        "feedback_policies": ["calibration"],
        "training_module": "calibration",
        "description": "Completes a short calibration training module, then gets calibration "
        "feedback.",
    },
    {
        "key": "debiasing",
        "name": "Debiasing training",
        "is_control": False,
        "feedback_policies": [],
        "training_module": "debiasing",
        "description": "Completes a short module on common biases in child protection judgements "
        "(for example hindsight and confirmation bias).",
    },
]

COUNCILS = [
    ("Northshire County Council", "North East"),
    ("Westbridge Borough Council", "London"),
    ("Eastmoor City Council", "Yorkshire and the Humber"),
]

CONSENT_TEXT = """\
# Participant information sheet

**This is a demonstration study.** Nothing you enter here is used for research.
It shows how a real study on Casecast would ask for your consent.

## What is the study about?

We want to learn how social workers judge risk and make decisions about
children and families, and whether feedback or short training helps those
judgements become more accurate.

## What will I be asked to do?

You will read short case summaries written like real referrals. For each one,
you will say how likely you think certain things are to happen (for example,
that the child is re-referred within a year) and what you would decide. Each
case takes about 10 minutes. There are two cases now, two more after a few
weeks, and a second wave a few months later.

Some participants get feedback or a short training module, and some do not.
Which group you are in is decided at random by the computer, like tossing a
coin. Nobody in the study team chooses it.

## Do I have to take part?

No. Taking part is your choice. Your employer will not be told whether you
took part. You can leave at any time without giving a reason, and you can
choose whether we keep or delete the answers you have already given.

## What happens to my information?

We keep your email address only to send you your link and reminders. Your
answers are stored separately under a code, and results are reported only for
groups, never for individuals. Data is kept for 5 years after the study ends,
then deleted.

## Who can I contact?

The demo study team, at the contact page of this site.

# Consent

By continuing you confirm that:

- you have read and understood the information above
- you know that taking part is voluntary and you can leave at any time
- you agree that your anonymised answers can be used in research reports
"""

PARTICIPANTS = [
    ("New participant (consent step)", "participant@example.org", "invited"),
    ("Participant who has done the baseline questions", "demo-baseline-1@example.org", "baseline"),
    (
        "Second participant who has done the baseline questions",
        "demo-baseline-2@example.org",
        "baseline",
    ),
]

BASELINE_ANSWERS = {
    "role": "Social worker",
    "years_qualified": "2 to 5 years",
    "team_type": "Child in need or child protection",
}


def _analyst() -> User:
    analyst = User.objects.filter(email=ANALYST_EMAIL).first()
    if analyst is None:
        analyst = User.objects.create_user(
            email=ANALYST_EMAIL, password=ANALYST_PASSWORD, name="Demo Analyst"
        )
    return analyst


def _build(study: Study, researcher: User) -> None:
    for arm in ARMS:
        services.arm_save(study=study, by=researcher, ratio=1, **arm)
    services.randomisation_save(
        study=study,
        by=researcher,
        scheme="blocks",
        unit="participant",
        strata=["council"],
        block_multiples=[1, 2],
        minimisation_probability=0.8,
    )
    for name, region in COUNCILS:
        services.council_save(study=study, by=researcher, name=name, region=region)
    services.phase_save(study=study, by=researcher, name="Baseline cases", randomise_before=False)
    services.phase_save(
        study=study, by=researcher, name="After randomisation", randomise_before=True
    )
    services.phase_save(
        study=study,
        by=researcher,
        name="Second wave",
        randomise_before=False,
        opens_at=timezone.now() + timedelta(days=120),
    )
    services.eligibility_question_save(
        study=study,
        by=researcher,
        text="Are you a registered social worker in England working with children and families?",
        eligible_answer=True,
    )
    services.consent_save(study=study, text=CONSENT_TEXT, by=researcher)
    services.study_status_change(
        study=study, to=Study.Status.RECRUITING, by=researcher, reason="Demo study"
    )


@transaction.atomic
def seed_demo_study(*, researcher: User) -> Study:
    study = Study.objects.filter(slug=DEMO_SLUG).first()
    if study is None:
        study = services.study_create(
            title="Judgement in children's social care (demo)",
            slug=DEMO_SLUG,
            by=researcher,
            public_description=(
                "A demonstration of a four-arm randomised trial: do outcome feedback, "
                "calibration training or debiasing training improve social workers' forecasts "
                "about children and families?"
            ),
        )
        study.allow_no_email = True
        study.save(update_fields=["allow_no_email"])
        _build(study, researcher)
    StudyMembership.objects.get_or_create(
        study=study, user=researcher, defaults={"role": StudyMembership.Role.ADMIN}
    )
    StudyMembership.objects.get_or_create(
        study=study, user=_analyst(), defaults={"role": StudyMembership.Role.ANALYST}
    )
    study.refresh_from_db()
    return study


def _demo_participant(study: Study, email: str, stage: str) -> User:
    user = User.objects.filter(email=email).first()
    participant = Participant.objects.filter(study=study, user=user).first() if user else None
    if participant is None:
        council = study.councils.order_by("name")[len(email) % study.councils.count()]
        participant = services.participant_enrol(
            study=study,
            council=council,
            email=email,
            route=EnrolmentRoute.INVITATION,
            send_link=False,
            eligibility_answers={
                q.pk: q.eligible_answer for q in study.eligibility_questions.all()
            },
        ).participant
        if stage == "baseline":
            services.participant_consent(
                participant=participant,
                consent_version=study.consent_versions.current(),  # type: ignore[arg-type]
            )
            services.participant_baseline_submit(participant=participant, answers=BASELINE_ANSWERS)
    assert participant.user is not None
    return participant.user


@transaction.atomic
def seed_demo_participants(*, study: Study) -> list[tuple[str, User]]:
    return [(label, _demo_participant(study, email, stage)) for label, email, stage in PARTICIPANTS]
