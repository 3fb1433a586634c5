"""A study's whole export package in one format: every file of `FILES`, `datapackage.json`
(Frictionless Table Schema) and `codebook.md`, written into a directory or a zip.

The same package comes from the results page ("Download all data") and from
`manage.py export_study`; both call `study_package_write` and record who exported what
(`audit_record`, action `exports.package`).

Reasoning text (the `rationale` column of forecasts) is left out unless the exporter asks
for it: it is free text and can identify people.

While a study is blinded every file carries arm codes; `unblinded=True` (only
`export_study --unblinded`, by a member of the study's data monitoring committee) writes
the real arm keys, and the audit event says so.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.utils import timezone

from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_neutralise
from casecast.resolution.exports.codebook import codebook_markdown
from casecast.resolution.exports.datapackage import Layouts, datapackage
from casecast.resolution.exports.files import FILES
from casecast.resolution.exports.writers import WRITERS, Format
from casecast.studies.models import Study

REASONING = "rationale"
AUDIT_ACTION = "exports.package"


@dataclass(frozen=True)
class PackageWritten:
    """What was written: the files (names inside the directory) and rows per data file."""

    directory: Path
    files: list[str]
    rows: dict[str, int]


def study_package_write(
    *,
    study: Study,
    format: Format,
    directory: Path,
    include_reasoning: bool = False,
    unblinded: bool = False,
    actor: Any = None,
    via: str,
) -> PackageWritten:
    """Write every file of the study's package into `directory` (created if needed), then
    audit the export (`via`: "page" or "command line"). `unblinded`: real arm keys while
    the study is blinded (the caller has checked the exporter may see them)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    rows: dict[str, int] = {}
    layouts: Layouts = {}
    for export in FILES:
        source = export.source(study=study, unblinded=unblinded)
        if not include_reasoning:
            source = source.without(REASONING)
        filename = f"{export.stem}.{format.value}"
        rows[export.name] = WRITERS[format](study=study, source=source, path=directory / filename)
        layouts[export.name] = (filename, list(source.columns))
        written.append(filename)
    (directory / "datapackage.json").write_text(
        json.dumps(
            datapackage(study=study, format=format, layouts=layouts), indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    (directory / "codebook.md").write_text(
        codebook_markdown(study=study, format=format, layouts=layouts, rows=rows),
        encoding="utf-8",
    )
    written += ["datapackage.json", "codebook.md"]
    audit_record(
        action=AUDIT_ACTION,
        actor=actor,
        study_id=study.pk,
        target=study,
        data={
            "format": format.value,
            "include_reasoning": include_reasoning,
            "unblinded": unblinded,
            "via": via,
            "rows": rows,
        },
    )
    return PackageWritten(directory=directory, files=written, rows=rows)


def package_name(*, study: Study, format: Format) -> str:
    """e.g. `judgement-2019-demo-data-parquet-20261126`: the zip's name and its folder."""
    stamp = timezone.now().strftime("%Y%m%d")
    return str(formula_neutralise(f"{study.slug}-data-{format.value}-{stamp}"))


class Written(Protocol):
    """What a package writer reports: where it wrote, and the files' names there."""

    @property
    def directory(self) -> Path: ...

    @property
    def files(self) -> list[str]: ...


def package_zip(*, name: str, write: Callable[[Path], Written]) -> tuple[str, BinaryIO]:
    """A package as a zip: its file name and an open anonymous temporary file (gone once
    closed), holding one folder named like the zip.

    `write(directory)` writes the package's files there and returns what it wrote
    (`PackageWritten`, or the network's pooled equivalent). The files are written to a
    scratch directory first (Stata's header and SPSS need the whole file's rows first),
    zipped, and the directory removed before this returns."""
    # Closed by the caller (the download response closes it once sent).
    archive = tempfile.TemporaryFile()  # noqa: SIM115
    with tempfile.TemporaryDirectory(prefix="casecast-export-") as scratch:
        package = write(Path(scratch) / name)
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
            for filename in package.files:
                zipped.write(package.directory / filename, f"{name}/{filename}")
    archive.seek(0)
    return f"{name}.zip", archive


def study_package_zip(
    *, study: Study, format: Format, include_reasoning: bool, actor: Any
) -> tuple[str, BinaryIO]:
    """The study's package as a zip (`package_zip`), audited as a page download."""
    return package_zip(
        name=package_name(study=study, format=format),
        write=lambda directory: study_package_write(
            study=study,
            format=format,
            directory=directory,
            include_reasoning=include_reasoning,
            actor=actor,
            via="page",
        ),
    )
