"""A participant's judgement profile: confidence tendencies and distance from colleagues."""

import numpy as np
import pandas as pd
import pytest
from casecast import insights


class TestJudgementProfile:
    def test_hand_worked(self):
        # Question 1: workers 1..4 say .8 .4 .5 .6. Worker 1's colleagues average .5,
        # so worker 1 sits 30 pp above them. Question 2: .2 .3 .3 .2 → worker 1's
        # colleagues average 0.8/3, gap .2 − .26667 = −6.667 pp.
        p = [0.8, 0.4, 0.5, 0.6, 0.2, 0.3, 0.3, 0.2]
        y = [1, 1, 1, 1, 0, 0, 0, 0]
        worker = [1, 2, 3, 4, 1, 2, 3, 4]
        question = [1, 1, 1, 1, 2, 2, 2, 2]
        r = insights.judgement_profile(p=p, y=y, worker=worker, question=question)
        assert r.peer_gap_pp[0] == pytest.approx((30 - 20 / 3) / 2)
        assert r.peer_abs_gap_pp[0] == pytest.approx((30 + 20 / 3) / 2)
        # Worker 1: above ½ only .8 with an event → −.2; below ½ only .2 without → +.2.
        assert r.over_high[0] == pytest.approx(-0.2)
        assert r.over_low[0] == pytest.approx(0.2)
        assert list(r.n_peer_questions) == [2, 2, 2, 2]

    def test_too_few_colleagues_gives_no_gap(self):
        r = insights.judgement_profile(
            p=[0.8, 0.4, 0.5], y=[1, 1, 1], worker=[1, 2, 3], question=[1, 1, 1]
        )
        assert np.isnan(r.peer_gap_pp).all()
        assert list(r.n_peer_questions) == [0, 0, 0]

    def test_colleagues_are_within_the_peer_group_and_match_pandas(self):
        rng = np.random.default_rng(0)
        workers, questions = 60, 10
        w = np.repeat(np.arange(workers), questions)
        q = np.tile(np.arange(questions), workers)
        council = w % 3
        p = rng.integers(1, 100, w.shape[0]) / 100
        y = rng.integers(0, 2, questions)[q]
        r = insights.judgement_profile(p=p, y=y, worker=w, question=q, peer_group=council)
        frame = pd.DataFrame({"w": w, "q": q, "c": council, "p": p})
        cell = frame.groupby(["c", "q"]).p
        others = (cell.transform("sum") - frame.p) / (cell.transform("count") - 1)
        expected = (100 * (frame.p - others)).groupby(frame.w).mean().to_numpy()
        np.testing.assert_allclose(r.peer_gap_pp, expected)
