"""Recruitment and progress by council: counts only, in a constant number of queries.

`recruitment_progress(study=, council=)` reads seven queries whatever the number of
councils or participants (tests/studies/test_recruitment.py checks it at 100
councils and 6,000 participants). With `council` it counts that council only —
the council lead's view, which never carries arms or individuals.

Definitions (docs/researchers.md, "Recruitment and progress"):
- invited: invitations made for the council (emails sent and single-use codes);
- enrolled: participants; consented, randomised, withdrawn: those who have;
- completed phase N: randomised or not, every case given to them in phase N is done.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, Q
from django.db.models.functions import Cast, Substr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from casecast.studies.models import Council, Invitation, Participant, Phase, Study

SORT_KEYS = ("name", "invited", "enrolled", "consented", "randomised", "withdrawn")


@dataclass
class Counts:
    """One row of the council table (or the totals, or one arm's completion)."""

    label: str
    invited: int = 0
    enrolled: int = 0
    consented: int = 0
    randomised: int = 0
    withdrawn: int = 0
    completed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AttritionStep:
    from_label: str
    to_label: str
    before: int
    after: int

    @property
    def lost(self) -> int:
        return self.before - self.after

    @property
    def percent_lost(self) -> float | None:
        return None if self.before == 0 else 100 * self.lost / self.before


@dataclass(frozen=True)
class WeekCount:
    week_start: dt.date
    enrolled: int
    cumulative: int


@dataclass(frozen=True)
class RecruitmentProgress:
    phases: list[Phase]
    councils: list[Counts]
    totals: Counts
    weeks: list[WeekCount]
    attrition: list[AttritionStep]
    by_arm: dict[int, Counts]  # arm id -> randomised and completion counts


def _completions(study: Study, council: Council | None) -> list[tuple[int | None, int | None, int]]:
    """(council id, arm id, phase id) once per participant who finished every case given to
    them in that phase (grouped per participant in the database: only completers return)."""
    rows = Participant.objects.filter(study=study, assignments__isnull=False)
    if council is not None:
        rows = rows.filter(council=council)
    return list(
        rows.values("pk", "council_id", "arm_id", "assignments__phase_id")
        .annotate(
            total=Count("assignments"),
            done=Count("assignments", filter=Q(assignments__completed_at__isnull=False)),
        )
        .filter(total=F("done"))
        .values_list("council_id", "arm_id", "assignments__phase_id")
    )


_TALLIES = {
    "enrolled": Count("pk"),
    "consented": Count("pk", filter=Q(consented_at__isnull=False)),
    "randomised": Count("pk", filter=Q(arm__isnull=False)),
    "withdrawn": Count("pk", filter=Q(withdrawn_at__isnull=False)),
}


def _add(counts: Counts, tally: dict[str, int]) -> None:
    for name in _TALLIES:
        setattr(counts, name, getattr(counts, name) + tally[name])


def _weeks(per_day: dict[dt.date, int]) -> list[WeekCount]:
    """Enrolments per week (weeks start on Monday), with no gaps between first and last."""
    if not per_day:
        return []
    per_week: Counter[dt.date] = Counter()
    for day, n in per_day.items():
        per_week[day - dt.timedelta(days=day.weekday())] += n
    week, last, total, weeks = min(per_week), max(per_week), 0, []
    while week <= last:
        total += per_week.get(week, 0)
        weeks.append(WeekCount(week, per_week.get(week, 0), total))
        week += dt.timedelta(days=7)
    return weeks


def _attrition(totals: Counts, phases: list[Phase]) -> list[AttritionStep]:
    steps = [
        ("Invited", totals.invited),
        ("Enrolled", totals.enrolled),
        ("Consented", totals.consented),
        ("Randomised", totals.randomised),
    ]
    steps += [
        (f"Completed phase {phase.position}: {phase.name}", n)
        for phase, n in zip(phases, totals.completed, strict=True)
    ]
    return [
        AttritionStep(a_label, b_label, a, b)
        for (a_label, a), (b_label, b) in itertools.pairwise(steps)
    ]


def recruitment_progress(*, study: Study, council: Council | None = None) -> RecruitmentProgress:
    """Counts by council, by week and by arm id (labels are the caller's: blinding).

    Seven queries, each grouped in the database, whatever the size of the study."""
    phases = list(study.phases.order_by("position"))
    phase_index = {phase.pk: i for i, phase in enumerate(phases)}
    councils = Council.objects.filter(study=study)
    invitations = Invitation.objects.filter(study=study)
    participants = Participant.objects.filter(study=study)
    if council is not None:
        councils = councils.filter(pk=council.pk)
        invitations = invitations.filter(council=council)
        participants = participants.filter(council=council)

    def empty(label: str) -> Counts:
        return Counts(label=label, completed=[0] * len(phases))

    rows = {pk: empty(name) for pk, name in councils.values_list("pk", "name")}
    totals = empty("All councils" if council is None else rows[council.pk].label)
    for council_id, n in invitations.values_list("council_id").annotate(n=Count("pk")):
        rows[council_id].invited = n
        totals.invited += n
    for tally in participants.values("council_id").annotate(**_TALLIES).order_by():
        if tally["council_id"] in rows:
            _add(rows[tally["council_id"]], tally)
        _add(totals, tally)
    by_arm: dict[int, Counts] = {}
    for tally in participants.filter(arm__isnull=False).values("arm_id").annotate(**_TALLIES):
        _add(by_arm.setdefault(tally["arm_id"], empty("")), tally)
    # The UTC day as text, grouped in the database: TruncDate would call Python once per
    # row on SQLite (hundreds of milliseconds at 6,000 people).
    day = Substr(Cast("enrolled_at", output_field=CharField()), 1, 10)
    days = participants.annotate(day=day).values("day").annotate(n=Count("pk"))
    for council_id, arm_id, phase_id in _completions(study, council):
        index = phase_index[phase_id]
        council_row = rows.get(council_id) if council_id is not None else None
        arm_row = by_arm.get(arm_id) if arm_id is not None else None
        for counts in (council_row, totals, arm_row):
            if counts is not None:
                counts.completed[index] += 1
    return RecruitmentProgress(
        phases=phases,
        councils=sorted(rows.values(), key=lambda c: c.label.lower()),
        totals=totals,
        weeks=_weeks({dt.date.fromisoformat(row["day"]): row["n"] for row in days.order_by()}),
        attrition=_attrition(totals, phases),
        by_arm=by_arm,
    )


def sort_councils(rows: list[Counts], *, key: str, descending: bool) -> list[Counts]:
    """The council table sorted by a column (`SORT_KEYS`, or `phaseN`); ties by name."""
    if key.startswith("phase") and key[5:].isdigit():
        index = int(key[5:]) - 1

        def value(c: Counts) -> object:
            return c.completed[index] if 0 <= index < len(c.completed) else 0
    elif key in SORT_KEYS and key != "name":

        def value(c: Counts) -> object:
            return getattr(c, key)
    else:
        return sorted(rows, key=lambda c: c.label.lower(), reverse=descending)
    by_name = sorted(rows, key=lambda c: c.label.lower())
    return sorted(by_name, key=value, reverse=descending)  # type: ignore[arg-type]


# --- The enrolment chart ---------------------------------------------------------------

WIDTH, HEIGHT, MARGIN_X, MARGIN_Y = 640, 280, 56, 40


def enrolment_svg(weeks: list[WeekCount]) -> SafeString:
    """Cumulative enrolment by week as a server-rendered SVG line (no JavaScript).

    Decorative for screen readers (`aria-hidden`): the page shows the same numbers
    in a table beside it.
    """
    if not weeks:
        return mark_safe("")
    top = max(week.cumulative for week in weeks) or 1
    span = max(len(weeks) - 1, 1)
    plot_w, plot_h = WIDTH - 2 * MARGIN_X, HEIGHT - 2 * MARGIN_Y

    def x(i: int) -> float:
        return round(MARGIN_X + plot_w * i / span, 1)

    def y(n: int) -> float:
        return round(MARGIN_Y + plot_h * (1 - n / top), 1)

    points = " ".join(f"{x(i)},{y(w.cumulative)}" for i, w in enumerate(weeks))
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#b1b4b6" stroke-width="0.5"/>',
        (
            (MARGIN_X - 6, y(n), n, MARGIN_X, y(n), WIDTH - MARGIN_X, y(n))
            for n in sorted({0, top // 2, top})
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img" '
        'aria-hidden="true" focusable="false" font-size="14" class="app-enrolment-chart">'
        '{ticks}<polyline fill="none" stroke="#1d70b8" stroke-width="3" points="{points}"/>'
        '<text x="{x0}" y="{yb}" text-anchor="start">{first}</text>'
        '<text x="{x1}" y="{yb}" text-anchor="end">{last}</text></svg>',
        w=WIDTH,
        h=HEIGHT,
        ticks=ticks,
        points=points,
        x0=MARGIN_X,
        x1=WIDTH - MARGIN_X,
        yb=HEIGHT - MARGIN_Y + 24,
        first=weeks[0].week_start.strftime("%-d %b %Y"),
        last=weeks[-1].week_start.strftime("%-d %b %Y"),
    )
