"""`codebook.md`: the package described for a person: the conventions, then per file its
keys, row count and a table of every column (name, type, label, description, values),
from the same declarations as the files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from casecast.core.csv_safety import formula_neutralise
from casecast.resolution.exports.columns import Column
from casecast.resolution.exports.datapackage import Layouts
from casecast.resolution.exports.dictionary import CONVENTIONS
from casecast.resolution.exports.files import FILES, FileKeys
from casecast.resolution.exports.writers import Format, value_labels
from casecast.studies.models import Study

MISSING = {
    Format.CSV: "an empty cell",
    Format.PARQUET: "null",
    Format.STATA: ". for numbers and times, an empty string for text",
    Format.SPSS: "system-missing for numbers and times, an empty string for text",
}


def _cell(text: str) -> str:
    """Text for a Markdown table cell: no pipes or line breaks, never a formula."""
    return str(formula_neutralise(text.replace("|", "/").replace("\n", " ")))


def _values(column: Column[Any], format: Format) -> str:
    labels = value_labels(column)
    if not labels:
        return ""
    if format in (Format.STATA, Format.SPSS) and column.type.value == "text":
        # Stored as numbered codes in declared order (see writers.py).
        return "; ".join(
            f"{n} = {value} ({label})" for n, (value, label) in enumerate(labels.items(), 1)
        )
    return "; ".join(f"{value} = {label}" for value, label in labels.items())


def codebook_markdown(
    *,
    study: Study,
    format: Format,
    layouts: Layouts,
    rows: dict[str, int],
) -> str:
    return codebook_text(
        heading=f"Codebook: {study.title} ({study.slug})",
        format=format,
        layouts=layouts,
        rows=rows,
        files=FILES,
    )


def codebook_text(
    *,
    heading: str,
    format: Format,
    layouts: Layouts,
    rows: dict[str, int],
    files: Iterable[FileKeys],
    about: str = "",
    conventions: Sequence[tuple[str, str]] = tuple(CONVENTIONS),
) -> str:
    """The codebook of any package of `files` (in their order); `about` is a paragraph
    after the heading saying what the package holds."""
    lines = [f"# {_cell(heading)}", ""]
    if about:
        lines += [_cell(about), ""]
    lines += [
        f"Exported {timezone.now().strftime('%Y-%m-%d %H:%M')} UTC in {format.label}. "
        f"Missing values are {MISSING[format]}. `datapackage.json` describes the same "
        "files for machines (Frictionless Table Schema).",
        "",
        "## Conventions",
        "",
    ]
    lines += [f"- **{name}** {_cell(text)}" for name, text in conventions]
    for export in files:
        if export.name not in layouts:
            continue
        filename, columns = layouts[export.name]
        lines += ["", f"## {filename}", "", f"{rows.get(export.name, 0)} rows."]
        if export.primary_key:
            lines.append(f"Key: {', '.join(export.primary_key)}.")
        for field, resource, target in export.foreign_keys:
            lines.append(f"`{field}` refers to `{target}` in {resource}.")
        lines += ["", "| column | type | label | description | values |", "|---|---|---|---|---|"]
        lines += [
            f"| {c.name} | {c.type.value} | {_cell(c.label)} | {_cell(c.description)} "
            f"| {_cell(_values(c, format))} |"
            for c in columns
        ]
    return "\n".join(lines) + "\n"
