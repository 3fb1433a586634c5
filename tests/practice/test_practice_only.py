"""Workers a study administrator invites to practise only: invited by email, signed in by
personal link, practice mode and nothing else; removal ends it. Every step audited."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from casecast.accounts import links
from casecast.accounts.services import participant_link_request
from casecast.audit.models import AuditEvent
from casecast.practice import jobs, selectors, services
from casecast.practice.models import PracticeAccess, PracticeForecast
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.sign_in import sign_in

EMAIL = "worker@council.example.org"


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """`services.practice_only_invite`, with the email task it enqueues after commit run."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.practice_only_invite(**kwargs)

    return run


@pytest.fixture
def request_link(django_capture_on_commit_callbacks):
    def run(email):
        with django_capture_on_commit_callbacks(execute=True):
            participant_link_request(email=email)

    return run


def _link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/link/\?token=\S+)", message.body).group(1)


@pytest.mark.django_db
def test_an_invited_worker_gets_a_link_that_opens_practice_and_nothing_else(
    study, researcher, invite
):
    access = invite(study=study, email=f"  {EMAIL.upper()} ", by=researcher)
    assert (access.user.email, access.study, access.invited_by) == (EMAIL, study, researcher)
    assert not access.user.has_usable_password()
    [message] = mail.outbox
    assert message.to == [EMAIL]
    assert message.subject == "You are invited to practise forecasting in Casecast"
    assert study.title in message.body

    client = Client()
    response = client.get(_link_path(message))
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("practice:home")
    assert client.get(reverse("practice:home")).status_code == 200
    assert client.get(reverse("forecasts:tasks")).status_code == 404  # not a participant
    assert client.get(reverse("studies:detail", args=[study.slug])).status_code == 403
    # They can share with the study that invited them, and with no other.
    assert list(selectors.practising_studies(user=access.user)) == [study]
    event = AuditEvent.objects.get(action="practice.invite")
    assert (event.study_id, event.actor_id) == (study.pk, researcher.pk)


@pytest.mark.django_db
def test_an_existing_participant_of_another_study_keeps_their_account(
    study, researcher, participant_other_study, invite
):
    user = participant_other_study.user
    access = invite(study=study, email=user.email, by=researcher)
    assert access.user == user
    assert {s.pk for s in selectors.practising_studies(user=user)} == {
        study.pk,
        participant_other_study.study.pk,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not an address", "correct format"),
        ("researcher@example.org", "staff account"),  # the `researcher` fixture's address
    ],
)
def test_a_bad_invitation_is_refused_and_changes_nothing(study, researcher, email, message, invite):
    before = PracticeAccess.objects.count()
    with pytest.raises(ValidationError) as refused:
        invite(study=study, email=email, by=researcher)
    assert message in refused.value.message_dict["email"][0]
    assert PracticeAccess.objects.count() == before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="practice.invite").exists()


@pytest.mark.django_db
def test_inviting_twice_is_refused_but_after_removal_invites_afresh(study, researcher, invite):
    invite(study=study, email=EMAIL, by=researcher)
    with pytest.raises(ValidationError, match="already invited"):
        invite(study=study, email=EMAIL, by=researcher)
    access = PracticeAccess.objects.get()
    assert services.practice_only_revoke(access=access, by=researcher) is True
    assert services.practice_only_revoke(access=access, by=researcher) is False
    again = invite(study=study, email=EMAIL, by=researcher)
    assert again.revoked_at is None
    assert len(mail.outbox) == 2  # a fresh invitation email
    actions = list(
        AuditEvent.objects.filter(action__startswith="practice.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["practice.invite", "practice.revoke", "practice.invite"]


@pytest.mark.django_db
def test_removal_stops_the_link_and_the_practice_pages(study, researcher, invite, request_link):
    access = invite(study=study, email=EMAIL, by=researcher)
    client = Client()
    client.get(_link_path(mail.outbox[0]))
    link = links.participant_link_path(user=access.user)
    services.practice_only_revoke(access=access, by=researcher)
    token = parse_qs(urlsplit(link).query)["token"][0]
    assert links.link_user(token=token).reason == "withdrawn"  # nothing lets them in now
    assert client.get(reverse("practice:home")).status_code != 200  # the session has ended
    # And no new link is sent on request.
    mail.outbox.clear()
    request_link(EMAIL)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_practice_only_worker_can_ask_for_a_new_link(study, researcher, invite, request_link):
    invite(study=study, email=EMAIL, by=researcher)
    mail.outbox.clear()
    request_link(EMAIL)
    [message] = mail.outbox
    assert "/accounts/link/?token=" in message.body


@pytest.mark.django_db
def test_due_reminders_go_to_practice_only_workers_until_removed(study, researcher, invite):
    access = invite(study=study, email=EMAIL, by=researcher)
    due = date(2026, 6, 1)
    for number in (1, 2):
        PracticeForecast.objects.create(
            owner=access.user,
            local_id=f"only-test-{number:04d}-xxxxxx",
            question_key="plan_ends_6m",
            probability_pct=50,
            due_on=due + timedelta(days=number - 1),
        )
    mail.outbox.clear()
    assert jobs.practice_reminders_send(today=due) == 1
    services.practice_only_revoke(access=access, by=researcher)
    assert jobs.practice_reminders_send(today=due + timedelta(days=1)) == 0


@pytest.mark.django_db
def test_the_study_counts_include_its_practice_only_workers(study, researcher, invite):
    access = invite(study=study, email=EMAIL, by=researcher)
    PracticeForecast.objects.create(
        owner=access.user,
        local_id="only-count-0001-xxxxx",
        question_key="plan_ends_6m",
        probability_pct=50,
        due_on=date(2026, 6, 1),
    )
    counts = selectors.practice_counts(study=study)
    assert (counts.workers, counts.forecasts) == (1, 1)


@pytest.mark.django_db
def test_the_administrator_invites_and_removes_from_the_study_page(client, study, researcher):
    sign_in(client, researcher)
    url = reverse("practice:invite", args=[study.slug])
    response = client.post(url, {"email": "nope"})
    assert "Enter an email address in the correct format" in response.content.decode()
    response = client.post(url, {"email": EMAIL}, follow=True)
    assert "Invitation to practise sent." in response.content.decode()
    assert EMAIL in response.content.decode()
    access = PracticeAccess.objects.get()
    remove = reverse("practice:invite_revoke", args=[study.slug, access.pk])
    response = client.post(remove, follow=True)
    assert "Practice access removed." in response.content.decode()
    access.refresh_from_db()
    assert access.revoked_at is not None
