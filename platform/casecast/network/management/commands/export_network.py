"""Write the pooled package of linked forecasters to a directory:
`manage.py export_network --format csv|parquet|dta|sav --out DIR [--study SLUG ...]
[--include-reasoning]`.

The same files as "Download pooled data" on the network page, audited the same way
(action `network.pooled_export`, and `exports.pooled` in each pooled study's trail, with
`via` "command line" and the operating-system user). Without `--study`, every study that
offers linking across studies is pooled.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.network.pooled import PoolError, pool_build, pooled_package_write
from casecast.resolution.exports.writers import Format


class Command(BaseCommand):
    help = (
        "Export the pooled data of forecasters who agreed to link their answers across "
        "studies (every file, datapackage.json and codebook.md) in one format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=[f.value for f in Format], default=Format.CSV.value)
        parser.add_argument("--out", required=True, type=Path, help="Directory to write")
        parser.add_argument(
            "--study",
            action="append",
            default=[],
            metavar="SLUG",
            help="A study to pool (repeat for more); default: every study offering linking",
        )
        parser.add_argument(
            "--include-reasoning",
            action="store_true",
            help="Include participants' reasoning text (free text: it can identify people; "
            "read it before sharing the files)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} exists and is not a directory.")
        if out.is_dir() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty: give a new or empty directory.")
        try:
            pool = pool_build(slugs=options["study"])
        except PoolError as error:
            raise CommandError(str(error)) from error
        written = pooled_package_write(
            pool=pool,
            format=Format(options["format"]),
            directory=out,
            include_reasoning=options["include_reasoning"],
            via=f"command line ({getpass.getuser()})",
        )
        for filename in written.files:
            self.stdout.write(f"  {out / filename}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Pooled {', '.join(written.studies)}: {written.rows['forecasters']} linked "
                f"forecasters, {len(written.files)} files."
            )
        )
        if options["include_reasoning"]:
            self.stdout.write(
                self.style.WARNING(
                    "forecasts holds participants' reasoning text: read it before sharing."
                )
            )
