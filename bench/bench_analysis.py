"""Benchmark of the analysis engine and the power planner against naive baselines.

Run from the repository root:

    .venv/bin/python bench/bench_analysis.py

Workloads (fixed seed):

* the trial analysis: 6,000 participants in 100 councils (cluster randomisation, 4 arms),
  24 primary questions, baseline Brier as covariate; ANCOVA with CR2, the two-way
  bootstrap with 1,000 replicates and the council mixed model. Target < 2 s. Baseline,
  measured in the same run: the same bootstrap written the obvious way (per replicate,
  index the drawn councils' rows and questions, refit with statsmodels OLS), timed on
  100 replicates and scaled to 1,000.
* the planner: 1,000 simulated trials (4 arms x 150, 10 councils per arm, ICC 0.05,
  24 questions) analysed with the primary analysis. Target < 10 s. Baseline: the same
  trials analysed one at a time through ``analyse`` (a Python loop), timed on 100
  trials and scaled to 1,000.

Exits 1 if a target fails. Figures are the best of 3 runs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from casecast.analysis import analyse
from casecast.analysis import model as skill_model
from casecast.analysis.power import Design, _draw, _layout, plan

SEED = 20240601
N_PARTICIPANTS, N_COUNCILS, N_QUESTIONS, N_BOOT = 6000, 100, 24, 1000
ANALYSIS_TARGET_S, PLANNER_TARGET_S = 2.0, 10.0
PLAN = Design(arms=4, per_arm=150, councils_per_arm=10, questions=24, icc=0.05)


def best_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def trial_data(seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    council = rng.integers(0, N_COUNCILS, N_PARTICIPANTS)
    arm = council % 4
    baseline = rng.normal(0.22, 0.05, N_PARTICIPANTS)
    lean = rng.normal(0.0, 0.01, N_COUNCILS)[council]
    scores = rng.normal(0.2, 0.1, (N_PARTICIPANTS, N_QUESTIONS))
    scores += (0.5 * (baseline - 0.22) + lean - 0.01 * (arm > 0))[:, None]
    return {"scores": scores, "arm": arm, "baseline": baseline, "council": council}


def engine_analysis(d: dict[str, np.ndarray]) -> None:
    analyse(
        d["scores"].mean(axis=1), d["arm"], {"baseline": d["baseline"]},
        cluster=d["council"], question_matrix=d["scores"], n_boot=N_BOOT, seed=1,
    )  # fmt: skip


def naive_bootstrap(d: dict[str, np.ndarray], n_boot: int) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    members = {a: np.unique(d["council"][d["arm"] == a]) for a in range(4)}
    for _ in range(n_boot):
        councils = np.concatenate([rng.choice(m, m.size) for m in members.values()])
        rows = np.concatenate([np.flatnonzero(d["council"] == c) for c in councils])
        questions = rng.integers(0, N_QUESTIONS, N_QUESTIONS)
        y = d["scores"][np.ix_(rows, questions)].mean(axis=1)
        arm = d["arm"][rows]
        X = np.column_stack([np.ones(rows.size), arm == 1, arm == 2, arm == 3, d["baseline"][rows]])
        sm.OLS(y, X.astype(float)).fit()


def naive_planner(n_trials: int) -> None:
    """The same simulated trials, each analysed by a call of ``analyse``."""
    rng = np.random.default_rng(1)
    arm, council = _layout(PLAN)
    lean = skill_model.council_sd(icc=PLAN.icc, sigma=PLAN.sigma, questions=PLAN.questions)
    trials = _draw(rng, PLAN, arm, council, n_trials, lean, skill_model.BIAS_MEAN)
    y = ((skill_model.to_percent(trials.forecast) / 100.0 - trials.outcome) ** 2).mean(axis=2)
    for i in range(n_trials):
        analyse(y[i], arm, {"baseline": trials.baseline_brier[i]}, cluster=council, mixed=False)


def main() -> int:
    d = trial_data()
    print(f"Casecast analysis benchmark  (python {sys.version.split()[0]}, numpy {np.__version__})")
    engine_analysis(d)  # warm caches and imports
    analysis = best_time(lambda: engine_analysis(d))
    naive = best_time(lambda: naive_bootstrap(d, 100), repeat=1) * (N_BOOT / 100)
    plan(design=PLAN, effect=0.1, sims=20, seed=0, curve_effects=())  # calibration, cached
    planner = best_time(lambda: plan(design=PLAN, effect=0.1, sims=1000, seed=1, curve_effects=()))
    with_curve = best_time(lambda: plan(design=PLAN, effect=0.1, sims=1000, seed=1), repeat=1)
    loop = best_time(lambda: naive_planner(100), repeat=1) * 10
    rows = [
        ("analysis: 6,000 participants, 100 councils, 1,000 replicates", analysis, naive,
         ANALYSIS_TARGET_S),
        ("planner: 1,000 trials (4 x 150, 40 councils)", planner, loop, PLANNER_TARGET_S),
        ("planner with its 8-point power curve (200 trials each)", with_curve, None,
         PLANNER_TARGET_S),
    ]  # fmt: skip
    failed = 0
    print(f"\n{'workload':<62} {'engine s':>9} {'baseline s':>11} {'ratio':>7}  target")
    for name, took, base, target in rows:
        ratio = f"{base / took:6.1f}x" if base else "      -"
        base_text = f"{base:11.2f}" if base else f"{'-':>11}"
        verdict = "PASS" if took < target else "FAIL"
        failed += verdict == "FAIL"
        print(f"{name:<62} {took:9.2f} {base_text} {ratio}  < {target:g} s {verdict}")
    print(f"\n{'ALL TARGETS PASS' if not failed else f'{failed} TARGET(S) FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
