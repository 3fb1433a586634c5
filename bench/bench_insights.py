"""Benchmark of the insights engine: every statistic for 6,000 participants × 24 questions.

Run from the repository root:

    .venv/bin/python bench/bench_insights.py

Workload (fixed seed): 6,000 workers in 2 arms and 30 councils each forecast 24 yes/no
questions (144,000 final forecasts on the whole-percent grid), 8 before and 16 after
randomisation, each with a linked three-level decision; 48,000 staged updates and
12,000 test–retest pairs. "All insights" is calibration by arm × phase (200 resamples
each), crowd wisdom per question and per council, per-question noise, system noise
overall, by arm × phase and by council (200 bootstrap replicates each), decision
thresholds for both decision steps with their spread and the random-intercept model,
belief updating by arm, test–retest and every participant's judgement profile.

Target: all insights in under 2 s (best of 3). The same run times a baseline — the
scoring engine's per-participant Murphy decomposition and calibration slope on the same
forecasts — and reports the ratio, so the figure can be compared across machines.
Exits 1 if the target is missed.
"""

from __future__ import annotations

import os
import platform as host
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The engine's matrices are small (thousands × 24); on a shared machine BLAS threads
# spin against each other and cost more than they save. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from scipy.special import expit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))

from casecast import insights, scoring

SEED = 20261206
N_WORKERS = 6000
N_QUESTIONS = 24
N_BEFORE = 8
N_COUNCILS = 30
TARGET_SECONDS = 2.0


@dataclass(frozen=True)
class Workload:
    p: np.ndarray
    y: np.ndarray
    worker: np.ndarray
    question: np.ndarray
    arm_phase: np.ndarray
    arm: np.ndarray
    council: np.ndarray
    decision: np.ndarray
    before: np.ndarray
    after: np.ndarray
    update_y: np.ndarray
    update_arm: np.ndarray
    first: np.ndarray
    second: np.ndarray


def make_workload(seed: int = SEED) -> Workload:
    rng = np.random.default_rng(seed)
    w = np.repeat(np.arange(N_WORKERS), N_QUESTIONS)
    q = np.tile(np.arange(N_QUESTIONS), N_WORKERS)
    council = rng.integers(0, N_COUNCILS, N_WORKERS)
    arm = council % 2
    case = rng.normal(0, 1.2, N_QUESTIONS)
    x = case[q] + rng.normal(0, 0.5, N_WORKERS)[w] + rng.normal(0, 0.7, w.shape[0])
    p = np.clip(np.round(expit(x), 2), 0.01, 0.99)
    y = (rng.random(N_QUESTIONS) < expit(case)).astype(np.int64)[q]
    threshold = rng.normal(0, 0.8, N_WORKERS)[w]
    lo = np.log(p / (1 - p))
    decision = (rng.random(w.shape[0]) < expit(3 * (lo - threshold))).astype(np.int64)
    decision += (rng.random(w.shape[0]) < expit(3 * (lo - threshold - 1.5))) & (decision == 1)
    staged = q % 3 == 0
    before = p[staged]
    after = np.clip(np.round(before + 0.3 * (y[staged] - before), 2), 0, 1)
    retest = q < 2
    second = np.clip(np.round(p[retest] + rng.normal(0, 0.08, retest.sum()), 2), 0, 1)
    return Workload(
        p=p,
        y=y,
        worker=w,
        question=q,
        arm_phase=arm[w] * 2 + (q >= N_BEFORE),
        arm=arm[w],
        council=council[w],
        decision=decision,
        before=before,
        after=after,
        update_y=y[staged],
        update_arm=arm[w][staged],
        first=p[retest],
        second=second,
    )


def all_insights(d: Workload) -> dict[str, Any]:
    noise_args = {"p": d.p, "worker": d.worker, "question": d.question}
    return {
        "calibration": insights.calibration(p=d.p, y=d.y, group=d.arm_phase),
        "questions": insights.crowd_wisdom(p=d.p, y=d.y, question=d.question),
        "questions_by_council": insights.crowd_wisdom(
            p=d.p, y=d.y, question=d.question, group=d.council
        ),
        "question_noise": insights.question_noise(p=d.p, question=d.question, decision=d.decision),
        "system_noise": insights.system_noise(**noise_args),
        "system_noise_by_arm_phase": insights.system_noise_by_group(
            **noise_args, group=d.arm_phase
        ),
        "system_noise_by_council": insights.system_noise_by_group(**noise_args, group=d.council),
        "thresholds": {
            level: insights.threshold_spread(t)
            for level, t in insights.level_thresholds(
                p=d.p, decision=d.decision, worker=d.worker, group=d.arm
            ).items()
        },
        "population_thresholds": insights.population_thresholds(
            p=d.p, action=(d.decision >= 1).astype(np.int64), worker=d.worker
        ),
        "updating": insights.belief_updating(
            before=d.before, after=d.after, y=d.update_y, group=d.update_arm
        ),
        "retest": insights.retest_consistency(first=d.first, second=d.second),
        "profiles": insights.judgement_profile(
            p=d.p, y=d.y, worker=d.worker, question=d.question, peer_group=d.council
        ),
    }


def baseline(d: Workload) -> None:
    scoring.murphy(d.p, d.y, groups=d.worker)
    scoring.calibration_slope(d.p, d.y, groups=d.worker)


def best_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    d = make_workload()
    print(f"Casecast insights benchmark  (python {sys.version.split()[0]}, numpy {np.__version__})")
    load = os.getloadavg()[0]
    print(f"machine: {host.machine()}, {os.cpu_count()} cores, load average {load:.1f}")
    print(f"{N_WORKERS:,} workers x {N_QUESTIONS} questions = {d.p.shape[0]:,} forecasts\n")
    base = best_time(lambda: baseline(d))
    total = best_time(lambda: all_insights(d))
    parts = {
        "calibration (4 groups x 200 resamples)": lambda: insights.calibration(
            p=d.p, y=d.y, group=d.arm_phase
        ),
        "system noise, all + 4 + 30 groups": lambda: (
            insights.system_noise(p=d.p, worker=d.worker, question=d.question),
            insights.system_noise_by_group(
                p=d.p, worker=d.worker, question=d.question, group=d.arm_phase
            ),
            insights.system_noise_by_group(
                p=d.p, worker=d.worker, question=d.question, group=d.council
            ),
        ),
        "thresholds (2 steps) + population model": lambda: (
            insights.level_thresholds(p=d.p, decision=d.decision, worker=d.worker),
            insights.population_thresholds(
                p=d.p, action=(d.decision >= 1).astype(np.int64), worker=d.worker
            ),
        ),
    }
    for name, fn in parts.items():
        print(f"  {name:<45} {best_time(fn):7.3f} s")
    print(f"\n  baseline: scoring.murphy + calibration_slope per worker  {base:7.3f} s")
    print(f"  all insights                                             {total:7.3f} s")
    print(f"  ratio all insights / baseline                            {total / base:7.1f}x")
    ok = total < TARGET_SECONDS
    print(f"\n{'PASS' if ok else 'FAIL'}: all insights {total:.2f} s (target < {TARGET_SECONDS} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
