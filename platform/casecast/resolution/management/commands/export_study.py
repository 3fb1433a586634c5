"""Write a study's whole export package to a directory:
`manage.py export_study SLUG --format csv|parquet|dta|sav --out DIR [--include-reasoning]`.

The same files as "Download all data" on the results page, audited the same way (action
`exports.package`, with `via` "command line" and the operating-system user).
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.resolution.exports.package import study_package_write
from casecast.resolution.exports.writers import Format
from casecast.studies.models import Study


class Command(BaseCommand):
    help = (
        "Export a study's pseudonymised data package (every file, datapackage.json and "
        "codebook.md) in one format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The study's slug, as in its address")
        parser.add_argument("--format", choices=[f.value for f in Format], default=Format.CSV.value)
        parser.add_argument("--out", required=True, type=Path, help="Directory to write")
        parser.add_argument(
            "--include-reasoning",
            action="store_true",
            help="Include participants' reasoning text (free text: it can identify people; "
            "read it before sharing the files)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["slug"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['slug']!r}.")
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} exists and is not a directory.")
        if out.is_dir() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty: give a new or empty directory.")
        written = study_package_write(
            study=study,
            format=Format(options["format"]),
            directory=out,
            include_reasoning=options["include_reasoning"],
            via=f"command line ({getpass.getuser()})",
        )
        for filename in written.files:
            self.stdout.write(f"  {out / filename}")
        total = sum(written.rows.values())
        self.stdout.write(
            self.style.SUCCESS(f"Exported {study.slug}: {len(written.files)} files, {total} rows.")
        )
        if options["include_reasoning"]:
            self.stdout.write(
                self.style.WARNING(
                    "forecasts holds participants' reasoning text: read it before sharing."
                )
            )
