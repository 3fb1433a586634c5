"""The unsubscribe link works without signing in and only turns off reminders."""

import re
from datetime import timedelta

import pytest
from casecast.notifications import scheduled, services
from casecast.studies.models import Participant
from django.core import mail
from django.urls import reverse
from django.utils import timezone


def _link_from_reminder(participant) -> str:
    scheduled.study_reminders_send(study=participant.study)
    [message] = mail.outbox
    url = re.search(r"https?://\S+/notifications/unsubscribe/\S+/", message.body).group(0)
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@pytest.mark.django_db
def test_the_link_in_a_reminder_turns_reminders_off_without_signing_in(client, quiet_participant):
    path = _link_from_reminder(quiet_participant)
    page = client.get(path).content.decode()
    assert "Stop reminders" in page
    assert "Email study" in page
    page = client.post(path).content.decode()
    assert "Reminders turned off" in page
    quiet_participant.refresh_from_db()
    assert quiet_participant.reminders_opt_out is True
    assert quiet_participant.withdrawn_at is None


@pytest.mark.django_db
def test_one_click_unsubscribe_from_a_mail_client_works_without_csrf(quiet_participant):
    from django.test import Client

    token = services.unsubscribe_token(participant=quiet_participant)
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(
        reverse("notifications:unsubscribe", args=[token]), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert Participant.objects.get(pk=quiet_participant.pk).reminders_opt_out is True


@pytest.mark.django_db
def test_reminders_can_be_turned_back_on(client, quiet_participant):
    token = services.unsubscribe_token(participant=quiet_participant)
    url = reverse("notifications:unsubscribe", args=[token])
    client.post(url)
    client.post(url, {"reminders": "on"})
    assert Participant.objects.get(pk=quiet_participant.pk).reminders_opt_out is False


@pytest.mark.django_db
def test_a_tampered_token_does_nothing(client, quiet_participant):
    token = services.unsubscribe_token(participant=quiet_participant)
    response = client.post(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"]))
    assert response.status_code == 404
    assert Participant.objects.get(pk=quiet_participant.pk).reminders_opt_out is False


@pytest.mark.django_db
def test_opting_out_still_lets_new_wave_emails_through(quiet_participant):
    services.reminders_opt_out_set(participant=quiet_participant, opt_out=True)
    phase = quiet_participant.study.phases.get(position=1)
    phase.opens_at = timezone.now() - timedelta(hours=1)
    phase.save(update_fields=["opens_at"])
    assert scheduled.new_wave_emails_send() == 1
    assert mail.outbox[0].subject == "New cases are ready in Email study"
