"""Standardized and relative Brier scores, and crowd aggregates."""

import math

import numpy as np
import pytest
from casecast import scoring
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

SCORES = [0.1, 0.3, 0.5, 0.2, 0.2, 0.1, 0.4, 0.2, 0.9]
QUESTION = [7, 7, 7, 3, 3, 5, 5, 5, 5]


class TestStandardizedBrier:
    def test_hand_values(self):
        # question 7: (0.1, 0.3, 0.5), mean 0.3, population SD sqrt(0.08 / 3),
        # z = -0.2 / sqrt(0.08/3) = -sqrt(1.5) = -1.2247449, 0, +1.2247449
        # question 3: (0.2, 0.2) has SD 0 -> NaN
        # question 5: (0.1, 0.4, 0.2, 0.9), mean 0.4, squared deviations 0.09, 0, 0.04, 0.25
        # -> SD sqrt(0.38 / 4) = 0.3082207; z = -0.3/0.3082207, 0, -0.2/0.3082207, 0.5/0.3082207
        out = scoring.standardized_brier(SCORES, QUESTION)
        sd5 = math.sqrt(0.38 / 4)
        expected = [
            -math.sqrt(1.5),
            0.0,
            math.sqrt(1.5),
            np.nan,
            np.nan,
            -0.3 / sd5,
            0.0,
            -0.2 / sd5,
            0.5 / sd5,
        ]
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)

    def test_matches_scipy_zscore(self):
        rng = np.random.default_rng(0)
        q = rng.integers(0, 30, 900)
        s = rng.random(900)
        out = scoring.standardized_brier(s, q)
        for k in (0, 11, 29):
            np.testing.assert_allclose(out[q == k], stats.zscore(s[q == k], ddof=0), rtol=1e-12)

    def test_string_question_labels(self):
        out = scoring.standardized_brier([0.1, 0.3], ["q1", "q1"])
        np.testing.assert_allclose(out, [-1.0, 1.0])


class TestRelativeBrier:
    def test_hand_values(self):
        # question 7: median 0.3 -> (-0.2, 0, 0.2); question 3: median 0.2 -> (0, 0)
        # question 5: sorted (0.1, 0.2, 0.4, 0.9), median (0.2 + 0.4) / 2 = 0.3
        #   -> (0.1 - 0.3, 0.4 - 0.3, 0.2 - 0.3, 0.9 - 0.3) = (-0.2, 0.1, -0.1, 0.6)
        out = scoring.relative_brier(SCORES, QUESTION)
        expected = [-0.2, 0.0, 0.2, 0.0, 0.0, -0.2, 0.1, -0.1, 0.6]
        np.testing.assert_allclose(out, expected, atol=1e-15)

    @settings(max_examples=40, deadline=None)
    @given(
        st.lists(
            st.tuples(st.floats(0, 2, allow_nan=False), st.integers(0, 4)), min_size=1, max_size=40
        )
    )
    def test_matches_numpy_median(self, rows):
        s, q = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
        out = scoring.relative_brier(s, q)
        for k in np.unique(q):
            np.testing.assert_allclose(out[q == k], s[q == k] - np.median(s[q == k]), atol=1e-15)


class TestAggregate:
    P = [0.2, 0.5, 0.8, 0.5, 0.8]
    G = [0, 0, 0, 1, 1]

    def test_mean_and_median(self):
        # group 0: (0.2, 0.5, 0.8) -> mean 0.5, median 0.5; group 1: (0.5, 0.8) -> 0.65, 0.65
        np.testing.assert_allclose(scoring.aggregate(self.P, self.G, "mean"), [0.5, 0.65])
        np.testing.assert_allclose(scoring.aggregate(self.P, self.G, "median"), [0.5, 0.65])

    def test_geometric_mean_of_odds(self):
        # group 0: odds (1/4, 1, 4), geometric mean 1 -> 0.5
        # group 1: odds (1, 4), geometric mean 2 -> 2/3
        out = scoring.aggregate(self.P, self.G, "geo_mean_odds")
        np.testing.assert_allclose(out, [0.5, 2 / 3], rtol=1e-14)

    def test_extremized(self):
        # group 1 with a = 2: odds 2^2 = 4 -> 0.8; a = 3: 2^3 = 8 -> 8/9
        np.testing.assert_allclose(scoring.aggregate(self.P, self.G, "extremized")[1], 0.8)
        out = scoring.aggregate(self.P, self.G, "extremized", a=3.0)
        np.testing.assert_allclose(out, [0.5, 8 / 9], rtol=1e-14)

    def test_empty_group_is_nan(self):
        out = scoring.aggregate([0.4], [0], "mean", n_groups=2)
        assert out[0] == pytest.approx(0.4) and np.isnan(out[1])

    def test_certain_forecasts_stay_finite(self):
        out = scoring.aggregate([0.0, 1.0, 1.0], [0, 0, 0], "geo_mean_odds")
        assert np.isfinite(out).all()

    def test_bad_method_and_a(self):
        with pytest.raises(ValueError, match="method"):
            scoring.aggregate(self.P, self.G, "mode")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="a must"):
            scoring.aggregate(self.P, self.G, "extremized", a=0.0)
