"""Sending email at most once.

A message is identified by a key. The key is claimed with an INSERT before the
message is handed to the mail backend, so a task that is retried, or runs twice,
finds the claim and sends nothing. (At most once: a crash between the claim and
the send loses that one email rather than duplicating it; the row stays
'sending' and is visible to operators.)
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from casecast.accounts.models import User
from casecast.notifications.models import SentEmail


def email_send_once(
    *, key: str, kind: str, user: User, template: str, context: dict[str, object]
) -> bool:
    """Render `template` (.txt, first line the subject) and send it once. True if sent now."""
    if not user.email:
        return False
    try:
        with transaction.atomic():
            claim = SentEmail.objects.create(key=key, kind=kind, user=user)
    except IntegrityError:
        return False
    subject, _, body = render_to_string(template, context).strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception as exc:
        SentEmail.objects.filter(pk=claim.pk).update(status=SentEmail.Status.FAILED, error=str(exc))
        raise
    SentEmail.objects.filter(pk=claim.pk).update(status=SentEmail.Status.SENT, sent_at=timezone.now())
    return True


def participant_link_email_send(*, user_id: int) -> bool:
    from casecast.accounts.services import participant_link

    user = User.objects.get(pk=user_id)
    # A new link may be asked for many times; one email per request minute is enough.
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return email_send_once(
        key=f"link:{user.pk}:{minute}",
        kind="link",
        user=user,
        template="notifications/email/participant_link.txt",
        context={"link": participant_link(user=user), "site_name": settings.SITE_NAME},
    )
