"""Consent: versioned text, recorded version and time, and nothing reachable before it."""

from casecast.audit.models import AuditEvent
from casecast.studies import services
from casecast.studies.models import ConsentVersion
from django.urls import reverse


def test_participant_is_sent_to_consent_until_they_agree(client, study, participant_invited):
    client.force_login(participant_invited.user)
    response = client.get(reverse("studies:baseline", args=[study.slug]))
    assert response.url == reverse("studies:consent", args=[study.slug])
    page = client.get(response.url).content.decode()
    assert "About the study" in page
    assert "I have read the information above and I agree to take part" in page


def test_consent_records_the_version_and_time(client, study, participant_invited):
    client.force_login(participant_invited.user)
    version = study.consent_versions.get()
    response = client.post(
        reverse("studies:consent", args=[study.slug]),
        {"consent_version": version.pk, "agree": "on"},
    )
    assert response.url == reverse("studies:baseline", args=[study.slug])
    participant_invited.refresh_from_db()
    assert participant_invited.consent_version == version
    assert participant_invited.consented_at is not None
    assert AuditEvent.objects.filter(
        action="participant.consent", target_id=str(participant_invited.pk)
    ).exists()


def test_consent_without_ticking_the_box_shows_an_error(client, study, participant_invited):
    client.force_login(participant_invited.user)
    version = study.consent_versions.get()
    page = client.post(
        reverse("studies:consent", args=[study.slug]), {"consent_version": version.pk}
    ).content.decode()
    assert "Tick the box to confirm you agree to take part" in page
    participant_invited.refresh_from_db()
    assert participant_invited.consented_at is None


def test_used_consent_text_is_never_edited_a_new_version_is_made(
    researcher, study, participant_consented
):
    used = study.consent_versions.get()
    original = used.text
    new = services.consent_save(study=study, text="# Changed\n\nNew wording.", by=researcher)
    used.refresh_from_db()
    assert used.text == original
    assert new.number == 2
    participant_consented.refresh_from_db()
    assert participant_consented.consent_version == used


def test_unused_consent_text_is_edited_in_place(researcher, study):
    services.consent_save(study=study, text="Typo fixed", by=researcher)
    assert ConsentVersion.objects.filter(study=study).count() == 1


def test_agreeing_to_an_outdated_version_asks_to_read_again(
    client, researcher, study, participant_consented, participant_invited
):
    old = study.consent_versions.get()
    services.consent_save(study=study, text="# Version two", by=researcher)
    client.force_login(participant_invited.user)
    page = client.post(
        reverse("studies:consent", args=[study.slug]), {"consent_version": old.pk, "agree": "on"}
    ).content.decode()
    assert "The study information has changed" in page
    participant_invited.refresh_from_db()
    assert participant_invited.consented_at is None


def test_baseline_answers_are_stored_and_the_participant_goes_home(
    client, study, participant_consented
):
    client.force_login(participant_consented.user)
    page = client.get(reverse("studies:baseline", args=[study.slug])).content.decode()
    assert "How long ago did you qualify as a social worker?" in page
    response = client.post(
        reverse("studies:baseline", args=[study.slug]),
        {"role": "Team manager", "years_qualified": "6 to 10 years", "team_type": "Other"},
    )
    assert response.url == reverse("core:home")
    participant_consented.refresh_from_db()
    assert participant_consented.baseline["role"] == "Team manager"
    assert participant_consented.baseline_completed_at is not None


def test_baseline_missing_answers_are_named(client, study, participant_consented):
    client.force_login(participant_consented.user)
    page = client.post(
        reverse("studies:baseline", args=[study.slug]), {"role": "Team manager"}
    ).content.decode()
    assert page.count("Select an answer") >= 2


def test_participant_of_another_study_cannot_open_this_studys_pages(
    client, study, participant_other_study
):
    client.force_login(participant_other_study.user)
    assert client.get(reverse("studies:consent", args=[study.slug])).status_code == 404


def test_anonymous_visitor_is_sent_to_get_a_new_link(client, study):
    response = client.get(reverse("studies:consent", args=[study.slug]))
    assert response.url == reverse("accounts:request_link")
