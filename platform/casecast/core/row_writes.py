"""The journey's hottest writes, each one hand-written statement.

`bulk_create` wraps even a one-row insert in a transaction (BEGIN, INSERT, COMMIT:
three round trips), and the ORM builds every statement's SQL again on each call,
which costs more than PostgreSQL takes to run it. The participant journey writes a
row for every part it shows and every draft it autosaves, and a submission inserts
its forecasts and deletes the part's draft, so those writes are one statement each:
the SQL is written once per process from the model's metadata, and every value is
prepared by its own field (`pre_save`, `get_db_prep_save`), as the ORM prepares it.
A single statement is atomic on its own; inside a transaction these take part in it
like any other query.

Only for a few hot writes; everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import Field, Model


def insert_unless_present(model: type[Model], values: Mapping[str, Any], *, using: str) -> bool:
    """Insert a row of `model` (field name -> value) unless it would break a unique
    constraint; True if it was inserted."""
    sql = _insert_sql(model, tuple(values), using=using, conflict="DO NOTHING")
    with connections[using].cursor() as cursor:
        cursor.execute(sql, _prepared(model, values, using=using))
        return cursor.rowcount == 1


def upsert_returning_pk(
    model: type[Model],
    values: Mapping[str, Any],
    *,
    unique: tuple[str, ...],
    update: tuple[str, ...],
    using: str,
) -> int:
    """Insert a row of `model`, or if one with the same `unique` fields exists, set its
    `update` fields to these values; the row's primary key."""
    sql = _insert_sql(
        model, tuple(values), using=using, conflict=_update(model, unique, update, using)
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, _prepared(model, values, using=using))
        (pk,) = cursor.fetchone()
    return int(pk)


def insert_all(objs: Sequence[Model], *, using: str) -> None:
    """Insert these new instances of one model in one statement and set their primary
    keys, as `bulk_create` does (defaults and `auto_now_add` applied by each field)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = _inserted_fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(obj, add=True), connection)
        for obj in objs
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_all_sql(model, len(objs), using=using), params)
        pks = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def delete_matching(model: type[Model], values: Mapping[str, Any], *, using: str) -> None:
    """Delete the rows of `model` whose fields equal these values (no signals, no
    cascades: only for models nothing else refers to)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            _delete_sql(model, tuple(values), using=using), _prepared(model, values, using=using)
        )


@cache
def _delete_sql(model: type[Model], names: tuple[str, ...], *, using: str) -> str:
    quote = connections[using].ops.quote_name
    where = " AND ".join(f"{quote(_column(model, name))} = %s" for name in names)
    return f"DELETE FROM {quote(model._meta.db_table)} WHERE {where}"


@cache
def _inserted_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    return tuple(field for field in model._meta.concrete_fields if not field.primary_key)


@cache
def _insert_all_sql(model: type[Model], rows: int, *, using: str) -> str:
    quote = connections[using].ops.quote_name
    fields = _inserted_fields(model)
    columns = ", ".join(quote(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES"
        f" {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )


@cache
def _update(
    model: type[Model], unique: tuple[str, ...], update: tuple[str, ...], using: str
) -> str:
    quote = connections[using].ops.quote_name
    unique_columns = ", ".join(quote(_column(model, name)) for name in unique)
    assignments = ", ".join(
        f"{column} = EXCLUDED.{column}"
        for column in (quote(_column(model, name)) for name in update)
    )
    pk = quote(model._meta.pk.column)
    return f"({unique_columns}) DO UPDATE SET {assignments} RETURNING {pk}"


@cache
def _insert_sql(model: type[Model], names: tuple[str, ...], *, using: str, conflict: str) -> str:
    quote = connections[using].ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
        f" ON CONFLICT {conflict}"
    )


def _prepared(model: type[Model], values: Mapping[str, Any], *, using: str) -> list[Any]:
    connection = connections[using]
    return [
        _field(model, name).get_db_prep_save(value, connection) for name, value in values.items()
    ]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise LookupError(f"{model.__name__}.{name} is not a column")
    return field


def _column(model: type[Model], name: str) -> str:
    return str(_field(model, name).column)
