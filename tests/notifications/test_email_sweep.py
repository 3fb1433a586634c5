"""Invitation emails whose task was never sent go out with the next sweep — once."""

from datetime import timedelta

import pytest
from casecast.notifications.models import SentEmail
from casecast.notifications.sweep import email_sweep, invitations_unsent
from casecast.studies import services
from casecast.studies.models import Invitation

from tasks import sweep as sweep_tasks

CSV = (
    "email,council\n"
    "ann@example.org,Northshire County Council\n"
    "bob@example.org,Northshire County Council\n"
)


@pytest.fixture
def lost_invitations(researcher, study, django_capture_on_commit_callbacks):
    """Two email invitations committed while the broker was down: no task ran."""
    with django_capture_on_commit_callbacks(execute=False):
        invitations = services.invitations_import_csv(study=study, csv_text=CSV, by=researcher)
    Invitation.objects.update(
        created_at=Invitation.objects.get(pk=invitations[0].pk).created_at - timedelta(minutes=5)
    )
    return invitations


@pytest.mark.django_db
def test_the_sweep_sends_invitations_whose_task_was_lost_once(lost_invitations, mailoutbox):
    assert sweep_tasks.sweep_emails.apply().get() == 2
    assert sorted(message.to[0] for message in mailoutbox) == ["ann@example.org", "bob@example.org"]
    assert Invitation.objects.filter(sent_at__isnull=True).count() == 0
    assert email_sweep() == 0
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_late_task_after_the_sweep_sends_nothing(lost_invitations, mailoutbox):
    from tasks.invitations import send_invitation

    email_sweep()
    assert send_invitation.apply(args=[lost_invitations[0].pk]).get() is False
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_invitations_just_created_are_left_to_their_own_task(
    researcher, study, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.invitations_import_csv(study=study, csv_text=CSV, by=researcher)
    assert invitations_unsent() == []


@pytest.mark.django_db
def test_an_invitation_the_mail_server_refused_is_not_sent_again(lost_invitations, mailoutbox):
    first = lost_invitations[0]
    SentEmail.objects.create(key=f"invitation:{first.pk}", kind="invitation", status="failed")
    assert invitations_unsent() == [lost_invitations[1].pk]
    email_sweep()
    assert [message.to[0] for message in mailoutbox] == ["bob@example.org"]
