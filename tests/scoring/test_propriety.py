"""Each rule is proper: reporting the true probability (or quantile) optimises its expectation."""

import numpy as np
from casecast import scoring
from hypothesis import assume, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=40, deadline=None)
prob = st.floats(0.001, 0.999)


def expected_binary(rule, report, truth):
    """E over y ~ Bernoulli(truth) of rule(report, y)."""
    scores = rule([report, report], [1, 0])
    return truth * scores[0] + (1 - truth) * scores[1]


def expected_multi(rule, report, truth):
    k = len(truth)
    scores = rule(np.tile(report, (k, 1)), np.arange(k))
    return float(np.dot(truth, scores))


@st.composite
def distribution(draw, k):
    weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k)))
    return weights / weights.sum()


@SETTINGS
@given(truth=prob, report=prob)
def test_brier_and_log_are_proper(truth, report):
    for rule in (scoring.brier, scoring.log_score):
        honest = expected_binary(rule, truth, truth)
        assert honest <= expected_binary(rule, report, truth) + 1e-12


@SETTINGS
@given(truth=prob, report=prob)
def test_spherical_is_proper(truth, report):
    honest = expected_binary(scoring.spherical, truth, truth)
    assert honest >= expected_binary(scoring.spherical, report, truth) - 1e-12


@SETTINGS
@given(k=st.integers(2, 5), data=st.data())
def test_multi_category_rules_are_proper(k, data):
    truth = data.draw(distribution(k))
    report = data.draw(distribution(k))
    for rule in (scoring.brier_multi, scoring.log_score_multi, scoring.rps):
        assert expected_multi(rule, truth, truth) <= expected_multi(rule, report, truth) + 1e-12
    honest = expected_multi(scoring.spherical_multi, truth, truth)
    assert honest >= expected_multi(scoring.spherical_multi, report, truth) - 1e-12


@SETTINGS
@given(truth=prob, report=prob)
def test_strictly_proper_away_from_the_truth(truth, report):
    assume(abs(truth - report) > 0.01)
    for rule in (scoring.brier, scoring.log_score):
        assert expected_binary(rule, truth, truth) < expected_binary(rule, report, truth)


@st.composite
def discrete_outcome(draw):
    values = np.array(draw(st.lists(st.integers(-20, 20), min_size=1, max_size=8, unique=True)))
    weights = draw(distribution(values.size))
    order = np.argsort(values)
    return values[order].astype(float), weights[order]


def quantile(values, weights, tau):
    """Smallest value whose cumulative probability reaches tau."""
    return values[np.searchsorted(np.cumsum(weights), tau - 1e-12)]


@SETTINGS
@given(outcome=discrete_outcome(), tau=st.floats(0.05, 0.95), report=st.floats(-25, 25))
def test_pinball_is_minimised_by_the_true_quantile(outcome, tau, report):
    values, weights = outcome

    def expected(q):
        return float(np.dot(weights, scoring.pinball(np.full(values.size, q), values, tau)))

    assert expected(quantile(values, weights, tau)) <= expected(report) + 1e-9


@SETTINGS
@given(
    outcome=discrete_outcome(),
    alpha=st.floats(0.05, 0.5),
    lo=st.floats(-25, 25),
    width=st.floats(0, 20),
)
def test_interval_score_is_minimised_by_the_true_quantiles(outcome, alpha, lo, width):
    values, weights = outcome

    def expected(low, high):
        n = values.size
        scores = scoring.interval_score(np.full(n, low), np.full(n, high), values, alpha)
        return float(np.dot(weights, scores))

    best = expected(quantile(values, weights, alpha / 2), quantile(values, weights, 1 - alpha / 2))
    assert best <= expected(lo, lo + width) + 1e-9
