"""Participant journey benchmark (run by `make bench`, not by the tests).

1. Page weight: the vignette page (part 1 of the staged test case) plus every
   CSS, JS and icon file it loads, each gzipped as a server would send it,
   against the 150 KB target.
2. Submitting a part through the real view (test client POST): server time
   (median, p95 over SUBMISSIONS) and database queries, for 2, 5, 10 and 20
   questions per part. The query count must not grow with the questions.

Exit status 1 if the page is over budget or the query count grows.

    .venv/bin/python bench/bench_journey.py            # SQLite in memory
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_journey.py
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("AXES_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

PAGE_BUDGET_BYTES = 150 * 1024
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "200"))
QUESTION_COUNTS = (2, 5, 10, 20)
_ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
_JS_IMPORT = re.compile(r"""(?:import|from)\s*['"](\./[^'"]+)['"]""")


def _gzip_size(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=6))


def _static_bytes(url: str) -> bytes:
    path = finders.find(url.removeprefix(settings.STATIC_URL))
    if path is None:
        raise SystemExit(f"static file not found: {url}")
    return Path(path).read_bytes()


def _assets(html: str) -> list[str]:
    """Every static file the page loads, following relative ES module imports."""
    found: list[str] = []
    queue = _ASSET.findall(html)
    while queue:
        url = queue.pop(0)
        if url in found:
            continue
        found.append(url)
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            text = _static_bytes(url).decode("utf-8", "replace")
            queue += [f"{base}/{name[2:]}" for name in _JS_IMPORT.findall(text)]
    return found


def page_weight(client: Client, url: str) -> tuple[list[tuple[str, int, int]], int]:
    html = client.get(url).content
    rows = [("HTML (vignette page)", len(html), _gzip_size(html))]
    for asset in _assets(html.decode()):
        content = _static_bytes(asset)
        rows.append((asset, len(content), _gzip_size(content)))
    return rows, sum(row[2] for row in rows)


# --- Data -------------------------------------------------------------------------


def _study_with_participant():
    from casecast.accounts.models import User

    from tests.fixtures_studies import build_study, create_participant

    researcher = User.objects.create_user(email="bench-researcher@example.org", password=None)
    study = build_study(by=researcher, title="Benchmark study")
    participant = create_participant(study=study, email="bench@example.org", stage="baseline")
    return study, participant


def _wide_version(study, count: int):
    from casecast.vignettes.models import Question, Stage, Vignette, VignetteVersion

    vignette = Vignette.objects.create(study=study, key=f"bench-{count}")
    version = VignetteVersion.objects.create(
        vignette=vignette, number=1, title=f"{count} questions"
    )
    stage = Stage.objects.create(version=version, position=1, title="Only part", body="Case text.")
    kinds = [
        {"kind": "binary"},
        {"kind": "multiple_choice", "options": ["A", "B", "C"]},
        {"kind": "numeric", "numeric_format": "quantiles"},
        {"kind": "decision", "options": ["Yes", "No"]},
        {"kind": "rationale"},
    ]
    for n in range(count):
        Question.objects.create(
            version=version,
            stage=stage,
            key=f"q{n}",
            position=n,
            text=f"Question {n}",
            **kinds[n % len(kinds)],
        )
    return version, stage


def submit_timings(client: Client, study, participant, count: int) -> tuple[list[float], int]:
    from casecast.forecasts.demo import example_answers
    from casecast.forecasts.models import Assignment, Forecast
    from casecast.studies.models import Phase

    version, stage = _wide_version(study, count)
    phase = Phase.objects.create(study=study, position=100 + count, name=f"Bench {count}")
    assignments = Assignment.objects.bulk_create(
        Assignment(participant=participant, phase=phase, vignette_version=version, position=i)
        for i in range(SUBMISSIONS)
    )
    answers = example_answers(list(stage.questions.all()))
    seconds, queries = [], []
    for assignment in assignments:
        url = reverse("forecasts:stage", args=[assignment.pk, 1])
        data = {**answers, "idempotency_key": str(uuid.uuid4()), "action": "submit"}
        connection.queries_log.clear()  # keep Django's query log from filling up
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data)
            seconds.append(time.perf_counter() - started)
        if response.status_code != 302:
            raise SystemExit(f"submission failed ({response.status_code}) with {count} questions")
        queries.append(len(captured))
    assert Forecast.objects.filter(assignment__phase=phase).count() == SUBMISSIONS * count
    return seconds, max(queries)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return _run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _run() -> int:
    from casecast.forecasts import services
    from casecast.studies.models import Phase

    from tests.fixtures_vignettes import make_staged_vignette

    study, participant = _study_with_participant()
    client = Client()
    client.force_login(participant.user)
    vignette = make_staged_vignette(study=study)
    first = Phase.objects.get(study=study, position=1)
    first.items.create(vignette=vignette, position=0)
    assignment = services.phase_start(participant=participant, phase=first)[0]
    rows, total = page_weight(client, reverse("forecasts:stage", args=[assignment.pk, 1]))

    print(f"Database: {connection.vendor}; submissions per size: {SUBMISSIONS}")
    print("\nVignette page weight (gzip level 6)")
    print(f"{'resource':<48} {'raw bytes':>10} {'gzip bytes':>11}")
    for name, raw, packed in rows:
        print(f"{name:<48} {raw:>10,} {packed:>11,}")
    ratio = total / PAGE_BUDGET_BYTES
    size_ok = total <= PAGE_BUDGET_BYTES
    print(f"{'total transferred':<48} {'':>10} {total:>11,}")
    print(
        f"target 150 KB = {PAGE_BUDGET_BYTES:,} bytes; ratio {ratio:.2f} -> "
        f"{'OK' if size_ok else 'OVER BUDGET'}"
    )

    print("\nSubmitting one part through the view (POST, redirect)")
    print(f"{'questions':>9} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    query_counts = []
    for count in QUESTION_COUNTS:
        seconds, queries = submit_timings(client, study, participant, count)
        query_counts.append(queries)
        print(
            f"{count:>9} {statistics.median(seconds) * 1000:>10.1f} "
            f"{_percentile(seconds, 0.95) * 1000:>8.1f} {queries:>8}"
        )
    queries_ok = len(set(query_counts)) == 1
    print(f"query count {'constant' if queries_ok else 'GROWS'} with questions per part")
    return 0 if size_ok and queries_ok else 1


if __name__ == "__main__":
    sys.exit(main())
