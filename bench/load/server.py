"""Start and stop the stack under test: gunicorn (production settings) and a Celery worker.

Loopback only. The server runs DEBUG off against PostgreSQL with persistent
connections; tasks go through Redis to one worker process on the same machine,
as in the deployment the issue describes. Output goes to files in `logs`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def stack_env(*, database_url: str, broker_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "load_settings",
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "bench" / "load"), str(ROOT / "platform"), str(ROOT)]
            ),
            "DEBUG": "false",
            "SECRET_KEY": "load-benchmark-secret-key-not-for-production-use-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1",
            # Loopback HTTP stands in for "behind a TLS proxy": no redirect to https.
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": broker_url,
            "AXES_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def django_in_process() -> None:
    """Set up Django in this process with the stack's settings (for the in-process
    page scripts, `pages.py` and `snapshot_pages.py`), on the bench's own database."""
    os.environ.update(
        stack_env(
            database_url=os.environ.get(
                "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_capacity"
            ),
            broker_url=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9"),
        )
    )
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()


def gunicorn_command(*, port: int, worker_class: str, workers: int, threads: int) -> list[str]:
    command = [
        str(BIN / "gunicorn"),
        "casecast.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--worker-class={worker_class}",
        "--backlog=2048",
        "--timeout=60",
        "--log-level=warning",
    ]
    if worker_class == "gthread":
        command.append(f"--threads={threads}")
    return command


def _port_free(port: int) -> None:
    """Refuse to start if something already listens there (it would answer for us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"127.0.0.1:{port} is in use; set BENCH_LOAD_PORT to another port")


def _wait_for(url: str, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process on the machine: pid -> (parent pid, command name, CPU seconds)."""
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        name = head.split("(", 1)[1]
        table[int(entry.name)] = (
            int(fields[1]),
            name,
            (int(fields[11]) + int(fields[12])) / _TICKS,
        )
    return table


def _tree_seconds(table: dict[int, tuple[int, str, float]], pid: int) -> float:
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, row in table.items() if row[0] == parent and child not in tree]
        tree.update(children)
        frontier += children
    return sum(table[member][2] for member in tree if member in table)


def machine_busy_seconds() -> float:
    """CPU seconds every core has spent running something since boot (/proc/stat: user,
    nice, system, irq and softirq; not idle, waiting for a disk or taken by the host)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(value) for value in fields[:7])
    return (user + nice + system + irq + softirq) / _TICKS


@dataclass
class Stack:
    web_pid: int
    worker_pid: int

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by (gunicorn, Celery worker), each with its children."""
        table = _processes()
        return _tree_seconds(table, self.web_pid), _tree_seconds(table, self.worker_pid)

    def cpu_by_part(self) -> dict[str, float]:
        """CPU seconds used so far by each part of the machine: gunicorn, the Celery
        worker, PostgreSQL and Redis (every process of that name), this process (the
        load client) and the machine's busy time in all (the rest is everything else)."""
        table = _processes()
        own = os.times()
        return {
            "gunicorn": _tree_seconds(table, self.web_pid),
            "worker": _tree_seconds(table, self.worker_pid),
            "postgres": sum(cpu for _, name, cpu in table.values() if name == "postgres"),
            "redis": sum(cpu for _, name, cpu in table.values() if name.startswith("redis")),
            "client": own.user + own.system,
            "machine": machine_busy_seconds(),
        }


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_stack(
    *,
    env: dict[str, str],
    port: int,
    logs: Path,
    worker_class: str,
    workers: int,
    threads: int,
) -> Iterator[Stack]:
    """gunicorn and a Celery worker, stopped (by their own process ids) on exit."""
    _port_free(port)
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "gunicorn.log", "wb") as web_log, open(logs / "worker.log", "wb") as task_log:
        web = subprocess.Popen(
            gunicorn_command(
                port=port, worker_class=worker_class, workers=workers, threads=threads
            ),
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "tasks",
                "worker",
                "--concurrency=1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=task_log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"http://127.0.0.1:{port}/", seconds=60)
            yield Stack(web_pid=web.pid, worker_pid=worker.pid)
        finally:
            _stop(web)
            _stop(worker)
