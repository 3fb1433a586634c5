"""The judgement insights of one study as plain data: arrays in (`selectors.InsightInputs`),
a JSON-ready dict out, every number from the insights engine (`casecast.insights`).

No database here, so the whole computation is one function of its inputs (and can be
cached on their fingerprint). Five sections, the keys of `analyse_study --json`:
`calibration`, `questions`, `noise`, `thresholds`, `updating` (docs/insights.md).

Arms: while the viewer is blinded (`inputs.blinded`) no figure is broken down by arm;
the pooled figures (and those by period and council) are shown instead. Otherwise arms
are named by `studies.blinding.arm_labels`, never by `Arm.name`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from casecast import insights, scoring
from casecast.judgement.selectors import InsightInputs, Slot
from casecast.resolution import charts

SEED = 0  # the resampling seed: the same data give the same bands and intervals
MIN_CASES = 6  # linked decisions a worker needs for a threshold (issue 12)
NOT_RANDOMISED = "Not randomised"
PERIODS = ("before randomisation", "after randomisation")
METHOD_NAMES = {
    insights.LOGISTIC: "logistic",
    insights.SEPARATED: "separated",
    insights.NO_SWITCH: "no_switch",
    insights.REVERSED: "reversed",
    insights.NO_FIT: "no_fit",
    insights.TOO_FEW: "too_few",
}

Json = dict[str, Any]


def num(x: Any) -> float | None:
    """A float for JSON: None for NaN and infinities."""
    value = float(x)
    return value if math.isfinite(value) else None


def study_insights(inputs: InsightInputs) -> Json:
    """All five sections (exactly these keys)."""
    return {
        "calibration": calibration_section(inputs),
        "questions": questions_section(inputs),
        "noise": noise_section(inputs),
        "thresholds": thresholds_section(inputs),
        "updating": updating_section(inputs),
    }


# --- helpers ---------------------------------------------------------------------------


def _arm_label(inputs: InsightInputs, arm: int) -> str:
    return inputs.arms.get(arm, NOT_RANDOMISED) if arm >= 0 else NOT_RANDOMISED


def _arm_order(inputs: InsightInputs, arms: npt.NDArray[np.int64]) -> list[int]:
    """The arms present, in the study's order (from `arm_labels`), unrandomised last."""
    present = set(arms.tolist())
    ordered = [arm for arm in inputs.arms if arm in present]
    return ordered + ([-1] if -1 in present else [])


def _codes(values: npt.NDArray[np.int64], order: list[int]) -> npt.NDArray[np.int64]:
    """Each value's position in `order` (every value must be in it)."""
    keys = np.array(order, dtype=np.int64)
    sort = np.argsort(keys)
    out: npt.NDArray[np.int64] = sort[np.searchsorted(keys[sort], values)].astype(np.int64)
    return out


def _slot_json(slot: Slot) -> Json:
    return {
        "vignette": slot.vignette_key,
        "question": slot.key,
        "title": slot.title,
        "text": slot.text,
    }


def _outcomes(inputs: InsightInputs) -> npt.NDArray[np.int64]:
    return np.array([s.outcome for s in inputs.slots] or [-1], dtype=np.int64)


# --- 1. calibration by arm and period ------------------------------------------------------


def calibration_section(inputs: InsightInputs) -> Json:
    f = inputs.forecasts
    y = _outcomes(inputs)[f.slot] if f.slot.shape[0] else np.zeros(0, dtype=np.int64)
    known = y >= 0
    p, y, after, arm = f.p[known], y[known], f.after[known], f.arm[known]
    groups: list[Json] = []
    if p.shape[0]:
        groups += _calibration_groups(p, y, after.astype(np.int64), [(None, 0), (None, 1)])
        if not inputs.blinded:
            order = _arm_order(inputs, arm)
            code = _codes(arm, order)
            specs = [(_arm_label(inputs, a), period) for a in order for period in (0, 1)]
            groups += _calibration_groups(p, y, code * 2 + after, specs)
    return {"blinded": inputs.blinded, "n": int(p.shape[0]), "groups": groups}


def _calibration_groups(
    p: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    code: npt.NDArray[np.int64],
    specs: Sequence[tuple[str | None, int]],
) -> list[Json]:
    """One entry per group code present; `specs[code]` is its (arm label, period)."""
    cal = insights.calibration(p=p, y=y, group=code, seed=SEED)
    out = []
    for i, g in enumerate(cal.group.tolist()):
        arm, period = specs[g]
        curve = cal.curves[i]
        rows = code == g
        out.append(
            {
                "arm": arm,
                "period": PERIODS[period],
                "n": int(cal.n[i]),
                "brier": num(cal.brier[i]),
                "murphy": {
                    "reliability": num(cal.reliability_ff[i]),
                    "resolution": num(cal.resolution_ff[i]),
                    "uncertainty": num(cal.uncertainty_ff[i]),
                },
                "corp": {
                    "mcb": num(curve.mcb),
                    "dsc": num(curve.dsc),
                    "unc": num(curve.unc),
                    "curve": [
                        {
                            "forecast": num(curve.forecast[j]),
                            "count": int(curve.count[j]),
                            "calibrated": num(curve.calibrated[j]),
                            "band_low": num(curve.band_low[j]),
                            "band_high": num(curve.band_high[j]),
                        }
                        for j in range(curve.forecast.shape[0])
                    ],
                },
                "slope": num(cal.slope[i]),
                "intercept": num(cal.intercept[i]),
                "auc": num(cal.auc[i]),
                "over_high": num(cal.over_high[i]),
                "n_high": int(cal.n_high[i]),
                "over_low": num(cal.over_low[i]),
                "n_low": int(cal.n_low[i]),
                "binned": _binned(p[rows], y[rows]),
            }
        )
    return out


def _binned(p: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> list[Json]:
    """The binned reliability table of the results page, beside the CORP curve."""
    bins = charts.bins_for(p.shape[0])
    table = scoring.calibration_table(p, y, bins=bins)
    return [
        {
            "bin": "{}–{}%".format(*charts.bin_bounds(i, bins)),
            "count": int(table.count[i]),
            "mean_forecast": num(table.mean_forecast[i]),
            "observed_rate": num(table.observed_rate[i]),
            "ci_low": num(table.ci_low[i]),
            "ci_high": num(table.ci_high[i]),
        }
        for i in range(bins)
    ]


# --- 2. crowd wisdom per question --------------------------------------------------------


def questions_section(inputs: InsightInputs) -> Json:
    f = inputs.forecasts
    y = _outcomes(inputs)[f.slot] if f.slot.shape[0] else np.zeros(0, dtype=np.int64)
    known = (y >= 0) & (f.slot >= 0)
    p, y, slot, council = f.p[known], y[known], f.slot[known], f.council[known]
    section: Json = {"overall": _crowd(inputs, p, y, slot, None), "by_council": []}
    in_council = council >= 0
    if in_council.any():
        # One engine call for every council: each (council, question) is a cell.
        groups = _crowd(inputs, p[in_council], y[in_council], slot[in_council], council[in_council])
        section["by_council"] = [
            {"council": inputs.councils[pk], **groups[pk]} for pk in inputs.councils if pk in groups
        ]
    return section


_CROWD_FIELDS = (
    "mean",
    "median",
    "geo_mean_odds",
    "extremized",
    "brier_mean",
    "brier_median",
    "brier_geo_mean_odds",
    "brier_extremized",
    "mean_member_brier",
    "median_member_brier",
)


def _crowd(
    inputs: InsightInputs,
    p: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    slot: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64] | None,
) -> Any:
    """Crowd wisdom overall (`group` None: one entry) or per group (a dict by group)."""
    if not p.shape[0]:
        return {"questions": [], "share_beats_average": None, "share_beats_median_member": None}
    cw = insights.crowd_wisdom(p=p, y=y, question=slot, group=group)
    out = {}
    for j, g in enumerate(cw.groups.tolist()):
        cells = np.flatnonzero(cw.group == g)
        out[int(g)] = {
            "questions": [
                {
                    **_slot_json(inputs.slots[int(cw.question[i])]),
                    "n": int(cw.n[i]),
                    "outcome": int(cw.outcome[i]),
                    **{name: num(getattr(cw, name)[i]) for name in _CROWD_FIELDS},
                }
                for i in cells.tolist()
            ],
            "share_beats_average": {
                name: num(cw.share_beats_average[j, k])
                for k, name in enumerate(insights.AGGREGATES)
            },
            "share_beats_median_member": {
                name: num(cw.share_beats_median_member[j, k])
                for k, name in enumerate(insights.AGGREGATES)
            },
        }
    return out[0] if group is None else out


# --- 3. noise audit ------------------------------------------------------------------------


def noise_section(inputs: InsightInputs) -> Json:
    f = inputs.forecasts
    section: Json = {"blinded": inputs.blinded, "questions": _question_noise(inputs)}
    section["system"] = _system(f.p, f.participant, f.slot)
    groups = []
    if inputs.blinded:
        # Pooled over arms, by period. Unblinded viewers get arm × period instead (the
        # pooled figure over both periods is `system`): each decomposition is a bootstrap.
        for period in (0, 1):
            rows = f.after == bool(period)
            groups.append({"arm": None, "period": PERIODS[period], **_system_or_none(f, rows)})
    else:
        for arm in _arm_order(inputs, f.arm):
            for period in (0, 1):
                rows = (f.arm == arm) & (f.after == bool(period))
                entry = {"arm": _arm_label(inputs, arm), "period": PERIODS[period]}
                groups.append({**entry, **_system_or_none(f, rows)})
    section["by_arm_period"] = [g for g in groups if g["n_cells"]]
    section["by_council"] = [
        {"council": name, **_system_or_none(f, f.council == pk)}
        for pk, name in inputs.councils.items()
        if (f.council == pk).any()
    ]
    section["retest"] = _retest(inputs)
    return section


def _question_noise(inputs: InsightInputs) -> list[Json]:
    f, d = inputs.forecasts, inputs.decisions
    if not f.p.shape[0]:
        return []
    qn = insights.question_noise(p=f.p, question=f.slot)
    disagreement: dict[int, tuple[float | None, int]] = {}
    if d.level.shape[0]:
        decision_slots = np.unique(d.decision_slot)
        values = insights.decision_disagreement(d.level, groups=d.decision_slot)
        for ds, value in zip(decision_slots.tolist(), values.tolist(), strict=True):
            rows = d.decision_slot == ds
            related = int(d.slot[rows][0])
            disagreement.setdefault(related, (num(value), int(rows.sum())))
    return [
        {
            **_slot_json(inputs.slots[int(q)]),
            "n": int(qn.n[i]),
            "sd_pp": num(qn.sd_pp[i]),
            "sd_log_odds": num(qn.sd_log_odds[i]),
            "pairwise_abs_diff_pp": num(qn.pairwise_abs_diff_pp[i]),
            "decision_disagreement": disagreement.get(int(q), (None, 0))[0],
            "n_decisions": disagreement.get(int(q), (None, 0))[1],
        }
        for i, q in enumerate(qn.question.tolist())
    ]


def _system_or_none(f: Any, rows: npt.NDArray[np.bool_]) -> Json:
    return _system(f.p[rows], f.participant[rows], f.slot[rows])


def _system(
    p: npt.NDArray[np.float64], worker: npt.NDArray[np.int64], slot: npt.NDArray[np.int64]
) -> Json:
    """Level and pattern noise, or nulls when there are too few workers or questions to
    separate them (two of each at least)."""
    empty: Json = {
        "n_workers": 0,
        "n_questions": 0,
        "n_cells": int(p.shape[0]),
        "system": None,
        "level": None,
        "pattern": None,
        "system_ci": None,
        "level_ci": None,
        "pattern_ci": None,
        "level_share": None,
    }
    if not p.shape[0]:
        return empty
    if worker.min() == worker.max() or slot.min() == slot.max():  # one worker or question
        counts = {"n_workers": len(set(worker.tolist())), "n_questions": len(set(slot.tolist()))}
        return {**empty, **counts}
    s = insights.system_noise(p=p, worker=worker, question=slot, seed=SEED)
    return {
        **empty,
        "n_workers": s.n_workers,
        "n_questions": s.n_questions,
        "system": num(s.system),
        "level": num(s.level),
        "pattern": num(s.pattern),
        "system_ci": [num(v) for v in s.system_ci],
        "level_ci": [num(v) for v in s.level_ci],
        "pattern_ci": [num(v) for v in s.pattern_ci],
        "level_share": num(s.level_share),
    }


def _retest(inputs: InsightInputs) -> Json:
    r = inputs.retests
    out: Json = {
        "n": int(r.first.shape[0]),
        "mean_abs_change_pp": None,
        "correlation": None,
        "flip_rate": None,
        "n_decisions": 0,
    }
    if not r.first.shape[0]:
        return out
    both = insights.retest_consistency(first=r.first, second=r.second)
    out.update(mean_abs_change_pp=num(both.mean_abs_change_pp), correlation=num(both.correlation))
    decided = (r.first_decision >= 0) & (r.second_decision >= 0)
    if decided.any():
        flips = insights.retest_consistency(
            first=r.first[decided],
            second=r.second[decided],
            first_decision=r.first_decision[decided],
            second_decision=r.second_decision[decided],
        )
        out.update(flip_rate=num(flips.flip_rate), n_decisions=flips.n_decisions)
    return out


# --- 4. decision thresholds -------------------------------------------------------------------


def thresholds_section(inputs: InsightInputs) -> Json:
    d = inputs.decisions
    levels = int(d.n_levels.max()) if d.n_levels.shape[0] else 0
    return {
        "blinded": inputs.blinded,
        "min_cases": MIN_CASES,
        "steps": [_step(inputs, k) for k in range(1, levels)],
    }


def _step_label(inputs: InsightInputs, k: int) -> str:
    for slot in inputs.slots:
        if len(slot.options) > k:
            return f"{slot.options[k]} or above"
    return f"Level {k + 1} or above"


def _step(inputs: InsightInputs, k: int) -> Json:
    """Thresholds for "level k or above" against "below k", over the decisions that
    offer a level k."""
    d = inputs.decisions
    rows = d.n_levels > k
    p, worker = d.p[rows], d.participant[rows]
    action = (d.level[rows] >= k).astype(np.int64)
    wt = insights.decision_thresholds(p=p, action=action, worker=worker, min_cases=MIN_CASES)
    by_worker = _per_worker(worker, {"arm": d.arm[rows], "council": d.council[rows]}, wt.worker)
    step: Json = {
        "step": k,
        "label": _step_label(inputs, k),
        "n_decisions": int(p.shape[0]),
        "n_workers": int(wt.worker.shape[0]),
        "methods": {name: int((wt.method == code).sum()) for code, name in METHOD_NAMES.items()},
        "histogram": _histogram(wt.threshold),
        "spread": _spread_rows(wt, np.zeros(wt.worker.shape[0], dtype=np.int64), {0: None})[0],
    }
    if not inputs.blinded:
        order = _arm_order(inputs, by_worker["arm"])
        step["by_arm"] = _spread_rows(
            wt, by_worker["arm"], {a: _arm_label(inputs, a) for a in order}
        )
    step["by_council"] = _spread_rows(wt, by_worker["council"], dict(inputs.councils))
    step["population"] = _population(p, action, worker)
    return step


def _per_worker(
    worker: npt.NDArray[np.int64],
    values: dict[str, npt.NDArray[np.int64]],
    workers: np.ndarray,
) -> dict[str, npt.NDArray[np.int64]]:
    """Each per-row attribute (constant within a worker) in the engine's worker order."""
    first = np.searchsorted(workers, worker)
    out = {}
    for name, value in values.items():
        per = np.full(workers.shape[0], -1, dtype=np.int64)
        per[first] = value
        out[name] = per
    return out


def _spread_rows(
    wt: insights.WorkerThresholds, group: npt.NDArray[np.int64], names: dict[int, str | None]
) -> list[Json]:
    regrouped = dataclasses.replace(wt, group=group)
    spread = insights.threshold_spread(regrouped)
    found = {int(g): i for i, g in enumerate(spread.group.tolist())}
    rows = []
    for g, name in names.items():
        if g not in found:
            continue
        i = found[g]
        rows.append(
            {
                "group": name,
                "n_workers": int(spread.n_workers[i]),
                "median": num(spread.median[i]),
                "iqr": [num(spread.iqr_low[i]), num(spread.iqr_high[i])],
                "sd_log_odds": num(spread.sd_log_odds[i]),
                "pair_disagreement": num(spread.pair_disagreement[i]),
            }
        )
    return rows


def _histogram(threshold: npt.NDArray[np.float64]) -> list[int]:
    """Workers' thresholds counted in 5-point bands: 0–5%, 5–10%, …, 95–100%."""
    t = threshold[np.isfinite(threshold)]
    counts, _ = np.histogram(t, bins=20, range=(0.0, 1.0))
    return [int(c) for c in counts]


def _population(
    p: npt.NDArray[np.float64], action: npt.NDArray[np.int64], worker: npt.NDArray[np.int64]
) -> Json | None:
    """The random-intercept model, when there is something to fit: both actions taken
    and at least two workers."""
    if action.shape[0] == 0 or action.min() == action.max() or np.unique(worker).shape[0] < 2:
        return None
    fit = insights.population_thresholds(p=p, action=action, worker=worker)
    return {
        "n": fit.n,
        "n_workers": fit.n_workers,
        "intercept": num(fit.intercept),
        "slope": num(fit.slope),
        "sigma": num(fit.sigma),
        "median_threshold": num(fit.median_threshold),
        "threshold_sd_log_odds": num(fit.threshold_sd_log_odds),
        "converged": bool(fit.converged),
    }


# --- 5. belief updating -------------------------------------------------------------------


def updating_section(inputs: InsightInputs) -> Json:
    u = inputs.updates
    known = u.y >= 0
    before, after, y, arm = u.before[known], u.after[known], u.y[known], u.arm[known]
    groups: list[Json] = []
    if before.shape[0]:
        groups += _updating(before, after, y, np.zeros(before.shape[0], dtype=np.int64), [None])
        if not inputs.blinded:
            order = _arm_order(inputs, arm)
            code = _codes(arm, order)
            groups += _updating(before, after, y, code, [_arm_label(inputs, a) for a in order])
    return {"blinded": inputs.blinded, "n": int(before.shape[0]), "groups": groups}


def _updating(
    before: npt.NDArray[np.float64],
    after: npt.NDArray[np.float64],
    y: npt.NDArray[np.int64],
    code: npt.NDArray[np.int64],
    names: Iterable[str | None],
) -> list[Json]:
    up = insights.belief_updating(before=before, after=after, y=y, group=code)
    labels = list(names)
    return [
        {
            "arm": labels[int(g)],
            "n": int(up.n[i]),
            "n_changed": int(up.n_changed[i]),
            "mean_abs_update_pp": num(up.mean_abs_update_pp[i]),
            "share_toward_outcome": num(up.share_toward_outcome[i]),
            "brier_before": num(up.brier_before[i]),
            "brier_after": num(up.brier_after[i]),
        }
        for i, g in enumerate(up.group.tolist())
    ]
