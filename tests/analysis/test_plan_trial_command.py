"""`manage.py plan_trial`: the pure planner behind a command line."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_plan_trial_prints_power_per_comparison_as_json():
    out = StringIO()
    call_command(
        "plan_trial", "--arms", "3", "--per-arm", "40", "--councils-per-arm", "4",
        "--questions", "8", "--icc", "0.05", "--effect", "0.1", "--sims", "60",
        "--seed", "2", "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert len(result["power"]) == 2
    assert result["design"]["councils_per_arm"] == 4
    assert result["sims"] == 60
    assert [point["effect"] for point in result["curve"]] == sorted(
        point["effect"] for point in result["curve"]
    )


def test_plan_trial_prints_a_readable_table():
    out = StringIO()
    call_command("plan_trial", "--arms", "2", "--per-arm", "20", "--sims", "30", stdout=out)
    assert "Arm 1 vs control: power" in out.getvalue()


def test_plan_trial_refuses_an_impossible_design():
    with pytest.raises(CommandError, match="icc needs councils"):
        call_command("plan_trial", "--icc", "0.05", "--sims", "20")
