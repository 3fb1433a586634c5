"""An export's query read a chunk of rows at a time, each row a dict keyed by field path.

The rows are exactly what the queryset's `.values(...)` gives (the same SQL, Django's own
converters such as JSON applied), but on PostgreSQL they are read through one server-side
cursor of psycopg directly, with psycopg's C loader for `timestamptz`: Django registers a
Python loader for every `timestamptz` (`psycopg_any.BaseTzLoader`, over psycopg's pure
Python parser), which was the largest single cost of reading a million forecast rows
(docs/performance.md, "Exports"). The C loader gives the same instant in the connection's
time zone (UTC, as Django sets it), and every writer converts times to UTC itself.

Other databases (SQLite in development and tests) read through the ORM. Both paths give
the same values, so every file is the same bytes either way (`ORM_ONLY` forces the ORM
path, for the test that compares them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from itertools import repeat
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import Model, QuerySet

from casecast.resolution.exports import columns

# Tests set this to compare the two paths' output on PostgreSQL.
ORM_ONLY = False


def value_chunks(
    rows: QuerySet[Any, dict[str, Any]], size: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The rows of a `.values(...)` queryset in lists of `size` (default `CHUNK`)."""
    size = size or columns.CHUNK  # read now: tests patch it
    connection = connections[rows.db]
    if ORM_ONLY or connection.vendor != "postgresql":
        yield from columns.batched(rows.iterator(chunk_size=size), size)
        return
    query = rows.query
    compiler = query.get_compiler(using=rows.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return
    # The names `.values()` gives each selected column, in the order selected
    # (django.db.models.query.ValuesIterable).
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
    # In a transaction the server-side cursor needs no WITH HOLD: outside one (autocommit),
    # PostgreSQL copies the whole result into a holdable store before the first row is
    # fetched (a million rows written out, then read back); inside, rows stream from the
    # query's last sort while this process converts them. Read-only, so nothing is held
    # but the snapshot; the chunk lookups run in the same transaction.
    with transaction.atomic(using=rows.db), connection.chunked_cursor() as cursor:
        _times_read_in_c(cursor)
        cursor.execute(sql, params)
        convert = [
            (names[pos], convs, expression) for pos, (convs, expression) in converters.items()
        ]
        while chunk := cursor.fetchmany(size):
            # As `.values()` does, columns beyond the names (if any) are dropped (`zip`
            # stops at the shorter). One dict a row is a seventh of a file's CPU: built
            # with C-level calls only.
            dicts = list(map(dict, map(zip, repeat(names), chunk)))
            # Django's converters (`SQLCompiler.apply_converters`), a column at a time.
            for name, convs, expression in convert:
                for db in dicts:
                    value = db[name]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    db[name] = value
            yield dicts


def _times_read_in_c(cursor: Any) -> None:
    """Read `timestamptz` with psycopg's C loader on this (Django-wrapped) cursor."""
    loader = _c_timestamptz_loader()
    if loader is not None:
        cursor.cursor.adapters.register_loader("timestamptz", loader)


@cache
def _c_timestamptz_loader() -> type[Any] | None:
    """psycopg's C loader for `timestamptz` text, where the C extension is installed."""
    import psycopg
    from psycopg.pq import Format

    loader = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)
    return loader if loader is not None and loader.__module__.startswith("psycopg_") else None


def postgresql_rows(
    model: type[Model], sql: str, params: Sequence[Any]
) -> list[tuple[Any, ...]] | None:
    """The rows of `sql` (hand-written for PostgreSQL) on `model`'s database, times read by
    psycopg's C loader; None on any other database or with `ORM_ONLY`, where the caller
    runs its ORM query instead. For the lookups made once per chunk of an export: building
    an ORM query with an `IN` of a few hundred ids cost more than running it."""
    connection = connections[router.db_for_read(model)]
    if ORM_ONLY or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        _times_read_in_c(cursor)
        cursor.execute(sql, params)
        return cursor.fetchall()
