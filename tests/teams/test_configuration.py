"""A team arm is configured by its team size: in the design file and on the arm form."""

from __future__ import annotations

import pytest
import yaml
from casecast.studies.design_yaml import DesignFileError, design_export, design_import
from casecast.studies.models import Arm
from django.db import IntegrityError, transaction


def _design_with(team_study, team_size):
    design = yaml.safe_load(design_export(study=team_study))
    design["study"]["title"] = "Copy"
    design["arms"][1]["team_size"] = team_size
    return yaml.safe_dump(design)


def test_the_design_file_round_trips_the_team_size(team_study, researcher):
    copy = design_import(text=_design_with(team_study, 4), by=researcher)
    assert Arm.objects.get(study=copy, key="team").team_size == 4
    assert Arm.objects.get(study=copy, key="control").team_size is None


@pytest.mark.parametrize("bad", [1, 13, "three"])
def test_a_bad_team_size_is_refused_naming_the_arm(team_study, researcher, bad):
    with pytest.raises(DesignFileError) as refused:
        design_import(text=_design_with(team_study, bad), by=researcher)
    assert "arms[1].team_size: must be a whole number from 2 to 12" in str(refused.value)


def test_the_database_refuses_a_team_of_one(team_study):
    with pytest.raises(IntegrityError), transaction.atomic():
        Arm.objects.filter(study=team_study, key="team").update(team_size=1)


def test_the_team_size_cannot_change_once_someone_is_in_the_arm(
    team_study, team_member, researcher
):
    from casecast.studies.services import arm_save
    from django.core.exceptions import ValidationError

    arm = Arm.objects.get(study=team_study, key="team")
    before = (arm.team_size, team_study.design_versions.count())
    team_member("first@example.org")
    for new_size in (4, None):
        with pytest.raises(ValidationError) as refused:
            arm_save(
                study=team_study, by=researcher, arm=arm, reason="Bigger teams", team_size=new_size
            )
        assert "1 participant is already in this arm" in str(
            refused.value.message_dict["team_size"]
        )
    arm.refresh_from_db()
    assert (arm.team_size, team_study.design_versions.count()) == before


def test_the_team_size_of_an_arm_nobody_is_in_yet_can_change_with_a_reason(team_study, researcher):
    from casecast.studies.services import arm_save

    arm = Arm.objects.get(study=team_study, key="team")
    versions = team_study.design_versions.count()
    arm_save(study=team_study, by=researcher, arm=arm, reason="Bigger teams", team_size=4)
    arm.refresh_from_db()
    assert arm.team_size == 4
    assert team_study.design_versions.count() == versions + (0 if team_study.is_draft else 1)
