"""Enrolment and invitations, then consent and the baseline questionnaire.

The emails are sent by tasks (`tasks.invitations`) that run `studies.jobs`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from casecast.accounts.links import is_staff_account
from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.core.csv_safety import CsvUnreadable, csv_table_read
from casecast.studies import selectors
from casecast.studies.models import (
    BaselineQuestion,
    ConsentRecord,
    ConsentVersion,
    Council,
    EnrolmentRoute,
    Invitation,
    Participant,
    Study,
    StudyMembership,
    _new_code,
)
from casecast.studies.services._common import Status, _active, _code_taken
from casecast.studies.services.allocation import (
    _council_allocate_if_cluster,
    _is_cluster,
    participant_randomise,
)
from tasks.enqueue import enqueue_on_commit
from tasks.invitations import send_enrolment_link, send_enrolment_refusal, send_invitation

# --- Enrolment --------------------------------------------------------------------

REFUSED_ALREADY_JOINED = "already_joined"
REFUSED_STAFF = "staff"


class EnrolmentRefused(ValidationError):
    """Self-enrolment refused for a reason the person typing the address must not learn.

    The address already joined this study, or belongs to staff. Saying so on the page
    would tell anyone with a code which addresses are staff accounts or participants,
    so the page answers as for any existing account ("check your email") and the
    explanation goes to the address itself (`enrolment_refusal_notify`).
    """

    def __init__(self, message: str, *, user: User, reason: str):
        super().__init__({"email": message})
        self.user, self.reason = user, reason


def _participant_user(*, study: Study, email: str | None) -> tuple[User, bool]:
    """The user to enrol, and whether it already existed. Refuses duplicates and staff."""
    if not email:
        return User.objects.create_user(email=None), False
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email), False
    if Participant.objects.filter(study=study, user=user).exists():
        raise EnrolmentRefused(
            "This email address has already joined this study. If you have lost your "
            "link, ask for a new one from the start page.",
            user=user,
            reason=REFUSED_ALREADY_JOINED,
        )
    if StudyMembership.objects.filter(study=study, user=user).exists():
        raise EnrolmentRefused(
            "Study staff cannot take part in their own study.",
            user=user,
            reason=REFUSED_STAFF,
        )
    if is_staff_account(user):
        # A personal link must never open a staff account, so staff take part
        # (in someone else's study) with a separate address.
        raise EnrolmentRefused(
            "This address belongs to a staff account. To take part, use a different email address.",
            user=user,
            reason=REFUSED_STAFF,
        )
    return user, True


@transaction.atomic
def enrolment_refusal_notify(*, study: Study, refused: EnrolmentRefused) -> None:
    """Record a quiet refusal and email its explanation to the address (at most daily)."""
    audit_record(
        action="participant.enrol_refused",
        study_id=study.pk,
        target=refused.user,
        data={"reason": refused.reason},
    )
    enqueue_on_commit(send_enrolment_refusal, study.pk, refused.user.pk, refused.reason)


def _staff_email(email: str) -> bool:
    user = User.objects.filter(email=email).first()
    return user is not None and is_staff_account(user)


def _enrolment_open(study: Study) -> None:
    if study.status != Status.RECRUITING:
        raise ValidationError("This study is not recruiting at the moment.")


def _participant_create(
    *, study: Study, council: Council | None, email: str | None, route: str
) -> Participant:
    user, _existing = _participant_user(study=study, email=email)
    participant = Participant.objects.create(
        study=study, user=user, council=council, enrolled_via=route
    )
    if council is not None:
        _council_allocate_if_cluster(council=council)
    return participant


@dataclass(frozen=True)
class EnrolmentResult:
    participant: Participant
    existing_user: bool


@transaction.atomic
def participant_enrol(
    *,
    study: Study,
    council: Council | None,
    email: str | None,
    route: str,
    invitation: Invitation | None = None,
    eligibility_answers: Mapping[int, bool] | None = None,
    send_link: bool = True,
) -> EnrolmentResult:
    """Self-enrolment with a study, council or single-use code.

    With an email address the personal link is emailed (after commit) unless
    `send_link` is False (demo seeding).
    """
    _enrolment_open(study)
    if not email and not study.allow_no_email:
        raise ValidationError({"email": "Enter your email address"})
    if email:
        validate_email(email)
    if route == EnrolmentRoute.STUDY_CODE and _is_cluster(study):
        raise ValidationError("This study needs the code for your council. Ask the study team.")
    if not participant_eligible(study=study, answers=eligibility_answers or {}):
        raise ValidationError("You are not eligible to take part in this study.")
    existing = bool(email) and User.objects.filter(email=(email or "").strip().lower()).exists()
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise ValidationError("This code has already been used.")
    participant = _participant_create(study=study, council=council, email=email, route=route)
    if invitation is not None:
        invitation.used_at, invitation.participant = timezone.now(), participant
        invitation.save(update_fields=["used_at", "participant"])
    audit_record(
        action="participant.enrol",
        study_id=study.pk,
        target=participant,
        data={"route": route, "council_id": council.pk if council else None},
    )
    if email and send_link:
        enqueue_on_commit(send_enrolment_link, participant.pk)
    return EnrolmentResult(participant=participant, existing_user=existing)


def participant_eligible(*, study: Study, answers: Mapping[int, bool]) -> bool:
    return all(
        answers.get(question.pk) == question.eligible_answer
        for question in study.eligibility_questions.all()
    )


@dataclass(frozen=True)
class CsvRowError:
    row: int
    message: str


class InvitationCsvError(Exception):
    def __init__(self, errors: list[CsvRowError]):
        super().__init__(f"{len(errors)} problem(s) in the invitation file")
        self.errors = errors


def _csv_rows(csv_text: str) -> list[dict[str, str]]:
    try:
        table = csv_table_read(csv_text)
    except CsvUnreadable as unreadable:
        problem = CsvRowError(row=unreadable.row, message=unreadable.message)
        raise InvitationCsvError([problem]) from None
    if not {"email", "council"} <= set(table.header):
        raise InvitationCsvError(
            [CsvRowError(row=1, message="The first row must name the columns: email,council")]
        )
    return table.rows


def _council_lookup(study: Study) -> dict[str, Council]:
    lookup: dict[str, Council] = {}
    for council in study.councils.all():
        lookup[council.name.lower()] = council
        if council.enrolment_code:
            lookup[council.enrolment_code.lower()] = council
    return lookup


def _csv_row_problem(
    row: Mapping[str, str], *, councils: Mapping[str, Council], seen: set[str]
) -> str | None:
    email = row.get("email", "").lower()
    try:
        validate_email(email)
    except ValidationError:
        return f"'{email or '(blank)'}' is not a valid email address"
    if email in seen:
        return f"{email} appears more than once in the file"
    seen.add(email)
    if row.get("council", "").lower() not in councils:
        return f"no council called '{row.get('council', '')}' in this study"
    return None


@transaction.atomic
def invitations_import_csv(*, study: Study, csv_text: str, by: User | None) -> list[Invitation]:
    """Invite everyone in a CSV (columns email, council): all rows or none.

    Raises InvitationCsvError listing every problem by row number (the header is row 1).
    """
    _enrolment_open(study)
    rows = _csv_rows(csv_text)
    councils, seen = _council_lookup(study), set[str]()
    errors: list[CsvRowError] = []
    for number, row in enumerate(rows, start=2):
        problem = _csv_row_problem(row, councils=councils, seen=seen)
        if problem is None:
            email = row["email"].lower()
            if Participant.objects.filter(study=study, user__email=email).exists():
                problem = f"{email} has already joined this study"
            elif study.memberships.filter(user__email=email).exists():
                problem = f"{email} is on the study team"
            elif _staff_email(email):
                problem = f"{email} belongs to a staff account: invite a different address"
        if problem:
            errors.append(CsvRowError(row=number, message=problem))
    if not rows:
        errors.append(CsvRowError(row=2, message="The file has no invitations in it"))
    if errors:
        raise InvitationCsvError(errors)
    invitations = [
        _invitation_by_email(
            study=study, email=row["email"], council=councils[row["council"].lower()], by=by
        )
        for row in rows
    ]
    audit_record(
        action="invitations.import",
        actor=by,
        study_id=study.pk,
        target=study,
        data={"count": len(invitations)},
    )
    return invitations


@dataclass(frozen=True)
class AccountInvitations:
    invited: list[Invitation]
    already_in_study: int  # participants or staff of the study already: not invited again
    no_council: int  # no council to invite them to


@transaction.atomic
def invitations_for_accounts(
    *, study: Study, invitees: Sequence[tuple[User, Council | None]], by: User | None
) -> AccountInvitations:
    """Email invitations to existing participant accounts, each to the council given.

    Used to invite forecasters chosen from the network track record. Anyone already
    in the study (or on its team, or a staff account) and anyone without a council is
    left out and counted, never refused with their details on a page."""
    _enrolment_open(study)
    in_study = set(study.participants.values_list("user_id", flat=True)) | set(
        study.memberships.values_list("user_id", flat=True)
    )
    invited: list[Invitation] = []
    already = no_council = 0
    for user, council in invitees:
        if user.pk in in_study or is_staff_account(user) or not user.email:
            already += 1
        elif council is None or council.study_id != study.pk:
            no_council += 1
        else:
            invited.append(
                _invitation_by_email(study=study, email=user.email, council=council, by=by)
            )
            in_study.add(user.pk)
    return AccountInvitations(invited=invited, already_in_study=already, no_council=no_council)


def _invitation_by_email(
    *, study: Study, email: str, council: Council, by: User | None
) -> Invitation:
    participant = _participant_create(
        study=study, council=council, email=email, route=EnrolmentRoute.INVITATION
    )
    invitation = Invitation.objects.create(
        study=study,
        council=council,
        kind=Invitation.Kind.EMAIL,
        participant=participant,
        created_by=by,
    )
    enqueue_on_commit(send_invitation, invitation.pk)
    return invitation


@transaction.atomic
def invitation_codes_generate(
    *, study: Study, council: Council, count: int, by: User | None
) -> list[Invitation]:
    if not 1 <= count <= 500:
        raise ValidationError({"count": "Generate between 1 and 500 codes at a time."})
    invitations = []
    for _ in range(count):
        while _code_taken(code := _new_code()):
            pass
        invitations.append(
            Invitation.objects.create(
                study=study, council=council, kind=Invitation.Kind.CODE, code=code, created_by=by
            )
        )
    audit_record(
        action="invitations.codes",
        actor=by,
        study_id=study.pk,
        target=council,
        data={"count": count},
    )
    return invitations


# --- Consent and baseline ---------------------------------------------------------


@transaction.atomic
def participant_consent(
    *,
    participant: Participant,
    consent_version: ConsentVersion,
    link_across_studies: bool | None = None,
) -> Participant:
    """Record agreement to the newest consent version: the first consent, or a re-consent.

    Each agreement is kept per version (`ConsentRecord`). A participant who
    has consented and owes no re-consent is left as they are.
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _active(participant)
    first = participant.consented_at is None
    if not first and selectors.reconsent_needed(participant=participant) is None:
        return participant
    latest = participant.study.consent_versions.current()
    if consent_version.study_id != participant.study_id or consent_version != latest:
        raise ValidationError(
            "The study information has changed since you opened the page. Read it again."
        )
    participant.consent_version = consent_version
    fields = ["consent_version"]
    if first:
        participant.consented_at = timezone.now()
        participant.status = Participant.Status.CONSENTED
        fields += ["consented_at", "status"]
    participant.save(update_fields=fields)
    ConsentRecord.objects.get_or_create(participant=participant, consent_version=consent_version)
    if link_across_studies is not None:
        participant_linking_set(participant=participant, link=link_across_studies)
    audit_record(
        action="participant.consent" if first else "participant.reconsent",
        actor=participant.user,
        study_id=participant.study_id,
        target=participant,
        data={"consent_version": consent_version.number},
    )
    return participant


def participant_linking_set(*, participant: Participant, link: bool) -> Participant:
    """Agree to, or withdraw agreement to, linking answers across studies (audited).

    Only studies that offer it can be linked; agreeing again keeps the first date."""
    if link and not participant.study.offers_network_linking:
        raise ValidationError("This study does not link answers across studies.")
    linked = participant.linked_across_studies_at is not None
    if link == linked:
        return participant
    participant.linked_across_studies_at = timezone.now() if link else None
    participant.save(update_fields=["linked_across_studies_at"])
    audit_record(
        action="participant.link_across_studies" if link else "participant.unlink_across_studies",
        actor=participant.user,
        study_id=participant.study_id,
        target=participant,
        data={},
    )
    return participant


def _clean_answer(question: BaselineQuestion, value: Any) -> Any:
    if value in (None, ""):
        if question.required:
            raise ValidationError({question.key: f"Answer '{question.label}'"})
        return ""
    if question.kind == BaselineQuestion.Kind.CHOICE and value not in question.choices:
        raise ValidationError({question.key: "Choose one of the answers given"})
    if question.kind == BaselineQuestion.Kind.NUMBER:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError({question.key: "Enter a whole number"}) from None
        if not 0 <= number <= 100:
            raise ValidationError({question.key: "Enter a number between 0 and 100"})
        return number
    return str(value)[:500]


@transaction.atomic
def participant_baseline_submit(
    *, participant: Participant, answers: Mapping[str, Any]
) -> Participant:
    """Store the baseline answers; randomise at once if the first phase starts after it."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _active(participant)
    if participant.consented_at is None:
        raise ValidationError("Give your consent before answering the questions.")
    if participant.baseline_completed_at is not None:
        return participant
    cleaned = {
        question.key: _clean_answer(question, answers.get(question.key))
        for question in participant.study.baseline_questions.all()
    }
    participant.baseline = cleaned
    participant.baseline_completed_at = timezone.now()
    participant.status = Participant.Status.BASELINE_DONE
    participant.save(update_fields=["baseline", "baseline_completed_at", "status"])
    audit_record(
        action="participant.baseline",
        actor=participant.user,
        study_id=participant.study_id,
        target=participant,
    )
    first_phase = participant.study.phases.order_by("position").first()
    if first_phase is not None and first_phase.randomise_before:
        participant_randomise(participant=participant)
        participant.refresh_from_db()
    return participant
