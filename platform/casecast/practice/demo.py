"""Practice mode's part of `seed_demo`: a year of practice for one demo participant.

The outcome-feedback demo participant (whose link `seed_demo` prints) gets 16
practice forecasts: 12 resolved over the past year (enough for the
calibration chart), 2 due now and 2 still waiting, and shares an anonymised
copy with the demo study. Rows are keyed by fixed local ids, so re-seeding
leaves the same rows. The labels a real worker would give live in their
browser, so the demo has none.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from casecast.accounts.models import User
from casecast.practice.models import PracticeForecast, PracticeShare
from casecast.studies.models import Study

DEMO_PRACTISER_EMAIL = "demo-outcome-feedback@example.org"

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
    if owner is None:
        return
    today = timezone.localdate()
    for number, (question, probability, due_in, outcome) in enumerate(DEMO_PRACTICE, start=1):
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
    PracticeShare.objects.get_or_create(owner=owner, study=study)
