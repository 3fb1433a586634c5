"""Load benchmark: the participant journey against the trivial page, over HTTP.

Starts gunicorn (DEBUG off, PostgreSQL, Redis, one Celery worker) on loopback,
prepares the load study (`manage.py prepare_load`) and runs, each bounded in
time:

- **saturation**: the trivial page (`/`, no database) and the journey, each
  flat out with BENCH_LOAD_CONCURRENCY requests in flight, in three
  alternating slices of BENCH_LOAD_SECONDS / 3 each (so both see the same
  neighbours on a shared machine). Targets: journey throughput at least 20% of
  the trivial page's, submit p95 under 150 ms, no errors. The default, 12 in
  flight, is the server's 8 threads and half as many again waiting: enough to
  keep every core busy (checked: a slice that leaves more than a tenth of the
  cores idle is not a measurement of capacity), without a queue in front of
  the server that would only lengthen every latency (Little's law: at 32 in
  flight each request waits for the 31 others).
- **pace**: 600 participants each sending one request every 45 s (13.3
  requests/s in all) for BENCH_LOAD_SECONDS. Before the clock starts, every
  participant is walked (unmeasured) to a random point of their first case,
  so the measured mix of pages is the steady state and not 600 sign-ins.
  Target: submit p95 under 50 ms, no errors.

After each run, once the worker's queue is empty: forecasts stored in the
database against forecasts acknowledged to the client (must be equal).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_capacity \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/load/bench_load.py

Exit status 1 if a target is missed. Environment: BENCH_LOAD_MODE
(saturation, pace or both), BENCH_LOAD_SECONDS (default 20; at most 60),
BENCH_LOAD_CONCURRENCY (12), BENCH_LOAD_PARTICIPANTS (600), BENCH_LOAD_WORKER_CLASS
(gthread or sync), BENCH_LOAD_THREADS (4), BENCH_LOAD_PORT (8710).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from journey import JOURNEY_PAGES, JourneyFailure, Participant, Stats
from server import ROOT, Stack, running_stack, stack_env

DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_capacity"
)
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
MODE = os.environ.get("BENCH_LOAD_MODE", "both")
SECONDS = min(float(os.environ.get("BENCH_LOAD_SECONDS", "20")), 60.0)
CONCURRENCY = int(os.environ.get("BENCH_LOAD_CONCURRENCY", "12"))
SATURATED = 0.9  # of the cores busy in each slice, for the throughputs to mean capacity
PARTICIPANTS = int(os.environ.get("BENCH_LOAD_PARTICIPANTS", "600"))
WORKER_CLASS = os.environ.get("BENCH_LOAD_WORKER_CLASS", "gthread")
THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "4"))
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8710"))
PACE_SECONDS_PER_REQUEST = 45.0
ROUNDS = 3  # saturation: trivial and journey alternate, this many slices of each
LINKS = ROOT / "test-artifacts" / "load" / "links.txt"
LOGS = ROOT / "test-artifacts" / "load"

TARGET_RATIO = 0.20
TARGET_SUBMIT_P95_SATURATION = 0.150
TARGET_SUBMIT_P95_PACE = 0.050


# --- set-up ---------------------------------------------------------------------


def database_ensure(env: dict[str, str]) -> None:
    """Create the benchmark database if needed and migrate it."""
    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--noinput", "-v0")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare(env: dict[str, str]) -> list[str]:
    LINKS.parent.mkdir(parents=True, exist_ok=True)
    manage(env, "prepare_load", f"--participants={PARTICIPANTS}", f"--links={LINKS}")
    return LINKS.read_text(encoding="utf-8").split()


# --- drivers --------------------------------------------------------------------


async def trivial(session: aiohttp.ClientSession, base: str, seconds: float) -> Stats:
    """The ceiling: `/` (a template, no database, no session) flat out."""
    stats = Stats()
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with session.get(base + "/", allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        stats.errors[f"trivial: HTTP {response.status}"] += 1
                        continue
            except (aiohttp.ClientError, TimeoutError) as error:
                stats.errors[f"trivial: {type(error).__name__}"] += 1
                continue
            stats.latencies["trivial"].append(time.perf_counter() - started)

    await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
    return stats


class Crowd:
    """CONCURRENCY participants working flat out; the next one starts when one finishes.

    `run(seconds)` can be called again: the same participants carry on where they
    were, so the journey can be measured in slices between slices of the trivial page.
    """

    def __init__(self, session: aiohttp.ClientSession, base: str, links: list[str]):
        self.session, self.base = session, base
        self.waiting = iter(links)
        self.lanes: list[Participant | None] = [None] * CONCURRENCY
        self.stats = Stats()

    async def run(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds

        async def lane(i: int) -> None:
            while time.perf_counter() < deadline:
                person = self.lanes[i]
                if person is None or person.finished:
                    link = next(self.waiting, None)
                    if link is None:
                        return
                    person = Participant(
                        link, base=self.base, session=self.session, stats=self.stats
                    )
                    self.lanes[i] = person
                # A failure is counted in the stats and that participant stops.
                with contextlib.suppress(JourneyFailure):
                    await person.step()

        await asyncio.gather(*(lane(i) for i in range(CONCURRENCY)))


async def paced(
    session: aiohttp.ClientSession, base: str, links: list[str], seconds: float
) -> tuple[Stats, Stats]:
    """Every participant one request per 45 s, spread evenly; measured after a warm-up."""
    rng = random.Random(0)
    warm = Stats()
    people = [Participant(link, base=base, session=session, stats=warm) for link in links]
    # Unmeasured: sign in, start the phase and stop at a random page of the first case
    # (1 to 9 of its requests: case, 2 x (stage, draft, submit), complete), so the paced
    # requests see the steady-state mix of pages.
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def warm_up(person: Participant, steps: int) -> None:
        async with semaphore:
            for _ in range(steps):
                await person.step()

    await asyncio.gather(*(warm_up(p, 3 + rng.randint(0, 8)) for p in people))
    if warm.error_count:
        return warm, Stats()
    # Let the worker finish scoring the warm-up's submissions before the clock starts.
    await asyncio.to_thread(drain_and_count)
    stats = Stats()
    for person in people:
        person.stats = stats
    interval = PACE_SECONDS_PER_REQUEST / len(people)
    order = list(range(len(people)))
    rng.shuffle(order)
    running: set[asyncio.Task[None]] = set()
    busy: set[int] = set()

    async def one(index: int) -> None:
        try:
            await people[index].step()
        except JourneyFailure:
            pass
        finally:
            busy.discard(index)

    started = time.perf_counter()
    n = 0
    while (due := started + n * interval) < started + seconds:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        index = order[n % len(order)]
        n += 1
        if index in busy or people[index].finished:
            stats.errors["pace: participant still waiting for their last request"] += 1
            continue
        busy.add(index)
        task = asyncio.create_task(one(index))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)
    return warm, stats


# --- results --------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else float("nan")


_COUNTS = """
    SELECT count(f.id), count(s.forecast_id),
           count(f.id) FILTER (
               WHERE s.forecast_id IS NULL AND NOT q.annulled
               AND (q.outcome_binary IS NOT NULL OR q.outcome_category IS NOT NULL
                    OR q.outcome_numeric IS NOT NULL)
               AND q.kind IN (SELECT DISTINCT scored.kind FROM resolution_forecastscore s2
                              JOIN vignettes_question scored ON scored.id = s2.question_id))
    FROM forecasts_forecast f
    JOIN studies_participant p ON p.id = f.participant_id
    JOIN studies_study st ON st.id = p.study_id
    JOIN vignettes_question q ON q.id = f.question_id
    LEFT JOIN resolution_forecastscore s ON s.forecast_id = f.id
    WHERE st.slug = 'load-test'"""


def drain_and_count() -> tuple[int, int, int, int]:
    """(stored forecasts, scored forecasts, forecasts left unscored that should have a
    score, tasks left) once the worker has gone quiet: the queue is empty, the number of
    scores has not changed for two seconds and nothing scorable waits (or a minute has
    passed). "Should have a score": its question has an outcome, is not annulled and is
    of a kind that some forecast was scored on (decisions are stored, not scored)."""
    queue = redis.Redis.from_url(BROKER_URL)
    deadline = time.monotonic() + 60
    previous: tuple[int, int, int] | None = None
    while time.monotonic() < deadline:
        with psycopg.connect(DATABASE_URL) as connection:
            row = connection.execute(_COUNTS).fetchone()
        counts = (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
        if counts == previous and not counts[2] and not queue.llen("celery"):
            break
        previous = counts
        time.sleep(2.0)
    stored, scored, unscored = previous or (0, 0, 0)
    return stored, scored, unscored, int(queue.llen("celery"))


def report(title: str, stats: Stats, seconds: float) -> None:
    print(
        f"\n{title}: {stats.requests} requests in {seconds:.1f} s "
        f"= {stats.requests / seconds:.1f} req/s, errors {stats.error_count}"
    )
    print(f"  {'page':<12} {'count':>7} {'median ms':>10} {'p95 ms':>8}")
    for page in (*JOURNEY_PAGES, "trivial"):
        times = stats.latencies.get(page)
        if times:
            print(
                f"  {page:<12} {len(times):>7} {statistics.median(times) * 1000:>10.1f} "
                f"{p95(times) * 1000:>8.1f}"
            )
    for kind, count in sorted(stats.errors.items()):
        print(f"  error: {kind} x{count}")


def cpu_add(total: dict[str, float], before: dict[str, float], after: dict[str, float]) -> None:
    for part, seconds in after.items():
        total[part] = total.get(part, 0.0) + seconds - before[part]


def report_cpu(
    trivial: tuple[dict[str, float], int, float], journey: tuple[dict[str, float], int, float]
) -> tuple[float, float]:
    """Where the machine's CPU went, in ms per request, for each kind of request (CPU
    seconds, requests, seconds measured): when every core is busy, the ratio of the two
    throughputs is the inverse ratio of the machine's totals. Returns the cores busy in
    each (trivial, journey)."""
    columns = {"trivial": trivial, "journey": journey}

    def per_request(name: str, seconds: float) -> str:
        return f"{seconds / max(columns[name][1], 1) * 1000:>8.2f}"

    print(f"\n  CPU ms per request    {'trivial':>8} {'journey':>8}")
    for part in ("gunicorn", "worker", "postgres", "redis", "client"):
        print(f"  {part:<20} " + " ".join(per_request(n, c[0][part]) for n, c in columns.items()))
    rest = {
        n: c[0]["machine"] - sum(v for k, v in c[0].items() if k != "machine")
        for n, c in columns.items()
    }
    print(f"  {'everything else':<20} " + " ".join(per_request(n, rest[n]) for n in columns))
    print(
        f"  {'machine (busy)':<20} "
        + " ".join(per_request(n, c[0]["machine"]) for n, c in columns.items())
    )
    trivial_busy, journey_busy = (c[0]["machine"] / max(c[2], 1e-9) for c in columns.values())
    label = f"cores busy (of {os.cpu_count()})"
    print(f"  {label:<20} {trivial_busy:>8.2f} {journey_busy:>8.2f}")
    return trivial_busy, journey_busy


def check(rows: list[tuple[str, str, str, bool]]) -> bool:
    print(f"\n  {'target':<44} {'measured':>12} {'goal':>10}  result")
    for name, measured, goal, ok in rows:
        print(f"  {name:<44} {measured:>12} {goal:>10}  {'PASS' if ok else 'FAIL'}")
    return all(ok for *_, ok in rows)


def run_saturation(stack: Stack, links: list[str]) -> bool:
    """Trivial page and journey in alternating slices (ROUNDS of each), so both see the
    same neighbours on a shared machine; throughput is requests over time in each."""
    base = f"http://127.0.0.1:{PORT}"

    async def alternate() -> tuple[Stats, float, Stats, float]:
        connector = aiohttp.TCPConnector(limit=CONCURRENCY)
        timeout = aiohttp.ClientTimeout(total=30)
        jar = aiohttp.DummyCookieJar()
        ceiling, ceiling_time, journey_time = Stats(), 0.0, 0.0
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as s:
            crowd = Crowd(s, base, links)
            for _ in range(ROUNDS):
                started = time.perf_counter()
                before = stack.cpu_by_part()
                part = await trivial(s, base, SECONDS / ROUNDS)
                ceiling_time += time.perf_counter() - started
                cpu_add(trivial_cpu, before, stack.cpu_by_part())
                ceiling.latencies["trivial"] += part.latencies["trivial"]
                for kind, count in part.errors.items():
                    ceiling.errors[kind] += count
                started = time.perf_counter()
                before = stack.cpu_by_part()
                await crowd.run(SECONDS / ROUNDS)
                journey_time += time.perf_counter() - started
                cpu_add(journey_cpu, before, stack.cpu_by_part())
        return ceiling, ceiling_time, crowd.stats, journey_time

    trivial_cpu: dict[str, float] = {}
    journey_cpu: dict[str, float] = {}
    ceiling, ceiling_time, journey, journey_time = asyncio.run(alternate())
    report("trivial page", ceiling, ceiling_time)
    report("journey (saturation)", journey, journey_time)
    busy = report_cpu(
        (trivial_cpu, ceiling.requests, ceiling_time), (journey_cpu, journey.requests, journey_time)
    )
    cores = os.cpu_count() or 1
    print(
        f"  Celery worker: {journey_cpu['worker'] / max(journey.submitted_parts, 1) * 1000:.1f}"
        " ms per submission"
    )
    stored, scored, unscored, left = drain_and_count()
    ratio = (journey.requests / journey_time) / max(ceiling.requests / ceiling_time, 1e-9)
    submit = p95(journey.latencies.get("submit", []))
    print(
        f"\n  forecasts acknowledged {journey.submitted_forecasts}, stored {stored}, "
        f"scored {scored} (decisions are stored, not scored), tasks left in the queue {left}"
    )
    errors = journey.error_count + ceiling.error_count
    return check(
        [
            (
                "journey / trivial throughput",
                f"{ratio:.3f}",
                f">= {TARGET_RATIO}",
                ratio >= TARGET_RATIO,
            ),
            (
                "submit p95 (saturation)",
                f"{submit * 1000:.1f} ms",
                "< 150 ms",
                submit < TARGET_SUBMIT_P95_SATURATION,
            ),
            (
                "cores busy, trivial and journey slices",
                f"{busy[0]:.2f}, {busy[1]:.2f}",
                f">= {SATURATED * cores:.1f}",
                min(busy) >= SATURATED * cores,
            ),
            ("errors", str(errors), "0", errors == 0),
            (
                "scorable forecasts left unscored",
                str(unscored),
                "0",
                unscored == 0,
            ),
            (
                "stored forecasts = acknowledged",
                f"{stored}/{journey.submitted_forecasts}",
                "equal",
                stored == journey.submitted_forecasts,
            ),
        ]
    )


def run_pace(stack: Stack, links: list[str]) -> bool:
    base = f"http://127.0.0.1:{PORT}"

    async def go() -> tuple[Stats, Stats]:
        # A new connection per request, as 600 browsers 45 s apart would open (and no
        # reuse of a keep-alive connection the server is just closing).
        connector = aiohttp.TCPConnector(limit=CONCURRENCY, force_close=True)
        timeout = aiohttp.ClientTimeout(total=30)
        jar = aiohttp.DummyCookieJar()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as s:
            return await paced(s, base, links, SECONDS)

    started = time.perf_counter()
    warm, stats = asyncio.run(go())
    title = f"journey (pace: {len(links)} participants, one request per 45 s each)"
    report(title, stats, SECONDS)
    print(
        f"  (warm-up before it: {warm.requests} requests, errors {warm.error_count}; "
        f"{time.perf_counter() - started:.1f} s in all)"
    )
    acknowledged = warm.submitted_forecasts + stats.submitted_forecasts
    stored, scored, unscored, left = drain_and_count()
    print(
        f"\n  forecasts acknowledged {acknowledged}, stored {stored}, scored {scored} "
        f"(decisions are stored, not scored), tasks left in the queue {left}"
    )
    submit = p95(stats.latencies.get("submit", []))
    errors = warm.error_count + stats.error_count
    return check(
        [
            (
                "submit p95 (pace)",
                f"{submit * 1000:.1f} ms",
                "< 50 ms",
                submit < TARGET_SUBMIT_P95_PACE,
            ),
            ("errors", str(errors), "0", errors == 0),
            (
                "submissions measured",
                str(len(stats.latencies.get("submit", []))),
                "> 0",
                bool(stats.latencies.get("submit")),
            ),
            (
                "scorable forecasts left unscored",
                str(unscored),
                "0",
                unscored == 0,
            ),
            (
                "stored forecasts = acknowledged",
                f"{stored}/{acknowledged}",
                "equal",
                stored == acknowledged,
            ),
        ]
    )


def main() -> int:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} cores, load average {load}; gunicorn 2 x {WORKER_CLASS}"
        + (f" ({THREADS} threads)" if WORKER_CLASS == "gthread" else "")
        + f", {CONCURRENCY} requests in flight, {SECONDS:.0f} s per measurement"
    )
    env = stack_env(database_url=DATABASE_URL, broker_url=BROKER_URL)
    database_ensure(env)
    ok = True
    with running_stack(
        env=env, port=PORT, logs=LOGS, worker_class=WORKER_CLASS, workers=2, threads=THREADS
    ) as stack:
        if MODE in ("saturation", "both"):
            ok &= run_saturation(stack, prepare(env))
        if MODE in ("pace", "both"):
            ok &= run_pace(stack, prepare(env))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
