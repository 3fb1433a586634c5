"""Columnar bulk reads and upserts: numpy arrays in, numpy arrays out.

Django's row iteration and `bulk_create` handle every value in Python, which
costs seconds per 100,000 scores. On PostgreSQL:

- reads pack each row into a fixed-width record of 8-byte big-endian values in
  SQL (`int8send`/`float8send`) and fetch them as one bytea (`string_agg`), which
  numpy views as a record array without parsing;
- upserts `COPY … (FORMAT binary)` numpy-built records into a temporary table
  and apply one `INSERT … SELECT … ON CONFLICT DO UPDATE`.

Other databases (SQLite in the tests) take a portable path through the ORM with
the same inputs and outputs.

Nulls cross the boundary as sentinels, so that records stay fixed-width: floats
are NaN (and NaN or ±inf is written as NULL, as the scores always were),
integers and booleans are -1 (ids, flags, small codes and categories are never
negative).
"""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.db import connection, models, transaction

Array = npt.NDArray[Any]
ColumnKind = Literal["int", "float", "bool"]

_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_NULL = -1


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _row_dtype(kinds: Sequence[ColumnKind]) -> np.dtype[Any]:
    """A binary COPY tuple of 8-byte values: field count, then (length, value) pairs."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        fields += [(f"len{i}", ">i4"), (f"v{i}", ">f8" if kind == "float" else ">i8")]
    return np.dtype(fields)


# --- reading ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column to read: a Django expression (or field path) and how to hold it."""

    expression: Any
    kind: ColumnKind = "int"


def read_columns(queryset: models.QuerySet[Any], columns: Mapping[str, Column]) -> dict[str, Array]:
    """Evaluate `queryset` with these columns and return one array per column.

    int and bool columns come back as int64 (NULL = -1), float columns as float64
    (NULL = NaN).
    """
    aliases = {f"col_{name}": column for name, column in columns.items()}
    values = queryset.order_by().values(
        **{alias: _expression(column.expression) for alias, column in aliases.items()}
    )
    kinds = [column.kind for column in aliases.values()]
    if _postgres():
        arrays = _packed_out(values, list(aliases), kinds)
    else:
        arrays = _orm_out(values, list(aliases), kinds)
    return dict(zip(columns, arrays, strict=True))


# The SQL of `read_columns_by_ids`, built once per process per key: (query, params, where
# each id list goes in params), or None where the SQL could not be turned (then the ORM
# builds it every time, as `read_columns` does).
_BY_IDS_SQL: dict[Any, tuple[str, list[Any], list[int]] | None] = {}
# Stand-ins for the id lists while the ORM writes the SQL once: negative, so never an id.
_SENTINEL_BASE = -(2**62)


def read_columns_by_ids(
    model: type[models.Model],
    columns: Mapping[str, Column],
    *,
    ids: Mapping[str, Sequence[int]],
    key: Any,
) -> dict[str, Array]:
    """`read_columns(model.objects.filter(<field>__in=<ids>, ...), columns)`, with the SQL
    built by the ORM once per process for `key` instead of on every call.

    On PostgreSQL each id list is bound as one array (`field = ANY(%s)`, the same rows as
    `IN`), so the SQL is the same whatever the lists' lengths. Building the query (its
    expressions, joins and window) costs several times running it on a small read, such as
    a submission's scoring. `key` must name everything the columns' expressions depend on.
    """
    filters = {f"{field}__in": list(values) for field, values in ids.items()}
    if not _postgres():
        return read_columns(model._default_manager.filter(**filters), columns)
    if key not in _BY_IDS_SQL:
        _BY_IDS_SQL[key] = _by_ids_sql(model, columns, list(ids))
    built = _BY_IDS_SQL[key]
    if built is None:
        return read_columns(model._default_manager.filter(**filters), columns)
    query, template, slots = built
    params = list(template)
    for slot, values in zip(slots, ids.values(), strict=True):
        params[slot] = [int(v) for v in values]
    kinds = [column.kind for column in columns.values()]
    return dict(zip(columns, _packed_fetch(query, params, kinds), strict=True))


def _by_ids_sql(
    model: type[models.Model], columns: Mapping[str, Column], fields: list[str]
) -> tuple[str, list[Any], list[int]] | None:
    """The packed query with one stand-in id per list, each `IN (%s)` turned into `= ANY(%s)`."""
    sentinels = [_SENTINEL_BASE + i for i in range(len(fields))]
    queryset = model._default_manager.filter(
        **{f"{field}__in": [sentinel] for field, sentinel in zip(fields, sentinels, strict=True)}
    )
    aliases = {f"col_{name}": column for name, column in columns.items()}
    values = queryset.order_by().values(
        **{alias: _expression(column.expression) for alias, column in aliases.items()}
    )
    sql, params = values.query.sql_with_params()
    pieces = sql.split("%s")
    slots = [i for i, param in enumerate(params) if param in sentinels]
    if len(pieces) != len(params) + 1 or sorted(params[i] for i in slots) != sentinels:
        return None
    for slot in slots:
        if not (pieces[slot].endswith(" IN (") and pieces[slot + 1].startswith(")")):
            return None
        pieces[slot] = pieces[slot][: -len(" IN (")] + " = ANY("
        pieces[slot + 1] = "::bigint[]" + pieces[slot + 1]
    slots.sort(key=lambda slot: sentinels.index(params[slot]))
    kinds = [column.kind for column in aliases.values()]
    return _packed_sql("%s".join(pieces), list(aliases), kinds), list(params), slots


def _expression(expression: Any) -> Any:
    return models.F(expression) if isinstance(expression, str) else expression


def _packed_out(values: Any, aliases: list[str], kinds: list[ColumnKind]) -> list[Array]:
    """The rows as one bytea of fixed-width big-endian records, built by `string_agg`.

    One value to fetch instead of one message per row: for 120,000 scores this is
    about 40% faster than a binary COPY, whose per-row client overhead dominates.
    (A bytea holds up to 1 GB: about 12 million rows of 11 columns.)
    """
    sql, params = values.query.sql_with_params()
    return _packed_fetch(_packed_sql(sql, aliases, kinds), params, kinds)


def _packed_sql(sql: str, aliases: list[str], kinds: list[ColumnKind]) -> str:
    record = " || ".join(
        _send(f'q."{alias}"', kind) for alias, kind in zip(aliases, kinds, strict=True)
    )
    return f"SELECT string_agg({record}, ''::bytea) FROM ({sql}) AS q"


def _packed_fetch(query: str, params: Sequence[Any], kinds: list[ColumnKind]) -> list[Array]:
    data = _fetch_binary(query, params) or b""
    dtype = np.dtype(
        [(f"v{i}", ">f8" if kind == "float" else ">i8") for i, kind in enumerate(kinds)]
    )
    rows = np.frombuffer(data, dtype=dtype)
    return [
        rows[f"v{i}"].astype(np.float64 if kind == "float" else np.int64)
        for i, kind in enumerate(kinds)
    ]


def _send(column: str, kind: ColumnKind) -> str:
    """A column as 8 big-endian bytes, NULL as the sentinel (so records stay fixed-width)."""
    if kind == "float":
        return f"float8send(COALESCE({column}::float8, 'NaN'::float8))"
    if kind == "bool":
        return f"int8send(COALESCE({column}::int4, {_NULL})::int8)"
    return f"int8send(COALESCE({column}::int8, {_NULL}))"


def _fetch_binary(query: str, params: Sequence[Any]) -> bytes | None:
    """The one value of a one-row query, in binary format (raw bytea, no hex decoding).

    Django's cursors bind client-side and cannot ask for binary results, so this uses
    a plain psycopg cursor on the same connection (same transaction), and logs the
    query as Django's debug cursor would, so query counts stay honest.
    """
    import psycopg

    connection.ensure_connection()
    start = time.monotonic()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query, params, binary=True)
        row = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{query} -- {list(params)!r}", "time": f"{time.monotonic() - start:.3f}"}
        )
    return None if row is None else row[0]


def _orm_out(values: Any, aliases: list[str], kinds: list[ColumnKind]) -> list[Array]:
    rows = list(values.values_list(*aliases))
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(aliases)
    out: list[Array] = []
    for column, kind in zip(columns, kinds, strict=True):
        if kind == "float":
            out.append(np.array(column, dtype=np.float64))  # None becomes NaN
        else:
            out.append(np.array([_NULL if v is None else int(v) for v in column], dtype=np.int64))
    return out


# --- writing ----------------------------------------------------------------------


def upsert(
    model: type[models.Model],
    *,
    columns: Mapping[str, Array],
    constants: Mapping[str, Any],
    unique: str,
    update_fields: Sequence[str],
) -> None:
    """Insert or update one row per element of `columns` (keyed on field `unique`).

    `columns` maps field attnames to equal-length arrays: int64 (NULL = -1) for
    integer, foreign key and boolean fields, float64 (NaN/inf = NULL) for float
    fields, str for text fields. `constants` are the same for every row (a study id,
    a timestamp). Rows are written in order of `unique`, so two writers take row
    locks in the same order and cannot deadlock.
    """
    order = np.argsort(columns[_attname(model, unique)], kind="stable")
    ordered = {name: np.asarray(values)[order] for name, values in columns.items()}
    if not len(order):
        return
    if _postgres():
        _copy_upsert(model, ordered, constants, unique, update_fields)
    else:
        _orm_upsert(model, ordered, constants, unique, update_fields)


def _attname(model: type[models.Model], name: str) -> str:
    return str(model._meta.get_field(name).attname)  # type: ignore[union-attr]


def _field(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field
    raise LookupError(attname)


def _copy_upsert(
    model: type[models.Model],
    columns: Mapping[str, Array],
    constants: Mapping[str, Any],
    unique: str,
    update_fields: Sequence[str],
) -> None:
    """COPY the rows into a temporary table of 8-byte columns, then one
    `INSERT … SELECT … ON CONFLICT DO UPDATE` turns sentinels back into NULLs."""
    quote = connection.ops.quote_name
    selects: list[str] = []
    kinds: list[ColumnKind] = []
    arrays: list[Array] = []
    params: list[Any] = []
    for i, (name, values) in enumerate(columns.items()):
        select, kind, array, labels = _write_column(_field(model, name), values, f"t.c{i}")
        selects.append(select)
        kinds.append(kind)
        arrays.append(array)
        if labels is not None:
            params.append(labels)
    selects += ["%s"] * len(constants)
    params += list(constants.values())
    targets = [_column(model, name) for name in [*columns, *constants]]
    updated = [_column(model, name) for name in update_fields]
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
    key = list(columns).index(_attname(model, unique))
    definition = ", ".join(
        f"c{i} {'float8' if kind == 'float' else 'int8'}" for i, kind in enumerate(kinds)
    )
    # One temporary table per layout, kept for the session: creating and dropping one
    # per call costs catalog writes. Its rows go at commit (or rollback); the DELETE
    # below covers a second upsert in the same transaction.
    temp = f"casecast_upsert_{zlib.crc32(definition.encode()):08x}"
    insert = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(selects)} FROM {temp} AS t ORDER BY t.c{key} "
        f"ON CONFLICT ({_column(model, unique)}) DO UPDATE SET {updates}"
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {temp} ({definition}) ON COMMIT DELETE ROWS; "
            f"DELETE FROM {temp}"
        )
        with cursor.cursor.copy(f"COPY {temp} FROM STDIN (FORMAT binary)") as copy:
            copy.write(_copy_payload(arrays, kinds))
        cursor.execute(insert, params)


def _column(model: type[models.Model], name: str) -> str:
    return str(connection.ops.quote_name(_field(model, _attname(model, name)).column))


def _write_column(
    field: models.Field[Any, Any], values: Array, column: str
) -> tuple[str, ColumnKind, Array, list[str] | None]:
    """How one array travels: (SQL turning the temp column into the field's value,
    its temp column kind, the array to COPY, text labels passed as a parameter)."""
    if values.dtype.kind in "US":
        # Text as codes into a label array: COPY rows stay fixed-width.
        labels, codes = np.unique(values, return_inverse=True)
        return f"(%s::text[])[{column} + 1]", "int", codes, [str(x) for x in labels]
    if isinstance(field, models.FloatField):
        sql = f"CASE WHEN {column} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE {column} END"
        return sql, "float", values, None
    if isinstance(field, models.BooleanField):
        return f"NULLIF({column}, {_NULL}) <> 0", "int", values, None
    return f"NULLIF({column}, {_NULL})", "int", values, None


def _copy_payload(arrays: Sequence[Array], kinds: Sequence[ColumnKind]) -> bytes:
    dtype = _row_dtype(kinds)
    rows = np.empty(len(arrays[0]) if arrays else 0, dtype=dtype)
    rows["count"] = len(kinds)
    for i, (values, kind) in enumerate(zip(arrays, kinds, strict=True)):
        rows[f"len{i}"] = 8
        rows[f"v{i}"] = values.astype(np.float64 if kind == "float" else np.int64)
    return _HEADER + rows.tobytes() + _TRAILER


def _orm_upsert(
    model: type[models.Model],
    columns: Mapping[str, Array],
    constants: Mapping[str, Any],
    unique: str,
    update_fields: Sequence[str],
) -> None:
    python = {name: _python_values(_field(model, name), values) for name, values in columns.items()}
    count = len(next(iter(python.values())))
    objects = [
        model(**{name: values[i] for name, values in python.items()}, **constants)
        for i in range(count)
    ]
    model._default_manager.bulk_create(
        objects,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=[unique],
        update_fields=list(update_fields),
    )


def _python_values(field: models.Field[Any, Any], values: Array) -> list[Any]:
    if values.dtype.kind in "US":
        return [str(v) for v in values.tolist()]
    if isinstance(field, models.FloatField):
        return [v if np.isfinite(v) else None for v in values.tolist()]
    if isinstance(field, models.BooleanField):
        return [None if v == _NULL else bool(v) for v in values.tolist()]
    return [None if v == _NULL else int(v) for v in values.tolist()]
