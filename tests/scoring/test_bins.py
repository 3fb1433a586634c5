"""Bin membership: right-closed equal-width bins, exact at the edges, grid == general path."""

from fractions import Fraction

import numpy as np
import pytest
from casecast import scoring
from casecast.scoring import _bins, _scan
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve

PERCENTS = np.arange(101) / 100


def exact_bin(p: float, bins: int) -> int:
    """Reference membership by rational arithmetic on the decimal the float stands for."""
    value = Fraction(str(p))
    for k in range(bins):
        if value <= Fraction(k + 1, bins):
            return k
    raise AssertionError(p)


def test_edges_are_right_closed():
    # [0, 0.1] is bin 0, (0.1, 0.2] bin 1, ...: 0.3 is in bin 2 and 0.7 in bin 6.
    out = scoring.bin_index([0.0, 0.1, 0.10000001, 0.3, 0.7, 1.0], bins=10)
    np.testing.assert_array_equal(out, [0, 0, 1, 2, 6, 9])


def test_scaling_rounding_does_not_move_a_forecast_across_an_edge():
    # The double just above fl(1/3) times 3 rounds to exactly 1.0, so ceil(p * B) - 1 would
    # put it in bin 0; it is above the edge and belongs to bin 1.
    above = np.nextafter(1 / 3, 1.0)
    assert np.ceil(above * 3) - 1 == 0
    assert scoring.bin_index([above, 1 / 3], bins=3).tolist() == [1, 0]


@pytest.mark.parametrize("bins", [1, 2, 3, 4, 5, 7, 10, 20, 25, 33, 100])
def test_every_whole_percent_matches_exact_arithmetic(bins):
    expected = [exact_bin(float(p), bins) for p in PERCENTS]
    np.testing.assert_array_equal(scoring.bin_index(PERCENTS, bins), expected)
    np.testing.assert_array_equal(_bins.percent_to_bin(bins), expected)


@pytest.mark.parametrize("bins", [5, 10])
def test_agrees_with_sklearn_calibration_curve(bins):
    rng = np.random.default_rng(0)
    p = rng.integers(0, 101, 3000) / 100
    y = (rng.random(3000) < p).astype(int)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=bins)
    table = scoring.calibration_table(p, y, bins=bins)
    filled = table.count > 0
    np.testing.assert_allclose(table.observed_rate[filled], prob_true, rtol=1e-13)
    np.testing.assert_allclose(table.mean_forecast[filled], prob_pred, rtol=1e-13)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=50),
    st.integers(1, 40),
)
def test_general_path_is_exact_against_float_edges(values, bins):
    p = np.array(values)
    out = scoring.bin_index(p, bins)
    edge = np.arange(bins + 1) / bins
    # Membership: edge[k] < p <= edge[k + 1], with 0 in bin 0.
    assert ((p <= edge[out + 1]) & ((p > edge[out]) | (out == 0))).all()


def test_grid_detection():
    assert _scan.percent_table(PERCENTS, np.zeros(101, int), np.zeros(101, np.intp), 1) is not None
    off = PERCENTS.copy()
    off[37] = np.nextafter(0.37, 1.0)
    assert _scan.percent_table(off, np.zeros(101, int), np.zeros(101, np.intp), 1) is None


def test_grid_and_general_paths_give_the_same_stats():
    rng = np.random.default_rng(4)
    n, groups = 5000, 7
    p = rng.integers(0, 101, n) / 100
    y = (rng.random(n) < p).astype(np.int64)
    g = rng.integers(0, groups, n)
    table = _scan.percent_table(p, y, g, groups)
    assert table is not None
    for bins in (3, 10, 13):
        grid = _bins.stats_from_table(table, bins)
        rows = _bins._stats_from_rows(p, y, g, groups, bins, within=True)
        for field in ("count", "sum_p", "sum_y", "sq_dev", "co_dev", "brier_sum"):
            np.testing.assert_allclose(
                getattr(grid, field), getattr(rows, field), rtol=1e-12, atol=1e-12
            )


def test_off_grid_input_takes_the_general_path():
    # One off-grid value: every bin still follows the same convention.
    p = np.array([0.3, 0.7, 0.35000000000000003, 0.1])
    np.testing.assert_array_equal(scoring.bin_index(p, 10), [2, 6, 3, 0])
    table = scoring.calibration_table(p, [0, 1, 1, 0], bins=10)
    np.testing.assert_array_equal(table.count, [1, 0, 1, 1, 0, 0, 1, 0, 0, 0])
