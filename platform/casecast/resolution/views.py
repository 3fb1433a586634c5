"""Researcher pages: record outcomes, import them, rescore, see results, export data.

Views parse input, check the role and call one service or selector. Analysts
see everything read-only; admins and researchers may change outcomes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casecast.audit.services import audit_record
from casecast.core.csv_safety import formula_row
from casecast.core.downloads import from_our_pages
from casecast.core.form_views import form_saved
from casecast.resolution import exports, selectors, services
from casecast.resolution.csv_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportResult,
    OutcomeCsvError,
    outcomes_import_csv,
    outcomes_template_csv,
)
from casecast.resolution.exports.columns import table
from casecast.resolution.exports.files import FILES
from casecast.resolution.exports.package import REASONING, study_package_zip
from casecast.resolution.exports.writers import Format
from casecast.resolution.forms import (
    ExportPackageForm,
    ForecastsDownloadForm,
    OutcomeCsvForm,
    OutcomeForm,
    ReasonForm,
)
from casecast.resolution.outcomes import Outcome, outcome_label
from casecast.studies.models import Study
from casecast.studies.permissions import MANAGERS, study_staff_required
from casecast.vignettes.models import Question

CHANGE = tuple(str(role) for role in MANAGERS)
EXPORT_FILES = {export.name: export for export in FILES}


def _study(request: HttpRequest) -> Study:
    return request.study  # type: ignore[attr-defined]


def _can_change(request: HttpRequest) -> bool:
    return getattr(request, "study_role", None) in CHANGE


def _question(request: HttpRequest, question_id: int) -> Question:
    question = selectors.question_for_study(study=_study(request), question_id=question_id)
    if question is None or not question.is_forecast:
        raise Http404("No such question in this study.")
    return question


def _list_url(study: Study) -> str:
    return reverse("resolution:list", kwargs={"slug": study.slug})


@require_GET
@study_staff_required()
def resolution_list(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    return render(
        request,
        "resolution/list.html",
        {
            "page_title": "Outcomes and scores",
            "study": study,
            "rows": selectors.resolution_rows(study=study),
            "can_change": _can_change(request),
            "job": selectors.rescore_job_status(job=selectors.rescore_job_latest(study=study)),
            "package_form": ExportPackageForm(),  # the "Download all data" form (exports.html)
        },
    )


@require_http_methods(["GET", "POST"])
@study_staff_required(*CHANGE)
def outcome_record(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    study, question = _study(request), _question(request, question_id)
    correction = question.has_outcome
    form = OutcomeForm(request.POST or None, question=question, correction=correction)
    saved = form_saved(
        request,
        form,
        save=lambda data: _outcome_save(request, question, data, correction=correction),
        notice="Outcome saved. Forecasts on this question are being scored.",
        to=_list_url(study),
    )
    if saved is not None:
        return saved
    title = "Correct the outcome" if correction else "Record the outcome"
    return render(
        request,
        "resolution/outcome_form.html",
        {
            "page_title": title,
            "study": study,
            "question": question,
            "form": form,
            "correction": correction,
            "current_outcome": outcome_label(question=question, outcome=Outcome.of(question)),
            "back_url": _list_url(study),
            "history": selectors.question_history_rows(question=question),
        },
    )


def _outcome_save(
    request: HttpRequest, question: Question, data: dict[str, Any], *, correction: bool
) -> object:
    """Record a first outcome, or correct one already recorded (which needs a reason)."""
    common = {
        "question": question,
        "outcome": data["outcome"],
        "known_at": data["known_at"],
        "source": data["source"],
        "by": request.user,
    }
    if correction:
        return services.question_correct(**common, reason=data["reason"])
    return services.question_resolve(**common)


def _annulment(request: HttpRequest, question_id: int, *, annul: bool) -> HttpResponse:
    study, question = _study(request), _question(request, question_id)
    form = ReasonForm(request.POST or None)
    change = services.question_annul if annul else services.question_reinstate
    saved = form_saved(
        request,
        form,
        save=lambda data: change(question=question, by=request.user, reason=data["reason"]),
        notice="Question annulled." if annul else "Question reinstated.",
        to=_list_url(study),
    )
    if saved is not None:
        return saved
    return render(
        request,
        "resolution/annul_form.html",
        {
            "page_title": "Annul a question" if annul else "Reinstate a question",
            "study": study,
            "question": question,
            "form": form,
            "annul": annul,
            "back_url": _list_url(study),
        },
    )


@require_http_methods(["GET", "POST"])
@study_staff_required(*CHANGE)
def question_annul(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    return _annulment(request, question_id, annul=True)


@require_http_methods(["GET", "POST"])
@study_staff_required(*CHANGE)
def question_reinstate(request: HttpRequest, slug: str, question_id: int) -> HttpResponse:
    return _annulment(request, question_id, annul=False)


@require_http_methods(["GET", "POST"])
@study_staff_required(*CHANGE)
def outcomes_import(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    form = OutcomeCsvForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = outcomes_import_csv(
                study=study, csv_text=form.cleaned_data["file"].text, by=request.user
            )
        except OutcomeCsvError as error:
            errors = [str(e) for e in error.errors]
        else:
            messages.success(request, _import_message(result))
            return redirect(_list_url(study))
    return render(
        request,
        "resolution/import.html",
        {
            "page_title": "Import outcomes from a CSV file",
            "study": study,
            "form": form,
            "csv_errors": errors,
            "required": REQUIRED_COLUMNS,
            "optional": OPTIONAL_COLUMNS,
            "template_question": selectors.first_unresolved_question(study=study),
            "back_url": _list_url(study),
        },
    )


def _import_message(result: ImportResult) -> str:
    changed = result.resolved + result.corrected
    if not changed:
        rows = "row matches" if result.unchanged == 1 else "rows match"
        return f"Nothing changed: all {result.unchanged} {rows} the outcomes already recorded."
    text = f"Imported: {result.resolved} recorded, {result.corrected} corrected"
    if result.unchanged:
        text += f", {result.unchanged} unchanged"
    return text + ". Forecasts on the changed questions are being scored."


@from_our_pages
@require_GET
@study_staff_required(*CHANGE)
def import_template(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    audit_record(
        action="exports.download",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"file": "outcomes-template.csv", "format": "csv"},
    )
    # With a byte-order mark, so Excel opens it as UTF-8; the import accepts one.
    response = HttpResponse(
        "\ufeff" + outcomes_template_csv(study=study), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{study.slug}-outcomes-template.csv"'
    return response


@require_POST
@study_staff_required(*CHANGE)
def rescore_start(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    services.study_rescore_start(study=study, by=request.user)
    return redirect(reverse("resolution:rescore", kwargs={"slug": study.slug}))


@require_GET
@never_cache
@study_staff_required()
def rescore_progress(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    status = selectors.rescore_job_status(job=selectors.rescore_job_latest(study=study))
    return render(
        request,
        "resolution/rescore.html",
        {
            "page_title": "Rescore all forecasts",
            "study": study,
            "job": status,
            "can_change": _can_change(request),
            "back_url": _list_url(study),
        },
    )


@require_GET
@never_cache
@study_staff_required()
def rescore_status(request: HttpRequest, slug: str) -> JsonResponse:
    job = selectors.rescore_job_latest(study=_study(request))
    return JsonResponse(selectors.rescore_job_status(job=job))


@require_GET
@study_staff_required()
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """The old results page: the trial report (`casecast.reports`) replaced it."""
    return redirect(reverse("reports:report", kwargs={"slug": _study(request).slug}))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_chunks(rows: Iterable[list[str]], rows_per_chunk: int = 500) -> Iterator[str]:
    """CSV text in chunks of rows, so a long export streams without one write per row.

    Every cell passes `formula_neutralise`, whatever the export or column."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow(formula_row(row)))
        if len(chunk) >= rows_per_chunk:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _csv_response(rows: Iterable[list[str]], filename: str) -> HttpResponse:
    """A streamed CSV download (the study decorators are typed for HttpResponse)."""
    response = StreamingHttpResponse(_csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return cast(HttpResponse, response)


def _export(request: HttpRequest, name: str, *, include_reasoning: bool = False) -> HttpResponse:
    """One file as CSV, audited (who downloaded which file of which study, and when, and
    whether reasoning text was included). Reasoning is left out unless asked for."""
    study = _study(request)
    export = EXPORT_FILES[name]
    source = export.source(study=study)
    if not include_reasoning:
        source = source.without(REASONING)
    audit_record(
        action="exports.download",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"file": export.filename, "format": "csv", "include_reasoning": include_reasoning},
    )
    return _csv_response(table(study=study, source=source), f"{study.slug}-{export.filename}")


@from_our_pages
@require_GET
@study_staff_required()
def export_scores(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, "scores")


@from_our_pages
@require_GET
@study_staff_required()
def export_forecasts(request: HttpRequest, slug: str) -> HttpResponse:
    """Every answer; participants' reasoning text only if the exporter ticked the box."""
    form = ForecastsDownloadForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            " ".join(str(error) for errors in form.errors.values() for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return _export(request, "forecasts", include_reasoning=form.cleaned_data["include_reasoning"])


@from_our_pages
@require_GET
@study_staff_required()
def export_participants(request: HttpRequest, slug: str) -> HttpResponse:
    return _export(request, "participants")


@from_our_pages
@require_GET
@study_staff_required()
def export_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """The files of the package that have no view of their own (see urls.py)."""
    return _export(request, name)


@from_our_pages
@require_GET
@study_staff_required()
def export_dictionary(request: HttpRequest, slug: str) -> HttpResponse:
    study = _study(request)
    rows = exports.data_dictionary_rows(study=study)
    audit_record(
        action="exports.download",
        actor=request.user,
        study_id=study.pk,
        target=study,
        data={"file": "data-dictionary.csv", "format": "csv"},
    )
    return _csv_response(rows, f"{study.slug}-data-dictionary.csv")


@from_our_pages
@require_GET
@never_cache
@study_staff_required()
def export_package(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Download all data": the whole package in the chosen format, as a zip (audited)."""
    study = _study(request)
    form = ExportPackageForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            " ".join(str(error) for errors in form.errors.values() for error in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filename, archive = study_package_zip(
        study=study,
        format=Format(form.cleaned_data["format"]),
        include_reasoning=form.cleaned_data["include_reasoning"],
        actor=request.user,
    )
    response = FileResponse(archive, as_attachment=True, filename=filename)
    return cast(HttpResponse, response)
