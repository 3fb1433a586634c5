"""Murphy decomposition, Stephenson within-bin terms, Ferro-Fricker corrections, skill."""

import numpy as np
import pytest
from casecast import scoring
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import brier_score_loss

# Eight forecasts, ten bins. Bins: 0.1 -> 0, 0.3 -> 2, 0.35 -> 3, 0.7 -> 6, 0.9 -> 8, 1.0 -> 9.
P_HAND = [0.1, 0.3, 0.3, 0.35, 0.7, 0.7, 0.9, 1.0]
Y_HAND = [0, 0, 1, 1, 1, 0, 1, 1]


def murphy_fields():
    return [
        "brier",
        "reliability",
        "resolution",
        "uncertainty",
        "within_bin_variance",
        "within_bin_covariance",
        "generalized_resolution",
        "reliability_ff",
        "resolution_ff",
        "uncertainty_ff",
    ]


class TestHandWorked:
    def test_standard_components(self):
        m = scoring.murphy(P_HAND, Y_HAND)
        # BS = (0.01 + 0.09 + 0.49 + 0.4225 + 0.09 + 0.49 + 0.01 + 0) / 8 = 1.6025 / 8
        assert m.brier == pytest.approx(0.2003125, abs=1e-15)
        # bins (n, f, o): (1, .1, 0) (2, .3, .5) (1, .35, 1) (2, .7, .5) (1, .9, 1) (1, 1, 1)
        # REL = (0.01 + 2 x 0.04 + 0.4225 + 2 x 0.04 + 0.01 + 0) / 8 = 0.6025 / 8
        assert m.reliability == pytest.approx(0.0753125, abs=1e-15)
        # o = 5/8: RES = (0.390625 + 2 x 0.015625 + 3 x 0.140625 + 0.03125) / 8 = 0.875 / 8
        assert m.resolution == pytest.approx(0.109375, abs=1e-15)
        # UNC = 0.625 x 0.375
        assert m.uncertainty == pytest.approx(0.234375, abs=1e-15)
        # Forecasts within each bin are identical: both extra terms vanish.
        assert m.within_bin_variance == pytest.approx(0.0, abs=1e-15)
        assert m.within_bin_covariance == pytest.approx(0.0, abs=1e-15)
        assert m.generalized_resolution == pytest.approx(0.109375, abs=1e-15)
        assert m.n == 8

    def test_ferro_fricker(self):
        m = scoring.murphy(P_HAND, Y_HAND)
        # correction = sum over bins with n >= 2 of n o (1 - o) / (n - 1), over n:
        # bins 2 and 6: 2 x 0.25 / 1 = 0.5 each -> 1.0 / 8 = 0.125
        assert m.reliability_ff == pytest.approx(0.0753125 - 0.125, abs=1e-15)
        # RES - 0.125 + UNC / (n - 1) = -7/448 + 15/448 = 1/56
        assert m.resolution_ff == pytest.approx(1 / 56, abs=1e-15)
        # UNC x 8/7 = 15/56
        assert m.uncertainty_ff == pytest.approx(15 / 56, abs=1e-15)

    def test_within_bin_terms(self):
        # 0.12, 0.18, 0.15 all fall in bin 1 (0.1, 0.2]: f = 0.15, o = 2/3.
        m = scoring.murphy([0.12, 0.18, 0.15], [0, 1, 1])
        # BS = (0.0144 + 0.6724 + 0.7225) / 3 = 1.4093 / 3
        assert m.brier == pytest.approx(1.4093 / 3, abs=1e-15)
        # REL = (0.15 - 2/3)^2; RES = 0 (one bin); UNC = 2/9
        assert m.reliability == pytest.approx((0.15 - 2 / 3) ** 2, abs=1e-15)
        assert m.resolution == pytest.approx(0.0, abs=1e-15)
        assert m.uncertainty == pytest.approx(2 / 9, abs=1e-15)
        # WBV = (0.03^2 + 0.03^2 + 0) / 3 = 0.0006
        assert m.within_bin_variance == pytest.approx(0.0006, abs=1e-15)
        # WBC = 2/3 x [(-2/3)(-0.03) + (1/3)(0.03) + (1/3)(0)] = 2/3 x 0.03 = 0.02
        assert m.within_bin_covariance == pytest.approx(0.02, abs=1e-15)
        assert m.generalized_resolution == pytest.approx(0.0194, abs=1e-15)
        # FF: correction = 3 x (2/9) / 2 / 3 = 1/9; RES_ff = -1/9 + (2/9)/2 = 0; UNC_ff = 1/3
        assert m.reliability_ff == pytest.approx((0.15 - 2 / 3) ** 2 - 1 / 9, abs=1e-15)
        assert m.resolution_ff == pytest.approx(0.0, abs=1e-15)
        assert m.uncertainty_ff == pytest.approx(1 / 3, abs=1e-15)

    def test_single_forecast_bins_get_no_correction(self):
        # Every bin holds one forecast: REL_ff = REL.
        m = scoring.murphy([0.05, 0.55, 0.95], [0, 1, 1])
        assert m.reliability_ff == pytest.approx(m.reliability, abs=1e-15)

    def test_one_forecast_has_undefined_ff_fields(self):
        m = scoring.murphy([0.4], [1])
        assert m.brier == pytest.approx(0.36)
        assert np.isnan(m.uncertainty_ff) and np.isnan(m.resolution_ff)


def test_brier_matches_sklearn():
    rng = np.random.default_rng(0)
    p = rng.random(700)
    y = (rng.random(700) < p).astype(int)
    assert scoring.murphy(p, y).brier == pytest.approx(brier_score_loss(y, p), rel=1e-14)


def test_returns_plain_numbers_without_groups():
    m = scoring.murphy(P_HAND, Y_HAND)
    assert all(type(getattr(m, f)) is float for f in murphy_fields())
    assert type(m.n) is int


def test_result_is_frozen():
    m = scoring.murphy(P_HAND, Y_HAND, groups=[0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(AttributeError):
        m.brier = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        m.brier[0] = 0.0


forecasts = st.lists(
    st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 1)), min_size=2, max_size=80
)
grid_forecasts = st.lists(
    st.tuples(st.integers(0, 100).map(lambda k: k / 100), st.integers(0, 1)),
    min_size=2,
    max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(forecasts, grid_forecasts), st.integers(1, 20))
def test_murphy_identity(rows, bins):
    p, y = np.array(rows).T
    m = scoring.murphy(p, y.astype(int), bins=bins)
    assert m.brier == pytest.approx(np.mean((p - y) ** 2), abs=1e-14)
    identity = m.reliability - m.generalized_resolution + m.uncertainty
    assert m.brier == pytest.approx(identity, abs=1e-12)
    standard = m.reliability - m.resolution + m.uncertainty
    extra = m.within_bin_variance - m.within_bin_covariance
    assert m.brier == pytest.approx(standard + extra, abs=1e-12)
    ff = m.reliability_ff - m.resolution_ff + m.uncertainty_ff
    assert ff == pytest.approx(standard, abs=1e-12)
    assert m.within_bin_variance >= 0.0


class TestBrierSkill:
    P = [0.8, 0.3, 0.6, 0.1]
    Y = [1, 0, 1, 0]

    def test_against_base_rate(self):
        # BS = (0.04 + 0.09 + 0.16 + 0.01) / 4 = 0.075; base rate 0.5 -> reference 0.25
        s = scoring.brier_skill(self.P, self.Y)
        assert s.brier == pytest.approx(0.075, abs=1e-15)
        assert s.reference_brier == pytest.approx(0.25, abs=1e-15)
        assert s.skill == pytest.approx(0.7, abs=1e-14)

    def test_against_constant_forecast(self):
        # reference 0.2: (0.64 + 0.04 + 0.64 + 0.04) / 4 = 0.34; skill = 1 - 0.075 / 0.34
        s = scoring.brier_skill(self.P, self.Y, reference=0.2)
        assert s.reference_brier == pytest.approx(0.34, abs=1e-15)
        assert s.skill == pytest.approx(1 - 0.075 / 0.34, abs=1e-14)

    def test_nan_when_base_rate_is_degenerate(self):
        assert np.isnan(scoring.brier_skill([0.2, 0.9], [1, 1]).skill)
        grouped = scoring.brier_skill([0.2, 0.9, 0.3, 0.6], [1, 1, 0, 1], groups=[0, 0, 1, 1])
        assert np.isnan(grouped.skill[0]) and np.isfinite(grouped.skill[1])

    def test_bad_reference(self):
        with pytest.raises(ValueError, match="reference"):
            scoring.brier_skill(self.P, self.Y, reference=1.5)
