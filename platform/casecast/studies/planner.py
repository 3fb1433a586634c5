"""The "Plan a trial" page's arithmetic: run the power planner and draw its curve.

The numbers come from `casecast.analysis.power.plan`, the function `manage.py plan_trial`
runs, so the page and the command agree for the same inputs and seed. This module only
turns a plan into what the page shows: power per comparison with its Monte Carlo error,
the minimum detectable effect at 80% power, and the power curve as an SVG and as rows of
the table beside it (the same numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from casecast.analysis.power import TARGET_POWER, Design, PowerPlan, plan

# The page runs the planner in the request: 1,000 simulated trials take a few seconds,
# so more than this would keep a browser waiting too long (use `manage.py plan_trial`).
MAX_SIMS = 2000


@dataclass(frozen=True)
class Comparison:
    label: str  # "Arm 2 vs control"
    power: float
    mc_error: float


@dataclass(frozen=True)
class TrialPlan:
    """What the page shows for one plan."""

    result: PowerPlan
    comparisons: list[Comparison]
    svg: str

    @property
    def curve(self) -> list[dict[str, float]]:
        """The curve's points with the effect in percent, as the table shows them."""
        return [
            {
                "effect_pct": 100 * point.effect,
                "difference": point.difference,
                "power": point.power,
                "mc_error": point.mc_error,
            }
            for point in self.result.curve
        ]

    @property
    def effect_pct(self) -> float:
        return 100 * self.result.effect

    @property
    def mde_pct(self) -> float | None:
        return None if self.result.mde is None else 100 * self.result.mde


def trial_plan(
    *,
    arms: int,
    per_arm: int,
    councils_per_arm: int,
    questions: int,
    icc: float,
    control_brier: float | None,
    effect: float,
    sims: int,
    seed: int,
) -> TrialPlan:
    """Plan a trial; a `ValueError` names the input it cannot accept."""
    design = Design(
        arms=arms,
        per_arm=per_arm,
        councils_per_arm=councils_per_arm,
        questions=questions,
        icc=icc,
        control_brier=control_brier,
    )
    result = plan(design=design, effect=effect, sims=sims, seed=seed)
    comparisons = [
        Comparison(f"Arm {arm} vs control", power, error)
        for arm, (power, error) in enumerate(zip(result.power, result.mc_error, strict=True), 2)
    ]
    return TrialPlan(result, comparisons, power_curve_svg(result))


# --- the power curve -----------------------------------------------------------------

WIDTH, HEIGHT = 480, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56
FONT_SIZE = 16
LINE = "#1d70b8"


def _scale(result: PowerPlan) -> float:
    return max((point.effect for point in result.curve), default=0.0) or 1.0


def _x(effect: float, top: float) -> float:
    return round(LEFT + effect / top * (WIDTH - LEFT - RIGHT), 1)


def _y(power: float) -> float:
    return round(TOP + (1 - power) * (HEIGHT - TOP - BOTTOM), 1)


def _axes(top: float) -> SafeString:
    y_ticks = format_html_join(
        "",
        '<line x1="{0}" y1="{1}" x2="{2}" y2="{1}" stroke="#b1b4b6" stroke-width="0.5"/>'
        '<text x="{3}" y="{1}" text-anchor="end" dominant-baseline="middle">{4}%</text>',
        ((LEFT, _y(t / 100), WIDTH - RIGHT, LEFT - 6, t) for t in range(0, 101, 20)),
    )
    steps = 4
    x_ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}%</text>',
        (
            (_x(top * i / steps, top), HEIGHT - BOTTOM + 20, f"{100 * top * i / steps:.0f}")
            for i in range(steps + 1)
        ),
    )
    target = _y(TARGET_POWER)
    return format_html(
        '{}{}<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#505a5f" stroke-dasharray="4 4"/>'
        '<text x="{}" y="{}" text-anchor="middle">Effect (reduction in Brier score)</text>',
        y_ticks,
        x_ticks,
        LEFT,
        target,
        WIDTH - RIGHT,
        target,
        (LEFT + WIDTH - RIGHT) / 2,
        HEIGHT - 8,
    )


def power_curve_svg(result: PowerPlan) -> str:
    """Power against effect, with the 80% line dashed. Decorative for screen readers: the
    page shows the same points in a table."""
    top = _scale(result)
    points = [(_x(p.effect, top), _y(p.power)) for p in result.curve]
    line = " ".join(f"{x},{y}" for x, y in points)
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="4" fill="{}"/>', ((x, y, LINE) for x, y in points)
    )
    return mark_safe(
        format_html(
            '<svg class="cc-chart" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img" '
            'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg" '
            'font-family="arial, sans-serif" font-size="{2}">'
            "<title>Power curve</title>{3}"
            '<polyline points="{4}" fill="none" stroke="{5}" stroke-width="2"/>{6}</svg>',
            WIDTH,
            HEIGHT,
            FONT_SIZE,
            _axes(top),
            line,
            LINE,
            dots,
        )
    )


def as_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """A valid `TrialPlanForm`'s cleaned data as `trial_plan` arguments (the form takes the
    effect in percent)."""
    names = ("arms", "per_arm", "councils_per_arm", "questions", "icc", "sims", "seed")
    return {
        **{name: data[name] for name in names},
        "control_brier": data.get("control_brier"),
        "effect": data["effect_pct"] / 100,
    }


def field_of(error: ValueError) -> tuple[str | None, str]:
    """The form field a planner refusal is about, and the message in the page's words."""
    text = str(error)
    numbers = re.findall(r"\d+\.\d+", text)
    if text.startswith("effect") and numbers:
        return "effect_pct", (
            f"The effect must be below {100 * float(numbers[-1]):.0f}%: that is the most "
            "this model allows (everyone forecasting the true risk)"
        )
    if text.startswith("control_brier") and len(numbers) >= 2:
        return "control_brier", (
            f"The control Brier score must be between {numbers[0]} and {numbers[1]} for this "
            "model, or leave it blank"
        )
    return None, f"The planner could not use these inputs: {text}"
