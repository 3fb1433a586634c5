"""Participant pages: enrol with a code, consent, baseline questions, withdraw."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from casecast.accounts.links import participant_link, participant_session_start
from casecast.accounts.throttle import client_address, throttle_exceeded, throttle_hit
from casecast.accounts.views import too_many_attempts
from casecast.core.form_views import errors_onto_form, posted
from casecast.studies import selectors, services
from casecast.studies.forms import (
    BaselineForm,
    ConsentForm,
    EligibilityForm,
    EnrolCodeForm,
    EnrolDetailsForm,
    LinkingForm,
    WithdrawForm,
)
from casecast.studies.models import Council, Invitation, Study
from casecast.studies.permissions import ParticipantRequest, participant_gate

SESSION_KEY = "studies_enrolment"


# --- Enrolment with a code (anonymous) ------------------------------------------------


@login_not_required
@never_cache
def enrol_code(request: HttpRequest) -> HttpResponse:
    form = EnrolCodeForm(posted(request))
    address = client_address(request)
    if request.method == "POST" and throttle_exceeded(
        scope="enrol-code-failures", key=address, limit=settings.ENROLMENT_CODE_FAILURES_PER_ADDRESS
    ):
        return too_many_attempts(request)
    if request.method == "POST" and form.is_valid():
        target = selectors.enrolment_target_for_code(code=form.cleaned_data["code"])
        if target is None:
            # Codes are guessable only by volume: count wrong ones per address.
            throttle_hit(scope="enrol-code-failures", key=address, window_seconds=60 * 60)
            form.add_error("code", "We cannot find that code. Check it and try again")
        elif target.study.status != Study.Status.RECRUITING:
            form.add_error("code", "This study is not taking new participants at the moment")
        else:
            request.session[SESSION_KEY] = {
                "study": target.study.pk,
                "council": target.council.pk if target.council else None,
                "route": target.route,
                "invitation": target.invitation.pk if target.invitation else None,
                "answers": None,
            }
            if target.study.eligibility_questions.exists():
                return redirect("studies:enrol_eligibility")
            return redirect("studies:enrol_details")
    return render(
        request,
        "studies/participant/enrol_code.html",
        {"form": form, "page_title": "Enter your study code"},
    )


def _enrolment(request: HttpRequest) -> tuple[dict[str, Any], Study] | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    study = Study.objects.filter(pk=data["study"]).first()
    return (data, study) if study else None


@login_not_required
@never_cache
def enrol_eligibility(request: HttpRequest) -> HttpResponse:
    pending = _enrolment(request)
    if pending is None:
        return redirect("studies:enrol_code")
    data, study = pending
    form = EligibilityForm(posted(request), questions=list(study.eligibility_questions.all()))
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        if not services.participant_eligible(study=study, answers=answers):
            del request.session[SESSION_KEY]
            return render(
                request,
                "studies/participant/not_eligible.html",
                {"study": study, "page_title": "You cannot take part in this study"},
            )
        data["answers"] = {str(key): value for key, value in answers.items()}
        request.session[SESSION_KEY] = data
        return redirect("studies:enrol_details")
    return render(
        request,
        "studies/participant/enrol_eligibility.html",
        {"form": form, "study": study, "page_title": "Check you can take part"},
    )


@login_not_required
@never_cache
def enrol_details(request: HttpRequest) -> HttpResponse:
    pending = _enrolment(request)
    if pending is None:
        return redirect("studies:enrol_code")
    data, study = pending
    if study.eligibility_questions.exists() and data.get("answers") is None:
        return redirect("studies:enrol_eligibility")
    form = EnrolDetailsForm(posted(request), allow_no_email=study.allow_no_email)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.participant_enrol(
                study=study,
                council=Council.objects.filter(pk=data["council"]).first(),
                email=form.cleaned_data["email"] or None,
                route=data["route"],
                invitation=Invitation.objects.filter(pk=data["invitation"]).first(),
                eligibility_answers={int(k): v for k, v in (data.get("answers") or {}).items()},
            )
        except services.EnrolmentRefused as refused:
            services.enrolment_refusal_notify(study=study, refused=refused)
            return _check_email(request, study=study)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            return _enrolled(request, result=result, study=study)
    return render(
        request,
        "studies/participant/enrol_details.html",
        {"form": form, "study": study, "page_title": f"Join {study.title}"},
    )


def _check_email(request: HttpRequest, *, study: Study) -> HttpResponse:
    """The same page whether the address has an account, joined already or is staff's."""
    request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "studies/participant/check_email.html",
        {"study": study, "page_title": "Check your email"},
    )


def _enrolled(
    request: HttpRequest, *, result: services.EnrolmentResult, study: Study
) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    user = result.participant.user
    assert user is not None
    if result.existing_user:
        # Someone typing an address is not proof they own it: the link goes by email.
        return _check_email(request, study=study)
    participant_session_start(request, user)
    if user.email:
        messages.success(
            request,
            "You have joined the study. We have emailed you your personal "
            "link so you can come back later.",
        )
        return redirect("studies:consent", slug=study.slug)
    return render(
        request,
        "studies/participant/bookmark_link.html",
        {
            "study": study,
            "link": participant_link(user=user),
            "page_title": "Save your personal link",
        },
    )


# --- Consent, baseline, withdrawal ---------------------------------------------------


@participant_gate(need_consent=False, need_baseline=False)
@never_cache
def consent(request: ParticipantRequest, slug: str) -> HttpResponse:
    participant = request.participant
    study = participant.study
    reconsent = (
        selectors.reconsent_needed(participant=participant)
        if participant.consented_at is not None
        else None
    )
    if participant.consented_at is not None and reconsent is None:
        return redirect("studies:baseline", slug=slug)
    version = study.consent_versions.current()
    form = ConsentForm(
        posted(request),
        initial={
            "consent_version": version.pk if version else None,
            "link_across_studies": participant.linked_across_studies_at is not None,
        },
        offers_linking=study.offers_network_linking,
    )
    if request.method == "POST" and form.is_valid() and version is not None:
        chosen = study.consent_versions.filter(pk=form.cleaned_data["consent_version"]).first()
        try:
            services.participant_consent(
                participant=participant,
                consent_version=chosen or version,
                link_across_studies=form.cleaned_data.get("link_across_studies"),
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            return redirect("studies:baseline", slug=slug)
    return render(
        request,
        "studies/participant/consent.html",
        {
            "form": form,
            "study": study,
            "version": version,
            "reconsent": reconsent is not None,
            "page_title": f"Taking part in {study.title}",
        },
    )


@participant_gate(need_consent=True, need_baseline=False)
@never_cache
def baseline(request: ParticipantRequest, slug: str) -> HttpResponse:
    participant = request.participant
    study = participant.study
    if participant.baseline_completed_at is not None:
        return redirect("core:home")
    form = BaselineForm(posted(request), questions=list(study.baseline_questions.all()))
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_baseline_submit(participant=participant, answers=form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, "Thank you. Your answers have been saved.")
            return redirect("core:home")
    return render(
        request,
        "studies/participant/baseline.html",
        {"form": form, "study": study, "page_title": "About you"},
    )


@participant_gate(need_consent=False, need_baseline=False)
@never_cache
def withdraw(request: ParticipantRequest, slug: str) -> HttpResponse:
    participant = request.participant
    study = participant.study
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["keep_data"] == "yes"
        services.participant_withdraw(participant=participant, keep_data=keep, by=request.user)
        if not keep or not selectors.active_participations(user=request.user).exists():
            logout(request)
        return render(
            request,
            "studies/participant/withdrawn_done.html",
            {"study": study, "kept": keep, "page_title": "You have left the study"},
        )
    return render(
        request,
        "studies/participant/withdraw.html",
        {"form": form, "study": study, "page_title": "Leave the study"},
    )


@participant_gate(need_consent=True, need_baseline=False)
@never_cache
def linking(request: ParticipantRequest, slug: str) -> HttpResponse:
    """Change the optional agreement to link answers across Casecast studies."""
    participant = request.participant
    study = participant.study
    if not study.offers_network_linking:
        raise Http404("This study does not link answers across studies.")
    linked = participant.linked_across_studies_at is not None
    form = LinkingForm(posted(request), initial={"link_across_studies": "yes" if linked else "no"})
    if request.method == "POST" and form.is_valid():
        link = form.cleaned_data["link_across_studies"]
        services.participant_linking_set(participant=participant, link=link)
        messages.success(
            request,
            "Your answers in this study are now linked with other Casecast studies."
            if link
            else "Your answers in this study are no longer linked with other studies.",
        )
        return redirect("studies:linking", slug=slug)
    return render(
        request,
        "studies/participant/linking.html",
        {"form": form, "study": study, "linked": linked, "page_title": "Linking your answers"},
    )
