"""Crowd wisdom per question, against a hand-worked case and pandas."""

import numpy as np
import pandas as pd
import pytest
from casecast import insights


class TestCrowdWisdom:
    def test_hand_worked_question(self):
        # Question 1 (happened): forecasts .2, .6, .9.
        # mean .5667 → Brier (1 − .5667)² = .18778; median .6 → .16.
        # members' Brier .64, .16, .01: mean .27, median .16.
        # Question 2 (did not): .1, .1, .4 → mean .2 → .04; members .01 .01 .16 → mean .06.
        r = insights.crowd_wisdom(
            p=[0.2, 0.6, 0.9, 0.1, 0.1, 0.4], y=[1, 1, 1, 0, 0, 0], question=[1, 1, 1, 2, 2, 2]
        )
        assert list(r.question) == [1, 2]
        assert list(r.outcome) == [1, 0]
        assert r.brier_mean[0] == pytest.approx((1 - 1.7 / 3) ** 2)
        assert r.brier_median[0] == pytest.approx(0.16)
        assert r.mean_member_brier == pytest.approx([0.27, 0.06])
        assert r.median_member_brier == pytest.approx([0.16, 0.01])
        # Mean aggregate beats the average member on both; the median member on neither
        # (.18778 > .16 and .04 > .01).
        assert r.share_beats_average[0, 0] == 1.0
        assert r.share_beats_median_member[0, 0] == 0.0
        # The median aggregate ties the median member on question 1: a tie is not a win.
        assert r.share_beats_median_member[0, 1] == 0.0

    def test_aggregates_equal_pandas_per_council_and_question(self):
        rng = np.random.default_rng(0)
        n = 3000
        q = rng.integers(0, 12, n)
        council = rng.integers(0, 4, n)
        p = rng.integers(1, 100, n) / 100
        outcome_of = rng.integers(0, 2, 12)
        r = insights.crowd_wisdom(p=p, y=outcome_of[q], question=q, group=council)
        frame = pd.DataFrame({"g": council, "q": q, "p": p, "y": outcome_of[q]})
        frame["b"] = (frame.p - frame.y) ** 2
        frame["lo"] = np.log(frame.p / (1 - frame.p))
        by = frame.groupby(["g", "q"])
        np.testing.assert_array_equal(r.group, by.size().index.get_level_values(0))
        np.testing.assert_array_equal(r.n, by.size().to_numpy())
        np.testing.assert_allclose(r.median, by.p.median().to_numpy())
        np.testing.assert_allclose(r.geo_mean_odds, 1 / (1 + np.exp(-by.lo.mean().to_numpy())))
        np.testing.assert_allclose(r.extremized, 1 / (1 + np.exp(-2 * by.lo.mean().to_numpy())))
        np.testing.assert_allclose(r.median_member_brier, by.b.median().to_numpy())
        wins = (r.brier_geo_mean_odds < r.mean_member_brier).astype(float)
        expected = pd.Series(wins).groupby(r.group).mean().to_numpy()
        np.testing.assert_allclose(r.share_beats_average[:, 2], expected)

    def test_outcome_differing_within_a_question_is_an_error(self):
        with pytest.raises(ValueError, match="same on every row of a question"):
            insights.crowd_wisdom(p=[0.2, 0.3], y=[0, 1], question=[5, 5])
