"""Decision thresholds per worker, their spread, and the random-intercept model."""

import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from casecast import insights
from scipy import sparse
from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM


def logit(p):
    return np.log(p / (1 - p))


def simulate(n_workers=300, n_cases=24, sd=0.8, slope=3.0, seed=0):
    rng = np.random.default_rng(seed)
    w = np.repeat(np.arange(n_workers), n_cases)
    p = rng.integers(1, 100, w.shape[0]) / 100
    t = rng.normal(0, sd, n_workers)
    act = rng.random(w.shape[0]) < 1 / (1 + np.exp(-slope * (logit(p) - t[w])))
    return p, act.astype(int), w


class TestWorkerThresholds:
    def test_logistic_threshold_equals_statsmodels(self):
        p, act, w = simulate(n_workers=5, n_cases=60, seed=1)
        r = insights.decision_thresholds(p=p, action=act, worker=w)
        for k in range(5):
            rows = w == k
            fit = sm.Logit(act[rows], sm.add_constant(logit(p[rows]))).fit(disp=0)
            a, b = fit.params
            assert r.method[k] == insights.LOGISTIC
            assert r.threshold[k] == pytest.approx(1 / (1 + np.exp(a / b)), rel=1e-5)

    def test_separated_worker_gets_the_interval_between_the_two_sides(self):
        # Never acts at .1 .2 .3, always at .6 .7 .8: switches somewhere in (.3, .6).
        p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8]
        r = insights.decision_thresholds(p=p, action=[0, 0, 0, 1, 1, 1], worker=[7] * 6)
        assert r.method[0] == insights.SEPARATED
        assert (r.lower[0], r.upper[0]) == (0.3, 0.6)
        midpoint = 1 / (1 + np.exp(-(logit(0.3) + logit(0.6)) / 2))
        assert r.threshold[0] == pytest.approx(midpoint)

    def test_workers_without_a_switch_too_few_cases_or_reversed_have_no_threshold(self):
        p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8] * 3 + [0.1, 0.2, 0.3, 0.6, 0.7]
        act = [1] * 6 + [1, 1, 1, 0, 0, 0] + [1, 0, 1, 0, 1, 0] + [0, 0, 0, 1, 1]
        worker = [1] * 6 + [2] * 6 + [3] * 6 + [4] * 5
        r = insights.decision_thresholds(p=p, action=act, worker=worker)
        expected = [insights.NO_SWITCH, insights.REVERSED, insights.REVERSED, insights.TOO_FEW]
        assert list(r.method) == expected
        assert np.isnan(r.threshold).all()

    def test_separation_the_wrong_way_is_reversed(self):
        # Acts at .1 .2 .3 and never at .6 .7 .8: separated, but against the probability.
        p = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8]
        r = insights.decision_thresholds(p=p, action=[1, 1, 1, 0, 0, 0], worker=[3] * 6)
        assert r.method[0] == insights.REVERSED

    def test_group_must_be_constant_within_a_worker(self):
        with pytest.raises(ValueError, match="same on every row of a worker"):
            insights.decision_thresholds(p=[0.2, 0.4], action=[0, 1], worker=[1, 1], group=[0, 1])

    def test_multi_level_decisions_use_each_step(self):
        p = np.array([0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9])
        level = np.array([0, 0, 1, 1, 1, 2, 2, 2])
        r = insights.level_thresholds(p=p, decision=level, worker=np.zeros(8, int))
        assert sorted(r) == [1, 2]
        assert (r[1].lower[0], r[1].upper[0]) == (0.2, 0.3)
        assert (r[2].lower[0], r[2].upper[0]) == (0.6, 0.7)


class TestSpread:
    def test_pair_disagreement_equals_brute_force(self):
        p, act, w = simulate(n_workers=40, seed=2)
        r = insights.decision_thresholds(p=p, action=act, worker=w, group=w % 2)
        grid = np.array([0.2, 0.5, 0.8])
        spread = insights.threshold_spread(r, at=grid)
        for k, label in enumerate(spread.group):
            t = r.threshold[(r.group == label) & np.isfinite(r.threshold)]
            differ = [
                np.mean([(x <= g) != (y <= g) for x, y in itertools.combinations(t, 2)])
                for g in grid
            ]
            assert spread.pair_disagreement[k] == pytest.approx(np.mean(differ))
            assert spread.median[k] == pytest.approx(np.median(t))
            assert spread.sd_log_odds[k] == pytest.approx(np.std(logit(t), ddof=1))

    def test_identical_workers_never_disagree(self):
        p = np.tile([0.1, 0.2, 0.3, 0.6, 0.7, 0.8], 3)
        act = np.tile([0, 0, 0, 1, 1, 1], 3)
        r = insights.decision_thresholds(p=p, action=act, worker=np.repeat([1, 2, 3], 6))
        assert insights.threshold_spread(r).pair_disagreement[0] == 0.0


class TestPopulationThresholds:
    def test_recovers_a_known_spread(self):
        p, act, w = simulate(n_workers=800, n_cases=24, sd=0.8, slope=3.0, seed=3)
        r = insights.population_thresholds(p=p, action=act, worker=w)
        assert r.converged
        assert r.threshold_sd_log_odds == pytest.approx(0.8, rel=0.15)
        assert r.median_threshold == pytest.approx(0.5, abs=0.03)

    def test_agrees_with_statsmodels_variational_bayes(self):
        p, act, w = simulate(n_workers=150, n_cases=20, sd=1.0, slope=2.0, seed=4)
        ours = insights.population_thresholds(p=p, action=act, worker=w)
        exog = np.column_stack([np.ones(p.shape[0]), logit(p)])
        vc = sparse.csr_matrix((np.ones(w.shape[0]), (np.arange(w.shape[0]), w)))
        vb = BinomialBayesMixedGLM(act, exog, vc, np.zeros(150, dtype=int)).fit_vb()
        assert ours.slope == pytest.approx(vb.fe_mean[1], rel=0.1)
        assert ours.intercept == pytest.approx(vb.fe_mean[0], abs=0.15)
        assert ours.sigma == pytest.approx(np.exp(vb.vcp_mean[0]), rel=0.15)

    def test_one_kind_of_action_is_an_error(self):
        with pytest.raises(ValueError, match="both 0 and 1"):
            insights.population_thresholds(p=[0.2, 0.4], action=[1, 1], worker=[1, 2])
