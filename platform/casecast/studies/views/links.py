"""Staff action on a participant's personal links: revoke them (e.g. an email was forwarded)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from casecast.accounts.links import participant_links_revoke
from casecast.audit.services import audit_record
from casecast.studies.models import Participant
from casecast.studies.permissions import MANAGERS, StaffRequest, study_staff_required


@require_POST
@study_staff_required(*MANAGERS)
def participant_link_revoke(request: StaffRequest, slug: str, pk: int) -> HttpResponse:
    participant = get_object_or_404(
        Participant, study=request.study, pk=pk, user__isnull=False, erased_at__isnull=True
    )
    assert participant.user is not None
    participant_links_revoke(user=participant.user)
    audit_record(
        action="participant.links_revoke",
        actor=request.user,
        study_id=request.study.pk,
        target=participant,
    )
    messages.success(
        request,
        "Their personal links no longer work. They can get a new one by email from the start page.",
    )
    return redirect("studies:participants", slug=slug)
