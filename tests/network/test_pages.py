"""The network pages: site administrators only; the consent option and the linking page."""

from __future__ import annotations

import pytest
from casecast.accounts.links import participant_link_path
from casecast.audit.models import AuditEvent
from casecast.network.identity import network_label, network_pseudonym
from casecast.network.services import top_forecasters_invite
from casecast.studies import services
from casecast.studies.models import Invitation, Participant
from django.urls import reverse

from tests.fixtures_studies import build_study, create_participant
from tests.network.conftest import LINKED
from tests.sign_in import sign_in

pytestmark = pytest.mark.django_db


def test_the_site_administrator_sees_network_ids_never_emails(client, site_admin, linked):
    sign_in(client, site_admin)
    page = client.get(reverse("network:track_record"), {"min_n": 1}).content.decode()
    for email in LINKED:
        user_id = linked.participants[(0, email)].user_id
        assert network_label(network_pseudonym(user_id=user_id)) in page
        assert email not in page
    unlinked = linked.participants[(0, "p7@example.org")].user_id
    assert network_label(network_pseudonym(user_id=unlinked)) not in page
    assert "Wave one: After randomisation" in page  # the persistence table


def test_bad_filters_get_a_specific_error(client, site_admin, linked):
    sign_in(client, site_admin)
    page = client.get(reverse("network:track_record"), {"min_n": "0"}).content.decode()
    assert "Enter at least 1" in page


@pytest.mark.parametrize("name", ["network:track_record", "network:invite"])
def test_study_staff_and_participants_cannot_open_network_pages(
    client, researcher, participant, name
):
    sign_in(client, researcher)
    assert client.get(reverse(name)).status_code == 403
    client.logout()
    client.get(participant_link_path(user=participant.user))
    assert client.get(reverse(name)).status_code in (302, 403)


def test_inviting_the_top_group_sends_invitations_and_is_audited(
    client, site_admin, researcher, linked, mailoutbox, django_capture_on_commit_callbacks
):
    target = build_study(by=researcher, title="Super team trial")
    already = linked.participants[(0, "p1@example.org")].user
    create_participant(study=target, email=already.email, stage="invited")
    sign_in(client, site_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("network:invite"),
            {"study": target.pk, "min_n": 1, "top_percent": "30", "confirm": "on"},
        )
    assert response.status_code == 302
    invited = Invitation.objects.filter(study=target, kind=Invitation.Kind.EMAIL)
    # Top 30% of 7 rounds up to 3 (p0, p1, p2); p1 was already in the study.
    assert sorted(i.participant.user.email for i in invited) == [
        "p0@example.org",
        "p2@example.org",
    ]
    assert {m.to[0] for m in mailoutbox} == {"p0@example.org", "p2@example.org"}
    event = AuditEvent.objects.get(action="network.invite_top")
    assert event.data["chosen"] == 3 and event.data["already_in_study"] == 1
    assert event.study_id == target.pk


def test_people_whose_council_the_study_lacks_are_counted_not_invited(site_admin, linked):
    from tests.fixtures_studies import build_study as build

    target = build(by=site_admin, title="Elsewhere", councils=(("Faraway Council", "South West"),))
    result = top_forecasters_invite(study=target, by=site_admin, top_fraction=0.3, min_n=1)
    assert (result.invited, result.no_council) == (0, 3)


def test_the_consent_page_offers_linking_only_when_the_study_does(client, researcher):
    study = build_study(by=researcher, title="Linking offered")
    participant = create_participant(study=study, email="new@example.org", stage="invited")
    client.get(participant_link_path(user=participant.user))
    url = reverse("studies:consent", kwargs={"slug": study.slug})
    assert "Link my answers" not in client.get(url).content.decode()
    services.study_update(study=study, by=researcher, offers_network_linking=True)
    assert "Link my answers" in client.get(url).content.decode()
    version = study.consent_versions.last()
    client.post(url, {"consent_version": version.pk, "agree": "on", "link_across_studies": "on"})
    participant.refresh_from_db()
    assert participant.consented_at is not None
    assert participant.linked_across_studies_at is not None
    assert AuditEvent.objects.filter(action="participant.link_across_studies").count() == 1


def test_agreeing_without_ticking_leaves_people_unlinked_and_they_can_change_later(
    client, researcher
):
    study = build_study(by=researcher, title="Linking later")
    services.study_update(study=study, by=researcher, offers_network_linking=True)
    participant = create_participant(study=study, email="later@example.org", stage="consented")
    assert participant.linked_across_studies_at is None
    client.get(participant_link_path(user=participant.user))
    url = reverse("studies:linking", kwargs={"slug": study.slug})
    assert "not linked" in client.get(url).content.decode()
    client.post(url, {"link_across_studies": "yes"})
    assert Participant.objects.get(pk=participant.pk).linked_across_studies_at is not None
    client.post(url, {"link_across_studies": "no"})
    assert Participant.objects.get(pk=participant.pk).linked_across_studies_at is None
    actions = list(
        AuditEvent.objects.filter(action__contains="link_across")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["participant.link_across_studies", "participant.unlink_across_studies"]


def test_the_linking_page_is_not_found_where_the_study_does_not_offer_it(client, participant):
    client.get(participant_link_path(user=participant.user))
    url = reverse("studies:linking", kwargs={"slug": participant.study.slug})
    assert client.get(url).status_code == 404
