"""Calibration table, ECE, Spiegelhalter's z and logistic recalibration."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from casecast import scoring
from scipy import optimize, special, stats
from statsmodels.stats.proportion import proportion_confint

P_HAND = [0.1, 0.3, 0.3, 0.35, 0.7, 0.7, 0.9, 1.0]
Y_HAND = [0, 0, 1, 1, 1, 0, 1, 1]
Z = 1.959963984540054


def logit(p):
    p = np.clip(p, scoring.EPS, 1 - scoring.EPS)
    return np.log(p / (1 - p))


def sample(n=2000, seed=0, slope=0.8, shift=0.3):
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 100, n) / 100
    truth = 1 / (1 + np.exp(-(shift + slope * logit(p))))
    return p, (rng.random(n) < truth).astype(int)


class TestCalibrationTable:
    def test_hand_values(self):
        t = scoring.calibration_table(P_HAND, Y_HAND, bins=10)
        np.testing.assert_array_equal(t.count, [1, 0, 2, 1, 0, 0, 2, 0, 1, 1])
        nan = np.nan
        np.testing.assert_allclose(
            t.mean_forecast, [0.1, nan, 0.3, 0.35, nan, nan, 0.7, nan, 0.9, 1.0], rtol=1e-15
        )
        np.testing.assert_allclose(
            t.observed_rate, [0, nan, 0.5, 1, nan, nan, 0.5, nan, 1, 1], rtol=1e-15
        )
        assert np.isnan(t.ci_low[[1, 4, 5, 7]]).all()

    def test_wilson_by_hand(self):
        t = scoring.calibration_table(P_HAND, Y_HAND, bins=10)
        # 0 of 1 (bin 0): centre = (z^2/2) / (1 + z^2) = half-width, so the interval is
        # [0, z^2 / (1 + z^2)] = [0, 3.8414588 / 4.8414588] = [0, 0.7934507]
        assert t.ci_low[0] == pytest.approx(0.0, abs=1e-15)
        assert t.ci_high[0] == pytest.approx(Z**2 / (1 + Z**2), rel=1e-12)
        assert t.ci_high[0] == pytest.approx(0.7934507, abs=1e-7)
        # 1 of 2 (bin 2): centre 0.5, half-width z/(1 + z^2/2) sqrt(1/8 + z^2/16)
        # = (1.9599640 / 2.9207294) x sqrt(0.3650912) = 0.6710529 x 0.6042278 = 0.4054688
        assert t.ci_low[2] == pytest.approx(0.5 - 0.4054688, abs=1e-7)
        assert t.ci_high[2] == pytest.approx(0.5 + 0.4054688, abs=1e-7)

    def test_wilson_matches_statsmodels(self):
        p, y = sample()
        t = scoring.calibration_table(p, y, bins=10)
        events = np.rint(t.observed_rate * t.count).astype(int)
        low, high = proportion_confint(events, t.count, alpha=0.05, method="wilson")
        np.testing.assert_allclose(t.ci_low, low, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(t.ci_high, high, rtol=1e-12, atol=1e-15)

    def test_ungrouped_fields_are_length_b(self):
        t = scoring.calibration_table(P_HAND, Y_HAND, bins=4)
        assert t.count.shape == t.mean_forecast.shape == (4,)


class TestECE:
    def test_hand_value(self):
        # sum n_k |o_k - f_k| / n = (0.1 + 2 x 0.2 + 0.65 + 2 x 0.2 + 0.1 + 0) / 8 = 1.65 / 8
        assert scoring.ece(P_HAND, Y_HAND).ece == pytest.approx(0.20625, abs=1e-15)

    def test_perfectly_calibrated_bins(self):
        assert scoring.ece([0.5, 0.5], [0, 1]).ece == pytest.approx(0.0, abs=1e-15)


class TestSpiegelhalter:
    def test_hand_value(self):
        # p = (0.2, 0.6, 0.9), y = (0, 1, 0)
        # numerator: (-0.2)(0.6) + (0.4)(-0.2) + (-0.9)(-0.8) = -0.12 - 0.08 + 0.72 = 0.52
        # variance: 0.36 x 0.16 + 0.04 x 0.24 + 0.64 x 0.09 = 0.0576 + 0.0096 + 0.0576 = 0.1248
        # z = 0.52 / sqrt(0.1248) = 1.47196; two-sided p = 2 (1 - Phi(1.472)) = 0.141
        s = scoring.spiegelhalter([0.2, 0.6, 0.9], [0, 1, 0])
        assert s.z == pytest.approx(0.52 / math.sqrt(0.1248), rel=1e-13)
        assert s.p_value == pytest.approx(0.141, abs=1e-3)
        assert s.p_value == pytest.approx(2 * stats.norm.sf(s.z), rel=1e-12)

    def test_undefined_when_every_forecast_is_half_or_certain(self):
        s = scoring.spiegelhalter([0.5, 0.0, 1.0], [1, 0, 1])
        assert np.isnan(s.z) and np.isnan(s.p_value)


class TestCalibrationSlope:
    def test_two_forecast_values_by_hand(self):
        # With two distinct forecasts the fit reproduces both observed rates:
        # x = logit(0.2) = -ln 4 with rate 1/4 (logit -ln 3); x = ln 4 with rate 3/4 (ln 3),
        # so a = 0 and b = ln 3 / ln 4 = 0.79248125.
        p = [0.2] * 4 + [0.8] * 4
        y = [1, 0, 0, 0, 1, 1, 1, 0]
        fit = scoring.calibration_slope(p, y)
        assert fit.intercept == pytest.approx(0.0, abs=1e-10)
        assert fit.slope == pytest.approx(math.log(3) / math.log(4), rel=1e-10)

    def test_matches_statsmodels_logit(self):
        p, y = sample()
        fit = scoring.calibration_slope(p, y)
        ref = sm.Logit(y, sm.add_constant(logit(p))).fit(disp=0, method="newton", tol=1e-12)
        assert fit.intercept == pytest.approx(ref.params[0], rel=1e-8, abs=1e-10)
        assert fit.slope == pytest.approx(ref.params[1], rel=1e-8)

    def test_matches_statsmodels_off_grid_and_with_certain_forecasts(self):
        rng = np.random.default_rng(5)
        p = rng.random(1500)
        p[:4] = [0.0, 1.0, 0.0, 1.0]
        y = (rng.random(1500) < p).astype(int)
        y[:4] = [0, 1, 1, 0]
        fit = scoring.calibration_slope(p, y)
        ref = sm.Logit(y, sm.add_constant(logit(p))).fit(disp=0, method="newton", tol=1e-12)
        assert fit.intercept == pytest.approx(ref.params[0], rel=1e-7)
        assert fit.slope == pytest.approx(ref.params[1], rel=1e-7)

    @pytest.mark.parametrize(
        ("p", "y"),
        [
            ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]),  # complete separation
            ([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1]),  # quasi-complete: overlap only at 0.5
            ([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]),  # separation the other way
            ([0.3, 0.6, 0.7], [1, 1, 1]),  # one outcome class
            ([0.4, 0.4, 0.4], [0, 1, 1]),  # one forecast value: slope not identified
        ],
    )
    def test_nan_without_a_finite_mle(self, p, y):
        fit = scoring.calibration_slope(p, y)
        assert np.isnan(fit.intercept) and np.isnan(fit.slope)


class TestCalibrationInTheLarge:
    def test_hand_value(self):
        # Both forecasts 0.2 (offset -ln 4), one event in two: a - ln 4 = logit(1/2) = 0
        fit = scoring.calibration_in_the_large([0.2, 0.2], [0, 1])
        assert fit.intercept == pytest.approx(math.log(4), rel=1e-12)

    def test_matches_statsmodels_glm_with_offset(self):
        p, y = sample(seed=2)
        ref = sm.GLM(y, np.ones(len(y)), family=sm.families.Binomial(), offset=logit(p))
        expected = ref.fit(tol=1e-12).params[0]
        assert scoring.calibration_in_the_large(p, y).intercept == pytest.approx(expected, 1e-9)

    def test_root_of_the_score_equation_with_certain_forecasts(self):
        # Offsets of -/+36.04 for forecasts of 0 and 1; the estimate solves
        # sum (y - expit(a + x)) = 0, found here independently with scipy's brentq.
        p = np.array([0.9456, 1.0, 1.0, 0.546, 1.0, 0.9634, 0.7225, 0.615])
        y = np.array([0, 0, 0, 0, 1, 0, 0, 1])
        x = logit(p)
        root = optimize.brentq(lambda a: (y - special.expit(a + x)).sum(), -100, 100, xtol=1e-14)
        assert scoring.calibration_in_the_large(p, y).intercept == pytest.approx(root, rel=1e-10)

    def test_defined_when_slope_is_not(self):
        fit = scoring.calibration_in_the_large([0.5, 0.5, 0.5, 0.5], [1, 1, 1, 0])
        assert fit.intercept == pytest.approx(math.log(3), rel=1e-12)

    def test_nan_with_one_outcome_class(self):
        assert np.isnan(scoring.calibration_in_the_large([0.3, 0.6], [0, 0]).intercept)
