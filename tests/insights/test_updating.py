"""Belief updating between stages."""

import numpy as np
import pytest
from casecast import insights
from hypothesis import given
from hypothesis import strategies as st


class TestBeliefUpdating:
    def test_hand_worked(self):
        # y = 1: .4 → .7 moves toward (update 30 pp); .8 → .6 away (20 pp); .5 → .5 unchanged.
        r = insights.belief_updating(before=[0.4, 0.8, 0.5], after=[0.7, 0.6, 0.5], y=[1, 1, 1])
        assert r.mean_abs_update_pp[0] == pytest.approx(50 / 3)
        assert r.n_changed[0] == 2
        assert r.share_toward_outcome[0] == pytest.approx(0.5)
        assert r.brier_before[0] == pytest.approx((0.36 + 0.04 + 0.25) / 3)
        assert r.brier_after[0] == pytest.approx((0.09 + 0.16 + 0.25) / 3)

    @given(
        st.lists(
            st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 1)),
            min_size=1,
            max_size=30,
        )
    )
    def test_updates_toward_the_outcome_lower_the_brier(self, rows):
        before = np.array([r[0] for r in rows]) / 100
        y = np.array([r[2] for r in rows])
        # Move each forecast part of the way toward the outcome.
        after = before + 0.5 * (y - before)
        r = insights.belief_updating(before=before, after=after, y=y)
        assert r.brier_after[0] <= r.brier_before[0]
        if r.n_changed[0]:
            assert r.share_toward_outcome[0] == 1.0

    def test_groups_are_reported_separately(self):
        r = insights.belief_updating(before=[0.5, 0.5], after=[0.9, 0.1], y=[1, 1], group=[2, 1])
        assert list(r.group) == [1, 2]
        assert list(r.share_toward_outcome) == [0.0, 1.0]

    def test_mismatched_lengths_are_an_error(self):
        with pytest.raises(ValueError, match="after has 1 rows"):
            insights.belief_updating(before=[0.5, 0.5], after=[0.9], y=[1, 1])
