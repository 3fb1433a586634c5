"""Create a new draft study from a design file."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.accounts.models import User
from casecast.studies.design_yaml import DesignFileError, design_import


class Command(BaseCommand):
    help = "Create a new draft study from a Casecast design file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--by", required=True, help="Email of the staff account that becomes administrator."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["by"].strip().lower()).first()
        if user is None or not user.has_usable_password():
            raise CommandError(f"No staff account {options['by']!r}.")
        try:
            study = design_import(text=options["path"].read_text(encoding="utf-8"), by=user)
        except DesignFileError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(
                f"The design file has problems; nothing imported:\n{problems}"
            ) from None
        self.stdout.write(f"Created draft study {study.slug!r}.")
