"""Writes for studies: set-up, design versions, enrolment, consent, randomisation, withdrawal.

Every function is keyword-only and audit-logs what it changes. User-facing
problems are raised as `django.core.exceptions.ValidationError` with a message
a researcher or participant can act on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.randomisation import allocate, initial_state
from casecast.studies import design as study_design
from casecast.studies.models import (
    Allocation,
    Arm,
    BaselineQuestion,
    ConsentVersion,
    Council,
    DesignVersion,
    EligibilityQuestion,
    EnrolmentRoute,
    Invitation,
    Participant,
    Phase,
    RandomisationState,
    Study,
    StudyMembership,
    _new_code,
)

Role = StudyMembership.Role
Status = Study.Status

# Status changes a study may make, and the states in which people may enrol or be randomised.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.RECRUITING,),
    Status.RECRUITING: (Status.RUNNING, Status.CLOSED),
    Status.RUNNING: (Status.RECRUITING, Status.CLOSED),
    Status.CLOSED: (Status.ARCHIVED,),
    Status.ARCHIVED: (),
}
RANDOMISING = (Status.RECRUITING, Status.RUNNING)
FEEDBACK_POLICIES = ("outcome", "calibration", "peer")
TRAINING_MODULES = ("", "calibration", "debiasing")

# Arm fields that define the intervention or the allocation: frozen after draft.
ARM_FROZEN_FIELDS = (
    "key",
    "ratio",
    "is_control",
    "feedback_policies",
    "training_module",
    "shows_base_rates",
)

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


def _code_taken(code: str, *, study: Study | None = None) -> bool:
    studies = Study.objects.filter(enrolment_code=code)
    if study is not None:
        studies = studies.exclude(pk=study.pk)
    return (
        studies.exists()
        or Council.objects.filter(enrolment_code=code).exists()
        or Invitation.objects.filter(code=code).exists()
    )


def study_readiness_problems(*, study: Study) -> list[str]:
    """What must be fixed before the study can open for recruitment."""
    from casecast.studies.selectors import design_current

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
def membership_add(*, study: Study, email: str, role: str, by: User | None) -> StudyMembership:
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
    membership, created = StudyMembership.objects.get_or_create(
        study=study, user=user, defaults={"role": role}
    )
    if not created:
        raise ValidationError({"email": "This person is already on the study team."})
    audit_record(
        action="membership.add",
        actor=by,
        study_id=study.pk,
        target=membership,
        data={"user_id": user.pk, "role": role},
    )
    return membership


def _admins_left_after(membership: StudyMembership) -> int:
    return (
        StudyMembership.objects.filter(study=membership.study, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .count()
    )


@transaction.atomic
def membership_change(*, membership: StudyMembership, role: str, by: User | None) -> None:
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _admins_left_after(membership):
        raise ValidationError("A study must keep at least one study administrator.")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action="membership.change",
        actor=by,
        study_id=membership.study_id,
        target=membership,
        data={"user_id": membership.user_id, "from": previous, "to": role},
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


# --- Design versions --------------------------------------------------------------


def _require_reason(study: Study, reason: str) -> None:
    if not study.is_draft and not reason.strip():
        raise ValidationError(
            {
                "reason": "Give a reason: this study has left draft, so the change creates a "
                "new design version that reviewers will see."
            }
        )


def _design_record(
    *, study: Study, by: User | None, reason: str, settings: Mapping[str, Any] | None = None
) -> DesignVersion:
    """Snapshot the arms (and any new scheme settings) into the design.

    In draft the single working version is updated in place: nobody has been
    allocated under it. After draft a new numbered version is written beside
    the old ones, and allocations from now on record it.
    """
    # Lock the allocation state so no allocation runs half under the old design.
    RandomisationState.objects.select_for_update().filter(study=study).first()
    latest = study.design_versions.order_by("-number").first()
    assert latest is not None, "every study has a design version from creation"
    values: dict[str, Any] = {
        "scheme": latest.scheme,
        "unit": latest.unit,
        "strata": list(latest.strata),
        "block_multiples": list(latest.block_multiples),
        "minimisation_probability": latest.minimisation_probability,
        **(settings or {}),
        "arms": study_design.arms_snapshot(study=study),
    }
    if study.is_draft:
        for name, value in values.items():
            setattr(latest, name, value)
        latest.save()
        version = latest
    else:
        version = DesignVersion.objects.create(
            study=study, number=latest.number + 1, created_by=by, reason=reason.strip(), **values
        )
    audit_record(
        action="design.change",
        actor=by,
        study_id=study.pk,
        target=version,
        reason=reason,
        data={
            "version": version.number,
            "new_version": not study.is_draft,
            "scheme": version.scheme,
            "unit": version.unit,
            "strata": version.strata,
            "arms": [(arm["key"], arm["ratio"]) for arm in version.arms],
        },
    )
    return version


def _clean_arm_fields(fields: dict[str, Any]) -> None:
    policies = fields.get("feedback_policies", [])
    bad = [policy for policy in policies if policy not in FEEDBACK_POLICIES]
    if bad:
        raise ValidationError({"feedback_policies": f"Unknown feedback policy: {', '.join(bad)}."})
    if fields.get("training_module", "") not in TRAINING_MODULES:
        raise ValidationError({"training_module": "Choose calibration, debiasing or none."})
    ratio = fields.get("ratio", 1)
    if not isinstance(ratio, int) or isinstance(ratio, bool) or not 1 <= ratio <= 20:
        raise ValidationError(
            {"ratio": "The allocation ratio must be a whole number from 1 to 20."}
        )


@transaction.atomic
def arm_save(
    *, study: Study, by: User | None, arm: Arm | None = None, reason: str = "", **fields: Any
) -> Arm:
    """Create or change an arm. After draft, changing what it does needs a reason."""
    _clean_arm_fields(fields)
    if arm is None:
        arm = Arm(study=study, position=study.arms.count())
        frozen_change = True
    else:
        frozen_change = any(
            name in fields and getattr(arm, name) != fields[name] for name in ARM_FROZEN_FIELDS
        )
    if frozen_change:
        _require_reason(study, reason)
    for name, value in fields.items():
        setattr(arm, name, value)
    if arm.is_control:
        study.arms.exclude(pk=arm.pk).filter(is_control=True).update(is_control=False)
    arm.full_clean(exclude=["study"], validate_constraints=False)
    try:
        with transaction.atomic():
            arm.save()
    except IntegrityError as error:
        raise ValidationError(
            {"key": "Another arm in this study already uses this key."}
        ) from error
    if frozen_change:
        _design_record(study=study, by=by, reason=reason)
    else:
        audit_record(action="arm.update", actor=by, study_id=study.pk, target=arm)
    return arm


@transaction.atomic
def arm_delete(*, arm: Arm, by: User | None) -> None:
    study = arm.study
    if not study.is_draft:
        raise ValidationError("Arms cannot be removed once the study has left draft.")
    arm.delete()
    _design_record(study=study, by=by, reason="")


@transaction.atomic
def randomisation_save(
    *,
    study: Study,
    by: User | None,
    scheme: str,
    unit: str,
    strata: list[str],
    block_multiples: list[int],
    minimisation_probability: float,
    reason: str = "",
) -> DesignVersion:
    if scheme == DesignVersion.Scheme.MINIMISATION and not strata:
        raise ValidationError({"strata": "Minimisation needs at least one factor to balance."})
    if not 0.5 <= minimisation_probability <= 1.0:
        raise ValidationError(
            {"minimisation_probability": "The probability must be between 0.5 and 1."}
        )
    if not block_multiples or any(multiple < 1 for multiple in block_multiples):
        raise ValidationError({"block_multiples": "Give at least one whole number of 1 or more."})
    _require_reason(study, reason)
    version = _design_record(
        study=study,
        by=by,
        reason=reason,
        settings={
            "scheme": scheme,
            "unit": unit,
            "strata": list(dict.fromkeys(strata)),
            "block_multiples": sorted(set(block_multiples)),
            "minimisation_probability": minimisation_probability,
        },
    )
    return version


# --- Councils, phases, questions, consent -------------------------------------------


def _audit_change(action: str, *, study: Study, by: User | None, target: Any) -> None:
    audit_record(action=action, actor=by, study_id=study.pk, target=target)


@transaction.atomic
def council_save(
    *, study: Study, by: User | None, name: str, region: str, council: Council | None = None
) -> Council:
    if council is None:
        council = Council(study=study)
        while _code_taken(code := _new_code()):
            pass
        council.enrolment_code = code
    if study.councils.filter(name__iexact=name.strip()).exclude(pk=council.pk).exists():
        raise ValidationError({"name": "There is already a council with this name in the study."})
    council.name, council.region = name.strip(), region.strip()
    council.save()
    _audit_change("council.save", study=study, by=by, target=council)
    return council


@transaction.atomic
def council_delete(*, council: Council, by: User | None) -> None:
    if council.participants.exists() or council.invitations.exists():
        raise ValidationError(
            "This council has participants or invitations, so it cannot be removed."
        )
    _audit_change("council.delete", study=council.study, by=by, target=council)
    council.delete()


@transaction.atomic
def phase_save(
    *,
    study: Study,
    by: User | None,
    name: str,
    randomise_before: bool,
    ordering: str = Phase.Ordering.FIXED,
    opens_at: datetime | None = None,
    phase: Phase | None = None,
) -> Phase:
    if phase is None:
        last = study.phases.order_by("-position").first()
        phase = Phase(study=study, position=(last.position + 1) if last else 1)
        if not study.is_draft and randomise_before:
            raise ValidationError(
                {
                    "randomise_before": "The point of randomisation is frozen once the study has "
                    "left draft."
                }
            )
    elif not study.is_draft and phase.randomise_before != randomise_before:
        raise ValidationError(
            {
                "randomise_before": "The point of randomisation is frozen once the study has left "
                "draft."
            }
        )
    phase.name, phase.randomise_before = name.strip(), randomise_before
    phase.ordering, phase.opens_at = ordering, opens_at
    phase.save()
    _audit_change("phase.save", study=study, by=by, target=phase)
    return phase


@transaction.atomic
def phase_delete(*, phase: Phase, by: User | None) -> None:
    if not phase.study.is_draft:
        raise ValidationError("Phases cannot be removed once the study has left draft.")
    _audit_change("phase.delete", study=phase.study, by=by, target=phase)
    phase.delete()


def _frozen_baseline_change(question: BaselineQuestion, fields: Mapping[str, Any]) -> bool:
    return any(
        name in fields and getattr(question, name) != fields[name]
        for name in ("key", "kind", "choices")
    )


@transaction.atomic
def baseline_question_save(
    *, study: Study, by: User | None, question: BaselineQuestion | None = None, **fields: Any
) -> BaselineQuestion:
    """Create or change a baseline question; its key, kind and answers freeze after draft."""
    if question is None:
        if not study.is_draft:
            raise ValidationError(
                "Baseline questions cannot be added once the study has left draft."
            )
        question = BaselineQuestion(study=study, position=study.baseline_questions.count())
    elif not study.is_draft and _frozen_baseline_change(question, fields):
        raise ValidationError(
            "Once the study has left draft only a question's wording and hint can change."
        )
    for name, value in fields.items():
        setattr(question, name, value)
    if question.kind == BaselineQuestion.Kind.CHOICE and len(question.choices) < 2:
        raise ValidationError({"choices": "Give at least two answers to choose from."})
    if study.baseline_questions.filter(key=question.key).exclude(pk=question.pk).exists():
        raise ValidationError({"key": "Another question in this study already uses this key."})
    question.full_clean(exclude=["study"], validate_constraints=False)
    question.save()
    _audit_change("baseline_question.save", study=study, by=by, target=question)
    return question


@transaction.atomic
def baseline_question_delete(*, question: BaselineQuestion, by: User | None) -> None:
    if not question.study.is_draft:
        raise ValidationError("Baseline questions cannot be removed once the study has left draft.")
    from casecast.studies.selectors import design_current

    if question.key in design_current(study=question.study).strata:
        raise ValidationError(
            "This question is a stratification factor: remove it from the strata first."
        )
    _audit_change("baseline_question.delete", study=question.study, by=by, target=question)
    question.delete()


@transaction.atomic
def eligibility_question_save(
    *,
    study: Study,
    by: User | None,
    text: str,
    help_text: str = "",
    eligible_answer: bool = True,
    question: EligibilityQuestion | None = None,
) -> EligibilityQuestion:
    if question is None:
        question = EligibilityQuestion(study=study, position=study.eligibility_questions.count())
    question.text, question.help_text, question.eligible_answer = text, help_text, eligible_answer
    question.save()
    _audit_change("eligibility_question.save", study=study, by=by, target=question)
    return question


@transaction.atomic
def eligibility_question_delete(*, question: EligibilityQuestion, by: User | None) -> None:
    _audit_change("eligibility_question.delete", study=question.study, by=by, target=question)
    question.delete()


@transaction.atomic
def consent_save(*, study: Study, text: str, by: User | None) -> ConsentVersion:
    """New consent text. A version anyone has agreed to is never edited: a new one is made."""
    latest = study.consent_versions.select_for_update().order_by("-number").first()
    if latest is not None and latest.text == text:
        return latest
    in_use = latest is not None and Participant.objects.filter(consent_version=latest).exists()
    if latest is None or in_use:
        version = ConsentVersion.objects.create(
            study=study, number=(latest.number + 1) if latest else 1, text=text
        )
    else:
        latest.text = text
        latest.save(update_fields=["text"])
        version = latest
    audit_record(
        action="consent.save",
        actor=by,
        study_id=study.pk,
        target=version,
        data={"version": version.number},
    )
    return version


# --- Enrolment --------------------------------------------------------------------


def _participant_user(*, study: Study, email: str | None) -> tuple[User, bool]:
    """The user to enrol, and whether it already existed. Refuses duplicates and staff."""
    if not email:
        return User.objects.create_user(email=None), False
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email), False
    if Participant.objects.filter(study=study, user=user).exists():
        raise ValidationError(
            {
                "email": "This email address has already joined this study. If you have lost your "
                "link, ask for a new one from the start page."
            }
        )
    if StudyMembership.objects.filter(study=study, user=user).exists():
        raise ValidationError({"email": "Study staff cannot take part in their own study."})
    return user, True


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
        from tasks.invitations import send_enrolment_link

        transaction.on_commit(lambda: send_enrolment_link.delay(participant.pk))
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
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    headers = {(name or "").strip().lower() for name in reader.fieldnames or []}
    if not {"email", "council"} <= headers:
        raise InvitationCsvError(
            [CsvRowError(row=1, message="The first row must name the columns: email,council")]
        )
    return [
        {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        for row in reader
    ]


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
    from tasks.invitations import send_invitation

    transaction.on_commit(lambda: send_invitation.delay(invitation.pk))
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


def invitation_email_send(*, invitation_id: int) -> bool:
    """Send one invitation email (at most once). Called by the Celery task."""
    from django.conf import settings

    from casecast.accounts.services import participant_link
    from casecast.notifications.services import email_send_once

    invitation = Invitation.objects.select_related("study", "participant__user").get(
        pk=invitation_id
    )
    participant = invitation.participant
    if participant is None or participant.user is None or participant.withdrawn_at:
        return False
    sent = email_send_once(
        key=f"invitation:{invitation.pk}",
        kind="invitation",
        user=participant.user,
        template="studies/email/invitation.txt",
        context={
            "study": invitation.study,
            "link": participant_link(user=participant.user),
            "site_name": settings.SITE_NAME,
        },
    )
    if sent:
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    return sent


def enrolment_link_email_send(*, participant_id: int) -> bool:
    """Email the personal link to someone who enrolled with a code (at most once)."""
    from django.conf import settings

    from casecast.accounts.services import participant_link
    from casecast.notifications.services import email_send_once

    participant = Participant.objects.select_related("study", "user").get(pk=participant_id)
    if participant.user is None or participant.withdrawn_at:
        return False
    return email_send_once(
        key=f"enrolled:{participant.pk}",
        kind="enrolment",
        user=participant.user,
        template="studies/email/enrolled.txt",
        context={
            "study": participant.study,
            "link": participant_link(user=participant.user),
            "site_name": settings.SITE_NAME,
        },
    )


# --- Consent and baseline ---------------------------------------------------------


def _active(participant: Participant) -> None:
    if participant.withdrawn_at is not None:
        raise ValidationError("You have withdrawn from this study.")


@transaction.atomic
def participant_consent(
    *, participant: Participant, consent_version: ConsentVersion
) -> Participant:
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    _active(participant)
    if participant.consented_at is not None:
        return participant
    latest = participant.study.consent_versions.order_by("-number").first()
    if consent_version.study_id != participant.study_id or consent_version != latest:
        raise ValidationError(
            "The study information has changed since you opened the page. Read it again."
        )
    participant.consent_version = consent_version
    participant.consented_at = timezone.now()
    participant.status = Participant.Status.CONSENTED
    participant.save(update_fields=["consent_version", "consented_at", "status"])
    audit_record(
        action="participant.consent",
        actor=participant.user,
        study_id=participant.study_id,
        target=participant,
        data={"consent_version": consent_version.number},
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


# --- Randomisation ----------------------------------------------------------------


def _is_cluster(study: Study) -> bool:
    from casecast.studies.selectors import design_current

    return design_current(study=study).unit == DesignVersion.Unit.COUNCIL


def _allocation_write(
    *,
    study: Study,
    levels: dict[str, str],
    participant: Participant | None = None,
    council: Council | None = None,
) -> Allocation:
    """Allocate one unit under the current design version and log it once.

    The caller holds the study's RandomisationState row lock (SELECT FOR
    UPDATE), so the state read here is the latest and nobody else can take
    the same slot.
    """
    from casecast.studies.selectors import design_current

    state_row = RandomisationState.objects.select_for_update().get(study=study)
    version = design_current(study=study)
    engine = study_design.engine_design(version=version)
    stored = state_row.state or {}
    engine_state = (
        stored["engine"]
        if stored.get("design_version") == version.number
        else initial_state(engine)
    )
    decision, new_state = allocate(
        design=engine,
        seed=study_design.version_seed(study=study, version=version),
        state=engine_state,
        levels=levels,
    )
    arm = study.arms.get(key=engine.arms[decision.arm])
    allocation = Allocation.objects.create(
        study=study,
        sequence=state_row.next_sequence,
        design_version=version,
        participant=participant,
        council=council,
        arm=arm,
        stratum=decision.details["stratum"],
        inputs={
            "design_version": version.number,
            "unit": version.unit,
            "levels": levels,
            "decision": decision.to_dict(),
        },
    )
    state_row.state = {"design_version": version.number, "engine": new_state}
    state_row.next_sequence += 1
    state_row.save(update_fields=["state", "next_sequence"])
    return allocation


def _council_allocate_if_cluster(*, council: Council) -> Allocation | None:
    """Under cluster randomisation, allocate a council when its first participant enrols."""
    study = council.study
    if not _is_cluster(study) or study.status not in RANDOMISING:
        return None
    # Lock the state first (the same order as individual allocation), then the council.
    RandomisationState.objects.select_for_update().get(study=study)
    council = Council.objects.select_for_update().get(pk=council.pk)
    if council.arm_id is not None:
        return Allocation.objects.get(study=study, council=council)
    from casecast.studies.selectors import design_current

    version = design_current(study=study)
    allocation = _allocation_write(
        study=study,
        levels=study_design.council_levels(council=council, version=version),
        council=council,
    )
    council.arm = allocation.arm
    council.save(update_fields=["arm"])
    audit_record(
        action="council.randomise",
        study_id=study.pk,
        target=council,
        data={"sequence": allocation.sequence, "design_version": version.number},
    )
    return allocation


def _existing_allocation(participant: Participant) -> Allocation:
    own = Allocation.objects.filter(participant=participant).first()
    if own is not None:
        return own
    return Allocation.objects.get(study=participant.study_id, council=participant.council_id)


@transaction.atomic
def participant_randomise(*, participant: Participant) -> Allocation:
    """Allocate a participant to an arm, once. Safe to call again and from parallel requests.

    Under cluster randomisation the participant takes their council's arm
    (allocating the council now if nobody from it has been allocated yet), and
    the council's allocation row is returned.
    """
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("study", "council")
        .get(pk=participant.pk)
    )
    if participant.arm_id is not None:
        return _existing_allocation(participant)
    study = participant.study
    _active(participant)
    if participant.consented_at is None or participant.baseline_completed_at is None:
        raise ValidationError("A participant is randomised only after consent and baseline.")
    if study.status not in RANDOMISING:
        raise ValidationError("Participants can only be randomised while the study is open.")
    if _is_cluster(study):
        if participant.council is None:
            raise ValidationError("Under cluster randomisation every participant needs a council.")
        allocation = _council_allocate_if_cluster(council=participant.council)
        assert allocation is not None
    else:
        from casecast.studies.selectors import design_current

        version = design_current(study=study)
        allocation = _allocation_write(
            study=study,
            participant=participant,
            levels=study_design.participant_levels(participant=participant, version=version),
        )
    participant.arm = allocation.arm
    participant.randomised_at = timezone.now()
    participant.status = Participant.Status.RANDOMISED
    participant.save(update_fields=["arm", "randomised_at", "status"])
    audit_record(
        action="participant.randomise",
        study_id=study.pk,
        target=participant,
        data={
            "sequence": allocation.sequence,
            "design_version": allocation.inputs["design_version"],
            "cluster": allocation.council_id is not None,
        },
    )
    return allocation


# --- Withdrawal and erasure -------------------------------------------------------


def _erase(participant: Participant) -> None:
    from casecast.forecasts.models import Assignment, Forecast

    Forecast.objects.filter(participant=participant).delete()
    Assignment.objects.filter(participant=participant).delete()  # cascades drafts and visits
    user = participant.user
    participant.baseline = {}
    participant.user = None
    participant.erased_at = timezone.now()
    participant.save(update_fields=["baseline", "user", "erased_at"])
    if user is not None and not user.participations.exists() and not user.memberships.exists():
        user.delete()


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, keep_data: bool, by: User | None, reason: str = ""
) -> Participant:
    """Withdraw; unless data may be kept, erase answers, forecasts and personal data.

    The Participant row (now pseudonymous) and its allocation stay, so the
    allocation log and CONSORT counts remain whole. Withdrawing again to ask
    for erasure is allowed; nothing else is undone. `by` is the participant, or
    the staff member recording a request made by email or phone (with `reason`).
    """
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.erased_at is not None:
        return participant
    already_withdrawn = participant.withdrawn_at is not None
    if not already_withdrawn:
        participant.withdrawn_at = timezone.now()
        participant.status = Participant.Status.WITHDRAWN
    participant.keep_data = keep_data
    participant.save(update_fields=["withdrawn_at", "status", "keep_data"])
    if not keep_data:
        _erase(participant)
    audit_record(
        action="participant.erase" if not keep_data else "participant.withdraw",
        actor=by,
        study_id=participant.study_id,
        target=participant,
        data={
            "keep_data": keep_data,
            "already_withdrawn": already_withdrawn,
            **({"reason": reason} if reason else {}),
        },
    )
    return participant
