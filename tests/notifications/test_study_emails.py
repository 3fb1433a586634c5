"""Researchers reword each email per study; invitations, new waves and feedback notices use it."""

from datetime import timedelta

import pytest
from casecast.notifications import scheduled, services
from casecast.notifications.services import email_send_once, study_email_render
from casecast.studies.models import Study
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.feedback_support import answer_phase
from tests.fixtures_studies import create_participant

REMINDER_BODY = (
    "Hello from ((study_title)). ((cases_to_do)) left. ((link))\nStop: ((unsubscribe_link))"
)


@pytest.mark.django_db
def test_the_default_invitation_names_the_study_and_carries_the_link(email_study):
    subject, body = study_email_render(
        study=email_study, kind="invitation", context={"study": email_study, "link": "https://x/l"}
    )
    assert subject == "You are invited to take part in Email study"
    assert "https://x/l" in body


@pytest.mark.django_db
def test_an_edited_invitation_is_what_the_invitation_task_sends(email_study, researcher):
    services.study_email_template_save(
        study=email_study,
        kind="invitation",
        subject="Join ((study_title))",
        body="Please join. ((link))",
        by=researcher,
    )
    participant = create_participant(study=email_study, email="new@example.org", stage="invited")
    # Exactly how casecast.studies.services.invitation_email_send calls it.
    email_send_once(
        key="invitation:1",
        kind="invitation",
        user=participant.user,
        template="studies/email/invitation.txt",
        context={"study": email_study, "link": "https://x/link", "site_name": "C"},
    )
    [message] = mail.outbox
    assert message.subject == "Join Email study"
    assert message.body == "Please join. https://x/link\n"


@pytest.mark.django_db
def test_the_edit_page_saves_a_version_and_refuses_unknown_or_missing_placeholders(
    client, email_study, researcher
):
    client.force_login(researcher)
    url = reverse("notifications:staff_email_edit", args=[email_study.slug, "reminder"])
    page = client.post(url, {"subject": "Hi", "body": "((link)) ((secret))"}).content.decode()
    assert "((secret)) is not a placeholder for this email" in page
    assert "The message must include ((unsubscribe_link))" in page
    response = client.post(url, {"subject": "Nudge from ((study_title))", "body": REMINDER_BODY})
    assert response.status_code == 302
    subject, body = study_email_render(
        study=email_study,
        kind="reminder",
        context={"cases_to_do": "2 cases", "link": "L", "unsubscribe_link": "U"},
    )
    assert subject == "Nudge from Email study"
    assert body == "Hello from Email study. 2 cases left. L\nStop: U\n"


@pytest.mark.django_db
def test_the_reminder_cadence_is_set_on_the_emails_page(client, email_study, researcher):
    client.force_login(researcher)
    url = reverse("notifications:staff_emails", args=[email_study.slug])
    assert "Default wording" in client.get(url).content.decode()
    client.post(url, {"enabled": "on", "every_days": "3", "max_reminders": "5"})
    policy = services.reminder_policy_for(study=email_study)
    assert (policy.enabled, policy.every_days, policy.max_reminders) == (True, 3, 5)
    page = client.post(url, {"every_days": "0", "max_reminders": "5"}).content.decode()
    assert "Enter a number of days from 1 to 90" in page


@pytest.mark.django_db
def test_a_new_wave_is_announced_once_to_those_who_can_start_it(email_study):
    ready = create_participant(study=email_study, email="ready@example.org", arm="control")
    answer_phase(ready, 1)
    create_participant(study=email_study, email="behind@example.org", arm="control")
    phase = email_study.phases.get(position=2)
    phase.opens_at = timezone.now() - timedelta(hours=2)
    phase.save(update_fields=["opens_at"])
    assert scheduled.new_wave_emails_send() == 1
    assert scheduled.new_wave_emails_send() == 0
    [message] = mail.outbox
    assert message.to == ["ready@example.org"]
    assert "After randomisation" in message.body


@pytest.mark.django_db
def test_feedback_available_is_sent_once_when_the_study_releases_outcomes(email_study):
    Study.objects.filter(pk=email_study.pk).update(outcome_release="after_study")
    participant = create_participant(study=email_study, email="fb@example.org", arm="outcome")
    control = create_participant(study=email_study, email="c@example.org", arm="control")
    answer_phase(participant, 1)
    answer_phase(control, 1)
    assert scheduled.feedback_available_emails_send() == 0  # withheld until the study closes
    Study.objects.filter(pk=email_study.pk).update(status=Study.Status.CLOSED)
    assert scheduled.feedback_available_emails_send() == 1
    assert scheduled.feedback_available_emails_send() == 0
    [message] = mail.outbox
    assert message.to == ["fb@example.org"]
    assert message.subject == "Your feedback is ready in Email study"


def test_periodic_jobs_are_declared_in_one_beat_schedule():
    from tasks import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert set(schedule) == {
        "send-reminders",
        "send-new-wave-emails",
        "send-feedback-available-emails",
        "send-practice-reminders",
        "sweep-scoring",
        "sweep-emails",
        "worker-heartbeat",
    }
    for entry in schedule.values():
        assert entry["task"] in app.tasks
