"""CORP reliability curve and calibration by group, against scikit-learn and by hand."""

import numpy as np
import pytest
from casecast import insights
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, roc_auc_score


def sample(n=3000, seed=0, stretch=1.0):
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 100, n) / 100
    truth = 1 / (1 + np.exp(-stretch * np.log(p / (1 - p))))
    return p, (rng.random(n) < truth).astype(int)


class TestCorpCurve:
    def test_curve_equals_scikit_learn_isotonic_regression(self):
        p, y = sample()
        curve = insights.corp_reliability(p=p, y=y, n_resamples=10)
        fitted = IsotonicRegression(out_of_bounds="clip").fit(p, y).predict(curve.forecast)
        np.testing.assert_allclose(curve.calibrated, fitted, atol=1e-12)

    def test_hand_worked_decomposition(self):
        # p = .2 .2 .6 .6 with y = 0 1 0 1 → both rates ½, pooled: c = ½ everywhere.
        # S(p) = (.04 + .64 + .36 + .16)/4 = .30; S(c) = .25; ȳ = ½ → UNC = .25.
        curve = insights.corp_reliability(p=[0.2, 0.2, 0.6, 0.6], y=[0, 1, 0, 1], n_resamples=5)
        np.testing.assert_allclose(curve.calibrated, [0.5, 0.5])
        assert curve.brier == pytest.approx(0.30)
        assert curve.mcb == pytest.approx(0.05)
        assert curve.dsc == pytest.approx(0.0)
        assert curve.unc == pytest.approx(0.25)

    def test_score_equals_mcb_minus_dsc_plus_unc_and_scikit_learn_brier(self):
        p, y = sample(stretch=0.6, seed=3)
        c = insights.corp_reliability(p=p, y=y, n_resamples=10)
        assert c.mcb - c.dsc + c.unc == pytest.approx(c.brier, abs=1e-12)
        assert c.brier == pytest.approx(brier_score_loss(y, p), abs=1e-12)
        assert c.mcb >= 0 and c.dsc >= 0

    def test_band_holds_most_of_a_calibrated_curve_and_not_an_overconfident_one(self):
        p, y = sample(n=20000, seed=4)
        good = insights.corp_reliability(p=p, y=y, n_resamples=200)
        inside = (good.calibrated >= good.band_low) & (good.calibrated <= good.band_high)
        assert inside.mean() > 0.8
        p, y = sample(n=20000, seed=4, stretch=0.4)  # forecasts far too extreme
        bad = insights.corp_reliability(p=p, y=y, n_resamples=200)
        outside = (bad.calibrated < bad.band_low) | (bad.calibrated > bad.band_high)
        assert outside.mean() > 0.5

    def test_same_seed_same_band(self):
        p, y = sample(n=500)
        a = insights.corp_reliability(p=p, y=y, seed=7, n_resamples=50)
        b = insights.corp_reliability(p=p, y=y, seed=7, n_resamples=50)
        np.testing.assert_array_equal(a.band_low, b.band_low)

    def test_bad_band_level_is_an_error(self):
        with pytest.raises(ValueError, match="band_level"):
            insights.corp_reliability(p=[0.2, 0.4], y=[0, 1], band_level=1.0)


class TestCalibrationByGroup:
    def test_over_and_under_confidence_by_hand(self):
        # Above ½: mean p = .8, event rate ½ → +.3 (over-confident).
        # Below ½: mean p = .2, event rate ½ → −.3 (also over-confident: too low).
        r = insights.calibration(p=[0.9, 0.7, 0.1, 0.3, 0.5], y=[1, 0, 1, 0, 1], n_resamples=5)
        assert r.over_high[0] == pytest.approx(0.3)
        assert r.over_low[0] == pytest.approx(-0.3)
        assert (r.n_high[0], r.n_low[0]) == (2, 2)

    def test_each_group_equals_a_separate_call(self):
        p, y = sample(n=4000, seed=5)
        arm_phase = np.random.default_rng(1).integers(0, 4, p.shape[0]) * 10
        r = insights.calibration(p=p, y=y, group=arm_phase, n_resamples=20)
        assert list(r.group) == [0, 10, 20, 30]
        for k, label in enumerate(r.group):
            rows = arm_phase == label
            assert r.brier[k] == pytest.approx(brier_score_loss(y[rows], p[rows]))
            assert r.auc[k] == pytest.approx(roc_auc_score(y[rows], p[rows]))
            one = insights.corp_reliability(p=p[rows], y=y[rows], n_resamples=20)
            np.testing.assert_allclose(r.curves[k].calibrated, one.calibrated)
            assert r.curves[k].brier == pytest.approx(r.brier[k])

    def test_slope_below_one_for_over_extreme_forecasts(self):
        p, y = sample(n=20000, seed=6, stretch=0.5)
        r = insights.calibration(p=p, y=y, n_resamples=5)
        assert r.slope[0] == pytest.approx(0.5, abs=0.05)

    def test_outcome_other_than_zero_or_one_is_an_error(self):
        with pytest.raises(ValueError, match="y must hold only 0 and 1"):
            insights.calibration(p=[0.2, 0.4], y=[0, 2])
