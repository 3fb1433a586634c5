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
    M = np.linalg.inv(np.einsum("bnk,bnl->bkl", X, X))
    coef = np.einsum("bkl,bl->bk", M, np.einsum("bnk,bn->bk", X, y))
    residual = y - np.einsum("bnk,bk->bn", X, coef)
    Z = np.einsum("bnk,bkq->bnq", X, M[:, :, contrasts])  # X M c for each contrast c
    B, k, q = X.shape[0], X.shape[2], contrasts.shape[0]
    meat = np.zeros((B, k, k))
    sum_d, sum_d2, cross = np.zeros((B, q)), np.zeros((B, q)), np.zeros((B, q))
    W = np.zeros((B, q, k, k))
    for rows in layout:
        Xg = X[:, rows, :]  # (B, G, m, k)
        A = _inverse_sqrt_residual_maker(Xg, M)
        r = np.einsum("bgmk,bgm->bgk", Xg, np.einsum("bgmn,bgn->bgm", A, residual[:, rows]))
        meat += np.einsum("bgk,bgl->bkl", r, r)
        a = np.einsum("bgmn,bgnq->bgmq", A, Z[:, rows, :])
        d = (a**2).sum(axis=2)  # (B, G, q): diagonal of G
        u = np.einsum("bgmk,bgmq->bgqk", Xg, a)
        sum_d += d.sum(axis=1)
        sum_d2 += (d**2).sum(axis=1)
        cross += np.einsum("bgq,bgqk,bkl,bgql->bq", d, u, M, u)
        W += np.einsum("bgqk,bgql->bqkl", u, u)
    V = M @ meat @ M
    se = np.sqrt(V[:, contrasts, contrasts])
    MW = np.einsum("bkl,bqlm->bqkm", M, W)
    trace_g = sum_d - np.einsum("bqkk->bq", MW)
    frobenius_g = sum_d2 - 2.0 * cross + np.einsum("bqkl,bqlk->bq", MW, MW)
    return RobustFit(coef=coef, se=se, df=trace_g**2 / frobenius_g, residual=residual)


def _inverse_sqrt_residual_maker(Xg: FloatArray, M: FloatArray) -> FloatArray:
    """(I - H_gg)^(-1/2) for every cluster of one size, H_gg = X_g M X_g'."""
    H = np.einsum("bgmk,bkl,bgnl->bgmn", Xg, M, Xg)
    m = Xg.shape[2]
    if m == 1:  # HC2: a scalar per row, no eigendecomposition
        one_minus_h = 1.0 - H
        return np.where(one_minus_h > _EIGEN_FLOOR, 1.0 / np.sqrt(np.abs(one_minus_h)), 0.0)
    values, vectors = np.linalg.eigh(np.eye(m) - H)
    safe = values > _EIGEN_FLOOR
    scale = np.where(safe, 1.0 / np.sqrt(np.where(safe, values, 1.0)), 0.0)
    inverse_sqrt: FloatArray = np.einsum("bgmi,bgi,bgni->bgmn", vectors, scale, vectors)
    return inverse_sqrt
