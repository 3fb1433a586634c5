"""The five insight sections against independent computations.

The report is fed arrays directly (`selectors.InsightInputs`), and every figure is
recomputed here another way: scikit-learn for the CORP curve, Brier score and AUC,
plain Python loops over all pairs for the pairwise difference and disagreement,
`statistics` for means, medians and standard deviations, the noise audit's own
definition (mean over cases of the variance across workers) for system noise on a
complete table, statsmodels' `Logit` for a worker's threshold and hand-worked numbers
for updating and separated thresholds.
"""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest
import statsmodels.api as sm
from casecast.judgement import report
from casecast.judgement.selectors import (
    Decisions,
    Forecasts,
    InsightInputs,
    Retests,
    Slot,
    Updates,
)
from scipy.stats import pearsonr
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

I64 = np.int64
ARMS = {10: "Arm one", 20: "Arm two"}
COUNCILS = {7: "North", 8: "West"}


def _i(values) -> np.ndarray:
    return np.asarray(values, dtype=I64)


def _f(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def make_inputs(
    *,
    outcomes,
    forecasts=(),
    decisions=(),
    updates=(),
    retests=(),
    options=None,
    blinded=False,
) -> InsightInputs:
    """forecasts: (worker, slot, p, after, arm, council); decisions: (worker, slot, level,
    n_levels, p, arm, council); updates: (worker, slot, before, after, y, arm); retests:
    (worker, slot, first, second, first_decision, second_decision, arm)."""
    slots = tuple(
        Slot(i, "case", f"q{i}", f"Case {i}", f"Question {i}?", int(o), tuple(options or ()))
        for i, o in enumerate(outcomes)
    )
    cols = list(zip(*forecasts, strict=True)) or [()] * 6
    dcols = list(zip(*decisions, strict=True)) or [()] * 7
    ucols = list(zip(*updates, strict=True)) or [()] * 6
    rcols = list(zip(*retests, strict=True)) or [()] * 7
    return InsightInputs(
        slots=slots,
        forecasts=Forecasts(
            _i(cols[0]), _i(cols[1]), _f(cols[2]), np.asarray(cols[3], dtype=bool),
            _i(cols[4]), _i(cols[5]),
        ),
        decisions=Decisions(
            _i(dcols[0]), _i(dcols[1]), _i(dcols[1]), _i(dcols[2]), _i(dcols[3]), _f(dcols[4]),
            _i(dcols[5]), _i(dcols[6]),
        ),
        updates=Updates(_i(ucols[0]), _i(ucols[1]), _f(ucols[2]), _f(ucols[3]), _i(ucols[4]),
                        _i(ucols[5])),
        retests=Retests(_i(rcols[0]), _i(rcols[1]), _f(rcols[2]), _f(rcols[3]), _i(rcols[4]),
                        _i(rcols[5]), _i(rcols[6])),
        arms=dict(ARMS),
        councils=dict(COUNCILS),
        blinded=blinded,
    )  # fmt: skip


def random_study(seed=1, workers=60, questions=12):
    """Every worker answers every question; arm by worker parity, council by thirds."""
    rng = np.random.default_rng(seed)
    outcomes = (rng.random(questions) < 0.5).astype(int)
    rows = []
    for w in range(workers):
        lean = rng.normal(0, 0.5)
        for q in range(questions):
            x = (1.0 if outcomes[q] else -1.0) + lean + rng.normal(0, 1.0)
            p = min(max(round(1 / (1 + math.exp(-x)), 2), 0.01), 0.99)
            rows.append((w, q, p, q >= questions // 3, 10 if w % 2 else 20, 7 if w % 3 else 8))
    return outcomes, rows


# --- calibration ---------------------------------------------------------------------


class TestCalibration:
    def test_groups_match_scikit_learn(self):
        outcomes, rows = random_study()
        section = report.calibration_section(make_inputs(outcomes=outcomes, forecasts=rows))
        names = {(g["arm"], g["period"]) for g in section["groups"]}
        assert names == {
            (arm, period)
            for arm in (None, "Arm one", "Arm two")
            for period in ("before randomisation", "after randomisation")
        }
        for group in section["groups"]:
            keep = [
                r
                for r in rows
                if r[3] == (group["period"] == "after randomisation")
                and (group["arm"] is None or ARMS[r[4]] == group["arm"])
            ]
            p = np.array([r[2] for r in keep])
            y = np.array([outcomes[r[1]] for r in keep])
            assert group["n"] == len(keep)
            assert group["brier"] == pytest.approx(brier_score_loss(y, p), abs=1e-12)
            assert group["auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-12)
            curve = group["corp"]["curve"]
            values = np.array([pt["forecast"] for pt in curve])
            iso = IsotonicRegression(out_of_bounds="clip").fit(p, y).predict(values)
            np.testing.assert_allclose([pt["calibrated"] for pt in curve], iso, atol=1e-12)
            corp = group["corp"]
            assert corp["mcb"] - corp["dsc"] + corp["unc"] == pytest.approx(group["brier"])
            high = p > 0.5
            assert group["over_high"] == pytest.approx(p[high].mean() - y[high].mean())
            assert group["n_low"] == int((p < 0.5).sum())
            assert sum(row["count"] for row in group["binned"]) == len(keep)

    def test_blinded_viewers_see_pooled_groups_only(self):
        outcomes, rows = random_study()
        section = report.calibration_section(
            make_inputs(outcomes=outcomes, forecasts=rows, blinded=True)
        )
        assert section["blinded"] is True
        assert [g["arm"] for g in section["groups"]] == [None, None]

    def test_unresolved_questions_are_left_out(self):
        section = report.calibration_section(
            make_inputs(
                outcomes=[1, -1],
                forecasts=[
                    (1, 0, 0.8, True, 10, 7),
                    (2, 0, 0.3, True, 10, 7),
                    (1, 1, 0.5, True, 10, 7),
                ],
            )
        )
        assert section["n"] == 2


# --- crowd wisdom -----------------------------------------------------------------------


def _logit(p):
    return math.log(p / (1 - p))


def _expit(x):
    return 1 / (1 + math.exp(-x))


class TestCrowdWisdom:
    def test_aggregates_and_shares_by_hand(self):
        outcomes, rows = random_study(seed=4, workers=9, questions=5)
        section = report.questions_section(make_inputs(outcomes=outcomes, forecasts=rows))
        overall = section["overall"]
        beats_avg = {m: 0 for m in ("mean", "median", "geo_mean_odds", "extremized")}
        beats_med = dict(beats_avg)
        for q, row in enumerate(overall["questions"]):
            p = [r[2] for r in rows if r[1] == q]
            y = outcomes[q]
            agg = {
                "mean": statistics.fmean(p),
                "median": statistics.median(p),
                "geo_mean_odds": _expit(statistics.fmean(_logit(x) for x in p)),
                "extremized": _expit(2 * statistics.fmean(_logit(x) for x in p)),
            }
            members = [(x - y) ** 2 for x in p]
            assert row["n"] == len(p) and row["outcome"] == y
            assert row["mean_member_brier"] == pytest.approx(statistics.fmean(members))
            assert row["median_member_brier"] == pytest.approx(statistics.median(members))
            for name, value in agg.items():
                assert row[name] == pytest.approx(value, abs=1e-12)
                assert row[f"brier_{name}"] == pytest.approx((value - y) ** 2, abs=1e-12)
                beats_avg[name] += (value - y) ** 2 < statistics.fmean(members)
                beats_med[name] += (value - y) ** 2 < statistics.median(members)
        for name in beats_avg:
            assert overall["share_beats_average"][name] == pytest.approx(beats_avg[name] / 5)
            assert overall["share_beats_median_member"][name] == pytest.approx(beats_med[name] / 5)

    def test_per_council_uses_only_that_councils_forecasts(self):
        outcomes, rows = random_study(seed=5, workers=9, questions=4)
        section = report.questions_section(make_inputs(outcomes=outcomes, forecasts=rows))
        west = next(c for c in section["by_council"] if c["council"] == "West")
        for q, row in enumerate(west["questions"]):
            p = [r[2] for r in rows if r[1] == q and r[5] == 8]
            assert row["n"] == len(p)
            assert row["mean"] == pytest.approx(statistics.fmean(p))


# --- noise -------------------------------------------------------------------------------


class TestNoise:
    def test_per_question_spread_by_brute_force(self):
        outcomes, rows = random_study(seed=6, workers=8, questions=3)
        decisions = [(w, q, (w * 7 + q) % 3, 3, p, arm, c) for w, q, p, _, arm, c in rows]
        section = report.noise_section(
            make_inputs(outcomes=outcomes, forecasts=rows, decisions=decisions)
        )
        for q, row in enumerate(section["questions"]):
            p = [r[2] for r in rows if r[1] == q]
            d = [x[2] for x in decisions if x[1] == q]
            pairs = list(itertools.combinations(range(len(p)), 2))
            assert row["sd_pp"] == pytest.approx(100 * statistics.stdev(p))
            assert row["sd_log_odds"] == pytest.approx(statistics.stdev(_logit(x) for x in p))
            mean_gap = statistics.fmean(abs(p[i] - p[j]) for i, j in pairs)
            assert row["pairwise_abs_diff_pp"] == pytest.approx(100 * mean_gap)
            differ = statistics.fmean(d[i] != d[j] for i, j in pairs)
            assert row["decision_disagreement"] == pytest.approx(differ)
            assert row["n_decisions"] == len(d)

    def test_system_noise_on_a_complete_table_is_the_noise_audit_definition(self):
        outcomes, rows = random_study(seed=7, workers=30, questions=6)
        system = report.noise_section(make_inputs(outcomes=outcomes, forecasts=rows))["system"]
        x = np.zeros((30, 6))
        for w, q, p, *_ in rows:
            x[w, q] = _logit(p)
        # System noise² = mean over cases of the population variance across workers;
        # level noise² = population variance of the workers' mean deviations.
        assert system["system"] ** 2 == pytest.approx(x.var(axis=0).mean())
        deviation = x - x.mean(axis=0)
        assert system["level"] ** 2 == pytest.approx(deviation.mean(axis=1).var())
        low, high = system["system_ci"]
        assert low < system["system"] < high

    def test_groups_by_arm_period_and_council_and_the_blinded_branch(self):
        outcomes, rows = random_study(seed=8, workers=12, questions=6)
        open_section = report.noise_section(make_inputs(outcomes=outcomes, forecasts=rows))
        arms = {g["arm"] for g in open_section["by_arm_period"]}
        assert arms == {"Arm one", "Arm two"}  # pooled over both periods: `system`
        assert {c["council"] for c in open_section["by_council"]} == {"North", "West"}
        one_after = next(
            g
            for g in open_section["by_arm_period"]
            if g["arm"] == "Arm one" and g["period"] == "after randomisation"
        )
        assert one_after["n_workers"] == 6 and one_after["n_questions"] == 4
        blinded = report.noise_section(make_inputs(outcomes=outcomes, forecasts=rows, blinded=True))
        pooled = {(g["arm"], g["period"]) for g in blinded["by_arm_period"]}
        assert pooled == {(None, "before randomisation"), (None, "after randomisation")}

    def test_retest_by_hand(self):
        first, second = [0.2, 0.5, 0.7, 0.9], [0.3, 0.5, 0.6, 0.6]
        retests = [
            (w, 0, a, b, da, db, 10)
            for w, (a, b, da, db) in enumerate(
                zip(first, second, [0, 1, 1, -1], [0, 0, 1, -1], strict=True)
            )
        ]
        section = report.noise_section(make_inputs(outcomes=[1], retests=retests))
        r = section["retest"]
        assert r["n"] == 4
        assert r["mean_abs_change_pp"] == pytest.approx(100 * (0.1 + 0 + 0.1 + 0.3) / 4)
        assert r["correlation"] == pytest.approx(pearsonr(first, second)[0])
        assert r["n_decisions"] == 3 and r["flip_rate"] == pytest.approx(1 / 3)


# --- thresholds ----------------------------------------------------------------------------


class TestThresholds:
    def test_separated_and_logistic_workers(self):
        decisions = []
        # Worker 1 acts exactly from 40% up: threshold between 30% and 40%.
        for i, p in enumerate([0.1, 0.2, 0.3, 0.4, 0.6, 0.8]):
            decisions.append((1, i, int(p >= 0.4), 2, p, 10, 7))
        # Worker 2 overlaps: a finite logistic fit exists.
        acts = [0, 0, 1, 0, 1, 1, 0, 1]
        ps = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
        for i, (p, a) in enumerate(zip(ps, acts, strict=True)):
            decisions.append((2, i, a, 2, p, 20, 8))
        # Worker 3 has five decisions only.
        for i in range(5):
            decisions.append((3, i, i % 2, 2, 0.2 + 0.1 * i, 20, 8))
        section = report.thresholds_section(make_inputs(outcomes=[1] * 8, decisions=decisions))
        (step,) = section["steps"]
        assert step["methods"]["separated"] == 1
        assert step["methods"]["logistic"] == 1
        assert step["methods"]["too_few"] == 1
        separated = _expit((_logit(0.3) + _logit(0.4)) / 2)
        x = sm.add_constant(np.log(np.array(ps) / (1 - np.array(ps))))
        a, b = sm.Logit(np.array(acts), x).fit(disp=0).params
        logistic = _expit(-a / b)
        by_arm = {row["group"]: row for row in step["by_arm"]}
        assert by_arm["Arm one"]["median"] == pytest.approx(separated, abs=1e-9)
        assert by_arm["Arm two"]["median"] == pytest.approx(logistic, abs=1e-4)
        assert step["spread"]["n_workers"] == 2
        # Two thresholds t1 < t2: the pair differs at grid points in [t1, t2).
        low, high = sorted([separated, logistic])
        grid = [k / 100 for k in range(1, 100)]
        expected = statistics.fmean(low <= g < high for g in grid)
        assert step["spread"]["pair_disagreement"] == pytest.approx(expected)
        assert sum(step["histogram"]) == 2

    def test_multi_level_decisions_give_a_step_per_level_over_questions_that_have_it(self):
        decisions = [(1, i, i % 3, 3, 0.1 + 0.1 * i, 10, 7) for i in range(6)]
        decisions += [(1, 6 + i, i % 2, 2, 0.2 + 0.1 * i, 10, 7) for i in range(4)]
        section = report.thresholds_section(
            make_inputs(outcomes=[1] * 10, decisions=decisions, options=("No", "Some", "Most"))
        )
        steps = {s["step"]: s for s in section["steps"]}
        assert steps[1]["n_decisions"] == 10
        assert steps[2]["n_decisions"] == 6  # only the three-level questions have a step 2
        assert steps[1]["label"] == "Some or above"
        assert steps[2]["label"] == "Most or above"

    def test_blinded_viewers_get_no_arm_breakdown(self):
        decisions = [(1, i, int(i > 2), 2, 0.1 * (i + 1), 10, 7) for i in range(6)]
        section = report.thresholds_section(
            make_inputs(outcomes=[1] * 6, decisions=decisions, blinded=True)
        )
        assert "by_arm" not in section["steps"][0]


# --- updating -------------------------------------------------------------------------------


class TestUpdating:
    def test_hand_worked(self):
        updates = [
            (1, 0, 0.4, 0.7, 1, 10),  # toward the outcome: Brier .36 -> .09
            (2, 0, 0.6, 0.5, 1, 20),  # away: .16 -> .25
            (3, 0, 0.3, 0.3, 0, 20),  # unchanged: .09 -> .09
            (4, 0, 0.5, 0.9, -1, 20),  # no outcome yet: left out
        ]
        section = report.updating_section(make_inputs(outcomes=[1], updates=updates))
        pooled, one, two = section["groups"]
        assert pooled["arm"] is None and pooled["n"] == 3 and pooled["n_changed"] == 2
        assert pooled["mean_abs_update_pp"] == pytest.approx(100 * (0.3 + 0.1 + 0) / 3)
        assert pooled["share_toward_outcome"] == pytest.approx(1 / 2)
        assert pooled["brier_before"] == pytest.approx((0.36 + 0.16 + 0.09) / 3)
        assert pooled["brier_after"] == pytest.approx((0.09 + 0.25 + 0.09) / 3)
        assert (one["arm"], one["n"], two["arm"], two["n"]) == ("Arm one", 1, "Arm two", 2)
        blinded = report.updating_section(make_inputs(outcomes=[1], updates=updates, blinded=True))
        assert [g["arm"] for g in blinded["groups"]] == [None]


def test_the_report_has_exactly_the_five_keys_and_is_json():
    import json

    outcomes, rows = random_study(seed=9, workers=6, questions=4)
    result = report.study_insights(make_inputs(outcomes=outcomes, forecasts=rows))
    assert list(result) == ["calibration", "questions", "noise", "thresholds", "updating"]
    json.dumps(result, allow_nan=False)  # no NaN or infinity: missing values are null


def test_an_empty_study_reports_empty_sections():
    result = report.study_insights(make_inputs(outcomes=[]))
    assert result["calibration"]["groups"] == []
    assert result["questions"]["overall"]["questions"] == []
    assert result["noise"]["system"]["system"] is None
    assert result["thresholds"]["steps"] == []
    assert result["updating"]["groups"] == []
