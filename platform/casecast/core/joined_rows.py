"""Load one row of several joined models from hand-written SQL, as the ORM would.

The ORM spends about a millisecond building and compiling a query that joins
five tables (several hundred columns of SQL), ten times what PostgreSQL takes to
answer it. The participant journey runs one such query on every page, so its SQL
is written once per process from the models' own metadata (`select_list`) and
each row is turned into model instances here (`instances`), with the same value
conversions the ORM applies (dates on SQLite, JSON, decimals), so the objects
are indistinguishable from those a queryset returns.

Only for a few hot reads; everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


def qualified_column(meta: Any, name: str, *, using: str = "default") -> str:
    """A field's column as `"table"."column"`, quoted for the database (`meta`: a model's
    `_meta`), for the hand-written reads that join two tables."""
    quote = connections[using].ops.quote_name
    return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"


def select_list(model: type[Model], alias: str, *, using: str = "default") -> str:
    """Every concrete column of `model`, qualified by the table alias, in field order."""
    quote = connections[using].ops.quote_name
    return ", ".join(
        f"{quote(alias)}.{quote(field.column)}" for field in model._meta.concrete_fields
    )


def rows_of_sql(model: type[Model], *, where: str, using: str = "default") -> str:
    """`SELECT` every column of `model` from its table, filtered by `where` (columns
    named with `qualified_column`, values as `%s` parameters)."""
    table = model._meta.db_table
    quoted = connections[using].ops.quote_name(table)
    return f"SELECT {select_list(model, table, using=using)} FROM {quoted} WHERE {where}"


def one(model: type[Model], sql: str, params: Sequence[Any], *, using: str) -> Model | None:
    """The instance of `model` on the one row `sql` selects (in `select_list` order), or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else instance(model, row, using=using)


def column_count(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


class _Loader:
    """A model's field names, primary key position and per-field converters on one database."""

    def __init__(self, model: type[Model], using: str):
        connection = connections[using]
        self.model = model
        self.using = using
        self.names = [field.attname for field in model._meta.concrete_fields]
        self.pk_index = self.names.index(model._meta.pk.attname)
        self.converters: list[tuple[int, list[Converter], Any]] = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                self.converters.append((index, converters, column))

    def load(self, values: Sequence[Any]) -> Model | None:
        if len(values) != len(self.names):
            raise ValueError(f"{self.model.__name__}: {len(values)} values for {len(self.names)}")
        if values[self.pk_index] is None:
            return None  # an outer join found no row
        connection = connections[self.using]  # this thread's (converters read its settings)
        converted = list(values)
        for index, converters, column in self.converters:
            value = converted[index]
            for converter in converters:
                value = converter(value, column, connection)
            converted[index] = value
        return self.model.from_db(self.using, self.names, converted)


_LOADERS: dict[tuple[str, type[Model]], _Loader] = {}


def instance(model: type[Model], values: Sequence[Any], *, using: str = "default") -> Model | None:
    """A model instance from its columns in `select_list` order; None for an outer join's
    missing row (primary key NULL)."""
    loader = _LOADERS.get((using, model))
    if loader is None:
        loader = _LOADERS[(using, model)] = _Loader(model, using)
    return loader.load(values)


def instances(
    row: Sequence[Any], models: Sequence[type[Model]], *, using: str = "default"
) -> tuple[list[Model | None], list[Any]]:
    """Split a row selected as `select_list(m1), select_list(m2), …, extra…` into an
    instance per model and the extra columns left at the end."""
    found: list[Model | None] = []
    start = 0
    for model in models:
        end = start + column_count(model)
        found.append(instance(model, row[start:end], using=using))
        start = end
    return found, list(row[start:])
