"""The trial report's numbers from arrays: no database, no Django.

`selectors.report_inputs` gathers a `ReportInputs` from the database; `compute_report`
turns it and the analysis plan (plain values, `casecast.studies.analysis_plan`) into a
plain, JSON-ready dict. The benchmark (`bench/bench_report.py`) calls `compute_report` on
simulated inputs, so what it times is exactly what a report runs. Every analysis is
`casecast.analysis.analyse`; this module only chooses the rows and columns the plan asks
for. Arms are arm ids here: labels (and blinding) are applied when the report is shown.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm

from casecast import scoring
from casecast.analysis import analyse, holm
from casecast.analysis.mixed import mixed_model

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

REPORT_VERSION = "1"
FEW_FORECASTS = 50  # as resolution.charts: 5 calibration groups below this, else 10
SECONDARY_MIN_PER_ARM = 2


def engine_version() -> str:
    """The report code and the numerical libraries behind every number (part of the stamp)."""
    libraries = ", ".join(
        f"{name} {package_version(name)}" for name in ("numpy", "scipy", "statsmodels")
    )
    return f"casecast-report {REPORT_VERSION} ({libraries})"


@dataclass(frozen=True)
class Baseline:
    """One baseline question's answers, one per participant ("" or NaN when missing)."""

    key: str
    label: str
    kind: str  # "choice" or "number"
    levels: tuple[str, ...]  # choice: the answers offered, in order
    values: tuple[Any, ...]


@dataclass(frozen=True)
class ReportInputs:
    """One row per randomised participant whose data may be analysed (ids ascending)."""

    participant: IntArray
    arm: IntArray  # arm id
    arms: tuple[int, ...]  # arm ids, control first
    council: IntArray  # council id, -1 when none
    cluster_randomised: bool
    brier: FloatArray  # participants x primary questions (NaN: not answered)
    log: FloatArray  # the same cells' log scores
    prob: FloatArray  # the same cells' forecast probabilities
    question_outcome: FloatArray  # 0/1 per primary question
    baseline_brier: FloatArray  # NaN: no baseline forecasts scored
    factors: Mapping[str, tuple[str, ...]]  # design factor -> level per participant
    baseline: tuple[Baseline, ...]
    per_protocol: BoolArray
    waves: Mapping[str, FloatArray] = field(default_factory=dict)  # later phase -> mean Brier

    @property
    def control(self) -> int:
        return self.arms[0]

    @property
    def outcome(self) -> FloatArray:
        """Each participant's primary outcome: mean Brier over their primary questions."""
        answered = np.isfinite(self.brier)
        total = np.where(answered, self.brier, 0.0).sum(axis=1)
        count = answered.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return out


def input_hash(inputs: ReportInputs, plan: Mapping[str, Any]) -> str:
    """SHA-256 of everything a report is computed from: the arrays and the plan."""
    digest = hashlib.sha256()
    for name in ("participant", "arm", "council", "brier", "log", "prob", "question_outcome",
                 "baseline_brier", "per_protocol"):  # fmt: skip
        array = np.ascontiguousarray(getattr(inputs, name))
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    for wave, values in sorted(inputs.waves.items()):
        digest.update(f"wave:{wave}".encode())
        digest.update(np.ascontiguousarray(values).tobytes())
    rest = {
        "arms": list(inputs.arms),
        "cluster": inputs.cluster_randomised,
        "factors": {k: list(v) for k, v in sorted(inputs.factors.items())},
        "baseline": [
            [b.key, b.label, b.kind, list(b.levels), list(map(str, b.values))]
            for b in inputs.baseline
        ],
        "plan": dict(sorted(plan.items())),
        "engine": engine_version(),
    }
    digest.update(json.dumps(rest, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# --- helpers ------------------------------------------------------------------------------


def _num(x: float | None) -> float | None:
    """A JSON-safe float: None for NaN or infinity, else rounded to 12 significant digits
    (so that re-running on another machine prints the same text)."""
    if x is None:
        return None
    value = float(x)
    return float(f"{value:.12g}") if math.isfinite(value) else None


def _summary(values: FloatArray) -> dict[str, Any]:
    n = int(values.shape[0])
    return {
        "n": n,
        "mean": _num(values.mean()) if n else None,
        "sd": _num(values.std(ddof=1)) if n > 1 else None,
    }


def _dummies(levels: tuple[str, ...] | list[str], name: str) -> dict[str, FloatArray]:
    values = np.asarray(levels, dtype=object)
    present = sorted({str(v) for v in values})
    return {
        f"{name}={level}": (values == level).astype(np.float64)
        for level in present[1:]  # the first level is the reference
    }


def _gram_rank(gram: FloatArray) -> int:
    """Numerical rank of X from its Gram matrix X'X, scaled to a correlation-like matrix
    (unit diagonal) so that a column's units do not matter. Eigenvalues below 1e-10 of
    the largest count as zero: a relative singular value of 1e-5, far below anything a
    real covariate reaches and far above rounding."""
    d = np.sqrt(np.diag(gram))
    scaled = gram / np.outer(np.where(d > 0, d, 1.0), np.where(d > 0, d, 1.0))
    values = np.linalg.eigvalsh(scaled)
    return int((values > values.max() * 1e-10).sum()) if values.size else 0


def _full_rank(
    arm: IntArray, arms: tuple[int, ...], columns: dict[str, FloatArray]
) -> tuple[dict[str, FloatArray], list[str]]:
    """Drop covariate columns that add nothing (constant in the analysed rows, or collinear
    with the arms or earlier columns), keeping the rest in order; return the dropped names.
    One pass over the rows (the Gram matrix), then small k x k checks per column."""
    present = [a for a in arms if (arm == a).any()]
    base = [np.ones(arm.shape[0]), *[(arm == a).astype(np.float64) for a in present[1:]]]
    names = list(columns)
    matrix = np.column_stack([*base, *columns.values()])
    gram = matrix.T @ matrix
    keep = list(range(len(base)))
    rank = _gram_rank(gram[np.ix_(keep, keep)])
    kept: dict[str, FloatArray] = {}
    dropped: list[str] = []
    for j, name in enumerate(names, start=len(base)):
        trial = [*keep, j]
        new_rank = _gram_rank(gram[np.ix_(trial, trial)])
        if new_rank > rank:
            keep, rank = trial, new_rank
            kept[name] = columns[name]
        else:
            dropped.append(name)
    return kept, dropped


@dataclass(frozen=True)
class _Rows:
    """An analysis set: which rows, and the covariates for them by the plan."""

    index: IntArray
    covariates: dict[str, FloatArray]
    dropped: list[str]


def _covariates(
    inputs: ReportInputs, plan: Mapping[str, Any], rows: IntArray, names: list[str]
) -> tuple[dict[str, FloatArray], list[str]]:
    columns: dict[str, FloatArray] = {}
    for name in names:
        if name == "baseline_brier":
            values = inputs.baseline_brier[rows].copy()
            missing = ~np.isfinite(values)
            if missing.any():
                values[missing] = np.nanmean(values) if (~missing).any() else 0.0
                columns["baseline_brier_missing"] = missing.astype(np.float64)
            columns["baseline_brier"] = values
        elif name == "design_factors":
            for factor, levels in sorted(inputs.factors.items()):
                columns.update(_dummies([levels[i] for i in rows], factor))
        else:
            for question in inputs.baseline:
                if question.key != name:
                    continue
                if question.kind == "number":
                    raw = np.array([_as_float(question.values[i]) for i in rows], dtype=np.float64)
                    missing = ~np.isfinite(raw)
                    raw[missing] = np.nanmean(raw) if (~missing).any() else 0.0
                    columns[name] = raw
                    if missing.any():
                        columns[f"{name}_missing"] = missing.astype(np.float64)
                else:
                    columns.update(_dummies([str(question.values[i]) for i in rows], name))
    return _full_rank(inputs.arm[rows], inputs.arms, columns)


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _analysis_rows(
    inputs: ReportInputs, plan: Mapping[str, Any], *, per_protocol: bool, outcome: FloatArray
) -> _Rows:
    keep = np.isfinite(outcome)
    if per_protocol:
        keep &= inputs.per_protocol
    if plan["missing_baseline"] == "exclude" and "baseline_brier" in plan["covariates"]:
        keep &= np.isfinite(inputs.baseline_brier)
    index = np.flatnonzero(keep).astype(np.intp)
    covariates, dropped = _covariates(inputs, plan, index, list(plan["covariates"]))
    return _Rows(index=index, covariates=covariates, dropped=dropped)


def _arm_codes(inputs: ReportInputs, rows: IntArray) -> IntArray:
    """Arm ids as 0..K-1 codes in the order of `inputs.arms` (control is 0)."""
    position = {arm: i for i, arm in enumerate(inputs.arms)}
    return np.array([position[int(a)] for a in inputs.arm[rows]], dtype=np.intp)


def _effect_rows(
    inputs: ReportInputs, codes: IntArray, difference: Any, ci_low: Any, ci_high: Any, **more: Any
) -> list[dict[str, Any]]:
    """One dict per non-control arm with what each analysis shares."""
    present = [inputs.arms[c] for c in sorted(set(int(c) for c in codes)) if c != 0]
    out = []
    for j, arm in enumerate(present):
        row: dict[str, Any] = {
            "arm": arm,
            "difference": _num(difference[j]),
            "ci_low": _num(ci_low[j]),
            "ci_high": _num(ci_high[j]),
        }
        for name, values in more.items():
            row[name] = _num(values[j]) if values is not None else None
        out.append(row)
    return out


# --- the report ---------------------------------------------------------------------------


Progress = Callable[[int, str], None]


def compute_report(
    inputs: ReportInputs, plan: Mapping[str, Any], *, progress: Progress | None = None
) -> dict[str, Any]:
    """Every number of the report (minus CONSORT's enrolment counts, which are counts of
    rows, and the stamp): `table1`, `arms`, `primary`, `sensitivity`, `secondary`, `icc`,
    `calibration_by_arm`, `analysed` and `notes`. Raises ValueError if the plan's primary
    analysis cannot run (for example fewer than two analysed participants in an arm)."""
    step = progress or (lambda percent, text: None)
    outcome = inputs.outcome
    per_protocol_primary = plan["analysis_set"] == "per_protocol"
    main = _analysis_rows(inputs, plan, per_protocol=per_protocol_primary, outcome=outcome)
    _require_enough(inputs, main.index)
    step(10, "Primary analysis")
    primary, fitted = _primary(inputs, plan, main, outcome)
    step(50, "Sensitivity analyses")
    sensitivity = _sensitivity(inputs, plan, main, outcome, fitted)
    step(70, "Secondary outcomes")
    secondary = _secondary(inputs, plan, main)
    step(85, "Baseline table and calibration")
    other = _analysis_rows(inputs, plan, per_protocol=not per_protocol_primary, outcome=outcome)
    return {
        "analysed": {
            "primary_set": plan["analysis_set"],
            "itt": _ids_by_arm(inputs, other.index if per_protocol_primary else main.index),
            "per_protocol": _ids_by_arm(
                inputs, main.index if per_protocol_primary else other.index
            ),
            "no_primary_outcome": _ids_by_arm(
                inputs, np.flatnonzero(~np.isfinite(outcome)).astype(np.intp)
            ),
        },
        "arms": _arm_summaries(inputs, main.index, outcome),
        "table1": _table1(inputs, main.index),
        "primary": primary,
        "sensitivity": sensitivity,
        "secondary": secondary,
        "icc": fitted.pop("icc"),
        "calibration_by_arm": _calibration_by_arm(inputs, main.index),
        "notes": _notes(main),
    }


def _require_enough(inputs: ReportInputs, rows: IntArray) -> None:
    """A clear refusal before the engine's: every arm needs two analysed participants."""
    counts = [int((inputs.arm[rows] == arm).sum()) for arm in inputs.arms]
    if len(counts) < 2 or min(counts) < 2:
        listed = ", ".join(str(c) for c in counts)
        raise ValueError(
            "every arm needs at least two analysed participants (randomised, with a scored "
            f"primary outcome); the arms have {listed} (control first)"
        )


def _ids_by_arm(inputs: ReportInputs, rows: IntArray) -> dict[str, int]:
    counts = {str(arm): 0 for arm in inputs.arms}
    for a in inputs.arm[rows]:
        counts[str(int(a))] += 1
    return counts


def _notes(main: _Rows) -> list[str]:
    if not main.dropped:
        return []
    return [
        "Left out of the adjustment because they were constant or collinear in the analysed "
        "participants: " + ", ".join(main.dropped) + "."
    ]


def _arm_summaries(inputs: ReportInputs, rows: IntArray, outcome: FloatArray) -> list[Any]:
    out = []
    for arm in inputs.arms:
        mine = rows[inputs.arm[rows] == arm]
        councils = inputs.council[mine]
        out.append(
            {
                "arm": arm,
                "control": arm == inputs.control,
                **_summary(outcome[mine]),
                "n_councils": int(np.unique(councils[councils >= 0]).shape[0]),
            }
        )
    return out


def _primary(
    inputs: ReportInputs, plan: Mapping[str, Any], main: _Rows, outcome: FloatArray
) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = main.index
    codes = _arm_codes(inputs, rows)
    matrix = inputs.brier[rows]
    answered = np.isfinite(matrix).any(axis=0)
    cluster = inputs.council[rows] if inputs.cluster_randomised else None
    outcomes = inputs.question_outcome[answered]
    result = analyse(
        outcome[rows],
        codes,
        main.covariates,
        cluster=cluster,
        question_matrix=matrix[:, answered],
        # Brier skill needs both outcomes among the questions (else the base rate scores 0).
        question_outcome=outcomes if 0 < outcomes.sum() < outcomes.shape[0] else None,
        control=0,
        multiplicity=plan["multiplicity"],
        alpha=plan["alpha"],
        n_boot=plan["bootstrap_replicates"],
        seed=plan["seed"],
        mixed=inputs.cluster_randomised,
    )
    these = _effect_rows(
        inputs, codes,
        [e.difference for e in result.effects],
        [e.ci_low for e in result.effects],
        [e.ci_high for e in result.effects],
        se=[e.se for e in result.effects],
        df=[e.df for e in result.effects],
        p=[e.p for e in result.effects],
        p_adjusted=[e.p_adjusted for e in result.effects],
    )  # fmt: skip
    like = result.vignettes_like_these
    assert like is not None  # a question matrix was given
    z = np.array(like.difference) / np.array(like.se)
    like_p = 2.0 * norm.sf(np.abs(z))
    half = norm.ppf(1.0 - plan["alpha"] / 2.0) * np.array(like.se)
    like_rows = _effect_rows(
        inputs, codes, like.difference,
        np.array(like.difference) - half, np.array(like.difference) + half,
        se=like.se, p=like_p, p_adjusted=holm(like_p),
    )  # fmt: skip
    primary_is_these = plan["estimand"] == "these"
    chosen = these if primary_is_these else like_rows
    effects = []
    for effect, row in zip(result.effects, chosen, strict=True):
        effects.append(
            {
                **row,
                "n": effect.n,
                "mean": _num(effect.mean),
                "sd": _num(effect.sd),
                "unadjusted_difference": _num(effect.unadjusted_difference),
                "relative_change": _num(effect.relative_change),
                "hedges_g": _num(effect.hedges_g),
                "brier_skill": _num(effect.brier_skill),
            }
        )
    primary = {
        "estimand": plan["estimand"],
        "analysis_set": plan["analysis_set"],
        "method": result.method if primary_is_these else "two-way bootstrap",
        "multiplicity": plan["multiplicity"] if primary_is_these else "holm",
        "alpha": plan["alpha"],
        "covariates": list(result.covariates),
        "n_questions": int(answered.sum()),
        "control": {
            "arm": inputs.control,
            "n": result.n_control,
            "mean": _num(result.control_mean),
            "sd": _num(result.control_sd),
            "brier_skill": _num(result.control_brier_skill),
        },
        "pooled": _summary(outcome[rows]),
        "effects": effects,
    }
    fitted: dict[str, Any] = {"these": these, "like_these": like_rows, "n_boot": like.n_boot}
    fitted["mixed"], fitted["icc"] = _mixed(inputs, main, outcome, codes, result)
    return primary, fitted


def _mixed(
    inputs: ReportInputs, main: _Rows, outcome: FloatArray, codes: IntArray, result: Any
) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
    """The council random-intercept model: the engine's under cluster randomisation; under
    individual randomisation the same model fitted with councils that hold several arms."""
    model = result.mixed
    if model is None:
        rows = main.index
        council = inputs.council[rows]
        if (council < 0).any() or np.unique(council).shape[0] < 2:
            return None, None
        others = sorted(set(int(c) for c in codes) - {0})
        # The council's random intercept takes the place of council dummies (a stratum):
        # with both, the council variance is not identified.
        fixed = [v for k, v in main.covariates.items() if not k.startswith("council=")]
        X = np.column_stack(
            [np.ones(rows.shape[0]), *[(codes == c).astype(np.float64) for c in others],
             *fixed]
        )  # fmt: skip
        y = outcome[rows]
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        cluster = np.unique(council, return_inverse=True)[1].astype(np.intp)
        model = mixed_model(
            y=y, X=X, cluster=cluster, contrasts=np.arange(1, len(others) + 1, dtype=np.intp),
            residual=y - X @ beta,
        )  # fmt: skip
    effects = _effect_rows(
        inputs, codes, model.difference, model.ci_low, model.ci_high, se=model.se
    )
    icc = {
        "cluster": "council",
        "icc": _num(model.icc),
        "ci_low": _num(model.icc_low),
        "ci_high": _num(model.icc_high),
        "council_variance": _num(model.council_variance),
        "residual_variance": _num(model.residual_variance),
        "design_effect": _num(model.design_effect),
        "mean_council_size": _num(model.mean_cluster_size),
        "converged": bool(model.converged),
    }
    return effects, icc


def _plain_analysis(
    inputs: ReportInputs,
    plan: Mapping[str, Any],
    rows: IntArray,
    outcome: FloatArray,
    covariates: dict[str, FloatArray],
) -> list[dict[str, Any]] | None:
    """Adjusted differences (HC2 or CR2) for one outcome, no bootstrap, no mixed model.
    None when the rows cannot be analysed (an arm with fewer than two participants)."""
    codes = _arm_codes(inputs, rows)
    counts = np.bincount(codes, minlength=len(inputs.arms))
    if counts[0] < SECONDARY_MIN_PER_ARM or (counts[1:] < SECONDARY_MIN_PER_ARM).any():
        return None
    try:
        result = analyse(
            outcome[rows], codes, covariates or None,
            cluster=inputs.council[rows] if inputs.cluster_randomised else None,
            multiplicity=plan["multiplicity"], alpha=plan["alpha"], mixed=False,
        )  # fmt: skip
    except ValueError:
        return None
    return _effect_rows(
        inputs, codes,
        [e.difference for e in result.effects],
        [e.ci_low for e in result.effects],
        [e.ci_high for e in result.effects],
        se=[e.se for e in result.effects],
        p=[e.p for e in result.effects],
        p_adjusted=[e.p_adjusted for e in result.effects],
    )  # fmt: skip


def _sensitivity(
    inputs: ReportInputs,
    plan: Mapping[str, Any],
    main: _Rows,
    outcome: FloatArray,
    fitted: dict[str, Any],
) -> list[dict[str, Any]]:
    per_protocol_primary = plan["analysis_set"] == "per_protocol"
    other = _analysis_rows(inputs, plan, per_protocol=not per_protocol_primary, outcome=outcome)
    other_estimand = "like_these" if plan["estimand"] == "these" else "these"
    return [
        {
            "key": "unadjusted",
            "title": "Unadjusted (no covariates)",
            "n": int(main.index.shape[0]),
            "effects": _plain_analysis(inputs, plan, main.index, outcome, {}),
        },
        {
            "key": "mixed_model",
            "title": "Mixed model with a random intercept for each council",
            "n": int(main.index.shape[0]),
            "effects": fitted["mixed"],
        },
        {
            "key": "itt" if per_protocol_primary else "per_protocol",
            "title": "Intention to treat" if per_protocol_primary else "Per protocol",
            "n": int(other.index.shape[0]),
            "effects": _plain_analysis(inputs, plan, other.index, outcome, other.covariates),
        },
        {
            "key": other_estimand,
            "title": f"Vignettes like these (two-way bootstrap, {fitted['n_boot']:,} replicates)"
            if other_estimand == "like_these"
            else "These vignettes (participant-level intervals)",
            "n": int(main.index.shape[0]),
            "effects": fitted[other_estimand],
        },
    ]


def _participant_outcomes(inputs: ReportInputs, name: str) -> FloatArray:
    """A secondary outcome per participant over their primary forecasts (NaN: undefined)."""
    n = inputs.participant.shape[0]
    if name == "log_score":
        answered = np.isfinite(inputs.log)
        count = answered.sum(axis=1)
        total = np.where(answered, inputs.log, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out: FloatArray = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        return out
    row, col = np.nonzero(np.isfinite(inputs.prob))
    if row.shape[0] == 0:
        return np.full(n, np.nan)
    p = inputs.prob[row, col]
    y = inputs.question_outcome[col].astype(np.int64)
    if name == "auc":
        return np.asarray(scoring.auc(p, y, groups=row, n_groups=n).auc, dtype=np.float64)
    fit = scoring.calibration_slope(p, y, groups=row, n_groups=n)
    values = fit.slope if name == "calibration_slope" else fit.intercept
    return np.asarray(values, dtype=np.float64)


SECONDARY_TITLES = {
    "log_score": "Mean log score (lower is better)",
    "calibration_slope": "Calibration slope (1 is ideal)",
    "calibration_intercept": "Calibration intercept (0 is ideal)",
    "auc": "Discrimination, AUC (higher is better)",
}


def _secondary(inputs: ReportInputs, plan: Mapping[str, Any], main: _Rows) -> list[Any]:
    """Each secondary outcome analysed like the primary (same set and covariates, no
    bootstrap), over the participants for whom it is defined; p values are not adjusted."""
    wanted: list[tuple[str, str, FloatArray]] = []
    for name in plan["secondary_outcomes"]:
        if name == "later_waves":
            for wave, values in sorted(inputs.waves.items()):
                wanted.append((f"brier:{wave}", f"Mean Brier score in {wave}", values))
        else:
            wanted.append((name, SECONDARY_TITLES[name], _participant_outcomes(inputs, name)))
    out = []
    for key, title, values in wanted:
        keep = np.isfinite(values[main.index])
        rows = main.index[keep]
        covariates = {name: column[keep] for name, column in main.covariates.items()}
        covariates, _ = _full_rank(inputs.arm[rows], inputs.arms, covariates)
        out.append(
            {
                "key": key,
                "title": title,
                "all": _summary(values[rows]),
                "arms": [
                    {"arm": arm, **_summary(values[rows[inputs.arm[rows] == arm]])}
                    for arm in inputs.arms
                ],
                "effects": _plain_analysis(inputs, plan, rows, values, covariates),
            }
        )
    return out


def _table1(inputs: ReportInputs, rows: IntArray) -> list[dict[str, Any]]:
    """Baseline characteristics by arm (and all) of the analysed participants."""
    groups = [("all", rows)] + [(str(a), rows[inputs.arm[rows] == a]) for a in inputs.arms]
    table: list[dict[str, Any]] = []
    brier = inputs.baseline_brier
    table.append(
        {
            "key": "baseline_brier",
            "label": "Baseline Brier score, mean (SD)",
            "kind": "number",
            "cells": {
                g: {
                    **_summary(brier[idx][np.isfinite(brier[idx])]),
                    "missing": int((~np.isfinite(brier[idx])).sum()),
                }
                for g, idx in groups
            },
        }
    )
    for question in inputs.baseline:
        if question.kind == "number":
            values = np.array([_as_float(v) for v in question.values], dtype=np.float64)
            cells = {
                g: {
                    **_summary(values[idx][np.isfinite(values[idx])]),
                    "missing": int((~np.isfinite(values[idx])).sum()),
                }
                for g, idx in groups
            }
            table.append(
                {"key": question.key, "label": question.label, "kind": "number", "cells": cells}
            )
            continue
        answers = np.asarray([str(v) for v in question.values], dtype=object)
        levels = list(question.levels) + sorted(
            {str(a) for a in answers[rows]} - set(question.levels) - {""}
        )
        counts = {
            g: {
                "n": int(idx.shape[0]),
                "levels": {level: int((answers[idx] == level).sum()) for level in levels},
                "missing": int((answers[idx] == "").sum()),
            }
            for g, idx in groups
        }
        table.append(
            {
                "key": question.key,
                "label": question.label,
                "kind": "choice",
                "levels": levels,
                "cells": counts,
            }
        )
    return table


def _calibration_by_arm(inputs: ReportInputs, rows: IntArray) -> list[dict[str, Any]]:
    """Per arm (and all arms): the reliability table of the primary forecasts, and the
    logistic recalibration intercept and slope of the arm's forecasts pooled."""
    out = []
    groups = [("all", rows)] + [(str(a), rows[inputs.arm[rows] == a]) for a in inputs.arms]
    for name, idx in groups:
        sub = inputs.prob[idx]
        row, col = np.nonzero(np.isfinite(sub))
        p = sub[row, col]
        y = inputs.question_outcome[col].astype(np.int64)
        entry: dict[str, Any] = {"group": name, "n_forecasts": int(p.shape[0]), "bins": []}
        if p.shape[0]:
            bins = 5 if p.shape[0] < FEW_FORECASTS else 10
            table = scoring.calibration_table(p, y, bins=bins)
            width = 100 // bins
            entry["bins"] = [
                {
                    "low": 0 if i == 0 else i * width + 1,
                    "high": (i + 1) * width,
                    "count": int(table.count[i]),
                    "mean_forecast": _num(table.mean_forecast[i]),
                    "observed_rate": _num(table.observed_rate[i]),
                    "ci_low": _num(table.ci_low[i]),
                    "ci_high": _num(table.ci_high[i]),
                }
                for i in range(bins)
            ]
            fit = scoring.calibration_slope(p, y)
            entry["intercept"] = _num(float(np.asarray(fit.intercept)))
            entry["slope"] = _num(float(np.asarray(fit.slope)))
        out.append(entry)
    return out
