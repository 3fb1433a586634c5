"""Where gunicorn's CPU goes during the journey: the journey alone, flat out, sampled.

Starts the load benchmark's stack (`server.running_stack`, same settings), prepares
the load study, warms up for 3 s, then runs the journey flat out for
PROFILE_SECONDS (default 30) while `py-spy record --gil` samples each gunicorn
worker (only the thread holding Python's lock, so roughly CPU). Prints the
journey's requests/s and gunicorn's CPU per request, then the frames with the
largest share of samples (inclusive), and the Casecast frames among them:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_capacity \\
    .venv/bin/python bench/load/profile_web.py

py-spy is not a dependency of the project (`.venv/bin/pip install py-spy`); with
PROFILE_SPY=0, or without it, only the throughput and CPU are printed, which is
how to compare two versions of the code or two settings (BENCH_LOAD_THREADS,
BENCH_LOAD_WORKER_CLASS, PROFILE_WORKERS) back to back. The raw samples are kept
in test-artifacts/load/ (`web<N>.txt`, py-spy's collapsed-stack format).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_load
from server import BIN, Stack, running_stack, stack_env

SECONDS = float(os.environ.get("PROFILE_SECONDS", "30"))
WORKERS = int(os.environ.get("PROFILE_WORKERS", "2"))
SPY = os.environ.get("PROFILE_SPY", "1") == "1"
TOP = 40


def py_spy() -> str | None:
    found = BIN / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def start_sampling(stack: Stack, spy: str) -> list[subprocess.Popen[bytes]]:
    workers = subprocess.run(
        ["pgrep", "-P", str(stack.web_pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [
        subprocess.Popen(
            [
                *(spy, "record", "--gil", "--nonblocking", "--rate", "200", "--format", "raw"),
                *("--duration", str(int(SECONDS)), "--pid", pid),
                *("--output", str(bench_load.LOGS / f"web{index}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for index, pid in enumerate(workers)
    ]


async def journey(stack: Stack, links: list[str], spy: str | None) -> None:
    base = f"http://127.0.0.1:{bench_load.PORT}"
    connector = aiohttp.TCPConnector(limit=bench_load.CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=30)
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=jar) as s:
        crowd = bench_load.Crowd(s, base, links)
        await crowd.run(3.0)
        samplers = start_sampling(stack, spy) if spy else []
        done_before = sum(len(times) for times in crowd.stats.latencies.values())
        web_before, _ = stack.cpu()
        started = time.perf_counter()
        await crowd.run(SECONDS)
        elapsed = time.perf_counter() - started
        web_after, _ = stack.cpu()
        done = sum(len(times) for times in crowd.stats.latencies.values()) - done_before
        for sampler in samplers:
            sampler.wait()
    errors = dict(crowd.stats.errors) or "none"
    print(
        f"journey alone: {done} requests in {elapsed:.1f} s = {done / elapsed:.1f} req/s; "
        f"gunicorn {(web_after - web_before) / done * 1000:.2f} ms of CPU per request; "
        f"errors {errors}"
    )


def frame_shares(files: list[Path]) -> tuple[Counter[str], int]:
    """Samples per frame (function and file, line numbers dropped), each counted once
    per stack, and the number of samples."""
    shares: Counter[str] = Counter()
    total = 0
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            stack, _, count = line.rpartition(" ")
            total += int(count)
            frames = {re.sub(r":\d+\)", ")", frame) for frame in stack.split(";")}
            for frame in frames:
                shares[frame] += int(count)
    return shares, total


def report(files: list[Path]) -> None:
    shares, total = frame_shares(files)
    if not total:
        print("no samples (py-spy needs permission to attach: run as the same user or root)")
        return
    print(f"\n{total} samples; share of gunicorn's samples, inclusive:")
    for frame, count in shares.most_common(TOP):
        print(f"  {100 * count / total:5.1f}%  {frame[:140]}")
    print("\nCasecast frames:")
    ours = [(frame, count) for frame, count in shares.items() if "casecast/" in frame]
    for frame, count in sorted(ours, key=lambda item: -item[1])[:TOP]:
        print(f"  {100 * count / total:5.1f}%  {frame[:140]}")


def main() -> int:
    spy = py_spy() if SPY else None
    if SPY and spy is None:
        print("py-spy not found (.venv/bin/pip install py-spy): throughput and CPU only")
    env = stack_env(database_url=bench_load.DATABASE_URL, broker_url=bench_load.BROKER_URL)
    bench_load.database_ensure(env)
    with running_stack(
        env=env,
        port=bench_load.PORT,
        logs=bench_load.LOGS,
        worker_class=bench_load.WORKER_CLASS,
        workers=WORKERS,
        threads=bench_load.THREADS,
    ) as stack:
        asyncio.run(journey(stack, bench_load.prepare(env), spy))
        bench_load.drain_and_count()  # the next run's prepare_load needs a quiet worker
    if spy:
        report(sorted(bench_load.LOGS.glob("web*.txt")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
