"""The study audit page: study administrators (and site administrators) read who did
what and when in their study, filter it, and download it as CSV; nobody else sees it."""

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from casecast.audit.models import AuditEvent
from casecast.audit.services import audit_record
from django.urls import reverse
from django.utils import timezone

from tests.fixtures_studies import create_participant


def _page(study):
    return reverse("studies:audit", args=[study.slug])


def _csv(study):
    return reverse("studies:audit_csv", args=[study.slug])


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.django_db
def test_study_admin_sees_the_trail_of_their_study_only(client, researcher, study, other_study):
    audit_record(action="arm.update", actor=researcher, study_id=study.pk, reason="Typo in name")
    audit_record(action="secret.elsewhere", study_id=other_study.pk)
    client.force_login(researcher)
    response = client.get(_page(study))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Typo in name" in body and "researcher@example.org" in body
    assert "secret.elsewhere" not in body


@pytest.mark.django_db
def test_the_overview_links_to_the_trail_for_study_admins_only(
    client, researcher, study_researcher, study
):
    client.force_login(researcher)
    assert _page(study) in client.get(reverse("studies:detail", args=[study.slug])).content.decode()
    client.force_login(study_researcher)
    overview = client.get(reverse("studies:detail", args=[study.slug])).content.decode()
    assert _page(study) not in overview


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["study_researcher", "study_analyst", "outsider", "participant"])
def test_other_roles_are_refused(client, request, study, who):
    persona = request.getfixturevalue(who)
    client.force_login(getattr(persona, "user", persona))
    assert client.get(_page(study)).status_code == 403
    assert client.get(_csv(study)).status_code == 403


@pytest.mark.django_db
def test_a_site_administrator_may_read_any_studys_trail(client, site_admin, study):
    client.force_login(site_admin)
    assert client.get(_page(study)).status_code == 200


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client, study):
    response = client.get(_page(study))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_the_page_is_read_only(client, researcher, study):
    client.force_login(researcher)
    before = AuditEvent.objects.count()
    assert client.post(_page(study)).status_code == 405
    assert client.post(_csv(study)).status_code == 405
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_filters_by_who_what_and_day(client, researcher, study_researcher, study):
    audit_record(action="outcome.note", actor=study_researcher, study_id=study.pk, reason="R1")
    audit_record(action="outcome.note", actor=researcher, study_id=study.pk, reason="R2")
    # Recorded ten days ago: `at` is auto_now_add, and events can never be updated.
    ten_days_ago = timezone.now() - timedelta(days=10)
    with mock.patch("django.utils.timezone.now", return_value=ten_days_ago):
        audit_record(action="outcome.note", actor=researcher, study_id=study.pk, reason="R3")
    client.force_login(researcher)

    by_actor = client.get(_page(study), {"actor": study_researcher.pk, "action": "outcome.note"})
    assert "R1" in by_actor.content.decode()
    assert "R2" not in by_actor.content.decode()

    today = timezone.localdate().isoformat()
    recent = client.get(_page(study), {"action": "outcome.note", "since": today}).content.decode()
    assert "R1" in recent and "R2" in recent and "R3" not in recent


@pytest.mark.django_db
def test_a_backwards_date_range_is_explained_not_applied(client, researcher, study):
    client.force_login(researcher)
    response = client.get(_page(study), {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 200
    assert "must be the same as or after" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["31/02/2026", "99999-01-01", "x" * 500])
def test_nonsense_filters_give_the_page_with_an_error_not_a_server_error(
    client, researcher, study, bad
):
    client.force_login(researcher)
    response = client.get(_page(study), {"since": bad, "actor": bad, "action": bad})
    assert response.status_code == 200
    assert "govuk-error-message" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_in_a_filter_is_refused_like_every_control_character(client, researcher, study):
    client.force_login(researcher)
    response = client.get(_page(study), {"since": "\x00", "actor": "\x00", "action": "\x00"})
    assert response.status_code == 400  # core.control_characters, for every page on the site
    assert "Error: " in response.content.decode()


@pytest.mark.django_db
def test_csv_holds_the_filtered_events_with_formulas_neutralised(client, researcher, study):
    audit_record(
        action="outcome.note", actor=researcher, study_id=study.pk, reason="=HYPERLINK(evil)"
    )
    audit_record(action="other.thing", actor=researcher, study_id=study.pk, reason="plain")
    client.force_login(researcher)
    response = client.get(_csv(study), {"action": "outcome.note"})
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0] == ["when", "who", "action", "target", "reason", "details"]
    assert [row[2] for row in rows[1:]] == ["outcome.note"]
    assert rows[1][1] == "researcher@example.org"
    assert rows[1][4] == "'=HYPERLINK(evil)"


@pytest.mark.django_db
def test_participants_appear_without_their_identity(client, researcher, study, participant):
    client.force_login(researcher)
    rows = _rows(client.get(_csv(study), {"action": "participant.consent"}))
    assert len(rows) == 2
    assert rows[1][1] == "A participant"
    assert participant.user.email not in "".join(rows[1])
    page = client.get(_page(study)).content.decode()
    assert participant.user.email not in page


@pytest.mark.django_db
def test_a_participant_erased_here_but_taking_part_elsewhere_is_never_named(
    client, researcher, study, other_study
):
    # Erasure unlinks the account from this study but keeps it for the other study, so
    # the account is neither a participant nor staff here any more.
    someone = create_participant(study=other_study, email="ann-erased@example.org", arm=None)
    audit_record(action="participant.consent", actor=someone.user, study_id=study.pk)
    client.force_login(researcher)
    page = client.get(_page(study)).content.decode()
    csv_text = b"".join(client.get(_csv(study)).streaming_content).decode()
    assert "A participant" in page
    for text in (page, csv_text):
        assert "ann-erased@example.org" not in text
