"""Reminders: at the study's cadence, only for unfinished work, respecting opt-out, at most once."""

from datetime import timedelta

import pytest
from casecast.notifications import scheduled, services
from casecast.notifications.models import SentEmail
from casecast.studies.models import Participant
from django.core import mail
from django.utils import timezone

from tasks.notifications import send_reminders
from tests.feedback_support import answer_phase
from tests.fixtures_studies import create_participant
from tests.notifications.conftest import make_quiet


def _send(study, days_from_now=0):
    return scheduled.study_reminders_send(
        study=study, now=timezone.now() + timedelta(days=days_from_now)
    )


@pytest.mark.django_db
def test_a_quiet_participant_with_cases_to_do_is_reminded_with_what_is_left(quiet_participant):
    assert _send(quiet_participant.study) == 1
    [message] = mail.outbox
    assert message.to == ["quiet@example.org"]
    assert message.subject == "Reminder: you have unfinished work in Email study"
    assert "You have 1 case to finish in Email study." in message.body
    assert "/accounts/link/?token=" in message.body
    assert "/notifications/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_reminders_follow_the_cadence_and_stop_at_the_maximum(quiet_participant, researcher):
    study = quiet_participant.study
    services.reminder_policy_save(
        study=study, enabled=True, every_days=7, max_reminders=2, by=researcher
    )
    make_quiet(quiet_participant, 3)
    assert _send(study) == 0  # 3 days quiet, cadence 7
    assert _send(study, days_from_now=4) == 1  # 7 days quiet
    assert _send(study, days_from_now=6) == 0  # 2 days after the reminder
    assert _send(study, days_from_now=11) == 1  # 7 days after the reminder
    assert _send(study, days_from_now=30) == 0  # the maximum, 2, reached
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_only_participants_with_unfinished_work_are_reminded(email_study):
    done = create_participant(study=email_study, email="done@example.org", arm="control")
    answer_phase(done, 1)
    answer_phase(done, 2)
    make_quiet(done, 10)
    from casecast.forecasts.models import Forecast

    Forecast.objects.filter(participant=done).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    invited = create_participant(study=email_study, email="invited@example.org", stage="invited")
    make_quiet(invited, 10)
    withdrawn = make_quiet(
        create_participant(study=email_study, email="gone@example.org", arm="control"), 10
    )
    Participant.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    todo = make_quiet(
        create_participant(study=email_study, email="todo@example.org", arm="control"), 10
    )
    assert _send(email_study) == 1
    assert [m.to for m in mail.outbox] == [[todo.user.email]]


@pytest.mark.django_db
def test_recent_activity_postpones_the_reminder(quiet_participant):
    answer_phase(quiet_participant, 1)  # submitting is activity, and phase 2 is still to do
    assert _send(quiet_participant.study) == 0
    assert _send(quiet_participant.study, days_from_now=8) == 1


@pytest.mark.django_db
def test_a_participant_who_opted_out_gets_no_reminders(quiet_participant):
    services.reminders_opt_out_set(participant=quiet_participant, opt_out=True)
    assert _send(quiet_participant.study) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_reminders_turned_off_for_the_study_send_nothing(quiet_participant, researcher):
    services.reminder_policy_save(
        study=quiet_participant.study, enabled=False, every_days=7, max_reminders=3, by=researcher
    )
    assert _send(quiet_participant.study) == 0


@pytest.mark.django_db
def test_calling_the_task_twice_sends_one_email(quiet_participant):
    send_reminders()
    send_reminders()  # a retry, or a second beat tick
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(kind="reminder", status="sent").count() == 1


@pytest.mark.django_db
def test_the_same_reminder_sent_twice_concurrently_goes_out_once(quiet_participant):
    due = scheduled.reminder_due(participant=quiet_participant, now=timezone.now())
    assert due is not None
    assert scheduled.reminder_send(due=due) is True
    assert scheduled.reminder_send(due=due) is False
    assert len(mail.outbox) == 1
