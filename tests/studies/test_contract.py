"""The selectors and decorators other apps build on."""

import pytest
from casecast.studies import services
from casecast.studies.models import StudyMembership
from casecast.studies.permissions import participant_required, study_staff_required
from casecast.studies.selectors import active_participations, participation_for, study_role
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory


@participant_required
def journey_view(request, slug=None):
    return HttpResponse(f"{request.participant.pk} {request.study.slug}")


@study_staff_required(StudyMembership.Role.ADMIN, StudyMembership.Role.RESEARCHER)
def manage_view(request, slug):
    return HttpResponse(f"{request.study.slug} {request.study_role}")


def _get(user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_participation_and_role_lookups(
    study, participant, participant_other_study, researcher, study_analyst, outsider
):
    assert participation_for(user=participant.user, study=study) == participant
    assert participation_for(user=outsider, study=study) is None
    assert list(active_participations(user=participant.user)) == [participant]
    assert study_role(user=researcher, study=study) == StudyMembership.Role.ADMIN
    assert study_role(user=study_analyst, study=study) == StudyMembership.Role.ANALYST
    assert study_role(user=participant.user, study=study) is None


def test_withdrawn_participations_are_not_active(participant):
    services.participant_withdraw(participant=participant, keep_data=True, by=None)
    assert not active_participations(user=participant.user).exists()


def test_participant_required_redirects_until_consent_and_baseline(
    study, participant_invited, participant_consented, participant
):
    response = journey_view(_get(participant_invited.user), slug=study.slug)
    assert response.url == f"/s/{study.slug}/consent/"
    response = journey_view(_get(participant_consented.user), slug=study.slug)
    assert response.url == f"/s/{study.slug}/about-you/"
    response = journey_view(_get(participant.user), slug=study.slug)
    assert response.content.decode() == f"{participant.pk} {study.slug}"


def test_participant_required_without_a_slug_uses_the_latest_participation(participant):
    response = journey_view(_get(participant.user))
    assert response.content.decode() == f"{participant.pk} {participant.study.slug}"


def test_study_staff_required_checks_the_role(study, researcher, study_analyst):
    assert manage_view(_get(researcher), slug=study.slug).content.decode() == (
        f"{study.slug} admin"
    )
    with pytest.raises(PermissionDenied):
        manage_view(_get(study_analyst), slug=study.slug)
