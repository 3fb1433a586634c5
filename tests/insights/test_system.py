"""System noise = level noise + pattern noise, against the noise-audit definition and OLS."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from casecast import insights
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logit


def table(n_workers=40, n_questions=8, seed=0, level=0.5, pattern=0.7):
    rng = np.random.default_rng(seed)
    w = np.repeat(np.arange(n_workers), n_questions)
    q = np.tile(np.arange(n_questions), n_workers)
    x = (
        rng.normal(0, 1, n_questions)[q]
        + rng.normal(0, level, n_workers)[w]
        + rng.normal(0, pattern, w.shape[0])
    )
    return expit(x), w, q


class TestSystemNoise:
    def test_complete_table_matches_the_noise_audit_definition(self):
        # Kahneman et al.: system noise² is the mean over cases of the variance of the
        # judgements across judges; level noise² is the variance of the judges' means.
        p, w, q = table()
        r = insights.system_noise(p=p, worker=w, question=q, n_boot=20)
        lo = logit(p).reshape(40, 8)
        assert r.system**2 == pytest.approx(lo.var(axis=0).mean())
        assert r.level**2 == pytest.approx(lo.mean(axis=1).var())
        assert r.level**2 + r.pattern**2 == pytest.approx(r.system**2)

    def test_missing_cells_match_two_way_least_squares(self):
        p, w, q = table(seed=1)
        keep = np.random.default_rng(2).random(w.shape[0]) < 0.7
        frame = pd.DataFrame({"x": logit(p[keep]), "w": w[keep], "q": q[keep]})
        ols = smf.ols("x ~ C(w) + C(q)", data=frame).fit()
        worker_effect = np.r_[0.0, ols.params.filter(like="C(w)").to_numpy()]
        r = insights.system_noise(p=p[keep], worker=w[keep], question=q[keep], n_boot=20)
        assert r.pattern**2 == pytest.approx(np.mean(ols.resid**2), rel=1e-6)
        assert r.level**2 == pytest.approx(worker_effect.var(), rel=1e-6)
        assert r.n_cells == keep.sum()

    @settings(max_examples=30, deadline=None)
    @given(st.integers(1, 99), st.integers(2, 6), st.integers(2, 6))
    def test_no_noise_when_everyone_gives_the_same_forecast(self, percent, n_w, n_q):
        w = np.repeat(np.arange(n_w), n_q)
        q = np.tile(np.arange(n_q), n_w)
        p = np.full(w.shape[0], percent / 100)
        r = insights.system_noise(p=p, worker=w, question=q, n_boot=5)
        assert r.system == pytest.approx(0, abs=1e-9)

    @settings(max_examples=30, deadline=None)
    @given(st.lists(st.floats(-2, 2), min_size=2, max_size=6), st.integers(2, 6))
    def test_level_noise_alone_when_workers_differ_by_a_constant(self, shifts, n_q):
        n_w = len(shifts)
        w = np.repeat(np.arange(n_w), n_q)
        q = np.tile(np.arange(n_q), n_w)
        case = np.linspace(-1, 1, n_q)
        p = expit(case[q] + np.array(shifts)[w])
        r = insights.system_noise(p=p, worker=w, question=q, n_boot=5)
        assert r.pattern == pytest.approx(0, abs=1e-6)
        assert r.level**2 == pytest.approx(np.var(shifts), abs=1e-9)

    def test_interval_covers_the_estimate_and_is_seeded(self):
        p, w, q = table(n_workers=80, seed=3)
        a = insights.system_noise(p=p, worker=w, question=q, n_boot=200, seed=4)
        b = insights.system_noise(p=p, worker=w, question=q, n_boot=200, seed=4)
        assert a == b
        for value, (low, high) in [
            (a.system, a.system_ci),
            (a.level, a.level_ci),
            (a.pattern, a.pattern_ci),
        ]:
            assert low < value < high

    def test_by_group_equals_separate_calls(self):
        p, w, q = table(n_workers=60, seed=5)
        arm = w % 2
        by = insights.system_noise_by_group(p=p, worker=w, question=q, group=arm, n_boot=10)
        rows = arm == 1
        assert by[1] == insights.system_noise(
            p=p[rows], worker=w[rows], question=q[rows], n_boot=10
        )

    def test_two_forecasts_in_one_cell_is_an_error(self):
        with pytest.raises(ValueError, match="more than one forecast"):
            insights.system_noise(p=[0.2, 0.3], worker=[1, 1], question=[4, 4])
