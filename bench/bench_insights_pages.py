"""Benchmark of the judgement-insight pages' data: database → JSON for 6,000 participants ×
24 questions (run by `make bench`, not by the tests).

Builds (once; BENCH_INSIGHTS_RESEED=1 to rebuild) a study of 6,000 participants in 2
arms and 30 councils, 8 cases of 3 yes/no questions (the second and third restating the
first at later stages, `earlier`) and a three-level decision on the last one
(`relates_to`), 2 cases before randomisation and 6 after, and one case repeated to
everyone (test–retest): 144,000 final forecasts, 48,000 linked decisions, 96,000 staged
pairs, 18,000 repeats. Then times, best of 3:

- baseline: the same rows read through the ORM as tuples (what any page over these
  forecasts pays before computing anything);
- the selectors' columnar read (`selectors.insight_inputs`);
- the report on those arrays (`report.study_insights`: every statistic of
  docs/insights.md);
- the whole path cold (`services.study_insights_json` with an empty cache) and warm
  (the cached report, behind its fingerprint queries).

Target: the cold path under 2 s. Exits 1 if missed.

    .venv/bin/python bench/bench_insights_pages.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench  (the default)
"""

from __future__ import annotations

import os
import platform as host
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402

from bench.bench_pipeline import database_create  # noqa: E402

SLUG = "insights-bench"
PARTICIPANTS = 6000
CASES = 8
BEFORE = 2  # cases before randomisation
COUNCILS = 30
TARGET_S = 2.0


def study_build():  # type: ignore[no-untyped-def]
    from casecast.forecasts.models import Assignment
    from casecast.studies.models import Arm, Council, Participant, Phase, Study
    from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

    existing = Study.objects.filter(slug=SLUG).first()
    if existing is not None and os.environ.get("BENCH_INSIGHTS_RESEED") != "1":
        return existing
    Study.objects.filter(slug=SLUG).update(slug=f"old-{time.time_ns()}")
    study = Study.objects.create(title="Insights bench", slug=SLUG)
    arms = Arm.objects.bulk_create(
        Arm(study=study, key=f"arm{i}", name=f"Arm {i}", position=i, is_control=i == 0)
        for i in range(2)
    )
    councils = Council.objects.bulk_create(
        Council(study=study, name=f"Council {i}", enrolment_code=None) for i in range(COUNCILS)
    )
    baseline = Phase.objects.create(study=study, position=1, name="Baseline")
    after = Phase.objects.create(study=study, position=2, name="After", randomise_before=True)
    retest = Phase.objects.create(study=study, position=3, name="Repeat")
    versions = []
    for v in range(CASES):
        vignette = Vignette.objects.create(study=study, key=f"case-{v}")
        version = VignetteVersion.objects.create(vignette=vignette, number=1, title=f"Case {v}")
        earlier = None
        for s in range(3):
            stage = Stage.objects.create(version=version, position=s + 1, title="Part", body="-")
            earlier = Question.objects.create(
                version=version, stage=stage, key=f"risk-{s}", position=0, kind="binary",
                text="How likely?", outcome_binary=v % 2 == 0, earlier=earlier,
            )  # fmt: skip
        Question.objects.create(
            version=version, stage=stage, key="decision", position=1, kind="decision",
            text="What would you do?", options=["None", "Assess", "Plan"], relates_to=earlier,
        )  # fmt: skip
        versions.append(version)
    people = Participant.objects.bulk_create(
        (
            Participant(study=study, council=councils[i % COUNCILS], arm=arms[(i // 7) % 2])
            for i in range(PARTICIPANTS)
        ),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (
            Assignment(
                participant=p,
                phase=baseline if v < BEFORE else after,
                vignette_version=version,
                position=v,
            )
            for p in people
            for v, version in enumerate(versions)
        ),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (
            Assignment(participant=p, phase=retest, vignette_version=versions[0], position=0,
                       is_retest=True)
            for p in people
        ),
        batch_size=5000,
    )  # fmt: skip
    # Forecasts: a pseudo-random whole percent per (participant, question, repeat);
    # decisions: level 1 from a worker's own threshold, level 2 from a higher one.
    pct = "(1 + (a.participant_id * 31 + q.id * 17 + a.is_retest::int * 7) %% 99)"
    related = "(1 + (a.participant_id * 31 + q.relates_to_id * 17 + a.is_retest::int * 7) %% 99)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO forecasts_forecast (participant_id, question_id, assignment_id,
                idempotency_key, submitted_at, is_update, probability_pct, decision,
                decision_confidence, rationale)
            SELECT a.participant_id, q.id, a.id, gen_random_uuid(), now(), false,
                   CASE WHEN q.kind = 'binary' THEN {pct} END,
                   CASE WHEN q.kind = 'decision' THEN
                        ({related} >= 20 + a.participant_id %% 40)::int
                        + ({related} >= 75 + a.participant_id %% 20)::int END,
                   CASE WHEN q.kind = 'decision' THEN 3 END, ''
            FROM forecasts_assignment a
            JOIN vignettes_question q ON q.version_id = a.vignette_version_id
            JOIN studies_participant p ON p.id = a.participant_id
            WHERE p.study_id = %s
            """,
            [study.pk],
        )
        cursor.execute("ANALYZE")
    return study


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    from casecast.forecasts.models import Forecast
    from casecast.judgement import report, selectors, services

    database_create()
    start = time.perf_counter()
    study = study_build()
    print(f"study ready in {time.perf_counter() - start:.1f} s", flush=True)
    n = Forecast.objects.filter(participant__study=study).count()
    print(
        f"Casecast insight pages benchmark  ({connection.vendor}, python {sys.version.split()[0]})"
    )
    print(f"machine: {host.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{PARTICIPANTS:,} participants x 24 questions; {n:,} forecast and decision rows\n")

    def baseline() -> None:
        list(
            Forecast.objects.filter(participant__study=study).values_list(
                "participant_id", "question_id", "probability_pct", "decision",
                "assignment__is_retest", "assignment__phase_id",
            )
        )  # fmt: skip

    def cold() -> None:
        cache.clear()
        services.study_insights_json(study=study)

    inputs = selectors.insight_inputs(study=study)
    figures = {
        "baseline: the same rows through the ORM": best(baseline),
        "selectors.insight_inputs (read)": best(lambda: selectors.insight_inputs(study=study)),
        "report.study_insights (compute)": best(lambda: report.study_insights(inputs)),
        "study_insights_json, cold cache": best(cold),
        "study_insights_json, warm cache": best(lambda: services.study_insights_json(study=study)),
    }
    for name, seconds in figures.items():
        print(f"  {name:<45} {seconds:7.3f} s")
    total = figures["study_insights_json, cold cache"]
    ratio = total / figures["baseline: the same rows through the ORM"]
    print(f"\n  ratio cold path / baseline read                {ratio:7.1f}x")
    ok = total < TARGET_S
    print(f"\n{'PASS' if ok else 'FAIL'}: database to JSON {total:.2f} s (target < {TARGET_S} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
