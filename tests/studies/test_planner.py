"""The "Plan a trial" page (issue 11, item 5): the power planner behind a GOV.UK form."""

from __future__ import annotations

import math
import re

import pytest
from casecast.analysis.power import Design, plan
from django.urls import reverse

from tests.fixtures_studies import build_study, create_participant

pytestmark = pytest.mark.django_db

URL = reverse("studies:plan_trial")
SMALL = {
    "arms": "3",
    "per_arm": "30",
    "councils_per_arm": "0",
    "questions": "12",
    "icc": "0",
    "control_brier": "",
    "effect_pct": "15",
    "sims": "60",
    "seed": "7",
}


@pytest.fixture
def staff(client, researcher):
    build_study(by=researcher)
    client.force_login(researcher)
    return client


def test_the_empty_form_offers_the_command_line_defaults(staff):
    page = staff.get(URL).content.decode()
    assert 'name="arms"' in page and 'value="4"' in page and 'value="150"' in page
    assert "data-plan-results" not in page


def test_the_page_shows_the_planners_power_curve_and_minimum_detectable_effect(staff):
    page = staff.get(URL, SMALL).content.decode()
    expected = plan(design=Design(arms=3, per_arm=30, questions=12), effect=0.15, sims=60, seed=7)
    powers = re.findall(r"data-power-table.*?</table>", page, re.S)[0]
    rows = re.findall(
        r"Arm (\d) vs control</th>\s*<td[^>]*>([\d.]+)</td>\s*<td[^>]*>± ([\d.]+)", powers
    )
    assert [arm for arm, _, _ in rows] == ["2", "3"]  # two comparisons with the control
    for (_, power, error), want in zip(rows, expected.power, strict=True):
        assert float(power) == pytest.approx(want, abs=5e-4)
        # Monte Carlo error of a proportion over 60 trials, from the shown power.
        assert float(error) == pytest.approx(math.sqrt(want * (1 - want) / 60), abs=5e-4)
    curve = re.findall(r"data-curve-table.*?</table>", page, re.S)[0]
    assert curve.count('<tr class="govuk-table__row">') == len(expected.curve) + 1  # + head
    assert "<svg" in page and "<polyline" in page
    assert page.count("<circle") == len(expected.curve)
    if expected.mde is None:
        assert "Not reached on the curve" in page
    else:
        assert f"{100 * expected.mde:.1f}% reduction in the Brier score" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arms", "1", "The number of arms must be 2 or more"),
        ("arms", "four", "The number of arms must be a whole number"),
        ("per_arm", "", "Enter the number of participants per arm"),
        ("councils_per_arm", "1", "Enter 0 councils per arm, or 2 or more"),
        ("councils_per_arm", "40", "Councils per arm cannot be more than participants per arm"),
        ("icc", "0.05", "Enter an ICC of 0, or enter councils per arm"),
        ("icc", "0.9", "The ICC must be 0.5 or less"),
        ("control_brier", "0.01", "The control Brier score must be between"),
        ("effect_pct", "95", "The effect must be below"),
        ("sims", "5", "The number of simulated trials must be 10 or more"),
        ("sims", "50000", "The number of simulated trials must be 2000 or fewer"),
    ],
)
def test_each_bad_input_gets_its_own_error_and_no_results(staff, field, value, message):
    response = staff.get(URL, {**SMALL, field: value})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "<title>Error: " in page
    assert f'href="#id_{field}"' in page  # the summary links to the field
    assert message in page
    assert f'id="id_{field}-error"' in page or f'id="{field}-error"' in page
    assert "data-plan-results" not in page


def test_site_administrators_may_plan_but_participants_and_outsiders_may_not(
    client, researcher, site_admin, outsider
):
    study = build_study(by=researcher)
    client.force_login(site_admin)
    assert client.get(URL).status_code == 200
    client.force_login(outsider)  # a staff account on no study's team
    assert client.get(URL).status_code == 403
    participant = create_participant(study=study, email="p@example.org")
    client.force_login(participant.user)
    assert client.get(URL).status_code == 403


def test_the_studies_list_links_to_the_planner(staff):
    assert URL in staff.get(reverse("studies:list")).content.decode()
