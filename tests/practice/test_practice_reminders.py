"""The due-date email: sent on the day a practice forecast falls due, once per forecast,
never for one already resolved, not yet due, long overdue, or whose owner has left."""

from datetime import date, timedelta

import pytest
from casecast.notifications.models import SentEmail
from casecast.practice import jobs, services
from casecast.practice.models import PracticeForecast
from casecast.studies import services as study_services
from django.core import mail
from django.utils import timezone

from tasks.notifications import send_practice_reminders

DUE = date(2026, 5, 4)


def _forecast(owner, number, *, due_on=DUE, custom_text="", outcome=None):
    return PracticeForecast.objects.create(
        owner=owner,
        local_id=f"reminder-test-{number:04d}",
        question_key="" if custom_text else "plan_ends_6m",
        custom_text=custom_text,
        probability_pct=65,
        due_on=due_on,
        outcome=outcome,
        resolved_at=timezone.now() if outcome is not None else None,
    )


@pytest.mark.django_db
def test_a_forecast_falling_due_gets_one_email_naming_the_question(participant):
    forecast = _forecast(participant.user, 1, custom_text="Will mum's new job last?")
    assert jobs.practice_reminders_send(today=DUE - timedelta(days=1)) == 0  # not due yet
    assert jobs.practice_reminders_send(today=DUE) == 1
    assert jobs.practice_reminders_send(today=DUE) == 0  # a second run sends nothing
    assert jobs.practice_reminders_send(today=DUE + timedelta(days=1)) == 0  # nor the next day
    [message] = mail.outbox
    assert message.to == ["participant@example.org"]
    assert message.subject == "A practice forecast is due: what happened?"
    assert "Will mum's new job last?" in message.body  # not HTML-escaped
    assert "You said 65%." in message.body
    assert "On 4 May 2026 one of your practice forecasts" in message.body
    assert "/accounts/link/?token=" in message.body
    assert SentEmail.objects.get().key == f"practice_due:{forecast.pk}"


@pytest.mark.django_db
def test_each_due_forecast_gets_its_own_email(participant):
    _forecast(participant.user, 1)
    _forecast(participant.user, 2, due_on=DUE - timedelta(days=2))
    assert jobs.practice_reminders_send(today=DUE) == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_no_email_for_a_resolved_or_long_overdue_forecast(participant):
    _forecast(participant.user, 1, outcome=True)
    _forecast(participant.user, 2, due_on=DUE - jobs.CATCH_UP)
    assert jobs.practice_reminders_send(today=DUE) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_no_email_once_the_owner_has_left_their_study(participant):
    _forecast(participant.user, 1)
    study_services.participant_withdraw(participant=participant, keep_data=True, by=None)
    assert jobs.practice_reminders_send(today=DUE) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_erasure_on_leaving_deletes_the_practice_forecasts_with_the_account(participant):
    _forecast(participant.user, 1)
    services.practice_sharing_set(owner=participant.user, studies=[participant.study])
    study_services.participant_withdraw(participant=participant, keep_data=False, by=None)
    assert not PracticeForecast.objects.exists()


@pytest.mark.django_db
def test_the_daily_task_sends_todays_reminders(participant):
    _forecast(participant.user, 1, due_on=timezone.localdate())
    assert send_practice_reminders.delay().get() == 1
    assert send_practice_reminders.delay().get() == 0
    assert len(mail.outbox) == 1


def test_the_reminder_runs_daily_from_the_beat_schedule():
    from tasks.beat import app

    entry = app.conf.beat_schedule["send-practice-reminders"]
    assert entry["task"] == "tasks.notifications.send_practice_reminders"
