"""Personal links sign in participants only: superseded, revocable, expiring, never staff."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from casecast.accounts.links import participant_link_path, participant_links_revoke
from casecast.studies import services
from casecast.studies.models import EnrolmentRoute, StudyMembership
from django.core import mail
from django.urls import reverse

from tests.fixtures_studies import create_participant


@pytest.mark.django_db
def test_a_valid_personal_link_signs_the_participant_in(client, participant):
    response = client.get(participant_link_path(user=participant.user))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(participant.user.pk)


@pytest.mark.django_db
def test_an_expired_or_altered_link_explains_how_to_get_a_new_one(client, participant):
    tampered = participant_link_path(user=participant.user)[:-3] + "xyz"
    response = client.get(tampered)
    assert response.status_code == 403
    assert b"Your link has expired or is not valid" in response.content
    assert reverse("accounts:request_link").encode() in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_new_link_supersedes_the_older_one(client, participant):
    older = participant_link_path(user=participant.user)
    newer = participant_link_path(user=participant.user)
    assert client.get(older).status_code == 403
    assert client.get(newer).status_code == 302


@pytest.mark.django_db
def test_a_link_stops_working_after_the_configured_age(client, participant, settings):
    settings.PARTICIPANT_LINK_MAX_AGE_DAYS = 30
    path = participant_link_path(user=participant.user)
    later = time.time() + timedelta(days=31).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(path)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_can_revoke_a_participants_links(client, participant):
    path = participant_link_path(user=participant.user)
    participant_links_revoke(user=participant.user)
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_withdrawal_stops_the_link_and_no_new_link_can_be_issued(client, participant):
    path = participant_link_path(user=participant.user)
    services.participant_withdraw(participant=participant, keep_data=True, by=participant.user)
    response = client.get(path)
    assert response.status_code == 403
    assert b"You have left the study" in response.content
    with pytest.raises(ValueError, match="still taking part"):
        participant_link_path(user=participant.user)
    with mock.patch("casecast.accounts.services.enqueue_on_commit") as send:
        client.post(reverse("accounts:request_link"), {"email": participant.user.email})
    send.assert_not_called()


@pytest.mark.django_db
def test_a_link_never_signs_in_an_account_that_later_became_staff(client, participant, other_study):
    path = participant_link_path(user=participant.user)
    StudyMembership.objects.create(
        study=other_study, user=participant.user, role=StudyMembership.Role.ADMIN
    )
    response = client.get(path)
    assert response.status_code == 403
    assert b"staff account" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_link_is_never_issued_for_a_staff_account(researcher, site_admin):
    for account in (researcher, site_admin):
        with pytest.raises(ValueError, match="Staff accounts"):
            participant_link_path(user=account)


@pytest.mark.django_db
def test_a_researcher_cannot_enrol_with_their_staff_address(researcher, other_study):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="staff account"):
        services.participant_enrol(
            study=other_study,
            council=other_study.councils.first(),
            email=researcher.email,
            route=EnrolmentRoute.COUNCIL_CODE,
        )
    assert not researcher.participations.exists()


@pytest.mark.django_db
def test_a_link_session_cannot_open_staff_pages(client, participant, other_study):
    """Belt and braces: even if an account gains a staff role after signing in by link."""
    client.get(participant_link_path(user=participant.user))
    StudyMembership.objects.create(
        study=other_study, user=participant.user, role=StudyMembership.Role.ADMIN
    )
    response = client.get(reverse("studies:detail", args=[other_study.slug]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_bad_links_from_one_office_address_do_not_lock_out_its_participants(
    client, participant, study
):
    """Five (or fifty) stale links from a shared address leave colleagues able to sign in."""
    colleague = create_participant(study=study, email="colleague@council.example")
    for _ in range(50):
        stale = participant_link_path(user=participant.user)
    participant_link_path(user=participant.user)
    for _ in range(50):
        assert client.get(stale).status_code == 403
    response = client.get(participant_link_path(user=colleague.user))
    assert response.status_code == 302


@pytest.mark.django_db
def test_an_address_sending_hundreds_of_bad_links_is_paused(client, participant, settings):
    settings.LINK_FAILURES_PER_ADDRESS = 20
    for _ in range(20):
        client.get(reverse("accounts:link") + "?token=made-up")
    response = client.get(participant_link_path(user=participant.user))
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


@pytest.mark.django_db
def test_new_link_requests_are_limited_per_email_address(client, participant, settings):
    settings.LINK_REQUESTS_PER_EMAIL = 2
    with mock.patch("casecast.accounts.services.enqueue_on_commit") as send:
        for _ in range(5):
            response = client.post(
                reverse("accounts:request_link"), {"email": participant.user.email}
            )
            assert b"Check your email" in response.content
    assert send.call_count == 2


@pytest.mark.django_db
def test_requesting_a_link_for_an_unknown_address_reveals_nothing(client):
    response = client.post(reverse("accounts:request_link"), {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert mail.outbox == []


@pytest.mark.django_db
def test_requesting_a_link_for_a_staff_address_sends_nothing(client, researcher):
    with mock.patch("casecast.accounts.services.enqueue_on_commit") as send:
        response = client.post(reverse("accounts:request_link"), {"email": researcher.email})
    assert b"Check your email" in response.content
    send.assert_not_called()


@pytest.mark.django_db
def test_request_link_form_names_the_problem(client):
    response = client.post(reverse("accounts:request_link"), {"email": "not-an-address"})
    assert b"Enter an email address in the correct format" in response.content
    assert b'href="#id_email"' in response.content


@pytest.mark.django_db
def test_a_researcher_revokes_a_participants_link_from_the_participants_page(
    client, study, researcher, participant
):
    path = participant_link_path(user=participant.user)
    client.force_login(researcher)
    page = client.get(reverse("studies:participants", args=[study.slug]))
    revoke_url = reverse("studies:participant_link_revoke", args=[study.slug, participant.pk])
    assert revoke_url.encode() in page.content
    response = client.post(revoke_url, follow=True)
    assert b"Their personal links no longer work" in response.content
    client.logout()
    assert client.get(path).status_code == 403


@pytest.mark.django_db
def test_revoking_ends_the_sessions_a_link_opened_but_a_new_link_does_not(client, participant):
    client.get(participant_link_path(user=participant.user))
    tasks = reverse("forecasts:tasks")
    assert client.get(tasks).status_code == 200
    participant_link_path(user=participant.user)  # a reminder email supersedes the link
    assert client.get(tasks).status_code == 200  # the open session carries on
    participant.user.refresh_from_db()
    participant_links_revoke(user=participant.user)  # e.g. the email was forwarded
    response = client.get(tasks)
    assert response.status_code == 302  # signed out: sent for a new link
    assert response["Location"].startswith(reverse("accounts:request_link"))


@pytest.mark.django_db
def test_a_link_session_ends_when_its_account_is_made_an_administrator(client, participant):
    client.get(participant_link_path(user=participant.user))
    type(participant.user).objects.filter(pk=participant.user.pk).update(is_site_admin=True)
    response = client.get("/site-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
