"""`datapackage.json`: the package described as a Frictionless Data Package, each file with
its Table Schema (fields, types, labels, descriptions, missing values, keys), generated from
the same column declarations as the files.

Flags are integers constrained to 0 and 1 (the same in every format, where a boolean
would be text in CSV but a number in Stata); value labels are Table Schema
`categories`. Staff-typed text (the study's title, arm names) is formula-neutralised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from casecast.core.csv_safety import formula_neutralise
from casecast.resolution.exports.columns import Column, ColumnType
from casecast.resolution.exports.files import FILES, FileKeys
from casecast.resolution.exports.writers import Format, value_labels
from casecast.studies.models import Study

TYPES = {
    ColumnType.INTEGER: "integer",
    ColumnType.NUMBER: "number",
    ColumnType.FLAG: "integer",
    ColumnType.TIME: "datetime",
    ColumnType.TEXT: "string",
}
MEDIA_TYPES = {
    Format.CSV: "text/csv",
    Format.PARQUET: "application/vnd.apache.parquet",
    Format.STATA: "application/x-stata-dta",
    Format.SPSS: "application/x-spss-sav",
}

Layouts = dict[str, tuple[str, Sequence[Column[Any]]]]


def _text(value: str) -> str:
    return str(formula_neutralise(value))


def table_field(column: Column[Any]) -> dict[str, Any]:
    """One column as a Table Schema field."""
    field: dict[str, Any] = {
        "name": column.name,
        "type": TYPES[column.type],
        "title": _text(column.label),
        "description": _text(column.description),
    }
    if column.type is ColumnType.TIME:
        field["format"] = "%Y-%m-%dT%H:%M:%SZ"
    if column.type is ColumnType.FLAG:
        field["constraints"] = {"enum": [0, 1]}
    if column.value_labels:
        field["categories"] = [
            {"value": code, "label": label} for code, label in value_labels(column).items()
        ]
    return field


def _schema(export: FileKeys, columns: Sequence[Column[Any]]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [table_field(column) for column in columns],
        "missingValues": [""],
    }
    if export.primary_key:
        schema["primaryKey"] = list(export.primary_key)
    if export.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [field], "reference": {"resource": resource, "fields": [target]}}
            for field, resource, target in export.foreign_keys
        ]
    return schema


def datapackage(*, study: Study, format: Format, layouts: Layouts) -> dict[str, Any]:
    """The descriptor of a study's package written in `format`; `layouts` maps each file's
    name to its file name and the columns it was written with."""
    return package_descriptor(
        name=study.slug,
        title=study.title,
        description="Pseudonymised export of a Casecast study. Times are UTC. Files join "
        "on pseudonym, forecast_id and question_id; see codebook.md.",
        format=format,
        layouts=layouts,
        files=FILES,
    )


def package_descriptor(
    *,
    name: str,
    title: str,
    description: str,
    format: Format,
    layouts: Layouts,
    files: Iterable[FileKeys],
) -> dict[str, Any]:
    """The descriptor of any package of `files` (their keys) written in `format`."""
    keys = {export.name: export for export in files}
    resources = []
    for file_name, (filename, columns) in layouts.items():
        resource: dict[str, Any] = {
            "name": file_name,
            "path": filename,
            "format": format.value,
            "mediatype": MEDIA_TYPES[format],
            "schema": _schema(keys[file_name], columns),
        }
        if format is Format.CSV:
            resource["profile"] = "tabular-data-resource"
            resource["encoding"] = "utf-8"
            resource["dialect"] = {"delimiter": ",", "lineTerminator": "\n", "header": True}
        resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": _text(title),
        "created": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": description,
        "resources": resources,
    }
