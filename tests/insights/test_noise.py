"""Per-question noise, pairwise differences, decision disagreement and test–retest."""

import itertools

import numpy as np
import pytest
from casecast import insights
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats


def brute_pairwise(x):
    return np.mean([abs(a - b) for a, b in itertools.combinations(x, 2)])


def brute_disagreement(d):
    return np.mean([a != b for a, b in itertools.combinations(d, 2)])


class TestPairwiseAbsDiff:
    def test_hand_worked(self):
        # pairs of (1, 2, 4): 1, 3, 2 → mean 2.
        assert insights.pairwise_abs_diff([4.0, 1.0, 2.0])[0] == pytest.approx(2.0)

    @given(st.lists(st.tuples(st.integers(0, 3), st.floats(-1e3, 1e3)), min_size=1, max_size=40))
    def test_equals_brute_force_over_all_pairs(self, rows):
        g = np.array([r[0] for r in rows])
        x = np.array([r[1] for r in rows])
        out = insights.pairwise_abs_diff(x, g)
        for k, label in enumerate(np.unique(g)):
            values = x[g == label]
            if values.shape[0] < 2:
                assert np.isnan(out[k])
            else:
                assert out[k] == pytest.approx(brute_pairwise(values), rel=1e-9, abs=1e-9)


class TestDecisionDisagreement:
    def test_hand_worked(self):
        # decisions A A B: pairs AA (same), AB, AB → 2/3 differ.
        assert insights.decision_disagreement([0, 0, 1])[0] == pytest.approx(2 / 3)

    @given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=40))
    def test_equals_brute_force_pair_counting(self, rows):
        g = np.array([r[0] for r in rows])
        d = np.array([r[1] for r in rows])
        out = insights.decision_disagreement(d, g)
        for k, label in enumerate(np.unique(g)):
            values = d[g == label]
            if values.shape[0] < 2:
                assert np.isnan(out[k])
            else:
                assert out[k] == pytest.approx(brute_disagreement(values))


class TestQuestionNoise:
    def test_spreads_equal_numpy_and_brute_force(self):
        rng = np.random.default_rng(0)
        q = rng.integers(0, 5, 300)
        p = rng.integers(1, 100, 300) / 100
        d = rng.integers(0, 3, 300)
        r = insights.question_noise(p=p, question=q, decision=d)
        for k in range(5):
            rows = q == k
            assert r.sd_pp[k] == pytest.approx(100 * np.std(p[rows], ddof=1))
            lo = np.log(p[rows] / (1 - p[rows]))
            assert r.sd_log_odds[k] == pytest.approx(np.std(lo, ddof=1))
            assert r.pairwise_abs_diff_pp[k] == pytest.approx(100 * brute_pairwise(p[rows]))
            assert r.decision_disagreement[k] == pytest.approx(brute_disagreement(d[rows]))

    @given(st.integers(1, 99), st.integers(2, 30))
    def test_no_noise_when_everyone_gives_the_same_forecast(self, percent, n):
        r = insights.question_noise(p=np.full(n, percent / 100), question=np.zeros(n, int))
        assert r.sd_pp[0] == pytest.approx(0, abs=1e-9)
        assert r.pairwise_abs_diff_pp[0] == 0
        assert np.isnan(r.decision_disagreement[0])


class TestRetestConsistency:
    def test_against_hand_values_and_scipy(self):
        first = np.array([0.2, 0.5, 0.7, 0.9])
        second = np.array([0.3, 0.5, 0.6, 0.9])
        r = insights.retest_consistency(
            first=first, second=second, first_decision=[0, 1, 1, 1], second_decision=[0, 0, 1, 1]
        )
        assert r.mean_abs_change_pp == pytest.approx(5.0)  # (10 + 0 + 10 + 0) / 4
        assert r.flip_rate == pytest.approx(0.25)
        assert r.correlation == pytest.approx(stats.pearsonr(first, second).statistic)

    def test_one_decision_list_without_the_other_is_an_error(self):
        with pytest.raises(ValueError, match="both"):
            insights.retest_consistency(first=[0.2], second=[0.3], first_decision=[1])
