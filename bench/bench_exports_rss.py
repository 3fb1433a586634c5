"""One export in a fresh process, for its peak resident memory (RSS) and time.

`bench_exports.py` measures Python's own peak (tracemalloc), which misses memory held
outside Python objects and slows the run down several times; this measures the whole
process, untraced. Run it once per size in separate processes and compare the peaks:
a ratio near 1 between 1,000,000 and 100,000 rows means memory does not grow with rows.
Uses the studies `bench_exports.py` seeded (run that first). The third argument names
the file (`forecasts`, the default, or `scores`); the load average before and after the
export is printed beside the figures, since on a shared machine it explains the wall time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench \\
        .venv/bin/python bench/bench_exports_rss.py 1000000 dta [scores]
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from bench.bench_exports import export  # noqa: E402


def main() -> int:
    from casecast.studies.models import Study

    rows, format = int(sys.argv[1]), sys.argv[2]
    name = sys.argv[3] if len(sys.argv) > 3 else "forecasts"
    study = Study.objects.filter(slug=f"export-bench-{rows}").first()
    if study is None:
        raise SystemExit(f"no study of {rows:,} forecasts: run bench/bench_exports.py first")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = os.getloadavg()[0]
    wall, cpu, written = export(study, name, format)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        f"{name} {format} {written:,} rows: wall {wall:.2f} s, CPU {cpu:.2f} s, "
        f"peak RSS {peak / 1024:.1f} MiB (before the export {before / 1024:.1f} MiB), "
        f"load average {load:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
