"""Per-forecast rules: hand-worked values and agreement with scikit-learn / properscoring."""

import math

import numpy as np
import properscoring
import pytest
from casecast import scoring
from sklearn.metrics import brier_score_loss, log_loss

P_BIN = [0.0, 0.25, 0.5, 0.8, 1.0]
Y_BIN = [0, 1, 1, 0, 1]

P_MULTI = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]
Y_MULTI = [1, 0]


def random_binary(n=500, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return p, (rng.random(n) < p).astype(int)


def random_multi(n=400, k=4, seed=0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(k), n)
    return P, rng.integers(0, k, n)


class TestBrier:
    def test_hand_values(self):
        # (0-0)^2 = 0; (0.25-1)^2 = 0.5625; (0.5-1)^2 = 0.25; (0.8-0)^2 = 0.64; (1-1)^2 = 0
        expected = [0.0, 0.5625, 0.25, 0.64, 0.0]
        np.testing.assert_allclose(scoring.brier(P_BIN, Y_BIN), expected, rtol=0, atol=1e-15)

    def test_returns_float64_per_forecast(self):
        out = scoring.brier(P_BIN, Y_BIN)
        assert out.dtype == np.float64 and out.shape == (5,)

    def test_matches_sklearn_and_properscoring(self):
        p, y = random_binary()
        ours = scoring.brier(p, y)
        assert ours.mean() == pytest.approx(brier_score_loss(y, p), rel=1e-14)
        np.testing.assert_allclose(ours, properscoring.brier_score(y, p), rtol=1e-14)

    def test_boolean_and_float_outcomes(self):
        expected = scoring.brier(P_BIN, Y_BIN)
        np.testing.assert_array_equal(scoring.brier(P_BIN, np.array(Y_BIN, dtype=bool)), expected)
        np.testing.assert_array_equal(scoring.brier(P_BIN, np.array(Y_BIN, float)), expected)


class TestLogScore:
    def test_hand_values(self):
        # -ln(1 - eps) for the certain, correct forecasts; -ln 0.25 = ln 4; -ln 0.5 = ln 2;
        # 1 - 0.8 = 0.2 given to the non-event: -ln 0.2 = ln 5.
        tiny = -math.log1p(-scoring.EPS)
        expected = [tiny, math.log(4), math.log(2), math.log(5), tiny]
        np.testing.assert_allclose(scoring.log_score(P_BIN, Y_BIN), expected, rtol=1e-14)

    def test_certain_and_wrong_is_large_but_finite(self):
        # Clipped at eps = 2^-52: -ln(2^-52) = 52 ln 2 = 36.04365338911715
        out = scoring.log_score([0.0, 1.0], [1, 0])
        np.testing.assert_allclose(out, [52 * math.log(2)] * 2, rtol=1e-15)
        assert np.isfinite(out).all()

    def test_matches_sklearn_including_clipping(self):
        p, y = random_binary()
        p[:3], y[:3] = [0.0, 1.0, 1.0], [1, 0, 1]
        assert scoring.log_score(p, y).mean() == pytest.approx(log_loss(y, p), rel=1e-13)
        for i in range(5):
            expected = log_loss([y[i]], [p[i]], labels=[0, 1])
            assert scoring.log_score(p[i : i + 1], y[i : i + 1])[0] == pytest.approx(expected)

    def test_multi_hand_values(self):
        # -ln 0.5 = ln 2; -ln 0.1 = ln 10
        expected = [math.log(2), math.log(10)]
        np.testing.assert_allclose(scoring.log_score_multi(P_MULTI, Y_MULTI), expected, rtol=1e-14)

    def test_multi_matches_sklearn(self):
        P, y = random_multi()
        ours = scoring.log_score_multi(P, y).mean()
        assert ours == pytest.approx(log_loss(y, P, labels=[0, 1, 2, 3]), rel=1e-13)

    def test_multi_zero_probability_is_finite(self):
        out = scoring.log_score_multi([[0.0, 1.0]], [0])
        assert out[0] == pytest.approx(52 * math.log(2))


class TestSpherical:
    def test_hand_values(self):
        # q / sqrt(p^2 + (1-p)^2): 1/1; 0.25/sqrt(0.625) = 1/sqrt(10); 0.5/sqrt(0.5) = sqrt(0.5);
        # 0.2/sqrt(0.68) = 1/sqrt(17); 1/1
        expected = [1.0, 1 / math.sqrt(10), math.sqrt(0.5), 1 / math.sqrt(17), 1.0]
        np.testing.assert_allclose(scoring.spherical(P_BIN, Y_BIN), expected, rtol=1e-14)

    def test_multi_hand_values(self):
        # row 0: 0.5 / sqrt(0.04 + 0.25 + 0.09) = 0.5 / sqrt(0.38)
        # row 1: 0.1 / sqrt(0.01 + 0.01 + 0.64) = 0.1 / sqrt(0.66)
        expected = [0.5 / math.sqrt(0.38), 0.1 / math.sqrt(0.66)]
        np.testing.assert_allclose(scoring.spherical_multi(P_MULTI, Y_MULTI), expected, rtol=1e-14)

    def test_binary_equals_two_column_multi(self):
        p, y = random_binary()
        P = np.column_stack([1 - p, p])
        np.testing.assert_allclose(scoring.spherical(p, y), scoring.spherical_multi(P, y), 1e-14)


class TestBrierMulti:
    def test_hand_values(self):
        # row 0: 0.2^2 + (0.5-1)^2 + 0.3^2 = 0.04 + 0.25 + 0.09 = 0.38
        # row 1: (0.1-1)^2 + 0.1^2 + 0.8^2 = 0.81 + 0.01 + 0.64 = 1.46
        out = scoring.brier_multi(P_MULTI, Y_MULTI)
        np.testing.assert_allclose(out, [0.38, 1.46], rtol=0, atol=1e-15)

    def test_yes_no_question_scores_twice_the_binary_form(self):
        # 70% on "yes", yes happened: 0.3^2 + 0.3^2 = 0.18 = 2 x 0.09
        assert scoring.brier_multi([[0.3, 0.7]], [1])[0] == pytest.approx(0.18, abs=1e-15)
        p, y = random_binary()
        P = np.column_stack([1 - p, p])
        np.testing.assert_allclose(scoring.brier_multi(P, y), 2 * scoring.brier(p, y), atol=1e-15)

    def test_matches_sklearn(self):
        P, y = random_multi()
        expected = brier_score_loss(y, P, labels=[0, 1, 2, 3], scale_by_half=False)
        assert scoring.brier_multi(P, y).mean() == pytest.approx(expected, rel=1e-13)

    def test_range(self):
        assert scoring.brier_multi([[1.0, 0.0, 0.0]], [1])[0] == pytest.approx(2.0)
        assert scoring.brier_multi([[0.0, 1.0, 0.0]], [1])[0] == pytest.approx(0.0, abs=1e-15)


class TestRPS:
    def test_hand_values(self):
        # row 0, y = 1: F = (0.2, 0.7), O = (0, 1): (0.04 + 0.09) / 2 = 0.065
        # row 1, y = 0: F = (0.1, 0.2), O = (1, 1): (0.81 + 0.64) / 2 = 0.725
        out = scoring.rps(P_MULTI, Y_MULTI)
        np.testing.assert_allclose(out, [0.065, 0.725], rtol=0, atol=1e-15)

    def test_two_categories_is_binary_brier(self):
        p, y = random_binary()
        P = np.column_stack([1 - p, p])
        np.testing.assert_allclose(scoring.rps(P, y), scoring.brier(p, y), atol=1e-15)

    def test_matches_properscoring_threshold_brier(self):
        # A 10-member ensemble whose category frequencies are P; the Brier scores of the
        # events "y > k + 0.5" average to the RPS.
        rng = np.random.default_rng(3)
        k, n = 5, 200
        counts = rng.multinomial(10, np.ones(k) / k, n)
        P = counts / 10
        y = rng.integers(0, k, n)
        ensemble = np.array([np.repeat(np.arange(k), c) for c in counts], dtype=float)
        thresholds = np.arange(k - 1) + 0.5
        expected = properscoring.threshold_brier_score(y, ensemble, thresholds).mean(axis=1)
        np.testing.assert_allclose(scoring.rps(P, y), expected, atol=1e-14)

    def test_range_extremes(self):
        assert scoring.rps([[1.0, 0.0, 0.0, 0.0]], [3])[0] == pytest.approx(1.0)
        assert scoring.rps([[0.0, 0.0, 1.0]], [2])[0] == pytest.approx(0.0, abs=1e-15)
