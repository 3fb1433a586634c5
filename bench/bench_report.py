"""Benchmark of the trial report's computation (`casecast.reports.compute.compute_report`).

Run from the repository root:

    .venv/bin/python bench/bench_report.py

Workload (fixed seed): 6,000 participants in 100 councils, cluster randomised to 4 arms,
24 primary questions (every participant answers each with probability 0.9), a baseline
Brier, region as the design factor, two baseline questions for Table 1, one later wave,
80% per protocol; the default analysis plan (baseline Brier and the design factors,
Holm, intention to treat, 1,000 two-way bootstrap replicates). That is the whole report:
the primary analysis with both estimands and the council mixed model, the unadjusted and
per-protocol analyses, five secondary outcomes, Table 1 and calibration by arm. Target
< 2 s. Baseline, measured in the same run: the primary analysis alone (one `analyse`
call with the bootstrap and the mixed model), so the ratio is what the rest of the report
costs on top of it. Reading the arrays from the database is not included (it is one
query per table; see docs/performance.md).

Exits 1 if the target is missed. Figures are the best of 3 runs.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
django.setup()  # the default plan is read from the studies app (no database is used)

from casecast.analysis import analyse  # noqa: E402
from casecast.reports.compute import Baseline, ReportInputs, compute_report  # noqa: E402
from casecast.studies.analysis_plan import DEFAULTS  # noqa: E402

SEED = 20241206
N_PARTICIPANTS, N_COUNCILS, N_QUESTIONS, N_ARMS = 6000, 100, 24, 4
TARGET_S = 2.0


def best_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def inputs(seed: int = SEED) -> ReportInputs:
    rng = np.random.default_rng(seed)
    council = rng.integers(0, N_COUNCILS, N_PARTICIPANTS).astype(np.intp)
    arm = (council % N_ARMS + 1).astype(np.intp)  # arm ids 1..4, arm 1 the control
    outcome = (rng.random(N_QUESTIONS) < 0.35).astype(np.float64)
    skill = rng.normal(0.0, 0.6, N_PARTICIPANTS) - 0.15 * (arm > 1)
    logit = (outcome * 2 - 1)[None, :] * 0.8 + rng.normal(0, 1.0, (N_PARTICIPANTS, N_QUESTIONS))
    logit += skill[:, None]
    prob = np.clip(np.round(100 / (1 + np.exp(-logit))) / 100, 0.01, 0.99)
    prob[rng.random(prob.shape) > 0.9] = np.nan
    brier = (prob - outcome[None, :]) ** 2
    log = -np.log(np.where(outcome[None, :] == 1, prob, 1 - prob))
    regions = np.array(["North", "South", "East", "West", "London"])[council % 5]
    roles = np.array(["Social worker", "Team manager", "Student"])[
        rng.integers(0, 3, N_PARTICIPANTS)
    ]
    return ReportInputs(
        participant=np.arange(1, N_PARTICIPANTS + 1, dtype=np.intp),
        arm=arm,
        arms=(1, 2, 3, 4),
        council=council,
        cluster_randomised=True,
        brier=brier,
        log=log,
        prob=prob,
        question_outcome=outcome,
        baseline_brier=np.nanmean(brier, axis=1) + rng.normal(0, 0.03, N_PARTICIPANTS),
        factors={"region": tuple(regions.tolist())},
        baseline=(
            Baseline(
                "role",
                "Role",
                "choice",
                ("Social worker", "Team manager", "Student"),
                tuple(roles.tolist()),
            ),
            Baseline(
                "years",
                "Years qualified",
                "number",
                (),
                tuple(rng.integers(0, 30, N_PARTICIPANTS).tolist()),
            ),
        ),
        per_protocol=rng.random(N_PARTICIPANTS) < 0.8,
        waves={"Second wave": np.nanmean(brier, axis=1) + rng.normal(0, 0.02, N_PARTICIPANTS)},
    )


def primary_only(d: ReportInputs) -> None:
    y = d.outcome
    analyse(
        y, d.arm - 1, {"baseline_brier": d.baseline_brier}, cluster=d.council,
        question_matrix=d.brier, question_outcome=d.question_outcome, n_boot=1000, seed=1,
    )  # fmt: skip


def main() -> int:
    d = inputs()
    plan = dict(DEFAULTS)
    print(f"Casecast report benchmark  (python {sys.version.split()[0]}, numpy {np.__version__})")
    compute_report(d, plan)  # warm caches and imports
    report = best_time(lambda: compute_report(d, plan))
    baseline = best_time(lambda: primary_only(d))
    verdict = "PASS" if report < TARGET_S else "FAIL"
    print(f"\n{'workload':<64} {'report s':>9} {'baseline s':>11} {'ratio':>7}  target")
    name = "report: 6,000 participants, 100 councils, 1,000 replicates"
    print(
        f"{name:<64} {report:9.2f} {baseline:11.2f} {report / baseline:6.2f}x  "
        f"< {TARGET_S:g} s {verdict}"
    )
    print("(baseline: the primary analysis alone; ratio: the whole report over it)")
    print(f"\n{'ALL TARGETS PASS' if verdict == 'PASS' else '1 TARGET FAILED'}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
