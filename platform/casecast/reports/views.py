"""The trial report page and its progress endpoint (study staff, any role)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from casecast.reports import display, selectors, services
from casecast.reports.charts import consort_svg, forest_svg
from casecast.reports.document import report_document
from casecast.reports.models import TrialReport
from casecast.resolution.charts import calibration_svg, chart_description
from casecast.resolution.forms import ExportPackageForm
from casecast.studies.analysis_plan import plan_summary
from casecast.studies.permissions import StaffRequest, study_staff_required


@require_GET
@never_cache
@study_staff_required()
def report(request: StaffRequest, slug: str) -> HttpResponse:
    study = request.study
    row, plan = services.report_request(study=study)
    context = {
        "study": study,
        "page_title": "Trial report",
        "status": selectors.report_status(report=row),
        "package_form": ExportPackageForm(),  # "Download all data" (resolution exports)
        "back_url": reverse("studies:detail", kwargs={"slug": study.slug}),
    }
    if row.status != TrialReport.Status.DONE:
        return render(request, "reports/progress.html", context)
    document = report_document(study=study, report=row, plan=plan, role=request.study_role)
    groups, table1 = display.table1(document)
    primary = document["primary"]
    return render(
        request,
        "reports/report.html",
        {
            **context,
            "doc": document,
            "report": row,
            "plan_summary": plan_summary(plan, study=study),
            "ci_label": f"{100 * (1 - plan['alpha']):g}% interval",
            "blinded": document["stamp"]["blinded"],
            "consort_svg": consort_svg(document["consort"], title="CONSORT flow diagram"),
            "table1_groups": groups,
            "table1": table1,
            "arms": [{**arm, "mean_sd": display.mean_sd(arm)} for arm in document["arms"]],
            "effects": [
                {
                    **display.effect_rows([e])[0],
                    "n": e["n"],
                    "mean_sd": display.mean_sd(e),
                    "g": display.num(e["hedges_g"], 2),
                }
                for e in primary["effects"]
            ],
            # Blinded viewers get no control row (the document pools every arm).
            "control": (
                {**primary["control"], "mean_sd": display.mean_sd(primary["control"])}
                if "control" in primary
                else None
            ),
            "forest_svg": forest_svg(
                primary["effects"],
                title="Forest plot of the primary comparisons",
                x_title="Difference in mean Brier score (arm − control)",
            ),
            "sensitivity": [
                {**s, "rows": display.effect_rows(s["effects"])} for s in document["sensitivity"]
            ],
            "secondary": [
                {
                    **s,
                    "arm_rows": [
                        {"label": a["label"], "n": a["n"], "mean_sd": display.mean_sd(a)}
                        for a in s["arms"]
                    ],
                    "all_mean_sd": display.mean_sd(s["all"]),
                    "rows": display.effect_rows(s["effects"]),
                }
                for s in document["secondary"]
            ],
            "calibration": [
                {**c, "svg": calibration_svg(c["rows"], title=f"Calibration: {c['group']}")}
                for c in display.calibration_tables(document)
            ],
            "chart_description": chart_description(),
            "icc": document["icc"],
            "fmt_icc": {
                key: display.num((document["icc"] or {}).get(key), 3)
                for key in ("icc", "ci_low", "ci_high", "design_effect")
            },
        },
    )


@require_GET
@never_cache
@study_staff_required()
def report_status(request: StaffRequest, slug: str) -> JsonResponse:
    """The newest report's progress, for the progress bar (JSON)."""
    latest = selectors.report_latest(study=request.study)
    return JsonResponse(selectors.report_status(report=latest))
