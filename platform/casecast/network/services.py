"""Inviting forecasters chosen from the network track record into a study (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.network.selectors import linked_participants, track_record
from casecast.studies.models import Council, Study
from casecast.studies.services import invitations_for_accounts


@dataclass(frozen=True)
class TopInvited:
    chosen: int  # forecasters in the chosen set
    invited: int
    already_in_study: int
    no_council: int


def _their_council(user_id: int, councils: dict[str, Council]) -> Council | None:
    """The target study's council named like their latest linked participation's council.

    Only linked participations are read: a study they did not link stays unlinked."""
    latest = (
        linked_participants()
        .filter(user_id=user_id, council__isnull=False)
        .select_related("council")
        .order_by("-enrolled_at", "-pk")
        .first()
    )
    return councils.get(latest.council.name.strip().lower()) if latest and latest.council else None


@transaction.atomic
def top_forecasters_invite(
    *, study: Study, by: User, top_fraction: float, min_n: int
) -> TopInvited:
    """Invite the top `top_fraction` of linked forecasters with at least `min_n` forecasts.

    Each goes to the council of `study` named like their own; people already in the study
    and people whose council the study does not have are left out and counted."""
    record = track_record(min_n=min_n, top_fraction=top_fraction)
    chosen = [f for f in record.forecasters if f.top]
    users = User.objects.in_bulk([f.user_id for f in chosen])
    councils = {c.name.strip().lower(): c for c in study.councils.all()}
    result = invitations_for_accounts(
        study=study,
        invitees=[(users[f.user_id], _their_council(f.user_id, councils)) for f in chosen],
        by=by,
    )
    audit_record(
        action="network.invite_top",
        actor=by,
        study_id=study.pk,
        target=study,
        data={
            "top_fraction": top_fraction,
            "min_forecasts": min_n,
            "chosen": len(chosen),
            "invited": len(result.invited),
            "already_in_study": result.already_in_study,
            "no_council": result.no_council,
        },
    )
    return TopInvited(
        chosen=len(chosen),
        invited=len(result.invited),
        already_in_study=result.already_in_study,
        no_council=result.no_council,
    )
