"""Arm comparison: equal weight per forecaster, unit bootstrap, determinism, clusters."""

import numpy as np
import pytest
from casecast import scoring

# f0 (arm 0): 0.1, 0.3 -> 0.2; f1 (arm 0): 0.4; f2 (arm 1): 0.5, 0.7, 0.9 -> 0.7; f3 (arm 1): 0.1
SCORE = [0.1, 0.3, 0.4, 0.5, 0.7, 0.9, 0.1]
FORECASTER = [0, 0, 1, 2, 2, 2, 3]
ARM = [0, 0, 0, 1, 1, 1, 1]


def study(n_forecasters=60, rows=20, seed=0, arms=2):
    rng = np.random.default_rng(seed)
    forecaster = np.repeat(np.arange(n_forecasters), rows)
    f_arm = np.arange(n_forecasters) % arms
    skill = rng.normal(0.2 + 0.05 * f_arm, 0.05)
    score = np.clip(skill[forecaster] + rng.normal(0, 0.1, forecaster.size), 0, 1)
    return score, forecaster, f_arm[forecaster]


def test_every_forecaster_weighs_the_same():
    # control: (0.2 + 0.4) / 2 = 0.3; arm 1: (0.7 + 0.1) / 2 = 0.4; difference 0.1.
    # (Pooling rows would give 0.8 / 3 and 2.2 / 4 instead.)
    r = scoring.compare_arms(SCORE, FORECASTER, ARM, n_boot=200)
    assert r.control_mean == pytest.approx(0.3, abs=1e-15)
    np.testing.assert_allclose(r.mean, [0.4], atol=1e-15)
    np.testing.assert_allclose(r.difference, [0.1], atol=1e-15)
    np.testing.assert_array_equal(r.arm, [1])
    np.testing.assert_array_equal(r.n, [2])
    assert r.n_control == 2 and r.control == 0 and r.n_clusters is None


def test_bootstrap_matches_a_naive_loop_over_the_same_draws():
    score, forecaster, arm = study(n_forecasters=30)
    r = scoring.compare_arms(score, forecaster, arm, n_boot=300, seed=9)
    f_mean = np.array([score[forecaster == f].mean() for f in range(30)])
    f_arm = np.array([arm[forecaster == f][0] for f in range(30)])
    rng = np.random.default_rng(9)
    boot = {}
    for a in (0, 1):  # arms in code order; units in code order
        members = np.flatnonzero(f_arm == a)
        draws = rng.integers(0, members.size, size=(300, members.size))
        boot[a] = np.array([f_mean[members[row]].mean() for row in draws])
    diff = boot[1] - boot[0]
    assert r.se[0] == pytest.approx(diff.std(ddof=1), rel=1e-12)
    assert r.ci_low[0] == pytest.approx(np.percentile(diff, 2.5), rel=1e-12)
    assert r.ci_high[0] == pytest.approx(np.percentile(diff, 97.5), rel=1e-12)


def test_se_is_close_to_the_ideal_bootstrap_se():
    # The ideal bootstrap SE of a difference of means is sqrt(s0^2/n0 + s1^2/n1) with the
    # population (ddof = 0) variances of the forecaster means.
    score, forecaster, arm = study(n_forecasters=80, seed=3)
    r = scoring.compare_arms(score, forecaster, arm, n_boot=20000, seed=1)
    f_mean = np.bincount(forecaster, score) / np.bincount(forecaster)
    f_arm = np.arange(80) % 2
    ideal = np.sqrt(sum(f_mean[f_arm == a].var() / (f_arm == a).sum() for a in (0, 1)))
    assert r.se[0] == pytest.approx(ideal, rel=0.05)
    assert r.ci_low[0] < r.difference[0] < r.ci_high[0]


def test_deterministic_and_independent_of_row_order():
    score, forecaster, arm = study(arms=3)
    a = scoring.compare_arms(score, forecaster, arm, n_boot=500, seed=4)
    b = scoring.compare_arms(score, forecaster, arm, n_boot=500, seed=4)
    order = np.random.default_rng(0).permutation(score.size)
    c = scoring.compare_arms(score[order], forecaster[order], arm[order], n_boot=500, seed=4)
    for name in ("difference", "se", "ci_low", "ci_high", "mean"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        np.testing.assert_allclose(getattr(a, name), getattr(c, name), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(a.arm, [1, 2])
    d = scoring.compare_arms(score, forecaster, arm, n_boot=500, seed=5)
    assert not np.array_equal(a.se, d.se)


def test_forecaster_codes_need_not_be_dense():
    score, forecaster, arm = study()
    a = scoring.compare_arms(score, forecaster, arm, n_boot=300)
    b = scoring.compare_arms(score, forecaster * 1000 + 7, arm, n_boot=300)
    np.testing.assert_array_equal(a.se, b.se)


def test_control_other_than_zero():
    score, forecaster, arm = study(arms=3)
    r = scoring.compare_arms(score, forecaster, arm, control=2, n_boot=300)
    np.testing.assert_array_equal(r.arm, [0, 1])
    assert r.control == 2


class TestClusters:
    def test_cluster_bootstrap_matches_a_naive_loop_with_small_sample_correction(self):
        # Ten councils of three forecasters, five per arm, drawn as whole councils. Each
        # arm's replicate means are spread about the arm mean by sqrt(m / (m - 1)), and the
        # interval is difference +/- t(0.975, Welch df) SE, written out here by hand.
        from scipy import stats

        score, forecaster, arm = study(n_forecasters=30, seed=5)
        council = (np.arange(30) % 10)[forecaster]  # council c holds f = c, c + 10, c + 20
        r = scoring.compare_arms(score, forecaster, arm, cluster=council, n_boot=300, seed=9)
        f_mean = np.bincount(forecaster, score) / np.bincount(forecaster)
        c_of_f = np.arange(30) % 10
        c_arm = np.arange(10) % 2
        rng = np.random.default_rng(9)
        boot, mean = {}, {}
        for a in (0, 1):
            members = np.flatnonzero(c_arm == a)  # councils in code order
            mean[a] = f_mean[np.isin(c_of_f, members)].mean()
            draws = rng.integers(0, members.size, size=(300, members.size))
            raw = np.array(
                [
                    np.concatenate([f_mean[c_of_f == members[i]] for i in row]).mean()
                    for row in draws
                ]
            )
            boot[a] = mean[a] + (raw - mean[a]) * np.sqrt(5 / 4)
        diff = boot[1] - boot[0]
        se = diff.std(ddof=1)
        v1, v0 = boot[1].var(ddof=1), boot[0].var(ddof=1)
        welch = (v1 + v0) ** 2 / (v1**2 / 4 + v0**2 / 4)  # 5 councils per arm: m - 1 = 4
        assert 4 <= welch <= 8
        half = stats.t.ppf(0.975, welch) * se
        assert r.se[0] == pytest.approx(se, rel=1e-12)
        assert r.difference[0] == pytest.approx(mean[1] - mean[0], rel=1e-12)
        assert r.ci_low[0] == pytest.approx(mean[1] - mean[0] - half, rel=1e-12)
        assert r.ci_high[0] == pytest.approx(mean[1] - mean[0] + half, rel=1e-12)
        np.testing.assert_array_equal(r.n_clusters, [5])

    def test_few_clusters_per_arm_still_cover_the_true_difference(self):
        # Three councils per arm and no true difference: a plain cluster bootstrap's 95%
        # interval misses far more often than 5% (its variance is 2/3 of the right one and
        # percentiles ignore the few units). With the correction, coverage is near 95%.
        rng = np.random.default_rng(2024)
        trials, covered, plain_covered = 300, 0, 0
        forecaster = np.repeat(np.arange(24), 5)  # 24 forecasters, 5 forecasts each
        council = (np.arange(24) % 6)[forecaster]  # 6 councils of 4 forecasters
        arm = (np.arange(24) % 6 % 2)[forecaster]  # councils 0, 2, 4 control; 1, 3, 5 arm 1
        for _ in range(trials):
            council_effect = rng.normal(0, 0.05, 6)[council]
            score = 0.2 + council_effect + rng.normal(0, 0.02, forecaster.size)
            r = scoring.compare_arms(score, forecaster, arm, cluster=council, n_boot=400)
            covered += bool(r.ci_low[0] <= 0 <= r.ci_high[0])
            boots = [
                _plain_cluster_bootstrap(score, forecaster, council, arm, a, rng) for a in (0, 1)
            ]
            low, high = np.percentile(boots[1] - boots[0], [2.5, 97.5])
            plain_covered += bool(low <= 0 <= high)
        assert covered / trials >= 0.90
        assert plain_covered / trials < covered / trials - 0.05

    def test_cluster_bootstrap_keeps_forecaster_weights(self):
        score, forecaster, arm = study(n_forecasters=60)
        council = (np.arange(60) % 30)[forecaster]  # forecasters f and f + 30: same arm
        r = scoring.compare_arms(score, forecaster, arm, cluster=council, n_boot=400)
        plain = scoring.compare_arms(score, forecaster, arm, n_boot=400)
        np.testing.assert_allclose(r.difference, plain.difference, rtol=1e-12)
        np.testing.assert_array_equal(r.n_clusters, [15])
        assert np.isfinite(r.se).all() and r.se[0] > 0

    def test_cluster_spanning_arms_raises(self):
        with pytest.raises(ValueError, match="single arm"):
            scoring.compare_arms(SCORE, FORECASTER, ARM, cluster=[0, 0, 0, 0, 0, 0, 0])

    def test_forecaster_in_two_clusters_raises(self):
        with pytest.raises(ValueError, match="cluster"):
            scoring.compare_arms(SCORE, FORECASTER, ARM, cluster=[0, 1, 0, 2, 2, 2, 2])


class TestErrors:
    def test_arm_must_be_constant_within_forecaster(self):
        with pytest.raises(ValueError, match="constant within each forecaster"):
            scoring.compare_arms(SCORE, FORECASTER, [0, 1, 0, 1, 1, 1, 1])

    def test_missing_control(self):
        with pytest.raises(ValueError, match="control arm 5"):
            scoring.compare_arms(SCORE, FORECASTER, ARM, control=5)

    def test_bad_scores_and_lengths(self):
        with pytest.raises(ValueError, match="NaN"):
            scoring.compare_arms([np.nan, *SCORE[1:]], FORECASTER, ARM)
        with pytest.raises(ValueError, match="lengths must match"):
            scoring.compare_arms(SCORE, FORECASTER[:-1], ARM)
        with pytest.raises(ValueError, match="n_boot"):
            scoring.compare_arms(SCORE, FORECASTER, ARM, n_boot=1)
        with pytest.raises(ValueError, match="empty"):
            scoring.compare_arms([], [], [])


def _plain_cluster_bootstrap(score, forecaster, council, arm, a, rng, n_boot=400):
    """Replicate arm means from resampling the arm's councils, with no correction.

    Councils here are all the same size, so a replicate's mean over the forecasters drawn
    is the mean of the drawn councils' means.
    """
    f_mean = np.bincount(forecaster, score) / np.bincount(forecaster)
    f_council = np.bincount(forecaster, council) // np.bincount(forecaster)
    f_arm = np.bincount(forecaster, arm) // np.bincount(forecaster)
    members = np.unique(f_council[f_arm == a])
    c_mean = np.array([f_mean[f_council == c].mean() for c in members])
    draws = rng.integers(0, members.size, size=(n_boot, members.size))
    return c_mean[draws].mean(axis=1)
