"""Unsubscribe from reminders (no sign-in: a signed token), and researchers' email settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from casecast.core.form_views import form_saved
from casecast.notifications import services, wording
from casecast.notifications.forms import EmailTemplateForm, ReminderPolicyForm
from casecast.notifications.models import EmailKind, StudyEmailTemplate
from casecast.studies.permissions import MANAGERS, StaffRequest, study_staff_required

SAMPLE_VALUES = {
    "cases_to_do": "2 cases",
    "phase_name": "After randomisation",
}
SAMPLE_TOKEN = "…"


def sample_values() -> dict[str, str]:
    """Placeholder values for the preview: links on this site (SITE_URL), token elided."""
    unsubscribe = reverse("notifications:unsubscribe", args=["TOKEN"]).replace(
        "TOKEN", SAMPLE_TOKEN
    )
    return {
        **SAMPLE_VALUES,
        "link": f"{settings.SITE_URL}{reverse('accounts:link')}?token={SAMPLE_TOKEN}",
        "unsubscribe_link": f"{settings.SITE_URL}{unsubscribe}",
    }


# The token is the credential: one-click unsubscribe (RFC 8058) posts without a CSRF cookie.
@csrf_exempt
@login_not_required
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    participant = services.participant_for_unsubscribe_token(token=token)
    if participant is None:
        return render(
            request,
            "notifications/unsubscribe_invalid.html",
            {"page_title": "This link does not work"},
            status=404,
        )
    if request.method == "POST":
        opt_out = request.POST.get("reminders") != "on"
        services.reminders_opt_out_set(participant=participant, opt_out=opt_out)
        return render(
            request,
            "notifications/unsubscribe_done.html",
            {
                "page_title": "Reminders turned off" if opt_out else "Reminders turned on",
                "participant": participant,
                "study": participant.study,
                "token": token,
            },
        )
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "page_title": "Stop reminder emails",
            "participant": participant,
            "study": participant.study,
            "token": token,
        },
    )


def _kind(kind: str) -> str:
    if kind not in EmailKind.values:
        raise Http404("No such email.")
    return kind


@study_staff_required()
def staff_emails(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    can_edit = request.study_role in MANAGERS
    policy = services.reminder_policy_for(study=study)
    form = ReminderPolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    if request.method == "POST" and not can_edit:
        raise Http404
    saved_policy = form_saved(
        request,
        form,
        save=lambda data: services.reminder_policy_save(study=study, by=request.user, **data),
        notice="Reminder settings saved.",
        to=reverse("notifications:staff_emails", kwargs={"slug": study.slug}),
    )
    if saved_policy is not None:
        return saved_policy
    saved = StudyEmailTemplate.objects.filter(study=study).current_each("kind")
    emails = [
        (kind, label, saved.get(kind), services.study_email_template(study=study, kind=kind))
        for kind, label in EmailKind.choices
    ]
    return render(
        request,
        "notifications/staff/emails.html",
        {
            "page_title": "Emails and reminders",
            "study": study,
            "emails": emails,
            "form": form,
            "can_edit": can_edit,
        },
    )


@study_staff_required(*MANAGERS)
def staff_email_edit(request: StaffRequest, slug: str, kind: str) -> HttpResponse:
    study = request.study
    kind = _kind(kind)
    current = services.study_email_template(study=study, kind=kind)
    form = EmailTemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"subject": current.subject, "body": current.body},
    )
    saved = form_saved(
        request,
        form,
        save=lambda data: services.study_email_template_save(
            study=study, kind=kind, by=request.user, **data
        ),
        notice=f"Saved the {EmailKind(kind).label.lower()} email.",
        to=reverse("notifications:staff_emails", kwargs={"slug": study.slug}),
    )
    if saved is not None:
        return saved
    subject, body = services.study_email_render(study=study, kind=kind, context=sample_values())
    return render(
        request,
        "notifications/staff/email_edit.html",
        {
            "page_title": f"Edit the {EmailKind(kind).label.lower()} email",
            "study": study,
            "kind": kind,
            "label": EmailKind(kind).label,
            "form": form,
            "placeholders": wording.placeholders_for(kind),
            "required": sorted(wording.REQUIRED.get(kind, set())),
            "preview_subject": subject,
            "preview_body": body,
            "versions": StudyEmailTemplate.objects.filter(study=study, kind=kind).newest_first(),
        },
    )
