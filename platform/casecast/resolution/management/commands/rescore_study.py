"""Rescore every forecast of a study in-process: `manage.py rescore_study <slug>`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.resolution.jobs import rescore_job_run
from casecast.resolution.services import rescore_job_create
from casecast.studies.models import Study


class Command(BaseCommand):
    help = (
        "Recompute all scores and summaries of a study (the same job as the researcher's button)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["slug"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['slug']!r}.")
        job, created = rescore_job_create(study=study, by=None)
        if not created:
            self.stdout.write(f"Resuming rescore job {job.pk} (already queued or running).")
        finished = rescore_job_run(job_id=job.pk)
        if finished is None:
            raise CommandError(f"Rescore job {job.pk} was finished by someone else.")
        scored = finished.scored or 0
        self.stdout.write(
            f"Rescored {study.slug} (job {job.pk}): {scored} forecasts scored, "
            f"{finished.total - scored} answers without a score."
        )
