"""The read-only research API, `/api/v1/` (docs/api.md).

Every list of data rows is one of the export files, read through the export's own column
declarations (`resolution.exports`): the same query, the same row classes and the same
values the Parquet, Stata and SPSS files store (`writers.VALUE`), so a number here equals
the number in the download. A page is found first (its keys, in a signed cursor's order),
then only that page's rows are read through the export source.

Access: a bearer token (authentication.py); the study must be in the token's scope and
its owner still on the study's team; arms are named by `studies.blinding`. Every request
that carried a valid token leaves one audit row (`services.api_request_audit`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import reduce
from operator import or_
from typing import Any, ClassVar

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from casecast.api.filters import PHASE, QUESTION, UPDATED_SINCE, Filters, filters_from
from casecast.api.models import ApiToken
from casecast.api.pagination import SignedCursorPagination
from casecast.api.selectors import role_in, studies_token_may_read, study_in_scope
from casecast.api.services import api_request_audit
from casecast.audit.models import AuditEvent
from casecast.forecasts.models import Assignment, Forecast
from casecast.resolution.exports.columns import Pseudonyms, Row, Source, value_getters
from casecast.resolution.exports.forecasts import forecast_source
from casecast.resolution.exports.package import REASONING
from casecast.resolution.exports.participants import participant_source
from casecast.resolution.exports.questions import question_source
from casecast.resolution.exports.scores import score_source
from casecast.resolution.exports.shared import analysable
from casecast.resolution.exports.writers import VALUE
from casecast.resolution.models import ForecastScore
from casecast.resolution.selectors import (
    HISTORY_ACTIONS,
    arm_results,
    calibration_rows,
    pooled_result,
)
from casecast.studies.blinding import arm_labels, is_blinded
from casecast.studies.models import Arm, Participant, Study, StudyMembership
from casecast.studies.selectors import arms_ordered
from casecast.vignettes.models import PhaseVignette, Question

# --- schema pieces -------------------------------------------------------------------------

_ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
_ERRORS = {
    401: OpenApiResponse(_ERROR, "No token, or a token that is not valid, revoked or expired."),
    403: OpenApiResponse(_ERROR, "The token's owner is no longer on the study's team."),
    404: OpenApiResponse(_ERROR, "No such study in the token's scope, or a cursor not valid."),
    429: OpenApiResponse(_ERROR, "Too many requests: wait the seconds in Retry-After."),
}
_BAD_INPUT = {400: OpenApiResponse(OpenApiTypes.OBJECT, "A filter or page size not valid.")}


def _page(name: str, rows: str) -> Any:
    return inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before."),
            "results": serializers.ListField(child=serializers.DictField(), help_text=rows),
        },
    )


def _whole(minimum: int, maximum: int = 2**31 - 1) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


_PAGING = [
    OpenApiParameter("cursor", str, description="From a `next` or `previous` link, as given."),
    OpenApiParameter(
        "page_size", _whole(1, 1000), description="Rows per page, 1 to 1000 (default 100)."
    ),
]
_FILTER_PARAMETERS = {
    PHASE: OpenApiParameter(
        PHASE, _whole(1), description="Only this phase (its position, 1 = first)."
    ),
    QUESTION: OpenApiParameter(
        QUESTION, _whole(1), description="Only this question (its question_id)."
    ),
    UPDATED_SINCE: OpenApiParameter(
        UPDATED_SINCE,
        OpenApiTypes.DATETIME,
        description="Only rows changed at or after this ISO 8601 date-time (or date; UTC if "
        "no zone is given), e.g. 2026-11-26T15:20:42Z.",
    ),
}


def _number(value: float | None) -> float | None:
    """As the exports round a number (12 decimal places); None for NaN or infinity."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, 12)


# --- base views ------------------------------------------------------------------------------


class ApiView(APIView):
    """A research API view: every request that carried a valid token is audited."""

    audit_study_id: int | None = None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # `_auth` is set once authentication ran; reading `request.auth` here could run it.
        token = getattr(request, "_auth", None)
        if isinstance(token, ApiToken):
            api_request_audit(
                token=token,
                study_id=self.audit_study_id,
                method=request.method or "",
                path=request.path,
                query=request.META.get("QUERY_STRING", ""),
                status=response.status_code,
            )
        return response


class StudyView(ApiView):
    """A view of one study: in the token's scope, and its owner still on the team."""

    role: StudyMembership.Role

    def study_for(self, request: Request, slug: str) -> Study:
        token = request.auth
        assert isinstance(token, ApiToken)
        study = study_in_scope(token=token, slug=slug)
        if study is None:
            raise NotFound(f"No study '{slug}' is in this token's scope.")
        self.audit_study_id = study.pk
        role = role_in(token=token, study=study)
        if role is None:
            raise PermissionDenied(
                "Your account is no longer on this study's team, so its tokens cannot read it."
            )
        self.role = role
        return study


class RowsView(StudyView):
    """A paged list of one export file's rows (see the module docstring)."""

    filters: ClassVar[tuple[str, ...]] = ()
    ordering: ClassVar[tuple[str, ...]] = ("pk",)

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        raise NotImplementedError

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def get(self, request: Request, slug: str) -> Response:
        study = self.study_for(request, slug)
        chosen = filters_from(request.query_params, allowed=self.filters, study=study)
        paginator = SignedCursorPagination(ordering=self.ordering)
        page = paginator.paginate_queryset(self.keys(study, chosen), request, view=self)
        return paginator.get_paginated_response(self.rows(study, page or []))


def page_rows(
    *, study: Study, source: Source[Any], key: Callable[[Row], Any], order: Sequence[Any]
) -> list[dict[str, Any]]:
    """The source's rows whose key is in `order`, in that order, each as {column: value}
    with the values the export files store (`writers.VALUE`; concealed columns null while
    the study recruits)."""
    cells = [
        (column.name, get, VALUE[column.type], column)
        for get, column in zip(
            value_getters(study=study, columns=source.columns), source.columns, strict=True
        )
    ]
    wanted = set(order)
    found: dict[Any, dict[str, Any]] = {}
    for row in source.rows:
        row_key = key(row)
        if row_key in wanted:
            found[row_key] = {name: convert(col, get(row)) for name, get, convert, col in cells}
    return [found[k] for k in order if k in found]


def _pks(page: list[dict[str, Any]]) -> list[int]:
    return [item["pk"] for item in page]


# --- studies -----------------------------------------------------------------------------------


def _study_summary(request: Request, study: Study, role: str | None) -> dict[str, Any]:
    return {
        "slug": study.slug,
        "title": study.title,
        "status": study.status,
        "role": role,
        "url": reverse("api:study", kwargs={"slug": study.slug}, request=request),
    }


class StudyListView(ApiView):
    """The studies in the token's scope whose team its owner is still on, with their role."""

    @extend_schema(
        operation_id="studies_list",
        summary="Studies this token may read",
        responses={200: _page("StudyList", "Studies: slug, title, status, your role."), **_ERRORS},
    )
    def get(self, request: Request) -> Response:
        token = request.auth
        assert isinstance(token, ApiToken)
        roles = dict(
            StudyMembership.objects.filter(user=token.user_id).values_list("study_id", "role")
        )
        studies = [
            _study_summary(request, study, roles.get(study.pk))
            for study in studies_token_may_read(token=token)
        ]
        return Response({"next": None, "previous": None, "results": studies})


_LISTS = ("arms", "councils", "participants", "questions", "outcomes", "forecasts", "scores")


class StudyDetailView(StudyView):
    """One study: its status, phases, whether arms are coded to you, and its lists."""

    @extend_schema(
        operation_id="study_retrieve",
        summary="One study: its phases and the lists it offers",
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        study = self.study_for(request, slug)
        phases = study.phases.order_by("position").values("position", "name", "randomise_before")
        links = {
            name: reverse(f"api:{name}", kwargs={"slug": slug}, request=request)
            for name in (*_LISTS, "results")
        }
        return Response(
            {
                **_study_summary(request, study, self.role),
                "blinded": is_blinded(study=study, role=self.role),
                "phases": [
                    {
                        "phase": p["position"],
                        "name": p["name"],
                        "randomised_before": p["randomise_before"],
                    }
                    for p in phases
                ],
                "links": links,
            }
        )


# --- arms, councils, results ----------------------------------------------------------------------


def _arm_identity(arm: Arm, labels: dict[int, str], blinded: bool) -> dict[str, Any]:
    """How an arm is named: its label from `studies.blinding`; its key and whether it is the
    control only when the viewer is not blinded."""
    return {
        "arm": labels.get(arm.pk, ""),
        "key": None if blinded else arm.key,
        "is_control": None if blinded else arm.is_control,
    }


class ArmListView(StudyView):
    """The study's arms, control first, named as the study pages name them to you: coded
    (Arm A, Arm B, …) while the study is blinded to your role, with key and control null."""

    @extend_schema(
        summary="Arms (coded labels while the study is blinded to you)",
        responses={
            200: _page("ArmList", "Arms: label, key and control (null while blinded)."),
            **_ERRORS,
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        study = self.study_for(request, slug)
        labels = arm_labels(study=study, role=self.role)
        blinded = is_blinded(study=study, role=self.role)
        arms = [_arm_identity(arm, labels, blinded) for arm in arms_ordered(study=study)]
        return Response({"next": None, "previous": None, "results": arms})


class CouncilListView(StudyView):
    """The study's councils by pseudonym (as in the exports' `council` column), with how
    many participants each has."""

    @extend_schema(
        summary="Councils, pseudonymised as in the exports",
        responses={200: _page("CouncilList", "Councils: pseudonym and participants."), **_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        study = self.study_for(request, slug)
        names = Pseudonyms(study)
        counts = {
            council_id: n
            for council_id, n in Participant.objects.filter(study=study, council__isnull=False)
            .values_list("council_id")
            .annotate(n=Count("pk"))
        }
        councils = sorted(
            (
                {"council": names("council", pk), "participants": counts.get(pk, 0)}
                for pk in study.councils.values_list("pk", flat=True)
            ),
            key=lambda council: council["council"],
        )
        return Response({"next": None, "previous": None, "results": councils})


class ResultsView(StudyView):
    """The results page's figures: each arm's primary outcome (mean Brier over its
    participants) and difference from control with its bootstrap interval, as stored by the
    scoring pipeline (one pooled row while the study is blinded to you); and the
    calibration of every counted yes/no forecast. The full trial report is
    `manage.py analyse_study --json` and the report page."""

    @extend_schema(
        summary="Analysis results: the primary outcome by arm, and calibration",
        responses={200: OpenApiTypes.OBJECT, **_ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        study = self.study_for(request, slug)
        labels = arm_labels(study=study, role=self.role)
        blinded = is_blinded(study=study, role=self.role)
        arms = []
        if blinded:  # interim results pool every arm, as the report page does
            pooled = pooled_result(study=study)
            arms.append(
                {
                    "arm": "All arms (pooled while blinded)",
                    "key": None,
                    "is_control": None,
                    **dict.fromkeys(_ARM_NUMBERS),
                    "mean_brier": _number(pooled.mean_brier),
                    "n_participants": pooled.n_participants,
                    "n_forecasts": pooled.n_forecasts,
                    "n_clusters": None,
                    "refreshed_at": None,
                }
            )
        for arm, summary in [] if blinded else arm_results(study=study):
            numbers: dict[str, Any] = dict.fromkeys(_ARM_NUMBERS)
            numbers.update(n_participants=0, n_forecasts=0, n_clusters=None, refreshed_at=None)
            if summary is not None:
                numbers = {name: _number(getattr(summary, name)) for name in _ARM_NUMBERS}
                numbers.update(
                    n_participants=summary.n_participants,
                    n_forecasts=summary.n_forecasts,
                    n_clusters=summary.n_clusters,
                    refreshed_at=summary.refreshed_at,
                )
            arms.append({**_arm_identity(arm, labels, blinded), **numbers})
        calibration = [
            {
                "forecast": row.bin_label,
                "count": row.count,
                "mean_forecast": _number(row.mean_forecast),
                "observed_rate": _number(row.observed_rate),
                "ci_low": _number(row.ci_low),
                "ci_high": _number(row.ci_high),
            }
            for row in calibration_rows(study=study)
        ]
        return Response({"arms": arms, "calibration": calibration})


# Stored per-arm numbers (resolution.models.ArmSummary), as the results page shows them.
_ARM_NUMBERS = (
    "mean_brier",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "reliability",
    "resolution",
    "auc",
)


# --- the export files, a page at a time -----------------------------------------------------------


def _rows_schema(name: str, rows: str, filters: tuple[str, ...]) -> Any:
    return extend_schema(
        summary=rows,
        parameters=[*_PAGING, *(_FILTER_PARAMETERS[f] for f in filters)],
        responses={200: _page(name, rows), **_BAD_INPUT, **_ERRORS},
    )


def _phase_of_forecast(path: str, chosen: Filters) -> Q:
    return Q(**{f"{path}assignment__phase__position": chosen.phase}) if chosen.phase else Q()


class ScoreListView(RowsView):
    """scores.csv: one row per scored forecast."""

    filters = (PHASE, QUESTION, UPDATED_SINCE)

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        rows = analysable(ForecastScore.objects.filter(study=study)).filter(
            _phase_of_forecast("forecast__", chosen)
        )
        if chosen.question:
            rows = rows.filter(question_id=chosen.question)
        if chosen.updated_since:
            rows = rows.filter(scored_at__gte=chosen.updated_since)
        return rows.values("pk")

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pks = _pks(page)
        source = score_source(study=study, only=Q(pk__in=pks))
        return page_rows(study=study, source=source, key=lambda r: r.db["forecast__id"], order=pks)

    @_rows_schema("ScorePage", "Scores: the columns of scores.csv", filters)
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


class ForecastListView(RowsView):
    """forecasts.csv: one row per submitted answer."""

    filters = (PHASE, QUESTION, UPDATED_SINCE)

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        rows = analysable(Forecast.objects.filter(participant__study=study)).filter(
            _phase_of_forecast("", chosen)
        )
        if chosen.question:
            rows = rows.filter(question_id=chosen.question)
        if chosen.updated_since:
            rows = rows.filter(submitted_at__gte=chosen.updated_since)
        return rows.values("pk", "assignment_id")

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Read whole cases (every answer of the page's assignments) so `is_last` is right.
        cases = {item["assignment_id"] for item in page}
        # Reasoning is free text that can identify people: left out, as in the default
        # forecasts.csv download (the export package offers it when ticked, with a warning).
        source = forecast_source(study=study, only=Q(assignment_id__in=cases)).without(REASONING)
        return page_rows(study=study, source=source, key=lambda r: r.db["id"], order=_pks(page))

    @_rows_schema(
        "ForecastPage", "Forecasts: the columns of forecasts.csv (without reasoning text)", filters
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


class ParticipantListView(RowsView):
    """participants.csv: one row per participant, pseudonymised.

    Ordered by enrolment time, never by database id, so no cursor carries an id."""

    filters = (UPDATED_SINCE,)
    ordering = ("enrolled_at", "pk")

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        rows = Participant.objects.filter(study=study)
        since = chosen.updated_since
        if since:
            # Their own dated steps and their cases' start and finish. Not the time of
            # randomisation: while it is concealed, a filter on it would tell it.
            own = reduce(
                or_,
                (
                    Q(**{f"{field}__gte": since})
                    for field in (
                        "enrolled_at",
                        "consented_at",
                        "baseline_completed_at",
                        "withdrawn_at",
                        "erased_at",
                    )
                ),
            )
            cases = Assignment.objects.filter(participant_id=OuterRef("pk")).filter(
                Q(started_at__gte=since) | Q(completed_at__gte=since)
            )
            rows = rows.filter(own | Exists(cases))
        return rows.values("pk", "enrolled_at")

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pks = _pks(page)
        source = participant_source(study=study, only=Q(pk__in=pks))
        return page_rows(study=study, source=source, key=lambda r: r.db["pk"], order=pks)

    @_rows_schema("ParticipantPage", "Participants: the columns of participants.csv", filters)
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


def _questions(study: Study, chosen: Filters) -> QuerySet[Question]:
    rows = Question.objects.filter(version__vignette__study=study)
    if chosen.question:
        rows = rows.filter(pk=chosen.question)
    if chosen.phase:
        planned = PhaseVignette.objects.filter(
            phase__study=study,
            phase__position=chosen.phase,
            vignette_id=OuterRef("version__vignette_id"),
        )
        rows = rows.filter(Exists(planned))
    return rows


class QuestionListView(RowsView):
    """questions.csv: one row per question of each vignette version."""

    filters = (PHASE, QUESTION)

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        return _questions(study, chosen).values("pk")

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pks = _pks(page)
        source = question_source(study=study, only=Q(pk__in=pks))
        return page_rows(study=study, source=source, key=lambda r: r.db["pk"], order=pks)

    @_rows_schema("QuestionPage", "Questions: the columns of questions.csv", filters)
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


# The columns of questions.csv that say what the outcome is.
OUTCOME_COLUMNS = (
    "question_id",
    "vignette",
    "vignette_version",
    "question",
    "kind",
    "outcome",
    "outcome_label",
    "outcome_known_at",
    "outcome_source",
    "annulled",
)
_RESOLVED = (
    Q(outcome_binary__isnull=False)
    | Q(outcome_category__isnull=False)
    | Q(outcome_numeric__isnull=False)
    | Q(annulled=True)
)


def _outcome_changed_since(study: Study, since: Any) -> Q:
    """Questions whose outcome was recorded, corrected, annulled or reinstated since
    (the audit trail says when); an outcome changes on every version of a question."""
    targets = AuditEvent.objects.filter(
        study_id=study.pk,
        target_type="vignettes.question",
        action__in=tuple(HISTORY_ACTIONS),
        at__gte=since,
    ).values_list("target_id", flat=True)
    ids = {int(target) for target in targets if target.isdigit()}
    pairs = set(Question.objects.filter(pk__in=ids).values_list("version__vignette_id", "key"))
    return reduce(or_, (Q(version__vignette_id=v, key=k) for v, k in sorted(pairs)), Q(pk__in=[]))


class OutcomeListView(RowsView):
    """The outcome columns of questions.csv, for questions with an outcome or annulled."""

    filters = (QUESTION, UPDATED_SINCE)

    def keys(self, study: Study, chosen: Filters) -> QuerySet[Any, Any]:
        rows = _questions(study, chosen).filter(_RESOLVED)
        if chosen.updated_since:
            rows = rows.filter(_outcome_changed_since(study, chosen.updated_since))
        return rows.values("pk")

    def rows(self, study: Study, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        pks = _pks(page)
        whole = question_source(study=study, only=Q(pk__in=pks))
        source = Source([c for c in whole.columns if c.name in OUTCOME_COLUMNS], whole.rows)
        return page_rows(study=study, source=source, key=lambda r: r.db["pk"], order=pks)

    @_rows_schema("OutcomePage", "Outcomes: the outcome columns of questions.csv", filters)
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)
