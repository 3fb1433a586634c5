"""Every scheme achieves the target allocation ratio on average."""

from __future__ import annotations

import numpy as np
import pytest

from .simulation import RATIOS, simulate


@pytest.mark.parametrize("ratio", RATIOS, ids=str)
@pytest.mark.parametrize("scheme", ["simple", "blocks", "minimisation"])
def test_average_achieved_share_is_within_one_percentage_point_of_target(scheme, ratio):
    sim = simulate(scheme, ratio)
    achieved = (sim.totals / sim.totals.sum(axis=1, keepdims=True)).mean(axis=0)

    np.testing.assert_allclose(achieved, np.array(ratio) / sum(ratio), rtol=0, atol=0.01)


def test_minimisation_keeps_a_three_to_one_ratio_on_target():
    # The usual "preferred arm with p, else another arm" rule falls short of
    # 3:1 by over two percentage points in trials like these (minimisation.py).
    sim = simulate("minimisation", (3, 1), trials=200)
    achieved = (sim.totals / sim.totals.sum(axis=1, keepdims=True)).mean(axis=0)

    np.testing.assert_allclose(achieved, [0.75, 0.25], rtol=0, atol=0.01)
