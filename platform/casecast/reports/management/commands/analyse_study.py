"""Analyse a study by its analysis plan: `manage.py analyse_study SLUG [--json]`.

`--json` prints the trial report's numbers (`reports.services.study_report_json`): the same
arms, n, estimates, intervals, p values, ICC and stamp as the report page, and the
judgement insights (`judgement.services.study_insights_json`: `calibration`,
`questions`, `noise`, `thresholds`, `updating`), keys sorted and no moments in time, so
running it again on unchanged data prints the same text. Arms are labelled as the
command line may see them (`studies.blinding`, role None: pooled and coded while
blinded); `--unblinded --user EMAIL` shows them as the data monitoring committee does, for a
member of that committee, and is audited in that member's name.
"""

from __future__ import annotations

import getpass
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.audit.services import audit_record
from casecast.judgement.services import study_insights_json
from casecast.reports.services import study_report_json
from casecast.studies.blinding import NotOnCommittee, committee_member
from casecast.studies.models import Study, StudyMembership


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "Run a study's pre-specified analysis and print the report's numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The study's slug, as in its address")
        parser.add_argument("--json", action="store_true", help="Print the numbers as JSON")
        parser.add_argument(
            "--unblinded",
            action="store_true",
            help="Show arms by name and compare them, as the data monitoring committee sees "
            "a blinded trial (needs --user; recorded in the study's audit trail)",
        )
        parser.add_argument(
            "--user",
            help="With --unblinded: the email of the data monitoring committee member asking",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        study = Study.objects.filter(slug=options["slug"]).first()
        if study is None:
            raise CommandError(f"No study with slug {options['slug']!r}.")
        if options["user"] and not options["unblinded"]:
            raise CommandError("--user is only used with --unblinded.")
        role = StudyMembership.Role.DMC if options["unblinded"] else None
        if options["unblinded"]:
            try:
                member = committee_member(study=study, email=options["user"])
            except NotOnCommittee as refusal:
                raise CommandError(str(refusal)) from refusal
            audit_record(
                action="report.unblinded_command",
                actor=member,
                study_id=study.pk,
                target=study,
                data={"via": f"command line ({getpass.getuser()})"},
            )
        try:
            document = study_report_json(study=study, role=role)
        except ValueError as error:
            raise CommandError(f"The analysis could not run: {error}") from error
        if options["json"]:
            insights = study_insights_json(study=study, role=role)
            assert not insights.keys() & document.keys(), "report and insight keys overlap"
            document = {**document, **insights}
            self.stdout.write(json.dumps(document, sort_keys=True, indent=2, allow_nan=False))
            return
        stamp, primary = document["stamp"], document["primary"]
        self.stdout.write(f"{study.title}: SAP version {stamp['sap_version']}")
        self.stdout.write(f"  inputs {stamp['input_hash']}  engine {stamp['engine_version']}")
        for arm in document["arms"]:
            self.stdout.write(
                f"  {arm['label']}: n {arm['n']}, mean Brier {_fmt(arm['mean'])} "
                f"(SD {_fmt(arm['sd'])})"
            )
        for effect in primary["effects"]:
            self.stdout.write(
                f"  {effect['arm']} vs control: {_fmt(effect['difference'])} "
                f"[{_fmt(effect['ci_low'])}, {_fmt(effect['ci_high'])}], "
                f"p {_fmt(effect['p'])}, adjusted p {_fmt(effect['p_adjusted'])}"
            )
