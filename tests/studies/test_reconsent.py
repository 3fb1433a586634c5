"""Re-consent: a new consent version can require everyone who agreed before to agree again."""

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import selectors, services
from casecast.studies.models import ConsentRecord
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _publish(client, study, text, *, require):
    data = {"text": text, **({"require_reconsent": "on"} if require else {})}
    return client.post(reverse("studies:consent_edit", args=[study.slug]), data)


def test_a_version_that_requires_it_stops_participants_until_they_agree_again(
    client, study, researcher, participant
):
    client.force_login(researcher)
    _publish(
        client, study, "# New information\nWe now keep your answers for 10 years.", require=True
    )
    new_version = study.consent_versions.order_by("-number").first()
    assert new_version.requires_reconsent

    client.force_login(participant.user)
    response = client.get(reverse("forecasts:tasks"))
    assert response.status_code == 302
    assert response.url == reverse("studies:consent", args=[study.slug])
    page = client.get(response.url)
    assert b"changed the information about the study" in page.content
    assert b"10 years" in page.content

    agreed = client.post(
        reverse("studies:consent", args=[study.slug]),
        {"consent_version": new_version.pk, "agree": "on"},
    )
    assert agreed.status_code == 302
    assert client.get(reverse("forecasts:tasks")).status_code == 200
    versions = ConsentRecord.objects.filter(participant=participant).values_list(
        "consent_version__number", flat=True
    )
    assert sorted(versions) == [1, new_version.number]
    assert AuditEvent.objects.filter(action="participant.reconsent").count() == 1


def test_a_version_that_does_not_require_it_lets_participants_carry_on(
    client, study, researcher, participant
):
    client.force_login(researcher)
    _publish(client, study, "Typo fixed in the contact details.", require=False)
    client.force_login(participant.user)
    assert client.get(reverse("forecasts:tasks")).status_code == 200
    assert ConsentRecord.objects.filter(participant=participant).count() == 1


def test_new_participants_simply_consent_to_the_newest_version(study, researcher, participant):
    services.consent_save(study=study, text="Version two", by=researcher, require_reconsent=True)
    fresh = services.participant_enrol(
        study=study,
        council=study.councils.first(),
        email="new@council.example",
        route="council_code",
    ).participant
    latest = study.consent_versions.order_by("-number").first()
    services.participant_consent(participant=fresh, consent_version=latest)
    fresh.refresh_from_db()
    assert selectors.reconsent_needed(participant=fresh) is None
    assert selectors.reconsent_needed(participant=participant) == latest
