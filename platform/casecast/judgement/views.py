"""Judgement-insight pages for study staff: an overview and one page per statistic family.

Every page reads the one cached report (`services.study_insights_json`) for the viewer's
role, so blinding applies as the viewer's role decides, and draws its charts from the
same numbers its tables show.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from casecast.core.downloads import from_our_pages
from casecast.judgement import charts, services
from casecast.studies.permissions import StaffRequest, study_staff_required

PAGES = (
    ("judgement:calibration", "Calibration by arm and period"),
    ("judgement:questions", "Crowd wisdom per question"),
    ("judgement:noise", "Noise audit"),
    ("judgement:thresholds", "Decision thresholds"),
    ("judgement:updating", "Belief updating"),
)


def _report(request: StaffRequest) -> dict[str, Any]:
    return services.study_insights_json(study=request.study, role=str(request.study_role))


def _render(
    request: StaffRequest, template: str, title: str, url_name: str, **context: Any
) -> HttpResponse:
    slug = request.study.slug
    nav = [
        {"url": reverse(name, kwargs={"slug": slug}), "label": label, "current": name == url_name}
        for name, label in (("judgement:overview", "Overview"), *PAGES)
    ]
    return render(
        request,
        template,
        {
            "page_title": title,
            "study": request.study,
            "insight_nav": nav,
            # While blinded, every page says the figures are pooled (the report has no arms).
            "blinded": context["report"]["calibration"]["blinded"],
            **context,
        },
    )


@require_GET
@study_staff_required()
def overview(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    return _render(
        request,
        "judgement/overview.html",
        "Judgement insights",
        "judgement:overview",
        report=report,
        pooled_after=_pooled(report["calibration"]["groups"], "after randomisation"),
        pooled_update=next(iter(report["updating"]["groups"]), None),
        json_url=reverse("judgement:json", kwargs={"slug": slug}),
    )


def _pooled(groups: list[dict[str, Any]], period: str) -> dict[str, Any] | None:
    return next((g for g in groups if g["arm"] is None and g["period"] == period), None)


@require_GET
@study_staff_required()
def calibration(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    section = report["calibration"]
    groups = [
        {
            **group,
            "name": f"{group['arm'] or 'All participants'}, {group['period']}",
            "svg": charts.reliability_svg(
                group,
                chart_id=f"reliability-{i}",
                title=f"Reliability diagram: {group['arm'] or 'all participants'}, "
                f"{group['period']}",
            ),
        }
        for i, group in enumerate(section["groups"])
    ]
    return _render(
        request,
        "judgement/calibration.html",
        "Calibration by arm and period",
        "judgement:calibration",
        report=report,
        section=section,
        groups=groups,
    )


@require_GET
@study_staff_required()
def questions(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    section = report["questions"]
    rows = section["overall"]["questions"]
    chart = charts.dot_chart(
        [(r["mean_member_brier"], r["median_member_brier"], r["brier_extremized"]) for r in rows],
        [
            charts.Series("Average member", charts.BLACK, "circle"),
            charts.Series("Median member", charts.ORANGE, "square"),
            charts.Series("Crowd", charts.BLUE, "diamond"),
        ],
        chart_id="crowd",
        title="Brier score of the crowd and of its members, per question",
        description="For each numbered question, the Brier score (lower is better) of the "
        "average member, the median member and the extremized geometric mean of odds of "
        "all forecasts. The numbers are in the table below.",
        x_max=1.0,
        x_title="Brier score",
    )
    return _render(
        request,
        "judgement/questions.html",
        "Crowd wisdom per question",
        "judgement:questions",
        report=report,
        section=section,
        chart=chart if rows else None,
    )


@require_GET
@study_staff_required()
def noise(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    section = report["noise"]
    rows = section["questions"]
    chart = charts.dot_chart(
        [(r["pairwise_abs_diff_pp"], r["sd_pp"]) for r in rows],
        [
            charts.Series("Pair difference", charts.BLUE, "circle"),
            charts.Series("SD", charts.BLACK, "square"),
        ],
        chart_id="noise",
        title="Disagreement between workers on each question",
        description="For each numbered question, the mean absolute difference between two "
        "workers' forecasts and the standard deviation of the forecasts, in percentage "
        "points. The numbers are in the table below.",
        x_max=max([50.0] + [r["pairwise_abs_diff_pp"] or 0.0 for r in rows]),
        x_title="Percentage points",
    )
    return _render(
        request,
        "judgement/noise.html",
        "Noise audit",
        "judgement:noise",
        report=report,
        section=section,
        chart=chart if rows else None,
    )


@require_GET
@study_staff_required()
def thresholds(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    section = report["thresholds"]
    steps = [
        {
            **step,
            "spread_rows": [step["spread"]],
            "bands": [(5 * i, 5 * i + 5, c) for i, c in enumerate(step["histogram"])],
            "svg": charts.histogram_svg(
                step["histogram"],
                chart_id=f"thresholds-{step['step']}",
                title=f"Workers' thresholds: {step['label']}",
                description="How many workers switch to this decision at each probability, "
                "in 5-point bands. The numbers are in the table below.",
                x_title="Threshold probability",
            ),
        }
        for step in section["steps"]
    ]
    return _render(
        request,
        "judgement/thresholds.html",
        "Decision thresholds",
        "judgement:thresholds",
        report=report,
        section=section,
        steps=steps,
    )


@require_GET
@study_staff_required()
def updating(request: StaffRequest, slug: str) -> HttpResponse:
    report = _report(request)
    section = report["updating"]
    groups = [{**g, "name": g["arm"] or "All participants"} for g in section["groups"]]
    chart = charts.dot_chart(
        [(g["brier_before"], g["brier_after"]) for g in groups],
        [
            charts.Series("Before", charts.ORANGE, "square"),
            charts.Series("After", charts.BLUE, "circle"),
        ],
        chart_id="updating",
        title="Brier score before and after updating",
        description="For each numbered group, the mean Brier score (lower is better) of the "
        "earlier forecast and of the updated one. The numbers are in the table below.",
        x_max=max([0.5] + [g["brier_before"] or 0.0 for g in groups]),
        x_title="Brier score",
    )
    return _render(
        request,
        "judgement/updating.html",
        "Belief updating",
        "judgement:updating",
        report=report,
        section=section,
        groups=groups,
        chart=chart if groups else None,
    )


@from_our_pages
@require_GET
@study_staff_required()
def insights_json(request: StaffRequest, slug: str) -> JsonResponse:
    """The five sections as JSON, as the viewer's role may see them."""
    response = JsonResponse(_report(request), json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{slug}-insights.json"'
    return response
