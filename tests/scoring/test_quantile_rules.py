"""Interval score, pinball loss and the quantile CRPS approximation."""

import numpy as np
import properscoring
import pytest
from casecast import scoring
from scipy import stats


class TestIntervalScore:
    def test_hand_values(self):
        # 90% interval [1, 3], alpha = 0.1, so 2 / alpha = 20:
        # y = 2 inside: width 2; y = 0 below: 2 + 20 x 1 = 22; y = 4.5 above: 2 + 20 x 1.5 = 32
        out = scoring.interval_score([1, 1, 1], [3, 3, 3], [2, 0, 4.5], 0.1)
        np.testing.assert_allclose(out, [2.0, 22.0, 32.0], rtol=1e-14)

    def test_per_row_alpha(self):
        # alpha = 0.5 -> 2 / alpha = 4: 2 + 4 x 1 = 6
        out = scoring.interval_score([1, 1], [3, 3], [0, 0], [0.1, 0.5])
        np.testing.assert_allclose(out, [22.0, 6.0], rtol=1e-14)

    def test_equals_scaled_pinball_pair(self):
        rng = np.random.default_rng(0)
        lo = rng.normal(size=50)
        hi = lo + rng.random(50)
        y = rng.normal(size=50)
        alpha = 0.2
        pair = scoring.pinball(lo, y, alpha / 2) + scoring.pinball(hi, y, 1 - alpha / 2)
        np.testing.assert_allclose(scoring.interval_score(lo, hi, y, alpha), 2 / alpha * pair)


class TestPinball:
    def test_hand_values(self):
        # tau = 0.9, q = 2: y = 5 above -> 0.9 x 3 = 2.7; y = 0 below -> 0.1 x 2 = 0.2
        out = scoring.pinball([2, 2], [5, 0], 0.9)
        np.testing.assert_allclose(out, [2.7, 0.2], rtol=1e-12)

    def test_median_is_half_absolute_error(self):
        out = scoring.pinball([1.0, 4.0], [3.0, 1.0], 0.5)
        np.testing.assert_allclose(out, [1.0, 1.5])


class TestWeightedIntervalScore:
    def test_hand_value(self):
        # Quantiles 1, 2, 3 at 0.25, 0.5, 0.75 and y = 2.5. Pinball losses:
        # 0.25 x 1.5 = 0.375; 0.5 x 0.5 = 0.25; (1 - 0.75) x 0.5 = 0.125; mean 0.25, times 2 = 0.5.
        # WIS (Bracher et al. 2021), K = 1 interval (alpha = 0.5): IS = 3 - 1 = 2,
        # (1/2 |2.5 - 2| + 0.5/2 x 2) / (1 + 1/2) = (0.25 + 0.5) / 1.5 = 0.5.
        out = scoring.weighted_interval_score([[1.0, 2.0, 3.0]], [2.5], [0.25, 0.5, 0.75])
        assert out[0] == pytest.approx(0.5, abs=1e-15)

    def test_equals_the_bracher_formula(self):
        rng = np.random.default_rng(1)
        alphas = np.array([0.02, 0.1, 0.2, 0.5, 0.8])
        taus = np.concatenate([alphas / 2, [0.5], 1 - alphas[::-1] / 2])
        Q = np.sort(rng.normal(size=(30, taus.size)), axis=1)
        y = rng.normal(size=30)
        median = Q[:, alphas.size]
        wis = 0.5 * np.abs(y - median)
        for k, alpha in enumerate(alphas):
            lo, hi = Q[:, k], Q[:, -1 - k]
            wis += alpha / 2 * scoring.interval_score(lo, hi, y, alpha)
        wis /= alphas.size + 0.5
        np.testing.assert_allclose(scoring.weighted_interval_score(Q, y, taus), wis, rtol=1e-12)

    def test_platform_levels_are_the_wis_of_one_90_percent_interval(self):
        # Casecast elicits p5, p50, p95: quantiles 10, 20, 40 and y = 50.
        # Pinball: .05 x 40 = 2; .5 x 30 = 15; .95 x 10 = 9.5; 2 x mean = 2 x 26.5 / 3.
        # WIS, K = 1, alpha = 0.1: IS = 30 + (2 / 0.1) x 10 = 230;
        # (0.5 x 30 + 0.05 x 230) / 1.5 = 26.5 / 1.5 -- the same, and not a CRPS.
        out = scoring.weighted_interval_score([[10.0, 20.0, 40.0]], [50.0], [0.05, 0.5, 0.95])
        assert out[0] == pytest.approx(26.5 / 1.5)

    def test_equals_ensemble_crps_at_midpoint_levels(self):
        # For m sorted members at levels (i - 0.5) / m the identity with the ensemble CRPS is exact.
        rng = np.random.default_rng(2)
        ens = rng.normal(size=(40, 9))
        y = rng.normal(size=40)
        taus = (np.arange(1, 10) - 0.5) / 9
        ours = scoring.weighted_interval_score(np.sort(ens, axis=1), y, taus)
        np.testing.assert_allclose(ours, properscoring.crps_ensemble(y, ens), rtol=1e-12)

    def test_approximates_gaussian_crps(self):
        taus = (np.arange(1, 400) - 0.5) / 399
        y = np.array([-1.0, 0.3, 2.0])
        Q = np.tile(stats.norm.ppf(taus), (3, 1))
        expected = properscoring.crps_gaussian(y, mu=0.0, sig=1.0)
        np.testing.assert_allclose(scoring.weighted_interval_score(Q, y, taus), expected, rtol=2e-3)
