"""CPU and queries per task the worker runs after submissions, in-process, for the load study.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_capacity \\
    .venv/bin/python bench/load/worker.py [participants, default 20]

Resets the load study (`prepare_load`), walks that many participants through
two cases each with the test client (as `pages.py` does), keeping the tasks the
submissions publish instead of sending them to a broker, then runs them in this
process in the order they were published, as one worker would after a burst:
the coalesced `score_recent_submissions` tasks the submissions sent (the first
finds every submission of the burst; any later one finds what came after it),
then every `refresh_summaries` those deferred (one per study while the
coalescing window is open). Also prints the scoring's CPU per submission. Prints per task
the median CPU time in this process (`time.process_time`), the mean CPU time of
the PostgreSQL backend serving it (from /proc, 10 ms ticks: only the mean over
many tasks means anything) and the median number of queries. Celery's own cost
per message (decoding, acknowledging) is not included.
BENCH_WORKER_PROFILE=score_recent_submissions (or refresh_summaries) profiles that task
with cProfile on a CPU clock and prints the top functions by cumulative time.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "platform"), str(HERE.parents[1])]

from server import django_in_process  # noqa: E402

django_in_process()

from casecast.accounts.models import User  # noqa: E402
from casecast.core.load_study import load_study_prepare  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from journey import form_fields  # noqa: E402
from pages import backend_cpu  # noqa: E402

import tasks.scoring  # noqa: E402

PROFILE_TASK = os.environ.get("BENCH_WORKER_PROFILE", "")


class Kept:
    """Stands in for a task's `apply_async`: keeps the call to run it later."""

    def __init__(self, queue: list[tuple[str, Any]], name: str) -> None:
        self.queue, self.name = queue, name

    def __call__(self, args: Any = (), **options: Any) -> None:
        self.queue.append((self.name, tuple(args)))


def walk(links: list[str]) -> int:
    """Each participant through two cases; the number of parts submitted."""
    rng = random.Random(0)
    submitted = 0
    for link in links:
        client = Client()
        client.get(link)
        html = client.get("/cases/").content.decode()
        start = re.search(r'action="(/cases/phase/\d+/start/)"', html)
        assert start, "no phase to start"
        location = client.post(start.group(1))["Location"]
        for _case in range(2):
            url = client.get(location)["Location"]
            while "/part/" in url:
                fields = form_fields(client.get(url).content.decode(), rng=rng)
                url = client.post(url, fields)["Location"]
                submitted += 1
            following = re.search(r'href="(/cases/\d+/)"', client.get(url).content.decode())
            assert following, "no next case"
            location = following.group(1)
    return submitted


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    researcher, _ = User.objects.get_or_create(email="load-researcher@example.org")
    links = load_study_prepare(participants=max(count, 1), by=researcher).links[:count]
    queue: list[tuple[str, Any]] = []
    runs = {
        name: getattr(tasks.scoring, name)
        for name in ("score_recent_submissions", "refresh_summaries")
    }
    for name, task in runs.items():
        task.apply_async = Kept(queue, name)  # type: ignore[method-assign]
    submissions = walk(links)
    cpu: dict[str, list[float]] = defaultdict(list)
    database_cpu: dict[str, float] = defaultdict(float)
    queries: dict[str, list[int]] = defaultdict(list)
    profiler = cProfile.Profile(time.process_time)
    while queue:
        name, args = queue.pop(0)
        started, database_started = time.process_time(), backend_cpu()
        with CaptureQueriesContext(connection) as captured:
            if name == PROFILE_TASK:
                profiler.enable()
            runs[name].run(*args)
            if name == PROFILE_TASK:
                profiler.disable()
        cpu[name].append(time.process_time() - started)
        database_cpu[name] += max(backend_cpu() - database_started, 0.0)
        queries[name].append(len(captured.captured_queries))
    print(f"{count} participants, two cases each ({connection.vendor})")
    print(f"{'task':<26} {'runs':>5} {'queries':>8} {'CPU ms':>7} {'PG CPU ms':>9}")
    for name in runs:
        if not cpu[name]:
            continue
        print(
            f"{name:<26} {len(cpu[name]):>5} {statistics.median(queries[name]):>8.0f} "
            f"{statistics.median(cpu[name]) * 1000:>7.1f} "
            f"{database_cpu[name] / len(cpu[name]) * 1000:>9.1f}"
        )
    scoring = sum(cpu["score_recent_submissions"]) + database_cpu["score_recent_submissions"]
    print(
        f"{submissions} submissions: scoring CPU (this process and PostgreSQL) "
        f"{scoring / max(submissions, 1) * 1000:.2f} ms per submission"
    )
    if PROFILE_TASK:
        profiler.dump_stats(HERE.parents[1] / "test-artifacts" / f"worker-{PROFILE_TASK}.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
    return 0


if __name__ == "__main__":
    sys.exit(main())
