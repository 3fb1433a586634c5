"""Simulation-based power for a planned trial: a thin wrapper over casecast.analysis.power."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casecast.analysis.power import Design, PowerPlan, plan


class Command(BaseCommand):
    help = (
        "Power of each arm-vs-control comparison by simulating trials under the skill model "
        "and analysing each with the primary analysis (no database is touched)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = Design()
        parser.add_argument("--arms", type=int, default=defaults.arms, help="Including control.")
        parser.add_argument("--per-arm", type=int, default=defaults.per_arm)
        parser.add_argument(
            "--councils-per-arm",
            type=int,
            default=defaults.councils_per_arm,
            help="Councils randomised to each arm; 0 for individual randomisation.",
        )
        parser.add_argument(
            "--questions", type=int, default=defaults.questions, help="Primary questions."
        )
        parser.add_argument("--baseline-questions", type=int, default=defaults.baseline_questions)
        parser.add_argument(
            "--icc", type=float, default=defaults.icc, help="ICC of the primary outcome."
        )
        parser.add_argument(
            "--control-brier",
            type=float,
            default=None,
            help="Expected Brier of the control arm (default: the model's, about 0.22).",
        )
        parser.add_argument(
            "--effect",
            type=float,
            default=0.1,
            help="Relative reduction of the expected Brier in each intervention arm.",
        )
        parser.add_argument("--sims", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--alpha", type=float, default=defaults.alpha)
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        design = Design(
            arms=opts["arms"],
            per_arm=opts["per_arm"],
            councils_per_arm=opts["councils_per_arm"],
            questions=opts["questions"],
            baseline_questions=opts["baseline_questions"],
            icc=opts["icc"],
            control_brier=opts["control_brier"],
            alpha=opts["alpha"],
        )
        try:
            result = plan(
                design=design, effect=opts["effect"], sims=opts["sims"], seed=opts["seed"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if opts["json"]:
            self.stdout.write(json.dumps(asdict(result), indent=2))
            return
        self._print(result)

    def _print(self, result: PowerPlan) -> None:
        design = result.design
        scheme = (
            f"{design.councils_per_arm} councils per arm (CR2)"
            if design.councils_per_arm
            else "individual randomisation (HC2)"
        )
        self.stdout.write(
            f"{design.arms} arms x {design.per_arm} participants, {scheme}, "
            f"{design.questions} questions, ICC {design.icc:g}"
        )
        self.stdout.write(
            f"Control expected Brier {result.control_brier:.4f}; effect {result.effect:g} "
            f"(difference {result.planted_difference:+.4f}); {result.sims} simulated trials"
        )
        if result.realised_icc is not None:
            self.stdout.write(
                f"ICC realised in the simulated trials {result.realised_icc:.3f}; "
                f"design effect 1 + (m - 1) ICC = {result.design_effect:.2f}"
            )
        for arm, (power, error) in enumerate(zip(result.power, result.mc_error, strict=True), 1):
            self.stdout.write(f"  Arm {arm} vs control: power {power:.3f} (MC error {error:.3f})")
        if result.mde is None:
            self.stdout.write("80% power is not reached on the curve's effects.")
        else:
            self.stdout.write(
                f"Minimum detectable effect at 80% power: {result.mde:.3f} "
                f"(difference {result.mde_difference:+.4f})"
            )
        self.stdout.write("Effect  Difference  Power")
        for point in result.curve:
            self.stdout.write(
                f"{point.effect:6.3f}  {point.difference + 0.0:+.4f}     {point.power:.3f}"
            )
