"""Queries and CPU per journey page, in-process (Django test client), for the load study.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_capacity \\
    .venv/bin/python bench/load/pages.py [participants, default 10]

Resets the load study (`prepare_load`), then walks that many participants
through two cases each with the test client under the benchmark's production
settings, and prints per page the median number of queries (and their range)
(`CaptureQueriesContext`) and of CPU time in this process (`time.process_time`),
and the mean CPU time of the PostgreSQL backend serving this process (from
/proc, so only when PostgreSQL runs on this machine; 10 ms ticks, so only the
mean over many requests means anything; WAL writer and checkpointer not included).
BENCH_PAGES_PROFILE=<page> (e.g. stage) profiles that page's requests with
cProfile on a CPU clock and prints the top functions by cumulative time;
BENCH_PAGES_SQL=<page> prints the SQL of that page's last request.
Submissions are published to Redis (db 9 unless CELERY_BROKER_URL says otherwise)
as in production and the queue is emptied at the end: no worker runs, so
submit's figures are the request's own.
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

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "platform"), str(HERE.parents[1])]

from server import django_in_process  # noqa: E402

django_in_process()

import redis  # noqa: E402
from casecast.accounts.models import User  # noqa: E402
from casecast.core.load_study import load_study_prepare  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from journey import form_fields  # noqa: E402

TICK = 1 / os.sysconf("SC_CLK_TCK")


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (0 if unknown)."""
    raw = getattr(connection, "connection", None)
    pid = getattr(getattr(raw, "info", None), "backend_pid", None)
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK  # utime + stime


PROFILE_PAGE = os.environ.get("BENCH_PAGES_PROFILE", "")
SQL_PAGE = os.environ.get("BENCH_PAGES_SQL", "")
PAGES = ("link", "task list", "start phase", "case", "stage", "draft", "submit", "complete")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    researcher, _ = User.objects.get_or_create(email="load-researcher@example.org")
    links = load_study_prepare(participants=max(count, 1), by=researcher).links[:count]
    queries: dict[str, list[int]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    database_cpu: dict[str, float] = defaultdict(float)
    rng = random.Random(0)
    profiler = cProfile.Profile(time.process_time)
    last_sql: list[str] = []

    def request(client: Client, page: str, method: str, url: str, **data: str):
        started, database_started = time.process_time(), backend_cpu()
        with CaptureQueriesContext(connection) as captured:
            if page == PROFILE_PAGE:
                profiler.enable()
            response = getattr(client, method)(url, data or None)
            if page == PROFILE_PAGE:
                profiler.disable()
        if page == SQL_PAGE:
            last_sql[:] = [query["sql"] for query in captured.captured_queries]
        cpu[page].append(time.process_time() - started)
        database_cpu[page] += max(backend_cpu() - database_started, 0.0)
        queries[page].append(len(captured.captured_queries))
        return response

    for link in links:
        client = Client()
        request(client, "link", "get", link)
        html = request(client, "task list", "get", "/cases/").content.decode()
        start = re.search(r'action="(/cases/phase/\d+/start/)"', html)
        assert start, "no phase to start"
        location = request(client, "start phase", "post", start.group(1))["Location"]
        for _case in range(2):
            url = request(client, "case", "get", location)["Location"]
            while "/part/" in url:
                fields = form_fields(request(client, "stage", "get", url).content.decode(), rng=rng)
                request(client, "draft", "post", url + "draft/", **fields)
                url = request(client, "submit", "post", url, **fields)["Location"]
            html = request(client, "complete", "get", url).content.decode()
            following = re.search(r'href="(/cases/\d+/)"', html)
            assert following, "no next case"
            location = following.group(1)
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("celery")
    print(f"{count} participants, two cases each ({connection.vendor})")
    print(
        f"{'page':<12} {'requests':>8} {'queries':>8} {'range':>6} {'CPU ms':>7} {'PG CPU ms':>9}"
    )
    for page in PAGES:
        print(
            f"{page:<12} {len(queries[page]):>8} {statistics.median(queries[page]):>8.0f} "
            f"{min(queries[page]):>3}-{max(queries[page]):<2} "
            f"{statistics.median(cpu[page]) * 1000:>7.1f} "
            f"{database_cpu[page] / len(queries[page]) * 1000:>9.1f}"
        )
    for sql in last_sql:
        print(sql[:300])
    if PROFILE_PAGE:
        profiler.dump_stats(HERE.parents[1] / "test-artifacts" / f"pages-{PROFILE_PAGE}.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
