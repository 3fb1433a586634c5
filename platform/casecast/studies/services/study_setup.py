"""Study set-up: creating a study, its details, status changes, and staff memberships."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.studies import design as study_design
from casecast.studies.models import (
    BaselineQuestion,
    Council,
    DesignVersion,
    RandomisationState,
    Study,
    StudyMembership,
)
from casecast.studies.selectors import design_current
from casecast.studies.services._common import TRANSITIONS, Role, Status, _code_taken

DEFAULT_BASELINE_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "role",
        "label": "What is your current role?",
        "kind": BaselineQuestion.Kind.CHOICE,
        "choices": [
            "Social worker",
            "Senior or advanced practitioner",
            "Team manager",
            "Student or newly qualified social worker (ASYE)",
            "Other",
        ],
    },
    {
        "key": "years_qualified",
        "label": "How long ago did you qualify as a social worker?",
        "kind": BaselineQuestion.Kind.CHOICE,
        "choices": ["Less than 2 years", "2 to 5 years", "6 to 10 years", "More than 10 years"],
    },
    {
        "key": "team_type",
        "label": "What kind of team do you work in?",
        "kind": BaselineQuestion.Kind.CHOICE,
        "choices": [
            "Front door or assessment",
            "Child in need or child protection",
            "Children in care",
            "Other",
        ],
    },
]


# --- Study set-up -----------------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60] or "study"
    slug, n = base, 2
    while Study.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def study_create(
    *,
    title: str,
    by: User | None,
    slug: str = "",
    public_description: str = "",
    default_baseline: bool = True,
) -> Study:
    """A draft study with its creator as study administrator and an empty design v1."""
    study = Study.objects.create(
        title=title,
        slug=slug or _unique_slug(title),
        public_description=public_description,
        created_by=by,
    )
    if by is not None:
        StudyMembership.objects.create(study=study, user=by, role=Role.ADMIN)
    DesignVersion.objects.create(
        study=study,
        number=1,
        block_multiples=list(study_design.DEFAULT_BLOCK_MULTIPLES),
        created_by=by,
        reason="Initial design",
    )
    RandomisationState.objects.create(study=study)
    if default_baseline:
        for position, question in enumerate(DEFAULT_BASELINE_QUESTIONS):
            BaselineQuestion.objects.create(study=study, position=position, **question)
    audit_record(action="study.create", actor=by, study_id=study.pk, target=study)
    return study


STUDY_DETAIL_FIELDS = (
    "title",
    "public_description",
    "preregistration_url",
    "enrolment_code",
    "allow_no_email",
    "offers_network_linking",
    "outcome_release",
)


def study_update(*, study: Study, by: User | None, **fields: Any) -> Study:
    """Change details that do not affect the trial design (title, description, codes)."""
    unknown = set(fields) - set(STUDY_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not study detail fields: {', '.join(sorted(unknown))}")
    if "enrolment_code" in fields:
        fields["enrolment_code"] = (fields["enrolment_code"] or "").strip().upper() or None
        code = fields["enrolment_code"]
        if code and _code_taken(code, study=study):
            raise ValidationError(
                {"enrolment_code": "This code is already in use. Choose another."}
            )
    changed = {name: value for name, value in fields.items() if getattr(study, name) != value}
    for name, value in changed.items():
        setattr(study, name, value)
    study.full_clean()
    study.save()
    if changed:
        audit_record(
            action="study.update",
            actor=by,
            study_id=study.pk,
            target=study,
            data={"fields": sorted(changed)},
        )
    return study


def study_readiness_problems(*, study: Study) -> list[str]:
    """What must be fixed before the study can open for recruitment."""
    problems = study_design.design_problems(study=study, version=design_current(study=study))
    if not study.consent_versions.exists():
        problems.append("Write the consent text.")
    if not study.councils.exists():
        problems.append("Add at least one council.")
    if not study.phases.exists():
        problems.append("Add at least one phase.")
    return problems


@transaction.atomic
def study_status_change(*, study: Study, to: str, by: User | None, reason: str = "") -> Study:
    study = Study.objects.select_for_update().get(pk=study.pk)
    if to not in TRANSITIONS[study.status]:
        raise ValidationError(
            f"A study that is {study.get_status_display().lower()} cannot become "
            f"{Status(to).label.lower()}."
        )
    if study.status == Status.DRAFT:
        problems = study_readiness_problems(study=study)
        if problems:
            raise ValidationError(problems)
    previous = study.status
    study.status = to
    study.save(update_fields=["status"])
    audit_record(
        action="study.status",
        actor=by,
        study_id=study.pk,
        target=study,
        reason=reason,
        data={"from": previous, "to": to},
    )
    return study


# --- Staff ------------------------------------------------------------------------


@transaction.atomic
def _membership_council(*, study: Study, role: str, council: Council | None) -> Council | None:
    """A council lead is tied to one council of this study; no other role has one."""
    if role != Role.COUNCIL_LEAD:
        return None
    if council is None:
        raise ValidationError({"council": "Select the council this council lead is for"})
    if council.study_id != study.pk:
        raise ValidationError({"council": "Select a council of this study"})
    return council


def membership_add(
    *,
    study: Study,
    email: str,
    role: str,
    by: User | None,
    council: Council | None = None,
) -> StudyMembership:
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None or not user.has_usable_password():
        raise ValidationError(
            {
                "email": "There is no staff account with this email address. "
                "Ask the site administrator to create one first."
            }
        )
    if study.participants.filter(user=user).exists():
        raise ValidationError({"email": "This person takes part in the study, so cannot be staff."})
    council = _membership_council(study=study, role=role, council=council)
    membership, created = StudyMembership.objects.get_or_create(
        study=study, user=user, defaults={"role": role, "council": council}
    )
    if not created:
        raise ValidationError({"email": "This person is already on the study team."})
    audit_record(
        action="membership.add",
        actor=by,
        study_id=study.pk,
        target=membership,
        data={"user_id": user.pk, "role": role, "council_id": council.pk if council else None},
    )
    return membership


def _admins_left_after(membership: StudyMembership) -> int:
    return (
        StudyMembership.objects.filter(study=membership.study, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def membership_change(
    *, membership: StudyMembership, role: str, by: User | None, council: Council | None = None
) -> None:
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _admins_left_after(membership):
        raise ValidationError("A study must keep at least one study administrator.")
    council = _membership_council(study=membership.study, role=role, council=council)
    previous = membership.role
    membership.role = role
    membership.council = council
    membership.save(update_fields=["role", "council"])
    audit_record(
        action="membership.change",
        actor=by,
        study_id=membership.study_id,
        target=membership,
        data={
            "user_id": membership.user_id,
            "from": previous,
            "to": role,
            "council_id": council.pk if council else None,
        },
    )


@transaction.atomic
def membership_remove(*, membership: StudyMembership, by: User | None) -> None:
    if membership.role == Role.ADMIN and not _admins_left_after(membership):
        raise ValidationError("A study must keep at least one study administrator.")
    audit_record(
        action="membership.remove",
        actor=by,
        study_id=membership.study_id,
        target=membership,
        data={"user_id": membership.user_id, "role": membership.role},
    )
    membership.delete()
