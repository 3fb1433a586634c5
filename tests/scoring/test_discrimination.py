"""ROC AUC with ties counted as one half."""

import numpy as np
import pytest
from casecast import scoring
from sklearn.metrics import roc_auc_score


def test_hand_value_with_a_tie():
    # events at 0.4 and 0.8, non-events at 0.1 and 0.4. Pairs (event, non-event):
    # 0.4 > 0.1: 1; 0.4 = 0.4: 1/2; 0.8 > 0.1: 1; 0.8 > 0.4: 1 -> 3.5 / 4 = 0.875
    a = scoring.auc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])
    assert a.auc == pytest.approx(0.875, abs=1e-15)
    assert (a.n_events, a.n_non_events) == (2, 2)


def test_all_tied_is_one_half():
    assert scoring.auc([0.3, 0.3, 0.3], [0, 1, 1]).auc == pytest.approx(0.5)


@pytest.mark.parametrize("grid", [True, False])
def test_matches_sklearn(grid):
    rng = np.random.default_rng(7)
    p = rng.integers(0, 101, 3000) / 100 if grid else rng.random(3000)
    y = (rng.random(3000) < p).astype(int)
    assert scoring.auc(p, y).auc == pytest.approx(roc_auc_score(y, p), rel=1e-14)


def test_one_class_is_nan():
    assert np.isnan(scoring.auc([0.2, 0.7], [1, 1]).auc)
