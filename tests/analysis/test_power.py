"""The power planner: the design effect, its inputs, and its agreement with a t-test."""

from __future__ import annotations

import numpy as np
import pytest
from casecast.analysis import model
from casecast.analysis.power import Design, plan, pooled_icc, simulate
from scipy.stats import nct
from scipy.stats import t as student_t


def test_variance_of_the_difference_follows_the_design_effect():
    # Where Kish's formula holds: equal councils, no covariates, no effect (so the effect
    # does not vary by question). Var(difference) = 2 sigma^2 (1 + (m - 1) ICC) / n, with
    # sigma^2 and the ICC measured from the simulated outcomes, not from the model.
    design = Design(
        arms=2, per_arm=120, councils_per_arm=12, questions=12, icc=0.1,
        adjust_for_baseline=False,
    )  # fmt: skip
    estimates = simulate(design=design, weights=[0.0], sims=2000, seed=4)[0]
    icc = pooled_icc(estimates)
    sigma2 = float(estimates.within_variance.mean())
    m = 10
    analytic = 2 * sigma2 * (1 + (m - 1) * icc) / design.per_arm
    observed = float(estimates.difference[:, 0].var(ddof=1))
    mc_error = observed * np.sqrt(2 / (2000 - 1))
    assert observed == pytest.approx(analytic, abs=3 * mc_error)
    assert observed > 1.5 * 2 * sigma2 / design.per_arm  # clustering matters here
    assert icc == pytest.approx(0.1, abs=0.03)  # the model's lean gives about the ICC asked


def test_power_of_individual_randomisation_matches_the_noncentral_t():
    # The t-test's power from the mean difference and the within-arm SD that the model
    # produces at this effect (measured on other simulated trials than the plan's).
    design = Design(arms=2, per_arm=40, questions=12, adjust_for_baseline=False)
    result = plan(design=design, effect=0.08, sims=1000, seed=5, curve_effects=())
    weight = model.mixing_weight(effect=0.08, population=model.reference_population(0.5))
    treated = simulate(design=design, weights=[weight], sims=1000, seed=6)[0]
    sd = np.sqrt(treated.within_variance.mean())
    ncp = abs(float(treated.difference.mean())) / (sd * np.sqrt(2 / design.per_arm))
    df = 2 * design.per_arm - 2
    crit = student_t.ppf(0.975, df)
    analytic = nct.sf(crit, df, ncp) + nct.cdf(-crit, df, ncp)
    assert result.power[0] == pytest.approx(analytic, abs=3 * result.mc_error[0])


def test_the_plan_reports_power_per_comparison_and_a_rising_curve():
    design = Design(arms=3, per_arm=60, councils_per_arm=6, questions=12, icc=0.05)
    result = plan(design=design, effect=0.1, sims=200, seed=1, curve_sims=200)
    assert len(result.power) == len(result.mc_error) == 2
    assert all(0.0 <= p <= 1.0 for p in result.power)
    assert result.mc_error[0] == pytest.approx(
        np.sqrt(result.power[0] * (1 - result.power[0]) / 200)
    )
    powers = [point.power for point in result.curve]
    assert powers[0] < 0.1  # no effect: Holm keeps each comparison below alpha
    assert powers[-1] > powers[0] + 0.5
    assert result.design_effect == pytest.approx(1 + (10 - 1) * 0.05)
    if result.mde is not None:
        assert result.curve[0].effect < result.mde < result.curve[-1].effect


def test_the_same_seed_gives_the_same_plan():
    design = Design(arms=2, per_arm=20, questions=6)
    first = plan(design=design, effect=0.1, sims=50, seed=9, curve_effects=(0.05,))
    again = plan(design=design, effect=0.1, sims=50, seed=9, curve_effects=(0.05,))
    assert first == again


@pytest.mark.parametrize(
    ("design", "effect", "message"),
    [
        (Design(arms=1), 0.1, "arms must be at least 2"),
        (Design(councils_per_arm=1), 0.1, "councils_per_arm must be 0"),
        (Design(icc=0.05), 0.1, "icc needs councils"),
        (Design(councils_per_arm=10, icc=0.6), 0.1, "icc must be at least 0 and below 0.5"),
        (Design(), 0.9, "effect must be at least 0 and below"),
        (Design(control_brier=0.01), 0.1, "control_brier must be between"),
    ],
)
def test_impossible_designs_are_refused_with_the_reason(design, effect, message):
    with pytest.raises(ValueError, match=message):
        plan(design=design, effect=effect, sims=20)


def test_control_brier_sets_the_models_control_score():
    bias = model.bias_mean_for_brier(control_brier=0.25, sigma=0.5)
    population = model.reference_population(0.5, bias)
    control = model.expected_brier(model.to_percent(population.forecast), population.risk)
    assert control == pytest.approx(0.25, abs=1e-3)
