"""The primary analysis against statsmodels and against a dense, independent CR2."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from casecast.analysis import analyse, holm
from casecast.analysis._robust import cluster_layout, robust_fit
from scipy.linalg import sqrtm
from statsmodels.stats.multitest import multipletests


def _trial(seed: int = 3, n_per_arm: int = 12, arms: int = 3, councils_per_arm: int = 0):
    rng = np.random.default_rng(seed)
    n = n_per_arm * arms
    arm = np.repeat(np.arange(arms), n_per_arm)
    baseline = rng.normal(0.22, 0.05, n)
    stratum = rng.integers(0, 2, n).astype(float)
    outcome = 0.2 - 0.01 * (arm == 1) + 0.5 * (baseline - 0.22) + rng.normal(0, 0.03, n)
    council = None
    if councils_per_arm:
        council = arm * councils_per_arm + rng.integers(0, councils_per_arm, n)
    return outcome, arm, baseline, stratum, council


def test_adjusted_differences_and_hc2_errors_equal_statsmodels_ols():
    y, arm, baseline, stratum, _ = _trial()
    result = analyse(y, arm, {"baseline": baseline, "stratum": stratum}, mixed=False)
    X = np.column_stack([np.ones_like(y), arm == 1, arm == 2, baseline, stratum]).astype(float)
    reference = sm.OLS(y, X).fit(cov_type="HC2")
    assert [e.difference for e in result.effects] == pytest.approx(reference.params[1:3], abs=1e-10)
    assert [e.se for e in result.effects] == pytest.approx(reference.bse[1:3], abs=1e-10)
    assert result.method == "HC2"


def test_unadjusted_difference_is_the_difference_of_arm_means():
    y, arm, *_ = _trial()
    effect = analyse(y, arm, mixed=False).effects[0]
    assert effect.difference == pytest.approx(y[arm == 1].mean() - y[arm == 0].mean(), abs=1e-12)
    assert effect.unadjusted_difference == pytest.approx(effect.difference, abs=1e-12)


def _dense_cr2(X, y, cluster, j):
    """CR2 SE and Bell-McCaffrey df of coefficient j, written from the papers' formulas
    with dense n x n matrices (Pustejovsky & Tipton 2018, eqs. 5 and 11, working
    model Phi = I)."""
    n = X.shape[0]
    M = np.linalg.inv(X.T @ X)
    H = X @ M @ X.T
    e = (np.eye(n) - H) @ y
    c = np.zeros(X.shape[1])
    c[j] = 1.0
    meat = np.zeros_like(M)
    q = []
    for g in np.unique(cluster):
        rows = np.flatnonzero(cluster == g)
        A = np.real(sqrtm(np.linalg.inv(np.eye(rows.size) - H[np.ix_(rows, rows)])))
        s = X[rows].T @ A @ e[rows]
        meat += np.outer(s, s)
        selector = np.zeros((n, rows.size))
        selector[rows, np.arange(rows.size)] = 1.0
        q.append((np.eye(n) - H) @ selector @ A @ X[rows] @ M @ c)
    V = M @ meat @ M
    G = np.array([[a @ b for b in q] for a in q])
    return np.sqrt(V[j, j]), np.trace(G) ** 2 / (G**2).sum()


def test_cr2_errors_and_degrees_of_freedom_equal_a_dense_implementation():
    y, arm, baseline, stratum, council = _trial(n_per_arm=20, councils_per_arm=4)
    X = np.column_stack([np.ones_like(y), arm == 1, arm == 2, baseline, stratum]).astype(float)
    fit = robust_fit(X[None], y[None], cluster_layout(council), np.array([1, 2]))
    for column, j in enumerate((1, 2)):
        se, df = _dense_cr2(X, y, council, j)
        assert fit.se[0, column] == pytest.approx(se, abs=1e-10)
        assert fit.df[0, column] == pytest.approx(df, rel=1e-9)


def test_hc2_degrees_of_freedom_equal_the_dense_formula_with_singleton_clusters():
    y, arm, baseline, _, _ = _trial(n_per_arm=6)
    result = analyse(y, arm, {"baseline": baseline}, mixed=False)
    X = np.column_stack([np.ones_like(y), arm == 1, arm == 2, baseline]).astype(float)
    _, df = _dense_cr2(X, y, np.arange(y.size), 1)
    assert result.effects[0].df == pytest.approx(df, rel=1e-9)
    assert result.effects[0].df < y.size - X.shape[1]  # fewer than OLS's n - k


def test_holm_matches_statsmodels_multipletests():
    p = np.array([0.01, 0.04, 0.03, 0.2, 0.011])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)


def test_dunnett_adjustment_lies_between_raw_and_bonferroni():
    y, arm, *_ = _trial(arms=4, n_per_arm=15)
    result = analyse(y, arm, multiplicity="dunnett", mixed=False)
    for effect in result.effects:
        assert effect.p <= effect.p_adjusted <= min(1.0, 3 * effect.p) + 1e-4


def test_hedges_g_and_relative_change_by_hand():
    y = np.array([0.20, 0.22, 0.24, 0.26, 0.10, 0.12, 0.14, 0.16])
    arm = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    effect = analyse(y, arm, mixed=False).effects[0]
    # difference -0.10; pooled SD = SD of (0, .02, .04, .06) = 0.0258199; J = 1 - 3/23
    assert effect.hedges_g == pytest.approx(-0.10 / 0.025819889 * (1 - 3 / 23), rel=1e-6)
    assert effect.relative_change == pytest.approx(-0.10 / 0.23, rel=1e-12)


def test_brier_skill_is_against_always_answering_the_base_rate():
    y = np.array([0.20, 0.22, 0.10, 0.12])
    result = analyse(y, np.array([0, 0, 1, 1]), question_outcome=[1, 0, 0, 0], mixed=False)
    # base rate 1/4 scores 0.25 * 0.75 = 0.1875 on every question
    assert result.control_brier_skill == pytest.approx(1 - 0.21 / 0.1875)
    assert result.effects[0].brier_skill == pytest.approx(1 - 0.11 / 0.1875)


def test_mixed_model_reports_icc_interval_and_design_effect():
    rng = np.random.default_rng(5)
    council = np.repeat(np.arange(40), 30)
    arm = council % 2
    y = 0.2 + rng.normal(0, np.sqrt(0.1), 40)[council] + rng.normal(0, np.sqrt(0.9), council.size)
    model = analyse(y, arm, cluster=council).mixed
    assert model is not None
    assert model.icc_low < model.icc < model.icc_high
    assert 0.02 < model.icc < 0.25
    assert model.design_effect == pytest.approx(1 + 29 * model.icc)


def test_vignettes_like_these_widens_the_interval_when_the_effect_varies_by_question():
    rng = np.random.default_rng(7)
    n, q = 200, 24
    arm = np.repeat([0, 1], n // 2)
    question_effect = rng.normal(-0.01, 0.03, q)  # the effect differs between questions
    scores = rng.normal(0.2, 0.05, (n, q)) + np.outer(arm, question_effect)
    result = analyse(scores.mean(axis=1), arm, question_matrix=scores, mixed=False)
    two_way = result.vignettes_like_these
    assert two_way is not None
    assert two_way.se[0] > 1.5 * result.effects[0].se


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"arm": np.zeros(36, dtype=int)}, "at least two arms"),
        ({"arm": np.arange(36) % 3 * 1.0}, "integer codes"),
        ({"outcome": np.full(36, np.nan)}, "missing or infinite"),
        ({"control": 7}, "control arm 7"),
        ({"multiplicity": "bonferonni"}, "multiplicity must be one of"),
        ({"cluster": np.arange(36) % 5}, "single arm"),
        ({"covariates": {"twice": np.repeat(np.arange(3), 12) == 1}}, "collinear"),
    ],
)
def test_bad_input_gets_a_specific_error(change, message):
    y, arm, *_ = _trial()
    args = {"outcome": y, "arm": arm, "covariates": None, "control": 0, "multiplicity": "holm"}
    args.update(change)
    cluster = args.pop("cluster", None)
    with pytest.raises(ValueError, match=message):
        analyse(**args, cluster=cluster, mixed=False)
