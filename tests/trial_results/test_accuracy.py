"""Interval scores, the crowd's forecast and coverage, worked by hand."""

import numpy as np
import pytest
from casecast.trial_results.accuracy import estimate_histogram, question_accuracy


def test_a_small_case_by_hand():
    # 80% ranges (alpha 0.2): IS = width + (2 / 0.2) × miss = width + 10 × miss.
    # Published 3.0.
    #   A: 2 [1, 4]  contains 3 -> 3
    #   B: 5 [4, 6]  misses by 1 -> 2 + 10 = 12
    #   C: 0 [-1, 1] misses by 2 -> 2 + 20 = 22
    result = question_accuracy([2, 5, 0], [1, 4, -1], [4, 6, 1], published=3.0, alpha=0.2)
    np.testing.assert_allclose(result.interval_scores, [3.0, 12.0, 22.0])
    assert result.mean_interval_score == pytest.approx(37 / 3)
    assert result.median_interval_score == 12.0
    # Crowd: median estimate 2, range [median of lows 1, median of highs 4] -> IS 3.
    assert (result.crowd_estimate, result.crowd_low, result.crowd_high) == (2.0, 1.0, 4.0)
    assert result.crowd_interval_score == 3.0
    assert result.crowd_abs_error == 1.0
    assert result.mean_abs_error == pytest.approx((1 + 2 + 3) / 3)
    assert result.coverage == pytest.approx(1 / 3)
    assert result.crowd_beats == pytest.approx(2 / 3)  # B and C score worse than the crowd


def test_an_estimate_outside_its_range_is_refused():
    with pytest.raises(ValueError, match="contain its estimate"):
        question_accuracy([5], [0], [4], published=1.0, alpha=0.2)


def test_the_histogram_counts_every_estimate_once():
    bars = estimate_histogram([0, 1, 1, 2, 10], bins=5)
    assert sum(bar.count for bar in bars) == 5
    assert bars[0].low == 0 and bars[-1].high == 10
    assert [bar.count for bar in bars] == [3, 1, 0, 0, 1]  # bins of width 2
    assert estimate_histogram([3, 3])[0].count == 2
    assert estimate_histogram([]) == []
