"""Invitations: a CSV of emails and councils (all rows or none), sent through Celery once."""

import pytest
from casecast.notifications.models import SentEmail
from casecast.studies import services
from casecast.studies.models import Invitation, Participant
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

CSV = "email,council\nann@example.org,Northshire County Council\nBOB@example.org,{code}\n"


def _csv(study):
    return CSV.format(code=study.councils.get(name="Westbridge Borough Council").enrolment_code)


def test_csv_invites_everyone_with_the_council_set_by_the_researcher(researcher, study):
    invitations = services.invitations_import_csv(study=study, csv_text=_csv(study), by=researcher)
    assert len(invitations) == 2
    bob = Participant.objects.get(study=study, user__email="bob@example.org")
    assert bob.council.name == "Westbridge Borough Council"
    assert bob.user.has_usable_password() is False


def test_csv_with_problems_invites_nobody_and_reports_each_row(researcher, study, participant):
    text = (
        "email,council\n"
        "good@example.org,Northshire County Council\n"
        "not-an-email,Northshire County Council\n"
        f"{participant.user.email},Northshire County Council\n"
        "x@example.org,Atlantis\n"
        "good@example.org,Northshire County Council\n"
    )
    with pytest.raises(services.InvitationCsvError) as error:
        services.invitations_import_csv(study=study, csv_text=text, by=researcher)
    rows = {e.row: e.message for e in error.value.errors}
    assert set(rows) == {3, 4, 5, 6}
    assert "not a valid email" in rows[3]
    assert "already joined" in rows[4]
    assert "Atlantis" in rows[5]
    assert "more than once" in rows[6]
    assert not Participant.objects.filter(user__email="good@example.org").exists()


def test_csv_without_the_right_columns_is_explained(researcher, study):
    with pytest.raises(services.InvitationCsvError, match="1 problem"):
        services.invitations_import_csv(study=study, csv_text="name\nAnn\n", by=researcher)


def test_invitation_emails_go_out_once_through_the_task(
    researcher, study, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitations_import_csv(study=study, csv_text=_csv(study), by=researcher)
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.org", "bob@example.org"]
    assert "/accounts/link/?token=" in mailoutbox[0].body
    invitation = Invitation.objects.filter(study=study).first()
    from tasks.invitations import send_invitation

    assert send_invitation.delay(invitation.pk).get() is False  # retried task sends nothing
    assert len(mailoutbox) == 2
    assert SentEmail.objects.filter(kind="invitation").count() == 2
    invitation.refresh_from_db()
    assert invitation.sent_at is not None


def test_invitations_page_uploads_and_shows_row_errors(client, researcher, study):
    client.force_login(researcher)
    url = reverse("studies:invitations", args=[study.slug])
    bad = SimpleUploadedFile("i.csv", b"email,council\nnope,Atlantis\n", content_type="text/csv")
    page = client.post(url, {"csv-file": bad}).content.decode()
    assert "Row 2:" in page and "Nobody was invited" in page
    good = SimpleUploadedFile("i.csv", _csv(study).encode(), content_type="text/csv")
    assert client.post(url, {"csv-file": good}).status_code == 302
    assert study.participants.count() == 2


def test_invitations_page_makes_codes_and_downloads_them(client, study_researcher, study):
    client.force_login(study_researcher)
    url = reverse("studies:invitations", args=[study.slug])
    council = study.councils.first()
    client.post(url, {"codes-council": council.pk, "codes-count": 3})
    body = client.get(reverse("studies:codes_download", args=[study.slug])).content.decode()
    assert body.count(council.name) == 3


def test_an_extra_column_is_a_row_error_not_a_crash(researcher, study):
    text = _csv(study).replace("Northshire County Council\n", "Northshire County Council,x\n")
    with pytest.raises(services.InvitationCsvError) as error:
        services.invitations_import_csv(study=study, csv_text=text, by=researcher)
    (problem,) = error.value.errors
    assert problem.row == 2 and "3 values" in problem.message
    assert not study.participants.exists()
