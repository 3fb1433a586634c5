"""Token lifecycle: stored hashed, scoped, expiring, revocable, and useless once its owner
leaves the study's team; the token page creates (showing the secret once), lists and
revokes, each audited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from casecast.api.models import ApiToken
from casecast.api.services import token_create
from casecast.audit.models import AuditEvent
from casecast.studies.models import Participant, StudyMembership
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.api.conftest import bearer
from tests.fixtures_studies import build_study
from tests.sign_in import sign_in


def _study_url(study, name: str = "study") -> str:
    return reverse(f"api:{name}", kwargs={"slug": study.slug})


# --- stored hashed ------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_a_sha256_of_the_token_is_stored_and_it_opens_the_api(api, demo, demo_admin):
    token, secret = token_create(user=demo_admin, name="R", studies=[demo], days=30)
    assert re.fullmatch(r"cc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", secret)
    token.refresh_from_db()
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()
    )
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    assert secret.startswith(f"cc_{token.prefix}_")
    assert api.get(_study_url(demo), **bearer(secret)).status_code == 200


@pytest.mark.django_db
def test_a_wrong_secret_with_a_real_prefix_is_refused(api, demo, demo_admin):
    _, secret = token_create(user=demo_admin, name="R", studies=[demo], days=30)
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for header in (forged, "cc_nothing", secret.upper(), f"{secret} extra"):
        response = api.get(_study_url(demo), HTTP_AUTHORIZATION=f"Bearer {header}")
        assert response.status_code == 401, header
    assert api.get(_study_url(demo)).status_code == 401  # no header at all
    assert api.get(_study_url(demo))["WWW-Authenticate"].startswith("Bearer")


def test_the_database_refuses_a_token_that_expires_before_it_is_made(db, demo_admin):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(
            user=demo_admin, name="x", prefix="a" * 12, secret_hash="0" * 64,
            created_at=now, expires_at=now - timedelta(seconds=1),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(
            user=demo_admin, name="x", prefix="b" * 12, secret_hash="not a hash",
            created_at=now, expires_at=now + timedelta(days=1),
        )  # fmt: skip


# --- scope, expiry, revocation, role ---------------------------------------------------------


@pytest.mark.django_db
def test_a_token_never_reaches_a_study_outside_its_scope(api, demo, demo_admin, make_token):
    other = build_study(by=demo_admin, title="Another study of the same admin")
    secret = make_token(demo_admin, demo)  # its owner is admin of both; the token has one
    assert api.get(_study_url(other), **bearer(secret)).status_code == 404
    for name in ("arms", "participants", "forecasts", "scores", "results"):
        assert api.get(_study_url(other, name), **bearer(secret)).status_code == 404, name
    listed = api.get(reverse("api:studies"), **bearer(secret)).json()["results"]
    assert [study["slug"] for study in listed] == [demo.slug]


@pytest.mark.django_db
def test_an_expired_token_is_refused_saying_so(api, demo, demo_admin):
    token, secret = token_create(user=demo_admin, name="R", studies=[demo], days=1)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - timedelta(days=2), expires_at=now - timedelta(minutes=1)
    )
    response = api.get(_study_url(demo), **bearer(secret))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


@pytest.mark.django_db
def test_a_revoked_token_is_refused(api, client, demo, demo_admin):
    token, secret = token_create(user=demo_admin, name="R", studies=[demo], days=30)
    sign_in(client, demo_admin)
    page = client.get(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert page.status_code == 200 and b"will stop working" in page.content
    assert api.get(_study_url(demo), **bearer(secret)).status_code == 200  # not yet
    response = client.post(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    refused = api.get(_study_url(demo), **bearer(secret))
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Revoking again does nothing more, and the page says it is already revoked.
    assert client.post(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 302
    revokes = AuditEvent.objects.filter(action="api.token_revoke", target_id=str(token.pk))
    assert revokes.count() == 1
    again = client.get(reverse("api:token_revoke", kwargs={"pk": token.pk}))
    assert b"was revoked on" in again.content and b"Revoke token" not in again.content


@pytest.mark.django_db
def test_a_token_stops_reading_a_study_once_its_owner_leaves_the_team(
    api, demo, demo_analyst, make_token
):
    secret = make_token(demo_analyst, demo)
    assert api.get(_study_url(demo, "scores"), **bearer(secret)).status_code == 200
    StudyMembership.objects.filter(study=demo, user=demo_analyst).delete()
    response = api.get(_study_url(demo, "scores"), **bearer(secret))
    assert response.status_code == 403
    assert "no longer on this study's team" in response.json()["detail"]
    assert api.get(reverse("api:studies"), **bearer(secret)).json()["results"] == []


@pytest.mark.django_db
def test_every_staff_role_reads_through_its_token(api, demo, demo_admin, demo_analyst, make_token):
    researcher = type(demo_admin).objects.create_user(email="r@example.org", password="x" * 12)
    StudyMembership.objects.create(study=demo, user=researcher, role="researcher")
    for user in (demo_admin, researcher, demo_analyst):
        secret = make_token(user, demo)
        assert api.get(_study_url(demo, "forecasts"), **bearer(secret)).status_code == 200


@pytest.mark.django_db
def test_an_account_that_loses_its_password_loses_its_tokens(api, demo, demo_analyst, make_token):
    secret = make_token(demo_analyst, demo)
    demo_analyst.set_unusable_password()
    demo_analyst.save()
    assert api.get(_study_url(demo), **bearer(secret)).status_code == 401


# --- who may hold a token, and what the service refuses ---------------------------------------


@pytest.mark.django_db
def test_participants_get_no_token_and_no_token_page(client, demo):
    participant = Participant.objects.filter(study=demo, user__isnull=False).first()
    with pytest.raises(ValidationError, match="Only study staff"):
        token_create(user=participant.user, name="R", studies=[demo], days=30)
    client.force_login(participant.user)
    for name in ("api:tokens", "api:token_create"):
        assert client.get(reverse(name)).status_code == 403


BAD_REQUESTS = [
    ({"name": "  "}, "name", "Enter a name"),
    ({"studies": []}, "studies", "at least one study"),
    ({"days": 0}, "expires_in", "from 1 to 365 days"),
    ({"days": 366}, "expires_in", "from 1 to 365 days"),
]


@pytest.mark.django_db
def test_bad_token_requests_are_refused_and_change_nothing(demo, demo_admin):
    for kwargs, field, message in BAD_REQUESTS:
        arguments = {"user": demo_admin, "name": "R", "studies": [demo], "days": 30, **kwargs}
        before = ApiToken.objects.count(), AuditEvent.objects.count()
        with pytest.raises(ValidationError) as refused:
            token_create(**arguments)
        assert message in " ".join(refused.value.message_dict[field])
        assert (ApiToken.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_a_token_cannot_be_scoped_to_a_study_whose_team_you_are_not_on(demo, demo_analyst):
    elsewhere = build_study(
        by=type(demo_analyst).objects.create_user(email="o@example.org", password="x" * 12)
    )
    with pytest.raises(ValidationError, match="whose data you may read"):
        token_create(user=demo_analyst, name="R", studies=[demo, elsewhere], days=30)


# --- the token page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_a_new_secret_once_and_audits_it(client, api, demo, demo_admin):
    sign_in(client, demo_admin)
    form = client.get(reverse("api:token_create"))
    assert form.status_code == 200 and escape(demo.title).encode() in form.content
    response = client.post(
        reverse("api:token_create"),
        {"name": "Stata on my laptop", "studies": [demo.pk], "expires_in": "30"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # the secret is never cached
    secret = (
        re.search(rb"<code data-api-token>(cc_[^<]+)</code>", response.content).group(1).decode()
    )
    token = ApiToken.objects.get(name="Stata on my laptop")
    assert token.user == demo_admin and list(token.studies.all()) == [demo]
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)
    assert api.get(_study_url(demo), **bearer(secret)).status_code == 200
    listing = client.get(reverse("api:tokens"))
    assert b"Stata on my laptop" in listing.content and secret.encode() not in listing.content
    assert f"cc_{token.prefix}_".encode() in listing.content
    created = AuditEvent.objects.get(action="api.token_create", target_id=str(token.pk))
    assert created.actor == demo_admin and created.study_id == demo.pk
    assert secret not in str(created.data)


@pytest.mark.django_db
def test_the_page_refuses_a_form_without_studies_or_expiry(client, demo, demo_admin):
    sign_in(client, demo_admin)
    response = client.post(reverse("api:token_create"), {"name": "R"})
    assert response.status_code == 200
    assert b"Choose at least one study" in response.content
    assert b"Choose when the token expires" in response.content
    assert not ApiToken.objects.filter(name="R").exists()


@pytest.mark.django_db
def test_nobody_revokes_or_sees_another_persons_token(client, demo, demo_admin, demo_analyst):
    token, _ = token_create(user=demo_admin, name="Admin's", studies=[demo], days=30)
    sign_in(client, demo_analyst)
    assert client.get(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 404
    assert client.post(reverse("api:token_revoke", kwargs={"pk": token.pk})).status_code == 404
    assert b"Admin&#x27;s" not in client.get(reverse("api:tokens")).content
    token.refresh_from_db()
    assert token.revoked_at is None
