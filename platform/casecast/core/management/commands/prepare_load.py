"""Prepare the load benchmark's study: N participants ready to start their cases.

    manage.py prepare_load --participants 600 --links /tmp/links.txt

Idempotent and fast (bulk writes): see `casecast.core.load_study`. Writes one
personal link path per line to `--links` (or prints them), for `bench/load/`.
Never run it against a live database: it deletes the load study's forecasts.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.accounts.models import User
from casecast.core.load_study import LOAD_SLUG, LoadStudyError, load_study_prepare

LOAD_RESEARCHER = "load-researcher@example.org"


class Command(BaseCommand):
    help = "Create or reset the load-test study with N ready-to-work participants."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=600)
        parser.add_argument("--links", type=Path, help="write the personal links to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        researcher = User.objects.filter(email=LOAD_RESEARCHER).first()
        if researcher is None:
            researcher = User.objects.create_user(email=LOAD_RESEARCHER, password=None)
        try:
            load = load_study_prepare(participants=options["participants"], by=researcher)
        except LoadStudyError as error:
            raise CommandError(str(error)) from error
        text = "\n".join(load.links) + "\n"
        if options["links"]:
            options["links"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(
            f"study {LOAD_SLUG!r}: {len(load.links)} participants ready "
            f"in {time.perf_counter() - started:.1f} s"
        )
