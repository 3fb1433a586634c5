"""Grouped summaries equal per-group calls and do not depend on row order."""

import dataclasses

import numpy as np
import pytest
import statsmodels.api as sm
from casecast import scoring
from hypothesis import given, settings
from hypothesis import strategies as st

SUMMARIES = {
    "murphy": lambda p, y, **kw: scoring.murphy(p, y, bins=5, **kw),
    "calibration_table": lambda p, y, **kw: scoring.calibration_table(p, y, bins=5, **kw),
    "ece": lambda p, y, **kw: scoring.ece(p, y, bins=5, **kw),
    "spiegelhalter": scoring.spiegelhalter,
    "calibration_slope": scoring.calibration_slope,
    "calibration_in_the_large": scoring.calibration_in_the_large,
    "auc": scoring.auc,
    "brier_skill": scoring.brier_skill,
    "brier_skill_constant": lambda p, y, **kw: scoring.brier_skill(p, y, reference=0.3, **kw),
}
# Iterative fits agree to their convergence tolerance; the rest to rounding.
RTOL = {"calibration_slope": 1e-7, "calibration_in_the_large": 1e-8}


def fields(result):
    return {
        f.name: np.asarray(getattr(result, f.name), dtype=float) for f in dataclasses.fields(result)
    }


def assert_same(a, b, rtol):
    for name, value in fields(a).items():
        np.testing.assert_allclose(value, fields(b)[name], rtol=rtol, atol=1e-12, err_msg=name)


def assert_empty(result, index):
    for name, value in fields(result).items():
        cell = value[index]
        if name in ("n", "n_events", "n_non_events", "count"):
            assert np.all(cell == 0), name
        else:
            assert np.isnan(cell).all(), name


@st.composite
def grouped_data(draw):
    n = draw(st.integers(1, 60))
    n_groups = draw(st.integers(1, 5))
    on_grid = draw(st.booleans())
    if on_grid:
        p = [k / 100 for k in draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))]
    else:
        p = draw(st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    g = draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n))
    return np.array(p, dtype=float), np.array(y), np.array(g), n_groups


@pytest.mark.parametrize("name", sorted(SUMMARIES))
@settings(max_examples=25, deadline=None)
@given(data=grouped_data())
def test_grouped_equals_per_group(name, data):
    p, y, g, n_groups = data
    fn = SUMMARIES[name]
    grouped = fn(p, y, groups=g, n_groups=n_groups)
    for k in range(n_groups):
        rows = g == k
        if not rows.any():
            assert_empty(grouped, k)
            continue
        single = fn(p[rows], y[rows])
        for field, value in fields(single).items():
            np.testing.assert_allclose(
                fields(grouped)[field][k],
                value,
                rtol=RTOL.get(name, 1e-10),
                atol=1e-12,
                err_msg=f"{name}.{field} group {k}",
            )


@pytest.mark.parametrize("name", sorted(SUMMARIES))
@settings(max_examples=15, deadline=None)
@given(data=grouped_data(), seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(name, data, seed):
    p, y, g, n_groups = data
    order = np.random.default_rng(seed).permutation(p.shape[0])
    fn = SUMMARIES[name]
    a = fn(p, y, groups=g, n_groups=n_groups)
    b = fn(p[order], y[order], groups=g[order], n_groups=n_groups)
    assert_same(a, b, RTOL.get(name, 1e-10))


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_study_sized_groups_match_a_loop(name):
    # Whole-percent forecasts from 40 forecasters: the grid path, checked against one call each.
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(40), 150)
    p = rng.integers(0, 101, g.size) / 100
    y = (rng.random(g.size) < p).astype(int)
    fn = SUMMARIES[name]
    grouped = fn(p, y, groups=g)
    for k in (0, 17, 39):
        single = fn(p[g == k], y[g == k])
        for field, value in fields(single).items():
            np.testing.assert_allclose(
                fields(grouped)[field][k], value, rtol=RTOL.get(name, 1e-10), err_msg=field
            )


def test_many_sparse_groups_use_the_general_path_consistently():
    # 2,000 groups for 600 rows is too many for the dense percent table.
    rng = np.random.default_rng(12)
    p = rng.integers(0, 101, 600) / 100
    y = (rng.random(600) < p).astype(int)
    g = rng.integers(0, 2000, 600)
    m = scoring.murphy(p, y, groups=g, n_groups=2000)
    k = int(g[0])
    single = scoring.murphy(p[g == k], y[g == k])
    assert m.brier[k] == pytest.approx(single.brier)
    assert np.isnan(m.brier[np.setdiff1d(np.arange(2000), g)]).all()


def test_grouped_fields_have_length_g():
    m = scoring.murphy([0.2, 0.4], [0, 1], groups=[0, 2])
    assert m.brier.shape == (3,) and np.isnan(m.brier[1])
    t = scoring.calibration_table([0.2, 0.4], [0, 1], bins=4, groups=[0, 2])
    assert t.count.shape == (3, 4)


def test_n_groups_pads_and_validates():
    a = scoring.auc([0.2, 0.4], [0, 1], groups=[0, 0], n_groups=3)
    assert a.auc.shape == (3,)
    with pytest.raises(ValueError, match="n_groups"):
        scoring.auc([0.2, 0.4], [0, 1], groups=[0, 3], n_groups=3)


@pytest.mark.parametrize("name", sorted(SUMMARIES))
def test_whole_percent_table_and_row_paths_agree(name):
    # n_groups = 2,000 for 3,000 rows is too many for the percent table, so the same
    # forecasts then go through the row-by-row path.
    rng = np.random.default_rng(3)
    g = rng.integers(0, 20, 3000)
    p = rng.integers(0, 101, 3000) / 100
    y = (rng.random(3000) < p).astype(int)
    fn = SUMMARIES[name]
    table_path = fields(fn(p, y, groups=g))
    row_path = fields(fn(p, y, groups=g, n_groups=2000))
    for field, value in table_path.items():
        np.testing.assert_allclose(
            value, row_path[field][:20], rtol=RTOL.get(name, 1e-10), atol=1e-12, err_msg=field
        )


def test_offset_fit_in_the_far_tails_converges_whatever_the_row_order():
    # Found by hypothesis: forecasts of 0 and 1 put most offsets at about -/+36, the
    # information there is tiny and the last Newton steps jitter with summation order.
    # Both orders must give the MLE, the one statsmodels' GLM finds with the same offset.
    p = np.array([0.0] * 15 + [1.0, 0.875])
    y = np.array([0] * 14 + [1, 0, 1])
    order = np.random.default_rng(0).permutation(len(p))
    a = scoring.calibration_in_the_large(p, y).intercept
    b = scoring.calibration_in_the_large(p[order], y[order]).intercept
    eps = np.finfo(float).eps  # the engine's documented clip: 0 and 1 map to about -/+36.04
    clipped = np.clip(p, eps, 1 - eps)
    offset = np.log(clipped / (1 - clipped))
    glm = sm.GLM(y, np.ones((len(p), 1)), family=sm.families.Binomial(), offset=offset)
    expected = glm.fit(tol=1e-12, maxiter=500).params[0]
    np.testing.assert_allclose([a, b], expected, rtol=1e-8)
