"""The trial report counts a team arm like any other arm (read as the DMC, unblinded)."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.reports import jobs, services
from casecast.reports.selectors import report_inputs
from casecast.studies.models import Arm, Participant
from casecast.teams.models import TeamMembership
from casecast.teams.placement import team_place

from tests.reports.conftest import demo_build


@pytest.fixture
def demo_with_a_team_arm(researcher):
    study = demo_build(researcher)
    arm = next(a for a in study.arms.all() if not a.is_control)
    Arm.objects.filter(pk=arm.pk).update(team_size=3)
    for participant in Participant.objects.filter(arm=arm).select_related("arm").order_by("pk"):
        team_place(participant=participant)
    return study, Arm.objects.get(pk=arm.pk)


def test_a_team_arm_has_its_row_in_the_primary_table_with_its_own_participants(
    demo_with_a_team_arm,
):
    study, arm = demo_with_a_team_arm
    assert TeamMembership.objects.filter(team__arm=arm).count() >= 3
    doc = services.study_report_json(study=study, role="dmc")
    effects = {e["arm"]: e for e in doc["primary"]["effects"]}
    assert arm.name in effects
    _, plan = jobs.analysis_plan_current(study=study)
    inputs = report_inputs(study=study, plan=plan)
    analysed = np.isfinite(inputs.outcome) & np.isfinite(inputs.baseline_brier)
    assert effects[arm.name]["n"] == int(((inputs.arm == arm.pk) & analysed).sum())
    assert effects[arm.name]["n"] > 0
