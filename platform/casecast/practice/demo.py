"""Practice mode's part of `seed_demo`: a year of practice for one demo participant.

The outcome-feedback demo participant (whose link `seed_demo` prints) gets 16
practice forecasts: 12 resolved over the past year (enough for the
calibration chart), 2 due now and 2 still waiting, and shares an anonymised
copy with the demo study. A worker outside the study,
`demo-practice-only@example.org`, is invited by the demo study's administrator
to practise only and has made 3 practice forecasts (2 resolved). Rows are keyed by fixed
local ids, so re-seeding leaves the same rows. The labels a real worker would give live in their
browser, so the demo has none.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from casecast.accounts.models import User
from casecast.practice.models import PracticeAccess, PracticeForecast, PracticeShare
from casecast.studies.models import Study, StudyMembership

DEMO_PRACTISER_EMAIL = "demo-outcome-feedback@example.org"
DEMO_PRACTICE_ONLY_EMAIL = "demo-practice-only@example.org"

# (question key or own text, probability %, days from today it is due, outcome or None)
DEMO_PRACTICE: list[tuple[str, int, int, bool | None]] = [
    ("re_referral_3m", 20, -350, False),
    ("plan_ends_6m", 70, -320, True),
    ("placement_breakdown_6m", 30, -300, False),
    ("return_home_12m", 60, -280, True),
    ("proceedings_6m", 15, -250, False),
    ("step_down_3m", 80, -220, True),
    ("re_referral_3m", 40, -190, True),
    ("plan_ends_6m", 55, -150, False),
    ("Will the family attend the next core group meeting?", 75, -120, True),
    ("placement_breakdown_6m", 10, -90, False),
    ("return_home_12m", 35, -60, False),
    ("step_down_3m", 90, -30, True),
    ("re_referral_3m", 25, 0, None),
    ("Will the child's school attendance improve by the end of term?", 45, -3, None),
    ("plan_ends_6m", 65, 40, None),
    ("proceedings_6m", 20, 120, None),
]


def seed_demo_practice(*, study: Study) -> None:
    owner = User.objects.filter(email=DEMO_PRACTISER_EMAIL).first()
    if owner is not None:
        _forecasts(owner, DEMO_PRACTICE)
        PracticeShare.objects.get_or_create(owner=owner, study=study)
    worker = User.objects.filter(email=DEMO_PRACTICE_ONLY_EMAIL).first()
    if worker is None:
        worker = User.objects.create_user(
            email=DEMO_PRACTICE_ONLY_EMAIL, name="Demo Practice Worker"
        )
    admin = StudyMembership.objects.filter(study=study, role=StudyMembership.Role.ADMIN).first()
    PracticeAccess.objects.get_or_create(
        user=worker, study=study, defaults={"invited_by": admin.user if admin else None}
    )
    _forecasts(worker, DEMO_PRACTICE[10:13])  # 2 resolved, 1 due today


def _forecasts(owner: User, rows: list[tuple[str, int, int, bool | None]]) -> None:
    today = timezone.localdate()
    for number, (question, probability, due_in, outcome) in enumerate(rows, start=1):
        common = " " not in question
        due_on = today + timedelta(days=due_in)
        PracticeForecast.objects.update_or_create(
            owner=owner,
            local_id=f"demo-practice-{number:04d}",
            defaults={
                "question_key": question if common else "",
                "custom_text": "" if common else question,
                "probability_pct": probability,
                "due_on": due_on,
                "outcome": outcome,
                "resolved_at": (
                    None
                    if outcome is None
                    else timezone.make_aware(datetime.combine(due_on, time(10)))
                ),
            },
        )
