"""Write a study's whole export package to a directory:
`manage.py export_study SLUG --format csv|parquet|dta|sav --out DIR [--include-reasoning]
[--unblinded --user EMAIL]`.

The same files as "Download all data" on the results page, audited the same way (action
`exports.package`, with `via` "command line" and the operating-system user).

While the study is blinded the arms are codes, as on every page. `--unblinded` writes the
real arm keys for the data monitoring committee: `--user` names the committee member
asking (a member of the study's `dmc` role, the one study role that sees real names while
blinded; anyone else is refused before anything is written), and the export is recorded
as `exports.unblinded_command` (as `analyse_study --unblinded` records
`report.unblinded_command`) and in `exports.package` with `unblinded` true, both with that
member as actor.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.audit.services import audit_record
from casecast.resolution.exports.package import study_package_write
from casecast.resolution.exports.writers import Format
from casecast.studies.blinding import NotOnCommittee, committee_member
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
        parser.add_argument(
            "--unblinded",
            action="store_true",
            help="Write real arm keys while the study is blinded, for its data monitoring "
            "committee (needs --user; recorded in the study's audit trail)",
        )
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="With --unblinded: the email of the data monitoring committee member asking",
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
        if options["user"] and not options["unblinded"]:
            raise CommandError("--user is only used with --unblinded.")
        member = None
        if options["unblinded"]:
            try:
                member = committee_member(study=study, email=options["user"])
            except NotOnCommittee as refusal:
                raise CommandError(str(refusal)) from refusal
        if member is not None:
            audit_record(
                action="exports.unblinded_command",
                actor=member,
                study_id=study.pk,
                target=study,
                data={
                    "format": options["format"],
                    "via": f"command line ({getpass.getuser()})",
                },
            )
        written = study_package_write(
            study=study,
            format=Format(options["format"]),
            directory=out,
            include_reasoning=options["include_reasoning"],
            unblinded=options["unblinded"],
            actor=member,
            via=f"command line ({getpass.getuser()})",
        )
        for filename in written.files:
            self.stdout.write(f"  {out / filename}")
        total = sum(written.rows.values())
        self.stdout.write(
            self.style.SUCCESS(f"Exported {study.slug}: {len(written.files)} files, {total} rows.")
        )
        if options["unblinded"]:
            self.stdout.write(
                self.style.WARNING(
                    "The files name the real arms: share them only with the data monitoring "
                    "committee until the study is unblinded."
                )
            )
        if options["include_reasoning"]:
            self.stdout.write(
                self.style.WARNING(
                    "forecasts holds participants' reasoning text: read it before sharing."
                )
            )
