"""EXPLAIN (ANALYZE, BUFFERS) of one export file's main query, on PostgreSQL.

Runs the file's source far enough to issue its queries, takes the longest SQL it sent
(the file's main query; the per-chunk lookups are short) and prints PostgreSQL's plan with
actual times, including any JIT compilation. Uses the studies `bench_exports.py` seeded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casecast_bench \\
        .venv/bin/python bench/explain_exports.py forecasts 100000
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casecast.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casecast_bench")
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402


def main() -> int:
    from casecast.resolution.exports.files import FILES
    from casecast.studies.models import Study

    name = sys.argv[1] if len(sys.argv) > 1 else "forecasts"
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    study = Study.objects.get(slug=f"export-bench-{rows}")
    sent: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        source = next(f for f in FILES if f.name == name).source(study=study)
        next(iter(source.rows))
    sql, params = max(sent, key=lambda query: len(query[0]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
