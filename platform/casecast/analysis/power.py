"""Simulation-based power for a planned trial (``manage.py plan_trial``).

Each simulated trial draws its questions and outcomes, its councils' leans and its
participants from the skill model (``model``, the one ``simulate_study`` writes to the
database), and is analysed with the primary analysis itself: the ANCOVA on baseline
Brier with CR2 (cluster randomisation) or HC2 errors and Satterthwaite degrees of
freedom (``_robust.robust_fit``, batched over trials), Holm across the comparisons.
Power is the share of trials whose adjusted p-value is below alpha; its Monte Carlo
error is sqrt(power (1 - power) / sims). The power curve re-analyses the same simulated
forecasters at other effects (common random numbers, so the curve is smooth), and the
minimum detectable effect is where that curve crosses 80%.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import t as student_t

from . import model
from ._robust import cluster_layout, robust_fit, singleton_layout

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

_BLOCK_FORECASTS = 2_000_000  # forecasts drawn at once: bounds memory at ~100 MB
TARGET_POWER = 0.8


@dataclass(frozen=True)
class Design:
    """What a trial would be: arms (control included), sizes, questions and model."""

    arms: int = 4
    per_arm: int = 150
    councils_per_arm: int = 0  # 0: individual randomisation
    questions: int = 24  # primary questions after randomisation
    baseline_questions: int = 12
    icc: float = 0.0
    control_brier: float | None = None  # None: the model's own (about 0.22)
    sigma: float = 0.5
    alpha: float = 0.05
    adjust_for_baseline: bool = True

    def check(self) -> None:
        if self.arms < 2:
            raise ValueError("arms must be at least 2 (the control and one other)")
        if self.per_arm < 2:
            raise ValueError("per_arm must be at least 2")
        if self.councils_per_arm == 1 or self.councils_per_arm < 0:
            raise ValueError("councils_per_arm must be 0 (individual) or at least 2")
        if self.councils_per_arm > self.per_arm:
            raise ValueError("councils_per_arm cannot exceed per_arm")
        if self.questions < 1 or self.baseline_questions < 1:
            raise ValueError("questions and baseline_questions must be at least 1")
        if self.icc > 0 and self.councils_per_arm == 0:
            raise ValueError("icc needs councils: set councils_per_arm (cluster randomisation)")
        if not 0.0 < self.alpha < 1.0:
            raise ValueError("alpha must lie strictly between 0 and 1")


@dataclass(frozen=True)
class Estimates:
    """Per simulated trial (rows) and comparison (columns)."""

    difference: FloatArray
    se: FloatArray
    p: FloatArray
    p_adjusted: FloatArray
    within_variance: FloatArray  # per trial: pooled within-arm variance of the outcome
    # Per trial, the one-way ANOVA by council within arms (NaN without councils): mean
    # squares between and within councils; `pooled_icc` combines them over trials.
    between_ms: FloatArray
    within_ms: FloatArray
    n0: float  # Donner's average council size


def pooled_icc(estimates: Estimates) -> float:
    """ICC from the trials' mean squares, averaged before the ratio is taken: the mean of
    per-trial ratios is biased low with few councils."""
    msb, msw = float(np.mean(estimates.between_ms)), float(np.mean(estimates.within_ms))
    between = (msb - msw) / estimates.n0
    return between / (between + msw)


@dataclass(frozen=True)
class CurvePoint:
    effect: float  # relative reduction of the control's expected Brier
    difference: float  # the same as an absolute difference in Brier
    power: float  # mean over comparisons
    mc_error: float


@dataclass(frozen=True)
class PowerPlan:
    design: Design
    effect: float
    sims: int
    seed: int
    control_brier: float
    planted_difference: float  # -effect x control expected Brier (population)
    power: tuple[float, ...]  # per comparison (arm 1, 2, ... vs control)
    mc_error: tuple[float, ...]
    mean_se: float
    realised_icc: float | None  # mean over trials; the model sets it approximately
    design_effect: float  # 1 + (m - 1) ICC with the ICC asked for
    mde: float | None  # relative effect at 80% power; None if the curve never reaches it
    mde_difference: float | None
    curve: tuple[CurvePoint, ...]


def plan(
    *,
    design: Design,
    effect: float,
    sims: int = 1000,
    seed: int = 0,
    curve_effects: tuple[float, ...] | None = None,
    curve_sims: int = 200,
) -> PowerPlan:
    """Power of each comparison at ``effect`` (``sims`` trials) and a power curve
    (the first ``curve_sims`` of those trials re-analysed at each effect on the curve)."""
    design.check()
    if sims < 10:
        raise ValueError(f"sims must be at least 10, got {sims}")
    bias_mean = _bias_mean(design)
    population = model.reference_population(design.sigma, bias_mean)
    control = model.expected_brier(model.to_percent(population.forecast), population.risk)
    ceiling = model.max_effect(population)
    if not 0.0 <= effect < ceiling:
        raise ValueError(f"effect must be at least 0 and below {ceiling:.3f} for this model")
    grid = curve_effects if curve_effects is not None else _default_grid(effect, ceiling)
    weights = [model.mixing_weight(effect=e, population=population) for e in (effect, *grid)]
    runs = simulate(
        design=design,
        weights=weights,
        sims=sims,
        seed=seed,
        sims_per_weight=[sims] + [min(sims, curve_sims)] * len(grid),
    )
    main = runs[0]
    reject = main.p_adjusted < design.alpha
    power = reject.mean(axis=0)
    curve = tuple(
        _curve_point(e, control, run.p_adjusted < design.alpha)
        for e, run in zip(grid, runs[1:], strict=True)
    )
    mde = _crossing(curve)
    realised = pooled_icc(main) if design.councils_per_arm else None
    m = design.per_arm / design.councils_per_arm if design.councils_per_arm else 1.0
    return PowerPlan(
        design=design,
        effect=effect,
        sims=sims,
        seed=seed,
        control_brier=control,
        planted_difference=-effect * control,
        power=tuple(float(v) for v in power),
        mc_error=tuple(float(v) for v in np.sqrt(power * (1 - power) / sims)),
        mean_se=float(main.se.mean()),
        realised_icc=realised,
        design_effect=1.0 + (m - 1.0) * design.icc,
        mde=mde,
        mde_difference=None if mde is None else -mde * control,
        curve=curve,
    )


def simulate(
    *,
    design: Design,
    weights: list[float],
    sims: int,
    seed: int,
    sims_per_weight: list[int] | None = None,
) -> list[Estimates]:
    """Analyse ``sims`` simulated trials at each mixing weight (same forecasters for all;
    ``sims_per_weight`` analyses only the first so many trials at a weight)."""
    design.check()
    wanted = sims_per_weight if sims_per_weight is not None else [sims] * len(weights)
    rng = np.random.default_rng(seed)
    bias_mean = _bias_mean(design)
    lean_sd = model.council_sd(
        icc=design.icc, sigma=design.sigma, questions=design.questions, bias_mean=bias_mean
    )
    arm, council = _layout(design)
    n = arm.shape[0]
    block = max(1, _BLOCK_FORECASTS // (n * (design.questions + design.baseline_questions)))
    parts: list[list[Estimates]] = [[] for _ in weights]
    for start in range(0, sims, block):
        b = min(block, sims - start)
        trial = _draw(rng, design, arm, council, b, lean_sd, bias_mean)
        for i, w in enumerate(weights):
            if start < wanted[i]:
                parts[i].append(_analyse(design, arm, council, trial, w))
    return [_concatenate(p, limit) for p, limit in zip(parts, wanted, strict=True)]


@dataclass(frozen=True)
class _Trials:
    risk: FloatArray  # (b, 1, Q)
    outcome: FloatArray  # (b, 1, Q) 0/1
    forecast: FloatArray  # (b, n, Q) control forecasts before rounding
    baseline_brier: FloatArray  # (b, n)


def _bias_mean(design: Design) -> float:
    if design.control_brier is None:
        return model.BIAS_MEAN
    return model.bias_mean_for_brier(control_brier=design.control_brier, sigma=design.sigma)


def _layout(design: Design) -> tuple[IntArray, IntArray | None]:
    """Arm of each participant, and council (spread evenly over the arm's councils)."""
    arm = np.repeat(np.arange(design.arms), design.per_arm).astype(np.intp)
    if not design.councils_per_arm:
        return arm, None
    within = np.tile(np.arange(design.per_arm), design.arms) % design.councils_per_arm
    return arm, (arm * design.councils_per_arm + within).astype(np.intp)


def _draw(
    rng: np.random.Generator,
    design: Design,
    arm: IntArray,
    council: IntArray | None,
    b: int,
    lean_sd: float,
    bias_mean: float,
) -> _Trials:
    n = arm.shape[0]
    risk = model.risks_draw(rng, (b, 1, design.questions))
    outcome = (rng.random(risk.shape) < risk).astype(np.float64)
    base_risk = model.risks_draw(rng, (b, 1, design.baseline_questions))
    base_outcome = (rng.random(base_risk.shape) < base_risk).astype(np.float64)
    shift = None
    if council is not None and lean_sd > 0:
        shift = model.council_shift_draw(rng, (b, int(council.max()) + 1), lean_sd)[:, council]
    k, bias = model.forecasters_draw(rng, (b, n), design.sigma, shift, bias_mean)
    k3, bias3 = k[:, :, None], bias[:, :, None]
    shape_b = (b, n, design.baseline_questions)
    base = model.control_forecast(rng, np.broadcast_to(base_risk, shape_b), k3, bias3)
    baseline_brier = ((model.to_percent(base) / 100.0 - base_outcome) ** 2).mean(axis=2)
    shape = (b, n, design.questions)
    forecast = model.control_forecast(rng, np.broadcast_to(risk, shape), k3, bias3)
    return _Trials(risk, outcome, forecast, baseline_brier)


def _analyse(
    design: Design, arm: IntArray, council: IntArray | None, trial: _Trials, w: float
) -> Estimates:
    treated = (arm > 0)[None, :, None]
    percent = np.where(
        treated, model.mixed(trial.forecast, trial.risk, w), model.to_percent(trial.forecast)
    )
    y = ((percent / 100.0 - trial.outcome) ** 2).mean(axis=2)
    b, n = y.shape
    columns = [np.ones((b, n))]
    columns += [
        np.broadcast_to((arm == a).astype(np.float64), (b, n)) for a in range(1, design.arms)
    ]
    if design.adjust_for_baseline:
        columns.append(trial.baseline_brier)
    X = np.stack(columns, axis=2)
    contrasts = np.arange(1, design.arms, dtype=np.intp)
    layout = cluster_layout(council) if council is not None else singleton_layout(n)
    fit = robust_fit(X, y, layout, contrasts)
    difference = fit.coef[:, contrasts]
    p = 2.0 * student_t.sf(np.abs(difference / fit.se), fit.df)
    return Estimates(
        difference=difference,
        se=fit.se,
        p=p,
        p_adjusted=holm_rows(p),
        within_variance=_within_arm_variance(y, arm),
        **_council_anova(y, arm, council),
    )


def holm_rows(p: FloatArray) -> FloatArray:
    """Holm-adjusted p-values of each row (one trial's comparisons)."""
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ordered = np.take_along_axis(p, order, axis=1) * (m - np.arange(m))[None, :]
    stepped = np.minimum(np.maximum.accumulate(ordered, axis=1), 1.0)
    adjusted = np.empty_like(p)
    np.put_along_axis(adjusted, order, stepped, axis=1)
    return adjusted


def _within_arm_variance(y: FloatArray, arm: IntArray) -> FloatArray:
    total = np.zeros(y.shape[0])
    for a in np.unique(arm):
        inside = y[:, arm == a]
        total += ((inside - inside.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    variance: FloatArray = total / (y.shape[1] - np.unique(arm).shape[0])
    return variance


def _council_anova(y: FloatArray, arm: IntArray, council: IntArray | None) -> dict[str, Any]:
    """Mean squares of the one-way ANOVA by council within arms, per trial."""
    if council is None:
        nan = np.full(y.shape[0], np.nan)
        return {"between_ms": nan, "within_ms": nan, "n0": float("nan")}
    centred = y.copy()
    for a in np.unique(arm):
        centred[:, arm == a] -= y[:, arm == a].mean(axis=1, keepdims=True)
    g = int(council.max()) + 1
    sizes = np.bincount(council, minlength=g).astype(np.float64)
    means = np.stack([np.bincount(council, weights=row, minlength=g) for row in centred]) / sizes
    n = y.shape[1]
    return {
        "between_ms": (sizes * means**2).sum(axis=1) / (g - np.unique(arm).shape[0]),
        "within_ms": ((centred - means[:, council]) ** 2).sum(axis=1) / (n - g),
        "n0": (n - float((sizes**2).sum()) / n) / (g - 1),
    }


def _concatenate(parts: list[Estimates], limit: int) -> Estimates:
    def joined(field: str) -> FloatArray:
        return np.concatenate([getattr(p, field) for p in parts])[:limit]

    return Estimates(
        difference=joined("difference"),
        se=joined("se"),
        p=joined("p"),
        p_adjusted=joined("p_adjusted"),
        within_variance=joined("within_variance"),
        between_ms=joined("between_ms"),
        within_ms=joined("within_ms"),
        n0=parts[0].n0,
    )


def _default_grid(effect: float, ceiling: float) -> tuple[float, ...]:
    top = min(max(2.0 * effect, 0.1), 0.95 * ceiling)
    return tuple(float(v) for v in np.round(np.linspace(0.0, top, 8), 4))


def _curve_point(effect: float, control: float, reject: npt.NDArray[np.bool_]) -> CurvePoint:
    power = float(reject.mean())
    return CurvePoint(
        effect=effect,
        difference=-effect * control,
        power=power,
        mc_error=float(np.sqrt(power * (1 - power) / reject.size)),
    )


def _crossing(curve: tuple[CurvePoint, ...]) -> float | None:
    """The effect where the curve first reaches 80%, by linear interpolation."""
    for before, after in itertools.pairwise(curve):
        if before.power < TARGET_POWER <= after.power:
            share = (TARGET_POWER - before.power) / (after.power - before.power)
            return before.effect + share * (after.effect - before.effect)
    return None
