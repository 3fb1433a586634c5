"""Sending email at most once, in wording a study's researchers can edit.

A message is identified by a key. The key is claimed with an INSERT before the
message is handed to the mail backend, so a task that is retried, or runs twice,
finds the claim and sends nothing. (At most once: a crash between the claim and
the send loses that one email rather than duplicating it; the row stays
'sending' and is visible to operators.)

Editable kinds (invitation, reminder, new wave, feedback available) are
rendered from the study's newest `StudyEmailTemplate`, or the default wording,
by `study_email_render`; other emails from a Django template file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.notifications import wording
from casecast.notifications.models import EmailKind, ReminderPolicy, SentEmail, StudyEmailTemplate
from casecast.studies.models import Participant, Study

UNSUBSCRIBE_SALT = "casecast.notifications.reminders-unsubscribe"


# --- rendering -------------------------------------------------------------------------


def study_email_template(*, study: Study, kind: str) -> wording.Wording:
    """The wording in use: the study's newest saved template, or the default."""
    saved = StudyEmailTemplate.objects.filter(study=study, kind=kind).current()
    if saved is not None:
        return wording.Wording(saved.subject, saved.body)
    return wording.DEFAULTS[kind]


def _placeholder_values(study: Study, context: dict[str, Any]) -> dict[str, str]:
    values = {name: str(value) for name, value in context.items() if isinstance(value, str | int)}
    values["study_title"] = study.title
    values.setdefault("site_name", settings.SITE_NAME)
    description = strip_tags(study.public_description or "").strip()
    values.setdefault("study_description", Truncator(description).words(80))
    return values


def study_email_render(*, study: Study, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a study's email of this kind, with the context's placeholders filled.

    `context` may hold `study` (ignored: the study argument wins), `link`,
    `site_name` and the kind's other placeholders as strings or numbers.
    """
    template = study_email_template(study=study, kind=kind)
    values = _placeholder_values(study, context)
    subject = " ".join(wording.fill(template.subject, values).split())
    body = wording.fill(template.body, values).strip() + "\n"
    return subject, body


def _render(
    *, kind: str, template: str, context: dict[str, Any], study: Study | None
) -> tuple[str, str]:
    if study is None and kind in EmailKind.values and isinstance(context.get("study"), Study):
        study = context["study"]
    if study is not None and kind in EmailKind.values:
        return study_email_render(study=study, kind=kind, context=context)
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def email_send_once(
    *,
    key: str,
    kind: str,
    user: User,
    template: str,
    context: dict[str, Any],
    study: Study | None = None,
    headers: dict[str, str] | None = None,
) -> bool:
    """Send one email once. True if sent now.

    Editable kinds (`EmailKind`) use the study's wording: the study is `study`
    or `context["study"]`. Other kinds render `template` (.txt, first line the
    subject). A callable context value is called only once the claim is held:
    a personal link passed that way is issued (superseding older links) only
    for an email that is really sent.
    """
    if not user.email:
        return False
    try:
        with transaction.atomic():
            claim = SentEmail.objects.create(key=key, kind=kind, user=user)
    except IntegrityError:
        return False
    try:
        context = {name: value() if callable(value) else value for name, value in context.items()}
        subject, body = _render(kind=kind, template=template, context=context, study=study)
        EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers or None
        ).send()
    except Exception as exc:
        SentEmail.objects.filter(pk=claim.pk).update(status=SentEmail.Status.FAILED, error=str(exc))
        raise
    SentEmail.objects.filter(pk=claim.pk).update(
        status=SentEmail.Status.SENT, sent_at=timezone.now()
    )
    return True


# --- researchers: wording and cadence --------------------------------------------------


@transaction.atomic
def study_email_template_save(
    *, study: Study, kind: str, subject: str, body: str, by: Any
) -> StudyEmailTemplate:
    """Save a new version of the study's wording for one kind.

    Raises `ValidationError`, keyed by "subject"/"body" for problems with the wording.
    """
    if kind not in EmailKind.values:
        raise ValidationError(f"Unknown email: {kind}")
    by_field = wording.wording_problems_by_field(kind=kind, subject=subject, body=body)
    if by_field:
        raise ValidationError(by_field)
    Study.objects.select_for_update().filter(pk=study.pk).first()
    saved = StudyEmailTemplate.objects.create(
        study=study,
        kind=kind,
        number=StudyEmailTemplate.objects.filter(study=study, kind=kind).next_number(),
        subject=subject.strip(),
        body=body.replace("\r\n", "\n"),
        created_by=by,
    )
    audit_record(
        action="email_template.save",
        actor=by,
        study_id=study.pk,
        target=saved,
        data={"kind": kind, "number": saved.number},
    )
    return saved


def reminder_policy_for(*, study: Study) -> ReminderPolicy:
    """The study's reminder cadence (unsaved defaults when never set)."""
    return ReminderPolicy.objects.filter(study=study).first() or ReminderPolicy(study=study)


@transaction.atomic
def reminder_policy_save(
    *, study: Study, enabled: bool, every_days: int, max_reminders: int, by: Any
) -> ReminderPolicy:
    policy, _ = ReminderPolicy.objects.update_or_create(
        study=study,
        defaults={
            "enabled": enabled,
            "every_days": every_days,
            "max_reminders": max_reminders,
            "updated_by": by,
        },
    )
    audit_record(
        action="reminder_policy.save",
        actor=by,
        study_id=study.pk,
        target=policy,
        data={"enabled": enabled, "every_days": every_days, "max_reminders": max_reminders},
    )
    return policy


# --- unsubscribe -------------------------------------------------------------------------


def unsubscribe_token(*, participant: Participant) -> str:
    """A signed token naming the participant; it can only turn their reminders off or on."""
    return signing.dumps({"p": participant.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, participant: Participant) -> str:
    token = unsubscribe_token(participant=participant)
    return f"{settings.SITE_URL}{reverse('notifications:unsubscribe', args=[token])}"


def participant_for_unsubscribe_token(*, token: str) -> Participant | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        return None
    return Participant.objects.select_related("study").filter(pk=data["p"]).first()


def reminders_opt_out_set(*, participant: Participant, opt_out: bool) -> Participant:
    """Turn reminders off (or back on). Other study emails are not affected."""
    Participant.objects.filter(pk=participant.pk).update(reminders_opt_out=opt_out)
    participant.reminders_opt_out = opt_out
    audit_record(
        action="reminders.opt_out" if opt_out else "reminders.opt_in",
        study_id=participant.study_id,
        target=participant,
    )
    return participant
