"""From a study's stored design to the pure randomisation engine, and back.

Nothing here writes: these functions translate rows into a
`casecast.randomisation.Design`, work out a unit's stratum levels, and derive
the seed for one design version. Writes live in `services.py`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from typing import Any

from casecast.core import pseudonyms
from casecast.randomisation import Design
from casecast.studies.models import (
    Arm,
    BaselineQuestion,
    Council,
    DesignVersion,
    Participant,
    Study,
)

# Factors a study may stratify or minimise on, besides baseline choice questions.
COUNCIL_FACTORS = ("council", "region")
DEFAULT_BLOCK_MULTIPLES = [1, 2]
MISSING_LEVEL = "none"


def arm_snapshot(*, arm: Arm) -> dict[str, Any]:
    return {
        "key": arm.key,
        "name": arm.name,
        "ratio": arm.ratio,
        "is_control": arm.is_control,
        "feedback_policies": list(arm.feedback_policies or []),
        "training_module": arm.training_module,
        "shows_base_rates": arm.shows_base_rates,
        "team_size": arm.team_size,
    }


def arms_snapshot(*, study: Study) -> list[dict[str, Any]]:
    """Control first, then the intervention arms in their display order."""
    arms = sorted(study.arms.all(), key=lambda arm: (not arm.is_control, arm.position, arm.pk))
    return [arm_snapshot(arm=arm) for arm in arms]


def engine_design(*, version: DesignVersion) -> Design:
    """The pure engine's view of a design version. Raises ValueError if it is invalid."""
    return Design(
        arms=tuple(str(arm["key"]) for arm in version.arms),
        ratio=tuple(int(arm["ratio"]) for arm in version.arms),
        scheme=version.scheme,  # type: ignore[arg-type]
        factors=tuple(version.strata or ()),
        block_multiples=tuple(version.block_multiples or DEFAULT_BLOCK_MULTIPLES),
        minimisation_probability=version.minimisation_probability,
    )


def version_seed(*, study: Study, version: DesignVersion) -> str:
    """Each design version draws from its own stream, derived from the study's secret seed."""
    digest = hmac.new(
        study.allocation_seed.encode(), f"design-version:{version.number}".encode(), hashlib.sha256
    )
    return digest.hexdigest()


def design_problems(*, study: Study, version: DesignVersion) -> list[str]:
    """Plain-English reasons the design cannot be used to randomise yet (empty if fine)."""
    problems: list[str] = []
    if sum(1 for arm in version.arms if arm.get("is_control")) != 1:
        problems.append("Mark exactly one arm as the control arm.")
    try:
        engine_design(version=version)
    except ValueError as error:
        problems.append(f"The randomisation design is not valid: {error}.")
    choice_keys = set(
        study.baseline_questions.filter(kind=BaselineQuestion.Kind.CHOICE).values_list(
            "key", flat=True
        )
    )
    is_cluster = version.unit == DesignVersion.Unit.COUNCIL
    for factor in version.strata or []:
        if is_cluster and factor != "region":
            problems.append(
                f"Under cluster randomisation councils can only be stratified by region, "
                f"not '{factor}'."
            )
        elif factor not in COUNCIL_FACTORS and factor not in choice_keys:
            problems.append(
                f"The stratification factor '{factor}' is not 'council', 'region' or the key "
                "of a baseline question with a list of answers."
            )
    return problems


def participant_levels(*, participant: Participant, version: DesignVersion) -> dict[str, str]:
    """The stratum levels of a participant: council, region or baseline answers."""
    council = participant.council
    levels: dict[str, str] = {}
    for factor in version.strata or []:
        if factor == "council":
            value = council.name if council else ""
        elif factor == "region":
            value = council.region if council else ""
        else:
            value = str(participant.baseline.get(factor) or "")
        levels[factor] = value or MISSING_LEVEL
    return levels


def council_levels(*, council: Council, version: DesignVersion) -> dict[str, str]:
    return {factor: (council.region or MISSING_LEVEL) for factor in version.strata or []}


def all_strata(*, study: Study, version: DesignVersion) -> list[dict[str, str]]:
    """Every combination of factor levels, for an allocation list made in advance."""
    factors = list(version.strata or [])
    councils = list(study.councils.all())
    options: list[list[str]] = []
    for factor in factors:
        if factor == "council":
            values = [council.name for council in councils] + [MISSING_LEVEL]
        elif factor == "region":
            values = sorted({council.region or MISSING_LEVEL for council in councils})
        else:
            question = study.baseline_questions.get(key=factor)
            values = [str(choice) for choice in question.choices]
        options.append(values)
    return [dict(zip(factors, combo, strict=True)) for combo in itertools.product(*options)]


def pseudonym(*, study: Study, participant_id: int) -> str:
    """The participant's pseudonym in every export of this study (see core/pseudonyms.py)."""
    return pseudonyms.pseudonym(key=study.pseudonym_key, kind="participant", pk=participant_id)
