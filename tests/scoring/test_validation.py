"""Bad input raises ValueError naming the problem."""

import numpy as np
import pytest
from casecast import scoring

P = [0.2, 0.7, 0.5]
Y = [0, 1, 1]
PM = [[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]]

BINARY_RULES = [scoring.brier, scoring.log_score, scoring.spherical]
MULTI_RULES = [scoring.brier_multi, scoring.log_score_multi, scoring.spherical_multi, scoring.rps]
SUMMARIES = [
    scoring.murphy,
    scoring.calibration_table,
    scoring.ece,
    scoring.spiegelhalter,
    scoring.calibration_slope,
    scoring.calibration_in_the_large,
    scoring.auc,
    scoring.brier_skill,
]
BINARY = BINARY_RULES + SUMMARIES


@pytest.mark.parametrize("fn", BINARY)
@pytest.mark.parametrize(
    ("p", "y", "message"),
    [
        ([0.2, 1.3, 0.5], Y, "outside \\[0, 1\\]"),
        ([0.2, -0.1, 0.5], Y, "outside \\[0, 1\\]"),
        ([0.2, np.nan, 0.5], Y, "p contains NaN"),
        ([0.2, np.inf, 0.5], Y, "outside \\[0, 1\\]"),
        (P, [0, 2, 1], "only 0 and 1"),
        (P, [0, -1, 1], "only 0 and 1"),
        (P, [0.0, 0.5, 1.0], "only 0 and 1"),
        (P, [0.0, np.nan, 1.0], "y contains NaN"),
        (P, [0, 1], "lengths must match"),
        ([], [], "empty"),
        ([[0.2, 0.3]], [1], "one-dimensional"),
        (["a", "b", "c"], Y, "numeric"),
    ],
)
def test_binary_inputs(fn, p, y, message):
    with pytest.raises(ValueError, match=message):
        fn(p, y)


@pytest.mark.parametrize("fn", MULTI_RULES)
@pytest.mark.parametrize(
    ("P", "y", "message"),
    [
        ([[0.2, 0.7], [0.5, 0.5], [0.9, 0.1]], [0, 1, 1], "sum to 1"),
        ([[0.2, 0.8], [1.5, -0.5], [0.9, 0.1]], [0, 1, 1], "outside \\[0, 1\\]"),
        ([[0.2, 0.8], [np.nan, 0.5], [0.9, 0.1]], [0, 1, 1], "NaN"),
        (PM, [0, 2, 1], "categories outside 0..1"),
        (PM, [0, -1, 1], "categories outside"),
        (PM, [0, 0.5, 1], "whole-number"),
        (PM, [0, 1], "lengths must match"),
        (np.zeros((0, 3)), [], "empty"),
        ([0.2, 0.8], [1], "two-dimensional"),
        ([[1.0], [1.0]], [0, 0], "at least 2 categories"),
    ],
)
def test_multi_inputs(fn, P, y, message):
    with pytest.raises(ValueError, match=message):
        fn(P, y)


def test_row_sum_tolerance_is_1e_9():
    scoring.brier_multi([[0.5, 0.5 + 5e-10]], [0])
    with pytest.raises(ValueError, match="row 0 sums to"):
        scoring.brier_multi([[0.5, 0.5 + 5e-9]], [0])


@pytest.mark.parametrize("fn", SUMMARIES)
@pytest.mark.parametrize(
    ("groups", "n_groups", "message"),
    [
        ([0, -1, 1], None, "negative"),
        ([0, 1], None, "lengths must match"),
        ([0.0, 1.0, 1.0], None, "integer codes"),
        ([0, 1, 3], 3, "n_groups is 3"),
        ([0, 1, 1], 0, "n_groups must be at least 1"),
    ],
)
def test_group_codes(fn, groups, n_groups, message):
    with pytest.raises(ValueError, match=message):
        fn(P, Y, groups=groups, n_groups=n_groups)


def test_n_groups_without_groups():
    with pytest.raises(ValueError, match="n_groups was given without groups"):
        scoring.murphy(P, Y, n_groups=2)


@pytest.mark.parametrize("fn", [scoring.murphy, scoring.calibration_table, scoring.ece])
@pytest.mark.parametrize("bins", [0, -3, 2.5, True])
def test_bins(fn, bins):
    with pytest.raises(ValueError, match="bins"):
        fn(P, Y, bins=bins)


class TestQuantileRules:
    def test_interval(self):
        with pytest.raises(ValueError, match="upper is below lower"):
            scoring.interval_score([2.0], [1.0], [1.5], 0.1)
        with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
            scoring.interval_score([1.0], [2.0], [1.5], 1.0)
        with pytest.raises(ValueError, match="alpha must be a scalar or have one value per row"):
            scoring.interval_score([1.0, 1.0], [2.0, 2.0], [1.5, 1.5], [0.1, 0.2, 0.3])
        with pytest.raises(ValueError, match="y contains NaN"):
            scoring.interval_score([1.0], [2.0], [np.nan], 0.1)
        with pytest.raises(ValueError, match="lengths must match"):
            scoring.interval_score([1.0], [2.0, 3.0], [1.5], 0.1)

    def test_pinball(self):
        with pytest.raises(ValueError, match="tau"):
            scoring.pinball([1.0], [1.0], 0.0)
        with pytest.raises(ValueError, match="q contains infinite"):
            scoring.pinball([np.inf], [1.0], 0.5)

    def test_weighted_interval_score(self):
        with pytest.raises(ValueError, match="one level per column"):
            scoring.weighted_interval_score([[1.0, 2.0]], [1.0], [0.5])
        with pytest.raises(ValueError, match="Q must be a non-empty"):
            scoring.weighted_interval_score([1.0, 2.0], [1.0], [0.25, 0.75])
        with pytest.raises(ValueError, match="taus"):
            scoring.weighted_interval_score([[1.0, 2.0]], [1.0], [0.0, 0.75])


class TestRelative:
    def test_scores_and_questions(self):
        with pytest.raises(ValueError, match="scores contains NaN"):
            scoring.relative_brier([0.1, np.nan], [0, 0])
        with pytest.raises(ValueError, match="lengths must match"):
            scoring.standardized_brier([0.1, 0.2], [0])
        with pytest.raises(ValueError, match="empty"):
            scoring.standardized_brier([], [])
        with pytest.raises(ValueError, match="question must contain integer or string labels"):
            scoring.relative_brier([0.1, 0.2], [0.5, 1.5])

    def test_aggregate(self):
        with pytest.raises(ValueError, match="outside"):
            scoring.aggregate([0.1, 1.2], [0, 0])
        with pytest.raises(ValueError, match="negative"):
            scoring.aggregate([0.1, 0.2], [0, -1])
