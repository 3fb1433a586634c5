"""Scoring pipeline benchmark on PostgreSQL (run by `make bench`, not by the tests).

Builds a study of 600 participants x 200 binary questions (120,000 forecasts)
with bulk_create, then times the real services in-process (Celery eager):

1. resolving one question with 600 forecasts: `question_resolve` to scored
   forecasts and refreshed summaries (target < 0.5 s), then five corrections of
   it (the same work) for a median;
2. a full rescore of the study (target < 30 s);

and a naive per-forecast baseline (one read, one score, one upsert per forecast,
then one query per participant for summaries) on a subset in the same run,
printing ratios and query counts. Exit status 1 if a target is missed.

    .venv/bin/python bench/bench_pipeline.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench  (the default)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.pop("CELERY_BROKER_URL", None)  # eager: time the work, not a queue

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "600"))
QUESTIONS = 200
PER_VIGNETTE = 10
ARMS = 4
NAIVE_SUBSET = 600
CORRECTIONS = 5
RESOLVE_TARGET_S = 0.5
RESCORE_TARGET_S = 30.0


def database_create() -> None:
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("bench_pipeline needs PostgreSQL: set DATABASE_URL")
    name = settings_dict["NAME"]
    admin = psycopg.connect(
        host=settings_dict["HOST"] or "127.0.0.1",
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def study_build():  # type: ignore[no-untyped-def]
    from casecast.forecasts.models import Assignment, Forecast
    from casecast.studies.models import Arm, Council, Participant, Phase, Study
    from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

    rng = np.random.default_rng(1)
    study = Study.objects.create(title="Pipeline bench", slug=f"bench-{time.time_ns()}")
    arms = Arm.objects.bulk_create(
        [
            Arm(study=study, key=f"arm{i}", name=f"Arm {i}", position=i, is_control=i == 0)
            for i in range(ARMS)
        ]
    )
    council = Council.objects.create(study=study, name="Bench council", enrolment_code=None)
    baseline = Phase.objects.create(study=study, position=1, name="Baseline")
    after = Phase.objects.create(study=study, position=2, name="After", randomise_before=True)
    versions, questions = [], []
    for v in range(QUESTIONS // PER_VIGNETTE):
        vignette = Vignette.objects.create(study=study, key=f"case-{v}")
        version = VignetteVersion.objects.create(vignette=vignette, number=1, title=f"Case {v}")
        stage = Stage.objects.create(version=version, position=1, title="Referral", body="-")
        versions.append(version)
        questions += Question.objects.bulk_create(
            [
                Question(
                    version=version,
                    stage=stage,
                    key=f"q{j}",
                    position=j,
                    kind=Question.Kind.BINARY,
                    text="?",
                )
                for j in range(PER_VIGNETTE)
            ]
        )
    people = Participant.objects.bulk_create(
        [Participant(study=study, council=council, arm=arms[i % ARMS]) for i in range(PARTICIPANTS)]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                participant=p,
                phase=baseline if v < 5 else after,
                vignette_version=version,
                position=v,
            )
            for p in people
            for v, version in enumerate(versions)
        ],
        batch_size=5000,
    )
    by_slot = {(a.participant_id, a.vignette_version_id): a.pk for a in assignments}
    pct = rng.integers(1, 100, size=(PARTICIPANTS, len(questions)))
    forecasts = [
        Forecast(
            participant_id=p.pk,
            question_id=q.pk,
            probability_pct=int(pct[i, j]),
            assignment_id=by_slot[(p.pk, q.version_id)],
        )
        for i, p in enumerate(people)
        for j, q in enumerate(questions)
    ]
    Forecast.objects.bulk_create(forecasts, batch_size=10_000)
    outcomes = rng.random(len(questions)) < 0.4
    for question, happened in zip(questions[1:], outcomes[1:], strict=True):
        question.outcome_binary = bool(happened)
        question.outcome_known_at = date(2024, 1, 1)
        question.outcome_source = "bench"
    Question.objects.bulk_update(
        questions[1:], ["outcome_binary", "outcome_known_at", "outcome_source"], batch_size=1000
    )
    return study, questions


def timed(label: str, function):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        function()
        elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.3f} s, {len(queries.captured_queries)} queries")
    return elapsed, len(queries.captured_queries)


def naive_per_forecast(forecast_ids: list[int]) -> None:
    """The baseline: everything one forecast (and one participant) at a time."""
    from casecast import scoring
    from casecast.forecasts.models import Forecast
    from casecast.resolution.models import ForecastScore, ParticipantSummary

    participants = set()
    for pk in forecast_ids:
        forecast = Forecast.objects.select_related("question", "participant").get(pk=pk)
        p = forecast.probability_pct / 100
        y = int(bool(forecast.question.outcome_binary))
        brier = float(scoring.brier([p], [y])[0])
        ForecastScore.objects.update_or_create(
            forecast=forecast,
            defaults={
                "study_id": forecast.participant.study_id,
                "participant": forecast.participant,
                "question": forecast.question,
                "kind": "binary",
                "probability": p,
                "brier": brier,
                "outcome_binary": bool(y),
                "scored_at": timezone.now(),
            },
        )
        participants.add(forecast.participant)
    for participant in participants:
        scores = list(
            ForecastScore.objects.filter(participant=participant).values_list("brier", flat=True)
        )
        ParticipantSummary.objects.update_or_create(
            participant=participant,
            defaults={
                "study_id": participant.study_id,
                "mean_brier": float(np.mean(scores)),
                "n_scored": len(scores),
                "refreshed_at": timezone.now(),
            },
        )


def main() -> int:
    from casecast.forecasts.models import Forecast
    from casecast.resolution import services
    from casecast.resolution.outcomes import Outcome
    from casecast.resolution.scoring_pipeline import rescore_study

    from tasks import scoring as _warm  # noqa: F401 - a worker has it imported already

    database_create()
    # Figures depend heavily on the host: print what they were measured on.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    start = time.perf_counter()
    study, questions = study_build()
    n_forecasts = Forecast.objects.filter(participant__study=study).count()
    print(
        f"data: {PARTICIPANTS} participants x {len(questions)} questions = {n_forecasts} "
        f"forecasts, built in {time.perf_counter() - start:.1f} s (bulk_create)"
    )
    try:
        rescore_s, rescore_q = timed(
            f"full rescore ({n_forecasts} forecasts + summaries)",
            lambda: rescore_study(study_id=study.pk),
        )
        target = questions[0]

        def resolve() -> None:
            with transaction.atomic():  # the task runs eagerly at commit, inside the timing
                services.question_resolve(
                    question=target,
                    outcome=Outcome(binary=True),
                    known_at=date(2024, 1, 2),
                    source="bench",
                    by=None,
                )

        resolve_s, resolve_q = timed(
            f"resolve 1 question ({PARTICIPANTS} forecasts) + summaries", resolve
        )
        # The same work again (rescore 600 forecasts, refresh every summary) through
        # corrections, for a median that one noisy sample cannot give.
        repeats = []
        for n in range(CORRECTIONS):

            def correct(happened: bool = n % 2 == 0) -> None:
                target.refresh_from_db()
                with transaction.atomic():
                    services.question_correct(
                        question=target,
                        outcome=Outcome(binary=not happened),
                        known_at=date(2024, 1, 3),
                        source="bench",
                        by=None,
                        reason="bench",
                    )

            repeats.append(timed(f"correct the question ({n + 1}/{CORRECTIONS})", correct)[0])
        print(f"correction median: {statistics.median(repeats):.3f} s")
        subset = list(Forecast.objects.filter(question=target).values_list("pk", flat=True))
        subset = subset[:NAIVE_SUBSET]
        naive_s, naive_q = timed(
            f"naive per-forecast baseline ({len(subset)} forecasts)",
            lambda: naive_per_forecast(subset),
        )
        per_forecast = naive_s / len(subset)
        print(
            f"naive extrapolated: resolve {per_forecast * PARTICIPANTS:.2f} s, "
            f"rescore {per_forecast * n_forecasts:.1f} s"
        )
        print(
            f"ratio naive/pipeline: resolve x{per_forecast * PARTICIPANTS / resolve_s:.1f}, "
            f"rescore x{per_forecast * n_forecasts / rescore_s:.1f}; "
            f"queries naive {naive_q} vs pipeline {resolve_q} (resolve), {rescore_q} (rescore)"
        )
        ok = resolve_s < RESOLVE_TARGET_S and rescore_s < RESCORE_TARGET_S
        print(
            "targets:",
            "met" if ok else "MISSED",
            f"(resolve < {RESOLVE_TARGET_S} s, rescore < {RESCORE_TARGET_S} s)",
        )
        return 0 if ok else 1
    finally:
        call_command("flush", interactive=False, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
