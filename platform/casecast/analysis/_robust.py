"""Least squares with small-sample-correct robust standard errors, batched over datasets.

One code path serves the single trial that ``analyse`` reports and the thousand
simulated trials the power planner analyses: every array carries a leading axis B
(datasets), so the planner's trials are the "exact primary analysis", not a copy of it.

Standard errors are CR2 (Bell & McCaffrey 2002): each cluster's residuals are scaled by
(I - H_gg)^(-1/2) before the sandwich, with Satterthwaite degrees of freedom for each
contrast under a working model of independent, equal-variance errors (Pustejovsky &
Tipton 2018, section 3; Imbens & Kolesár 2016). With every participant its own cluster
CR2 *is* HC2, and the same degrees of freedom are the Bell-McCaffrey correction that
makes HC2 intervals hold at 10 participants per arm.

The degrees of freedom need the Gram matrix G_gh = q_g' q_h of the clusters'
contributions; it is never formed. With u_g = X_g' a_g and M = (X'X)^-1,
G = diag(a_g' a_g) - U' M U, so trace(G) and ||G||_F^2 reduce to k x k products:
linear in the number of participants, not quadratic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Eigenvalues of I - H_gg below this are treated as zero (a cluster that alone
# determines a coefficient); their inverse square root is taken as 0, a generalised
# inverse, as Pustejovsky & Tipton (2018) do.
_EIGEN_FLOOR = 1e-12


@dataclass(frozen=True)
class RobustFit:
    """Per dataset (rows): coefficients, and SE and df of the chosen contrasts (columns)."""

    coef: FloatArray  # (B, k)
    se: FloatArray  # (B, q)
    df: FloatArray  # (B, q)
    cov: FloatArray  # (B, q, q): CR2 covariance of the contrasts
    residual: FloatArray  # (B, n)


def cluster_layout(cluster: npt.NDArray[np.intp]) -> list[IntArray]:
    """Row indices of each cluster, grouped by cluster size into (clusters, size) arrays."""
    order = np.argsort(cluster, kind="stable")
    _, starts, sizes = np.unique(cluster[order], return_index=True, return_counts=True)
    layout = []
    for size in np.unique(sizes):
        firsts = starts[sizes == size]
        layout.append(order[firsts[:, None] + np.arange(size)[None, :]].astype(np.intp))
    return layout


def singleton_layout(n: int) -> list[IntArray]:
    """Every row its own cluster: CR2 reduces to HC2."""
    return [np.arange(n, dtype=np.intp)[:, None]]


def robust_fit(
    X: FloatArray, y: FloatArray, layout: list[IntArray], contrasts: IntArray
) -> RobustFit:
    """OLS of y on X for each dataset, with CR2 SEs and Satterthwaite df for the
    coefficients listed in ``contrasts``. X is (B, n, k), y is (B, n)."""
    M = np.asarray(np.linalg.inv(X.swapaxes(1, 2) @ X), dtype=np.float64)
    coef = (M @ (X.swapaxes(1, 2) @ y[:, :, None]))[:, :, 0]
    residual = y - (X @ coef[:, :, None])[:, :, 0]
    Z = X @ M[:, :, contrasts]  # X M c for each contrast c: (B, n, q)
    B, k, q = X.shape[0], X.shape[2], contrasts.shape[0]
    meat = np.zeros((B, k, k))
    sum_d, sum_d2, cross = np.zeros((B, q)), np.zeros((B, q)), np.zeros((B, q))
    W = np.zeros((B, q, k, k))
    root = np.asarray(np.linalg.cholesky(M)[:, None], dtype=np.float64)  # M = L L'
    for rows in layout:
        Xg = X[:, rows, :]  # (B, G, m, k)
        adjust = _adjustment(Xg, M[:, None], root)
        Ae = adjust(residual[:, rows][..., None])  # (B, G, m, 1)
        a = adjust(Z[:, rows, :])  # (B, G, m, q)
        Xg_t = Xg.swapaxes(-1, -2)
        r = (Xg_t @ Ae)[..., 0]  # (B, G, k): the cluster's adjusted score
        meat += r.swapaxes(1, 2) @ r
        d = (a**2).sum(axis=2)  # (B, G, q): diagonal of G
        u = (Xg_t @ a).swapaxes(-1, -2)  # (B, G, q, k)
        sum_d += d.sum(axis=1)
        sum_d2 += (d**2).sum(axis=1)
        cross += (d * ((u @ M[:, None]) * u).sum(axis=3)).sum(axis=1)
        by_contrast = u.transpose(0, 2, 1, 3)  # (B, q, G, k)
        W += by_contrast.swapaxes(-1, -2) @ by_contrast
    V = M @ meat @ M
    se = np.sqrt(V[:, contrasts, contrasts])
    MW = M[:, None] @ W
    trace_g = sum_d - np.trace(MW, axis1=2, axis2=3)
    frobenius_g = sum_d2 - 2.0 * cross + (MW * MW.swapaxes(-1, -2)).sum(axis=(2, 3))
    return RobustFit(
        coef=coef,
        se=se,
        df=trace_g**2 / frobenius_g,
        cov=V[:, contrasts][:, :, contrasts],
        residual=residual,
    )


def _adjustment(
    Xg: FloatArray, M: FloatArray, root: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """v -> (I - H_gg)^(-1/2) v for every cluster of one size, H_gg = X_g M X_g'.

    With R = X_g L (M = L L'), H_gg = R R' has the nonzero eigenvalues of the k x k
    matrix R'R = V diag(x) V', so (I - H_gg)^(-1/2) = I + R V diag(f(x)) V' R' with
    f(x) = ((1 - x)^(-1/2) - 1) / x: no m x m matrix is formed or decomposed.
    """
    if Xg.shape[2] == 1:  # HC2 rows: a scalar 1 / sqrt(1 - h) each
        h = ((Xg @ M) * Xg).sum(axis=3, keepdims=True)
        one_minus_h = 1.0 - h
        scale = np.where(one_minus_h > _EIGEN_FLOOR, 1.0 / np.sqrt(np.abs(one_minus_h)), 0.0)
        return lambda v: scale * v
    R = Xg @ root
    x, V = np.linalg.eigh(R.swapaxes(-1, -2) @ R)
    N = (V * _f(x)[..., None, :]) @ V.swapaxes(-1, -2)
    return lambda v: v + R @ (N @ (R.swapaxes(-1, -2) @ v))


def _f(x: FloatArray) -> FloatArray:
    """((1 - x)^(-1/2) - 1) / x, with its limit 1/2 + 3x/8 near 0, and -1/x where 1 - x
    vanishes (that direction is projected out: a generalised inverse)."""
    degenerate = 1.0 - x <= _EIGEN_FLOOR
    tiny = np.abs(x) < 1e-8
    safe = np.where(tiny | degenerate, 0.5, x)
    general = (1.0 / np.sqrt(1.0 - safe) - 1.0) / safe
    projected = -1.0 / np.where(degenerate, x, 1.0)
    out: FloatArray = np.where(degenerate, projected, np.where(tiny, 0.5 + 0.375 * x, general))
    return out
