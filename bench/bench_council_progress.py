"""Recruitment-by-council page benchmark (run by `make bench`, not by the tests).

Renders `studies:recruitment` through the real view (test client GET, signed in as
a read-only analyst) for a study with 100 councils and 6,000 participants,
and, in the same run and database, a baseline page: the study's participant list
(`studies:participants`) for a study of 300 participants, a page with one row per
person. Reports the median and p95 server time over RENDERS and the queries per
render; the progress page must stay under 300 ms (median) and its query count
must be the same as for a study of 30 participants in 3 councils.

Exit status 1 if a target is missed.

    .venv/bin/python bench/bench_council_progress.py            # SQLite in memory
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_council_progress.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("AXES_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

RENDERS = int(os.environ.get("BENCH_RENDERS", "30"))
TARGET_MS = 300.0


def _study(by, *, title: str, councils: int, people: int):
    from casecast.studies.models import Council, Participant

    from tests.fixtures_studies import build_study

    study = build_study(by=by, title=title)  # two councils, two arms, two phases
    Council.objects.bulk_create(
        Council(study=study, name=f"{title} council {i:03d}", enrolment_code=None)
        for i in range(councils - 2)
    )
    council_ids = list(study.councils.values_list("pk", flat=True))
    arm_ids = list(study.arms.values_list("pk", flat=True))
    consent = study.consent_versions.last()
    rng = random.Random(20261206)
    now = timezone.now()
    Participant.objects.bulk_create(
        (
            Participant(
                study=study,
                council_id=rng.choice(council_ids),
                consented_at=now if i % 4 else None,
                consent_version=consent if i % 4 else None,
                arm_id=rng.choice(arm_ids) if i % 2 else None,
                withdrawn_at=now if i % 40 == 0 else None,
            )
            for i in range(people)
        ),
        batch_size=1000,
    )
    return study


def _time(client: Client, url: str) -> tuple[float, float, int]:
    client.get(url)  # warm: the first request of a session writes it
    times = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], len(captured)


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _run() -> int:
    from casecast.accounts.models import User

    admin = User.objects.create_user(email="bench@example.org", password="x" * 12)
    big = _study(admin, title="Big", councils=100, people=6000)
    small = _study(admin, title="Small", councils=3, people=30)
    baseline = _study(admin, title="Baseline", councils=10, people=300)
    from casecast.studies.models import StudyMembership

    # An analyst: study administrators must pass the second factor first.
    analyst = User.objects.create_user(email="analyst@example.org", password="x" * 12)
    for study in (big, small, baseline):
        StudyMembership.objects.create(study=study, user=analyst, role="analyst")
    client = Client()
    client.force_login(analyst)
    rows = [
        ("recruitment, 100 councils / 6,000 people", "studies:recruitment", big),
        ("recruitment, 3 councils / 30 people", "studies:recruitment", small),
        ("baseline: participant list, 300 people", "studies:participants", baseline),
    ]
    print(f"{'page':48} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    results = {}
    for label, name, study in rows:
        median, p95, queries = _time(client, reverse(name, args=[study.slug]))
        results[label] = (median, queries)
        print(f"{label:48} {median:10.1f} {p95:8.1f} {queries:8d}")
    big_ms, big_queries = results[rows[0][0]]
    _, small_queries = results[rows[1][0]]
    failed = []
    if big_ms > TARGET_MS:
        failed.append(f"median {big_ms:.0f} ms > {TARGET_MS:.0f} ms")
    if big_queries != small_queries:
        failed.append(f"queries grow: {small_queries} -> {big_queries}")
    print(
        "FAILED: " + "; ".join(failed)
        if failed
        else f"OK: under {TARGET_MS:.0f} ms, constant queries"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
