"""The practice due-date reminder (`tasks.notifications.send_practice_reminders`, daily).

On the day a practice forecast falls due (or the first run after it, within
`CATCH_UP`), its owner gets one email asking them to record what happened.
The key `practice_due:<forecast>` makes it one email per forecast however
often the job runs. The email names the question, never the case: the worker's
label for it is only in their browser.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casecast.accounts.links import participant_link, still_taking_part
from casecast.accounts.models import User
from casecast.notifications.services import email_send_once
from casecast.practice.models import PracticeAccess, PracticeForecast
from casecast.practice.questions import question_text

CATCH_UP = timedelta(days=14)  # a forecast overdue by longer is not announced late
KIND = "practice_due"


def practice_forecasts_due(*, today: date) -> list[PracticeForecast]:
    """Unresolved forecasts due by today whose owner can still sign in by link."""
    return [
        forecast
        for forecast in PracticeForecast.objects.filter(
            outcome__isnull=True,
            due_on__lte=today,
            due_on__gt=today - CATCH_UP,
            owner__is_active=True,
            owner__email__isnull=False,
        )
        .select_related("owner")
        .order_by("pk")
        if still_taking_part(forecast.owner)
    ]


def _link(user: User) -> str:
    return participant_link(user=user)


def practice_reminders_send(*, today: date | None = None) -> int:
    """Send each due forecast's reminder once; return how many were sent now."""
    today = today or timezone.localdate()
    sent = 0
    for forecast in practice_forecasts_due(today=today):
        owner = forecast.owner
        sent += email_send_once(
            key=f"{KIND}:{forecast.pk}",
            kind=KIND,
            user=owner,
            template="practice/email/due.txt",
            context={
                "link": lambda owner=owner: _link(owner),
                "question": question_text(
                    key=forecast.question_key, custom_text=forecast.custom_text
                ),
                "probability_pct": forecast.probability_pct,
                "due_on": forecast.due_on,
                "practice_path": reverse("practice:home"),
                "site_name": settings.SITE_NAME,
            },
        )
    return sent


def practice_invitation_send(*, access_id: int) -> bool:
    """The practice-only invitation email, once per invitation; nothing if since revoked."""
    access = (
        PracticeAccess.objects.filter(pk=access_id, revoked_at__isnull=True)
        .select_related("user", "study")
        .first()
    )
    if access is None:
        return False
    user = access.user
    return email_send_once(
        key=f"practice_invitation:{access.pk}",
        kind="practice_invitation",
        user=user,
        template="practice/email/invitation.txt",
        context={
            "link": lambda: _link(user),
            "study_title": access.study.title,
            "site_name": settings.SITE_NAME,
        },
    )
