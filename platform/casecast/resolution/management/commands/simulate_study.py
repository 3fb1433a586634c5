"""Run a throwaway study with synthetic participants: a design check and an end-to-end test."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.resolution.simulation import SimulationOptions, simulate_study


class Command(BaseCommand):
    help = "Create a simulated study, run it through the real services and report arm effects."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = SimulationOptions()
        parser.add_argument("--participants", type=int, default=defaults.participants)
        parser.add_argument("--arms", type=int, default=defaults.arms, help="Including control.")
        parser.add_argument(
            "--scheme",
            choices=["simple", "blocks", "minimisation", "cluster"],
            default=defaults.scheme,
        )
        parser.add_argument(
            "--clusters",
            type=int,
            default=defaults.clusters,
            help="Councils (strata, or clusters under --scheme cluster).",
        )
        parser.add_argument(
            "--effect",
            type=float,
            default=defaults.effect,
            help="Relative reduction of the intervention arms' expected Brier (population).",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--sigma",
            type=float,
            default=defaults.sigma,
            help="Spread of forecaster skill (SD of log discrimination).",
        )
        parser.add_argument("--vignettes-before", type=int, default=defaults.vignettes_before)
        parser.add_argument("--vignettes-after", type=int, default=defaults.vignettes_after)
        parser.add_argument(
            "--questions",
            type=int,
            default=defaults.questions,
            help="Binary questions per vignette.",
        )
        parser.add_argument(
            "--icc",
            type=float,
            default=defaults.icc,
            help="Intra-council correlation of the primary outcome (0: no council effect).",
        )
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["arms"] < 2 or opts["participants"] < opts["arms"]:
            raise CommandError("Need at least 2 arms and one participant per arm.")
        if opts["vignettes_after"] < 1 or opts["questions"] < 1:
            raise CommandError("Need at least one vignette after randomisation and one question.")
        options = SimulationOptions(
            participants=opts["participants"],
            arms=opts["arms"],
            scheme=opts["scheme"],
            clusters=opts["clusters"],
            effect=opts["effect"],
            seed=opts["seed"],
            sigma=opts["sigma"],
            vignettes_before=opts["vignettes_before"],
            vignettes_after=opts["vignettes_after"],
            questions=opts["questions"],
            icc=opts["icc"],
        )
        try:
            report = simulate_study(options=options)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        self.stdout.write(f"Study {report.study_id} ({report.study_slug})")
        self.stdout.write(f"Arm sizes: {report.arm_sizes}")
        self.stdout.write(
            f"Planted difference in mean Brier on this study's questions: "
            f"{report.planted_difference:+.4f} "
            f"({report.planted_relative_reduction:.1%} of the control's; population "
            f"{report.population_planted_difference:+.4f})"
        )
        for arm in report.arms:
            if "difference" in arm:
                self.stdout.write(
                    f"  {arm['arm']}: {arm['difference']:+.4f} "
                    f"(95% CI {arm['ci_low']:+.4f} to {arm['ci_high']:+.4f}, SE {arm['se']:.4f})"
                )
        for note in report.notes:
            self.stdout.write(self.style.WARNING(f"Note: {note}"))
        self.stdout.write(f"Timings (s): {report.timings}")
