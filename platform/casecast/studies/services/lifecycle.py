"""The end of a study's data collection: data lock, then unblinding (both audited).

Data lock stops forecasts (the journey refuses politely) and freezes outcomes
(the resolution services refuse); it needs the study closed to recruitment.
Unblinding is a study administrator's confirmed action, possible only after
data lock (also a model constraint): from then on everyone sees the real arm
names. Neither can be undone.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.studies.blinding import blinding_started
from casecast.studies.models import Study
from casecast.studies.services._common import Status

LOCKABLE = (Status.CLOSED, Status.ARCHIVED)
DATA_LOCKED_MESSAGE = (
    "The study's data are locked: outcomes can no longer be recorded, corrected, "
    "annulled or reinstated."
)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason, for the audit trail"})
    return reason


@transaction.atomic
def study_data_lock(*, study: Study, by: User | None, reason: str) -> Study:
    """Lock the study's data: no more forecasts, outcomes frozen. Cannot be undone."""
    reason = _reason(reason)
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.data_locked_at is not None:
        raise ValidationError("The study's data are already locked.")
    if study.status not in LOCKABLE:
        raise ValidationError(
            "Close the study before locking its data: a study that still recruits "
            "or runs may receive forecasts."
        )
    study.data_locked_at = timezone.now()
    study.save(update_fields=["data_locked_at"])
    audit_record(action="study.data_lock", actor=by, study_id=study.pk, target=study, reason=reason)
    return study


@transaction.atomic
def study_unblind(*, study: Study, by: User | None, reason: str, confirmed: bool) -> Study:
    """Reveal the real arm names to all staff. Only after data lock; cannot be undone."""
    reason = _reason(reason)
    if not confirmed:
        raise ValidationError({"confirm": "Confirm that you want to unblind the study"})
    study = Study.objects.select_for_update().get(pk=study.pk)
    if study.unblinded_at is not None:
        raise ValidationError("The study is already unblinded.")
    if study.data_locked_at is None:
        raise ValidationError("Lock the study's data before unblinding it.")
    study.unblinded_at = timezone.now()
    study.save(update_fields=["unblinded_at"])
    audit_record(
        action="study.unblind",
        actor=by,
        study_id=study.pk,
        target=study,
        reason=reason,
        data={"randomised_before": blinding_started(study=study)},
    )
    return study


def data_lock_check(*, study_id: int) -> None:
    """Raise the data-lock message if the study's data are locked (for outcome writes)."""
    if Study.objects.filter(pk=study_id, data_locked_at__isnull=False).exists():
        raise ValidationError(DATA_LOCKED_MESSAGE)
