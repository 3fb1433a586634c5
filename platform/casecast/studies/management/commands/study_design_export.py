"""Print a study's design file (YAML) to standard output."""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.audit.services import audit_record
from casecast.studies.design_yaml import design_export
from casecast.studies.models import Study


class Command(BaseCommand):
    help = "Write the study's design as a Casecast design file (YAML) to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["slug"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['slug']!r}.")
        text = design_export(study=study)
        audit_record(
            action="design.export",
            study_id=study.pk,
            target=study,
            data={"format": "yaml", "via": f"command line ({getpass.getuser()})"},
        )
        self.stdout.write(text, ending="")
