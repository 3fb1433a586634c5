"""Joining a study with a code: eligibility, email or bookmarked link, duplicates refused."""

import pytest
from casecast.audit.models import AuditEvent
from casecast.studies import jobs, services
from casecast.studies.models import EnrolmentRoute, Invitation, Participant, Study
from django.urls import reverse


def _enter_code(client, code):
    return client.post(reverse("studies:enrol_code"), {"code": code})


def test_council_code_sets_the_council_and_signs_the_new_participant_in(client, study):
    council = study.councils.last()
    assert _enter_code(client, council.enrolment_code.lower()).url == reverse(
        "studies:enrol_details"
    )
    response = client.post(reverse("studies:enrol_details"), {"email": "New@Example.org"})
    participant = Participant.objects.get(study=study, user__email="new@example.org")
    assert participant.council == council
    assert participant.enrolled_via == EnrolmentRoute.COUNCIL_CODE
    assert response.url == reverse("studies:consent", args=[study.slug])
    assert client.get(response.url).status_code == 200


def test_unknown_code_is_explained(client, study):
    page = _enter_code(client, "NOPE1234").content.decode()
    assert "We cannot find that code" in page
    assert "govuk-error-summary" in page


def test_code_for_a_study_that_is_not_recruiting_is_refused(client, researcher, study):
    services.study_status_change(study=study, to=Study.Status.RUNNING, by=researcher)
    page = _enter_code(client, study.councils.first().enrolment_code).content.decode()
    assert "not taking new participants" in page


def test_eligibility_questions_come_first_and_a_wrong_answer_ends_enrolment(
    client, researcher, study
):
    question = services.eligibility_question_save(
        study=study, by=researcher, text="Are you a qualified social worker?"
    )
    assert _enter_code(client, study.councils.first().enrolment_code).url == reverse(
        "studies:enrol_eligibility"
    )
    assert client.get(reverse("studies:enrol_details")).url == reverse("studies:enrol_eligibility")
    page = client.post(reverse("studies:enrol_eligibility"), {f"q{question.pk}": "no"})
    assert "You cannot take part in this study" in page.content.decode()
    assert not Participant.objects.filter(study=study).exists()


def test_eligible_person_continues_to_email(client, researcher, study):
    question = services.eligibility_question_save(
        study=study, by=researcher, text="Are you a qualified social worker?"
    )
    _enter_code(client, study.councils.first().enrolment_code)
    response = client.post(reverse("studies:enrol_eligibility"), {f"q{question.pk}": "yes"})
    assert response.url == reverse("studies:enrol_details")
    client.post(reverse("studies:enrol_details"), {"email": "ok@example.org"})
    assert Participant.objects.filter(study=study, user__email="ok@example.org").exists()


def test_duplicate_email_gets_the_check_email_page_and_an_explanation_by_email(
    client, study, participant, mailoutbox, django_capture_on_commit_callbacks
):
    """The page must not tell a stranger with a code that this address already joined."""
    _enter_code(client, study.councils.first().enrolment_code)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("studies:enrol_details"), {"email": participant.user.email.upper()}
        ).content.decode()
    assert "Check your email" in page
    assert "already joined" not in page
    assert Participant.objects.filter(study=study, user=participant.user).count() == 1
    (sent,) = mailoutbox
    assert sent.to == [participant.user.email]
    assert "already joined the study" in sent.body
    assert "/accounts/link/?token=" not in sent.body  # no link to whoever typed the address
    assert AuditEvent.objects.filter(action="participant.enrol_refused").count() == 1


def test_a_staff_address_is_not_revealed_to_someone_enrolling(
    client, study, researcher, mailoutbox, django_capture_on_commit_callbacks
):
    _enter_code(client, study.councils.first().enrolment_code)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("studies:enrol_details"), {"email": researcher.email}).content
    assert "Check your email" in page.decode()
    assert "staff" not in page.decode().lower()
    assert not Participant.objects.filter(user=researcher).exists()
    (sent,) = mailoutbox
    assert "belongs to a member of staff" in sent.body
    # Asking again the same day sends nothing more: nobody can flood a staff inbox.
    _enter_code(client, study.councils.first().enrolment_code)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("studies:enrol_details"), {"email": researcher.email})
    assert len(mailoutbox) == 1


def test_email_is_required_unless_the_study_allows_none(client, study):
    _enter_code(client, study.councils.first().enrolment_code)
    page = client.post(reverse("studies:enrol_details"), {"email": ""}).content.decode()
    assert "Enter your email address" in page


def test_without_email_the_participant_is_shown_a_link_to_bookmark(client, study):
    study.allow_no_email = True
    study.save()
    _enter_code(client, study.councils.first().enrolment_code)
    page = client.post(reverse("studies:enrol_details"), {"email": ""}).content.decode()
    assert "Save your personal link" in page
    assert "/accounts/link/?token=" in page
    participant = Participant.objects.get(study=study)
    assert participant.user.email is None


def test_single_use_code_works_once(client, researcher, study):
    council = study.councils.first()
    (invitation,) = services.invitation_codes_generate(
        study=study, council=council, count=1, by=researcher
    )
    _enter_code(client, invitation.code)
    client.post(reverse("studies:enrol_details"), {"email": "one@example.org"})
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    assert invitation.participant.council == council
    client.logout()
    assert "We cannot find that code" in _enter_code(client, invitation.code).content.decode()


def test_study_code_enrols_without_a_council(client, researcher, study):
    services.study_update(study=study, by=researcher, enrolment_code="study2026")
    _enter_code(client, "STUDY2026")
    client.post(reverse("studies:enrol_details"), {"email": "sc@example.org"})
    participant = Participant.objects.get(study=study, user__email="sc@example.org")
    assert participant.council is None
    assert participant.enrolled_via == EnrolmentRoute.STUDY_CODE


def test_existing_account_gets_the_link_by_email_rather_than_being_signed_in(
    client, study, participant_other_study
):
    email = participant_other_study.user.email
    _enter_code(client, study.councils.first().enrolment_code)
    page = client.post(reverse("studies:enrol_details"), {"email": email}).content.decode()
    assert "Check your email" in page
    assert "_auth_user_id" not in client.session
    assert Participant.objects.filter(study=study, user__email=email).exists()


def test_enrolment_emails_the_personal_link_once(
    client, study, mailoutbox, django_capture_on_commit_callbacks
):
    _enter_code(client, study.councils.first().enrolment_code)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("studies:enrol_details"), {"email": "mail@example.org"})
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mail@example.org"]
    assert "/accounts/link/?token=" in mailoutbox[0].body
    participant = Participant.objects.get(user__email="mail@example.org")
    assert jobs.enrolment_link_email_send(participant_id=participant.pk) is False


def test_staff_cannot_enrol_in_their_own_study(study, researcher):
    with pytest.raises(Exception, match="Study staff cannot take part"):
        services.participant_enrol(
            study=study,
            council=study.councils.first(),
            email=researcher.email,
            route=EnrolmentRoute.COUNCIL_CODE,
        )


def test_cluster_study_refuses_the_study_wide_code(researcher):
    from tests.fixtures_studies import build_study

    study = build_study(by=researcher, title="Cluster", unit="council", strata=())
    with pytest.raises(Exception, match="code for your council"):
        services.participant_enrol(
            study=study, council=None, email="x@example.org", route=EnrolmentRoute.STUDY_CODE
        )


def test_invitation_codes_are_unique_and_unused(researcher, study):
    codes = services.invitation_codes_generate(
        study=study, council=study.councils.first(), count=20, by=researcher
    )
    assert len({c.code for c in codes}) == 20
    assert all(c.kind == Invitation.Kind.CODE and c.used_at is None for c in codes)
