"""Withdrawal at any time; erasure removes personal data but keeps the allocation log whole."""

import pytest
from casecast.accounts.models import User
from casecast.audit.models import AuditEvent
from casecast.studies import services
from casecast.studies.models import Allocation, Participant
from casecast.studies.selectors import consort_flow
from django.urls import reverse


@pytest.fixture
def participant_with_answers(participant):
    """A randomised participant with an assignment, a draft and a forecast."""
    from casecast.forecasts.models import Assignment, Forecast
    from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

    vignette = Vignette.objects.create(study=participant.study, key="case-1")
    version = VignetteVersion.objects.create(vignette=vignette, number=1, title="Case 1")
    stage = Stage.objects.create(version=version, position=1, title="Referral", body="Text")
    question = Question.objects.create(
        version=version, stage=stage, key="rereferral", kind="binary", text="Re-referred?"
    )
    assignment = Assignment.objects.create(
        participant=participant,
        phase=participant.study.phases.first(),
        vignette_version=version,
        position=1,
    )
    Forecast.objects.create(
        participant=participant, question=question, assignment=assignment, probability_pct=30
    )
    return participant


def test_withdrawing_and_keeping_data_keeps_answers(participant_with_answers):
    participant = participant_with_answers
    services.participant_withdraw(participant=participant, keep_data=True, by=participant.user)
    participant.refresh_from_db()
    assert participant.withdrawn_at is not None and participant.erased_at is None
    assert participant.forecasts.count() == 1
    assert participant.user is not None
    assert AuditEvent.objects.filter(action="participant.withdraw").exists()


def test_erasure_deletes_answers_forecasts_and_the_account_but_keeps_the_allocation(
    participant_with_answers,
):
    participant = participant_with_answers
    user_id, email = participant.user_id, participant.user.email
    allocation = Allocation.objects.get(participant=participant)
    services.participant_withdraw(participant=participant, keep_data=False, by=participant.user)
    participant.refresh_from_db()
    assert participant.erased_at is not None
    assert participant.baseline == {}
    assert participant.user is None
    assert participant.assignments.count() == 0
    assert participant.forecasts.count() == 0
    assert not User.objects.filter(pk=user_id).exists()
    assert not User.objects.filter(email=email).exists()
    assert Allocation.objects.get(pk=allocation.pk).arm == allocation.arm
    event = AuditEvent.objects.get(action="participant.erase")
    assert email not in str(event.data)


def test_erasure_keeps_an_account_used_in_another_study(study, participant_other_study):
    from tests.fixtures_studies import create_participant

    user = participant_other_study.user
    here = services.participant_enrol(
        study=study, council=study.councils.first(), email=user.email, route="council_code"
    ).participant
    services.participant_withdraw(participant=here, keep_data=False, by=user)
    here.refresh_from_db()
    assert here.user is None and here.erased_at is not None
    assert User.objects.filter(pk=user.pk).exists()
    assert create_participant  # other study's participation untouched
    participant_other_study.refresh_from_db()
    assert participant_other_study.user == user


def test_consort_counts_stay_whole_after_erasure(participant, participant_ready):
    study = participant.study
    before = consort_flow(study=study)
    services.participant_withdraw(participant=participant, keep_data=False, by=None)
    after = consort_flow(study=study)
    assert after.invited == before.invited
    assert after.consented == before.consented
    assert after.randomised == before.randomised
    assert after.withdrawn == 1 and after.withdrawn_erased == 1
    assert after.analysed == before.analysed - 1


def test_withdrawal_page_erases_and_signs_out(client, study, participant):
    client.force_login(participant.user)
    page = client.post(reverse("studies:withdraw", args=[study.slug]), {"keep_data": "no"})
    assert "We have deleted your answers" in page.content.decode()
    assert "_auth_user_id" not in client.session
    assert Participant.objects.get(pk=participant.pk).erased_at is not None


def test_withdrawn_participant_sees_only_a_notice(client, study, participant):
    services.participant_withdraw(participant=participant, keep_data=True, by=participant.user)
    participant.user.refresh_from_db()  # withdrawal ended the sessions the old account had
    client.force_login(participant.user)
    page = client.get(reverse("studies:baseline", args=[study.slug])).content.decode()
    assert "You have left this study" in page


def test_withdrawal_page_requires_a_choice(client, study, participant_invited):
    client.force_login(participant_invited.user)
    page = client.post(reverse("studies:withdraw", args=[study.slug]), {}).content.decode()
    assert "Select whether we can keep your answers" in page


def test_withdrawn_participant_is_never_randomised(participant_ready):
    services.participant_withdraw(participant=participant_ready, keep_data=True, by=None)
    with pytest.raises(Exception, match="withdrawn"):
        services.participant_randomise(participant=participant_ready)


# --- recorded by staff, for a participant who asked by email or phone ------------------


def _staff_withdraw_url(participant):
    return reverse("studies:participant_withdraw", args=[participant.study.slug, participant.pk])


def test_staff_record_a_withdrawal_with_how_it_was_asked_for(client, researcher, participant):
    client.force_login(researcher)
    listing = client.get(reverse("studies:participants", args=[participant.study.slug]))
    assert _staff_withdraw_url(participant) in listing.content.decode()
    response = client.post(
        _staff_withdraw_url(participant),
        {"keep_data": "yes", "reason": "Email to the study team, 3 March"},
        follow=True,
    )
    assert "Withdrawal recorded." in response.content.decode()
    participant.refresh_from_db()
    assert participant.withdrawn_at is not None and participant.keep_data is True
    assert participant.erased_at is None
    assert participant.user is not None
    event = AuditEvent.objects.get(action="participant.withdraw")
    assert event.actor == researcher
    assert event.data["reason"] == "Email to the study team, 3 March"


def test_staff_recorded_erasure_deletes_data_and_the_link_goes(
    client, researcher, participant_with_answers
):
    participant = participant_with_answers
    client.force_login(researcher)
    response = client.post(
        _staff_withdraw_url(participant),
        {"keep_data": "no", "reason": "Phone call, asked for deletion"},
        follow=True,
    )
    assert "Withdrawal recorded and their data erased." in response.content.decode()
    participant.refresh_from_db()
    assert participant.erased_at is not None and participant.forecasts.count() == 0
    assert AuditEvent.objects.get(action="participant.erase").actor == researcher
    assert _staff_withdraw_url(participant) not in response.content.decode()
    assert client.get(_staff_withdraw_url(participant)).status_code == 404


def test_staff_withdrawal_needs_a_choice_and_a_reason_and_changes_nothing_without(
    client, researcher, participant
):
    client.force_login(researcher)
    page = client.post(_staff_withdraw_url(participant), {}).content.decode()
    assert "Select whether we can keep their answers" in page
    assert "Enter how they asked to leave" in page
    participant.refresh_from_db()
    assert participant.withdrawn_at is None
    assert not AuditEvent.objects.filter(
        action__in=["participant.withdraw", "participant.erase"]
    ).exists()


def test_analysts_cannot_record_withdrawals(client, study_analyst, participant):
    client.force_login(study_analyst)
    url = _staff_withdraw_url(participant)
    assert client.get(url).status_code == 403
    assert client.post(url, {"keep_data": "no", "reason": "x"}).status_code == 403
    participant.refresh_from_db()
    assert participant.withdrawn_at is None
    listing = client.get(reverse("studies:participants", args=[participant.study.slug]))
    assert url not in listing.content.decode()


def test_staff_of_another_study_cannot_withdraw_this_studys_participant(
    client, participant, other_study
):
    staff = other_study.memberships.first().user
    client.force_login(staff)
    assert client.post(
        _staff_withdraw_url(participant), {"keep_data": "no", "reason": "x"}
    ).status_code in (403, 404)
    participant.refresh_from_db()
    assert participant.erased_at is None
