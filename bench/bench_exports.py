"""Export benchmark on PostgreSQL (run by `make bench`, not by the tests).

Builds two studies of binary forecasts, 100,000 and 1,000,000 (100 questions each, so
1,000 and 10,000 participants, every forecast scored), the structure with bulk_create and
the forecasts and scores with one `INSERT ... SELECT` each. Then, per format (CSV,
Parquet, Stata, SPSS), writes each study's forecasts file (and, at 100k, the scores file):

1. time, without tracing: the 1M export must take under 30 s; printed with the time
   per 100k rows at 100k and at 1M and their ratio (about 1 means linear);
2. peak Python memory (tracemalloc, a separate run, since tracing slows Python down) at
   100k and 1M and their ratio: about 1 means constant memory (CSV and Parquet stream,
   Stata and SPSS are written in chunks through a spool file). tracemalloc does not see
   Arrow's or numpy's own buffers, so those figures are Python's side (one row group or
   chunk is ~2,000 rows); `bench_exports_rss.py` measures the whole process.

Exit status 1 if a format misses the 30 s target (wall clock) or any format peaks above
32 MiB at 1M rows (the bounded pseudonym cache grows with participants up to 50,000,
a few MiB; nothing grows with rows).

    .venv/bin/python bench/bench_exports.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench  (the default)
    BENCH_EXPORT_ROWS=100000,1000000  BENCH_EXPORT_FORMATS=csv,parquet,dta,sav
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.bench_pipeline import database_create  # noqa: E402

ROWS = [int(n) for n in os.environ.get("BENCH_EXPORT_ROWS", "100000,1000000").split(",")]
FORMATS = os.environ.get("BENCH_EXPORT_FORMATS", "csv,parquet,dta,sav").split(",")
QUESTIONS = 100
PER_VIGNETTE = 10
TARGET_S = 30.0
STREAMING = ("csv", "parquet", "dta", "sav")
# The pseudonym cache (columns.Pseudonyms) keeps up to 50,000 pseudonyms, a few MiB: memory
# grows with participants up to that bound, then with nothing. So the test for "constant"
# is a ceiling at 1M rows, far below what holding the rows would take (~1 GB).
STREAMING_PEAK_LIMIT = 32 * 2**20


def study_build(forecasts: int):  # type: ignore[no-untyped-def]
    from casecast.forecasts.models import Assignment
    from casecast.studies.models import Arm, Council, Participant, Phase, Study
    from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

    participants = forecasts // QUESTIONS
    existing = Study.objects.filter(slug=f"export-bench-{forecasts}").first()
    if existing is not None and os.environ.get("BENCH_EXPORT_RESEED") != "1":
        return existing  # seeded by an earlier run (BENCH_EXPORT_RESEED=1 to seed again)
    Study.objects.filter(slug=f"export-bench-{forecasts}").update(slug=f"old-{time.time_ns()}")
    study = Study.objects.create(title="Export bench", slug=f"export-bench-{forecasts}")
    arms = Arm.objects.bulk_create(
        [
            Arm(study=study, key=f"arm{i}", name=f"Arm {i}", position=i, is_control=i == 0)
            for i in range(2)
        ]
    )
    councils = Council.objects.bulk_create(
        [Council(study=study, name=f"Council {i}", enrolment_code=None) for i in range(20)]
    )
    phase = Phase.objects.create(study=study, position=1, name="Cases")
    versions = []
    for v in range(QUESTIONS // PER_VIGNETTE):
        vignette = Vignette.objects.create(study=study, key=f"case-{v}")
        version = VignetteVersion.objects.create(vignette=vignette, number=1, title=f"Case {v}")
        stage = Stage.objects.create(version=version, position=1, title="Referral", body="-")
        Question.objects.bulk_create(
            Question(
                version=version,
                stage=stage,
                key=f"q{j}",
                position=j,
                kind=Question.Kind.BINARY,
                text="How likely?",
                outcome_binary=j % 3 == 0,
            )
            for j in range(PER_VIGNETTE)
        )
        versions.append(version)
    people = Participant.objects.bulk_create(
        (
            Participant(study=study, council=councils[i % 20], arm=arms[i % 2])
            for i in range(participants)
        ),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (
            Assignment(participant=p, phase=phase, vignette_version=version, position=v)
            for p in people
            for v, version in enumerate(versions)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO forecasts_forecast (participant_id, question_id, assignment_id,
                idempotency_key, submitted_at, is_update, probability_pct, rationale,
                seen_team)
            -- Times a second apart and reasons differing by case, as real answers do
            -- (one shared value would flatter any per-value cache in the writers).
            SELECT a.participant_id, q.id, a.id, gen_random_uuid(),
                   now() - (a.participant_id * 100 + q.position) * interval '1 second', false,
                   1 + (a.participant_id * 31 + q.id * 17) %% 99,
                   'Seemed likely in case ' || a.id, false
            FROM forecasts_assignment a
            JOIN vignettes_question q ON q.version_id = a.vignette_version_id
            JOIN studies_participant p ON p.id = a.participant_id
            WHERE p.study_id = %s
            """,
            [study.pk],
        )
        cursor.execute(
            """
            INSERT INTO resolution_forecastscore (forecast_id, study_id, participant_id,
                question_id, kind, probability, brier, log_score, spherical, outcome_binary,
                is_last, is_retest, after_randomisation, scored_at)
            SELECT f.id, %s, f.participant_id, f.question_id, 'binary',
                   f.probability_pct / 100.0,
                   power(f.probability_pct / 100.0 - q.outcome_binary::int, 2),
                   -ln(abs(1 - q.outcome_binary::int - f.probability_pct / 100.0)),
                   0.5, q.outcome_binary, true, false, true, now()
            FROM forecasts_forecast f
            JOIN vignettes_question q ON q.id = f.question_id
            JOIN studies_participant p ON p.id = f.participant_id
            WHERE p.study_id = %s
            """,
            [study.pk, study.pk],
        )
        cursor.execute("ANALYZE")
    Study.objects.filter(pk=study.pk).update(status=Study.Status.CLOSED)
    study.refresh_from_db()
    return study


def export(study, name: str, format: str) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """Wall seconds, this process's CPU seconds (the figure other work on the machine
    disturbs least; the database's own time is outside it) and rows."""
    from casecast.resolution.exports.files import FILES
    from casecast.resolution.exports.writers import WRITERS, Format

    export_file = next(export for export in FILES if export.name == name)
    with tempfile.TemporaryDirectory() as scratch:
        start, cpu = time.perf_counter(), time.process_time()
        rows = WRITERS[Format(format)](
            study=study,
            source=export_file.source(study=study),
            path=Path(scratch) / f"{name}.{format}",
        )
        return time.perf_counter() - start, time.process_time() - cpu, rows


def peak_memory(study, name: str, format: str) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        export(study, name, format)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    database_create()
    studies = {}
    for n in ROWS:
        start = time.perf_counter()
        studies[n] = study_build(n)
        print(
            f"{n:,} forecasts and scores ready in {time.perf_counter() - start:.1f} s", flush=True
        )
    small, large = min(ROWS), max(ROWS)
    failed = []
    print()
    print("file       format   rows        wall s   CPU s    CPU s/100k  peak MiB (tracemalloc)")
    for format in FORMATS:
        seconds, memory = {}, {}
        for n in ROWS:
            elapsed, cpu, rows = export(studies[n], "forecasts", format)
            seconds[n] = elapsed
            memory[n] = peak_memory(studies[n], "forecasts", format)
            print(
                f"forecasts  {format:<8} {rows:<11,} {elapsed:<8.2f} {cpu:<8.2f} "
                f"{cpu / rows * 1e5:<11.3f} {memory[n] / 2**20:.1f}",
                flush=True,
            )
        time_ratio = (seconds[large] / large) / (seconds[small] / small)
        memory_ratio = memory[large] / memory[small]
        print(
            f"  {format}: wall time per row, {large:,} vs {small:,} rows: x{time_ratio:.2f}; "
            f"peak memory: x{memory_ratio:.2f}",
            flush=True,
        )
        if seconds[large] > TARGET_S:
            failed.append(
                f"{format}: {seconds[large]:.1f} s for {large:,} rows (target {TARGET_S} s)"
            )
        if format in STREAMING and memory[large] > STREAMING_PEAK_LIMIT:
            failed.append(f"{format}: peak {memory[large] / 2**20:.0f} MiB at {large:,} rows")
        elapsed, cpu, rows = export(studies[small], "scores", format)
        print(f"scores     {format:<8} {rows:<11,} {elapsed:<8.2f} {cpu:<8.2f}", flush=True)
    for problem in failed:
        print("MISSED:", problem)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
