"""Design changes: arms, randomisation settings, councils, phases, questions, consent text.

Changes to arms and randomisation settings are recorded as design versions. The rules a
design must meet are in `casecast.studies.design`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casecast.accounts.models import User
from casecast.audit.services import audit_record
from casecast.studies import design as study_design
from casecast.studies.analysis_plan import (
    DEFAULTS as PLAN_DEFAULTS,
)
from casecast.studies.analysis_plan import (
    covariate_keys,
    plan_problems,
    plan_values,
    version_plan,
)
from casecast.studies.models import (
    AnalysisPlan,
    Arm,
    BaselineQuestion,
    ConsentVersion,
    Council,
    DesignVersion,
    EligibilityQuestion,
    Participant,
    Phase,
    RandomisationState,
    Study,
    _new_code,
)
from casecast.studies.selectors import design_current
from casecast.studies.services._common import _code_taken

FEEDBACK_POLICIES = ("outcome", "calibration", "peer", "profile")
# Policies the control arm may never have: what it does must stay "no feedback".
NOT_FOR_CONTROL = ("profile",)
TRAINING_MODULES = ("", "calibration", "debiasing")

# Arm fields that define the intervention or the allocation: frozen after draft.
ARM_FROZEN_FIELDS = (
    "key",
    "ratio",
    "is_control",
    "feedback_policies",
    "training_module",
    "shows_base_rates",
    "team_size",
)


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
    latest = study.design_versions.current()
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
            study=study,
            number=study.design_versions.next_number(),
            created_by=by,
            reason=reason.strip(),
            **values,
        )
        plan = version_plan(version=latest)
        if plan is not None:  # the analysis plan carries over to the new version
            AnalysisPlan.objects.create(design_version=version, **plan_values(plan))
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


def _check_control_policies(arm: Arm) -> None:
    refused = [p for p in arm.feedback_policies or [] if p in NOT_FOR_CONTROL]
    if arm.is_control and refused:
        raise ValidationError(
            {
                "feedback_policies": "The control arm gets no feedback, so it cannot show a "
                "judgement profile. Untick it, or make another arm the control arm."
            }
        )


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


def _refuse_team_change_after_allocation(arm: Arm, fields: Mapping[str, Any]) -> None:
    """Teams are formed as people are randomised into the arm (`teams.placement`), so a new
    team size would leave everyone already allocated in teams of the old size, or in none."""
    if "team_size" not in fields or fields["team_size"] == arm.team_size:
        return
    # Under the allocation lock, so nobody is randomised into the arm between count and save.
    RandomisationState.objects.select_for_update().filter(study_id=arm.study_id).first()
    allocated = arm.participants.count()
    if allocated:
        people = "1 participant is" if allocated == 1 else f"{allocated} participants are"
        raise ValidationError(
            {
                "team_size": f"{people} already in this arm. Teams are formed as people are "
                "randomised, so the team size can only change before anyone is allocated "
                "to the arm."
            }
        )


@transaction.atomic
def arm_save(
    *, study: Study, by: User | None, arm: Arm | None = None, reason: str = "", **fields: Any
) -> Arm:
    """Create or change an arm. After draft, changing what it does needs a reason."""
    _clean_arm_fields(fields)
    if arm is not None:
        _refuse_team_change_after_allocation(arm, fields)
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
    _check_control_policies(arm)
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


@transaction.atomic
def analysis_plan_save(
    *, study: Study, by: User | None, reason: str = "", **fields: Any
) -> AnalysisPlan:
    """Save the statistical analysis plan of the current design version.

    Until the first participant (or council) is randomised the current version's plan is
    changed in place. From then on a change needs a reason and makes a new design
    version (arms and randomisation settings carried over), so the plan a report was
    analysed by is never edited afterwards. Saving an unchanged plan changes nothing.
    """
    problems = plan_problems(fields, baseline_keys=covariate_keys(study=study))
    if problems:
        raise ValidationError(
            {
                name: f"{name.replace('_', ' ').capitalize()} {text}."
                for name, text in problems.items()
            }
        )
    RandomisationState.objects.select_for_update().filter(study=study).first()
    current = design_current(study=study)
    plan = version_plan(version=current)
    old = plan_values(plan)
    new = {**PLAN_DEFAULTS, **old, **fields}
    if plan is not None and new == old:
        return plan
    randomised = study.allocations.exists()
    if randomised:
        if not reason.strip():
            raise ValidationError(
                {
                    "reason": "Give a reason: participants have been randomised, so the "
                    "change makes a new design version that reviewers will see."
                }
            )
        current = DesignVersion.objects.create(
            study=study,
            number=study.design_versions.next_number(),
            created_by=by,
            reason=reason.strip(),
            scheme=current.scheme,
            unit=current.unit,
            strata=list(current.strata),
            block_multiples=list(current.block_multiples),
            minimisation_probability=current.minimisation_probability,
            arms=study_design.arms_snapshot(study=study),
        )
        plan = None
    if plan is None:
        plan = AnalysisPlan(design_version=current)
    for name, value in new.items():
        setattr(plan, name, value)
    plan.full_clean(exclude=["design_version"], validate_constraints=False)
    plan.save()
    audit_record(
        action="analysis_plan.change",
        actor=by,
        study_id=study.pk,
        target=current,
        reason=reason,
        data={
            "version": current.number,
            "new_version": randomised,
            "changed": sorted(name for name in new if new[name] != old.get(name)),
        },
    )
    return plan


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
def consent_save(
    *, study: Study, text: str, by: User | None, require_reconsent: bool = False
) -> ConsentVersion:
    """New consent text. A version anyone has agreed to is never edited: a new one is made.

    With `require_reconsent`, everyone who agreed to an earlier version is asked
    to agree to this one before they can continue (`reconsent_needed`).
    """
    latest = ConsentVersion.objects.filter(study=study).select_for_update().current()
    if latest is not None and latest.text == text and not require_reconsent:
        return latest
    in_use = latest is not None and Participant.objects.filter(consent_version=latest).exists()
    if latest is None or in_use:
        version = ConsentVersion.objects.create(
            study=study,
            number=study.consent_versions.next_number(),
            text=text,
            requires_reconsent=require_reconsent,
        )
    else:
        latest.text = text
        latest.requires_reconsent = latest.requires_reconsent or require_reconsent
        latest.save(update_fields=["text", "requires_reconsent"])
        version = latest
    audit_record(
        action="consent.save",
        actor=by,
        study_id=study.pk,
        target=version,
        data={"version": version.number, "requires_reconsent": version.requires_reconsent},
    )
    return version


# --- Order of phases and baseline questions -----------------------------------------


def _reorder(items: list[Any], moved: Any, *, up: bool) -> bool:
    """Swap `moved` with its neighbour and number the items 1..n; False at either end."""
    i = [item.pk for item in items].index(moved.pk)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(items):
        return False
    items[i], items[j] = items[j], items[i]
    model = type(moved)
    # Two passes, so that a UNIQUE (study, position) never sees two rows at once.
    for offset in (10_000, 0):
        for number, item in enumerate(items, start=1):
            item.position = offset + number
        model.objects.bulk_update(items, ["position"])
    return True


def _require_draft_to_reorder(study: Study, what: str) -> None:
    if not study.is_draft:
        raise ValidationError(
            f"{what} can only be reordered while the study is in draft: participants may "
            "already be part way through them."
        )


@transaction.atomic
def phase_move(*, phase: Phase, up: bool, by: User | None) -> bool:
    """Move a phase one place earlier (`up`) or later; False if it is already at that end."""
    _require_draft_to_reorder(phase.study, "Phases")
    phases = list(Phase.objects.select_for_update().filter(study=phase.study_id))
    moved = _reorder(phases, phase, up=up)
    if moved:
        _audit_change("phase.move", study=phase.study, by=by, target=phase)
    return moved


@transaction.atomic
def baseline_question_move(*, question: BaselineQuestion, up: bool, by: User | None) -> bool:
    """Move a baseline question one place earlier (`up`) or later in the questionnaire."""
    _require_draft_to_reorder(question.study, "Baseline questions")
    questions = list(BaselineQuestion.objects.select_for_update().filter(study=question.study_id))
    moved = _reorder(questions, question, up=up)
    if moved:
        _audit_change("baseline_question.move", study=question.study, by=by, target=question)
    return moved
