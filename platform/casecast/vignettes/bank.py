"""Importing and exporting vignette banks (the format is in docs/vignette-format.md).

An import validates the whole file first and stores nothing if anything is
wrong. Then, vignette by vignette:

- new key → a new vignette at version 1;
- same content as the current version → nothing (imports are idempotent);
- changed content → a new version, unless the study is a draft and nobody has
  been assigned the current version, in which case it is replaced in place.

Outcomes are not content: recording one never makes a version. An outcome in
the file is recorded on every version of that question (same key, kind and
options); once a study has started, an outcome that differs from one already
recorded is a problem to settle through resolution, not by import.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from casecast.audit.services import audit_record
from casecast.studies.models import Study
from casecast.vignettes import bank_format
from casecast.vignettes.bank_schema import Issue, Problem, path_label, validate_bank
from casecast.vignettes.bank_specs import OutcomeSpec, QuestionSpec, StageSpec, VignetteSpec
from casecast.vignettes.models import OutcomeRecord, Question, Stage, Vignette, VignetteVersion
from casecast.vignettes.outcome_history import outcome_history_add


class Action(enum.StrEnum):
    CREATED = "created"
    NEW_VERSION = "new version"
    REPLACED = "replaced in place"
    UNCHANGED = "unchanged"


@dataclass
class ImportReport:
    filename: str
    fmt: str
    problems: list[Problem] = field(default_factory=list)
    actions: dict[str, Action] = field(default_factory=dict)
    outcomes_recorded: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def keys(self, action: Action) -> list[str]:
        return [key for key, done in self.actions.items() if done == action]

    @property
    def changed(self) -> bool:
        return self.outcomes_recorded > 0 or any(
            action != Action.UNCHANGED for action in self.actions.values()
        )


class _ImportFailed(Exception):
    """Raised inside the import transaction to roll it back."""


# --- Import ---------------------------------------------------------------------------


def bank_import(
    *, study: Study, text: str, filename: str, fmt: str | None = None, by: Any = None
) -> ImportReport:
    """Validate and import a bank file into `study`; atomic — all or nothing."""
    fmt = fmt or bank_format.format_from_filename(filename) or ""
    report = ImportReport(filename=filename, fmt=fmt)
    parsed = _parse(study=study, text=text, filename=filename, fmt=fmt)
    report.problems.extend(parsed.problems)
    if parsed.document is None or report.problems:
        return report
    specs, issues = validate_bank(parsed.document)
    report.problems.extend(parsed.problem(issue) for issue in issues)
    if report.problems:
        return report
    try:
        with transaction.atomic():
            before = _outcome_states(study)
            _store(study=study, specs=specs, parsed=parsed, report=report)
            if report.problems:
                raise _ImportFailed
            _outcome_history(study=study, before=before, filename=filename, by=by)
            if report.changed:
                _audit_import(study=study, report=report, by=by)
    except _ImportFailed:
        report.actions.clear()
        report.outcomes_recorded = 0
    return report


def _parse(*, study: Study, text: str, filename: str, fmt: str) -> bank_format.ParsedBank:
    if fmt == "yaml":
        return bank_format.read_yaml(text, filename)
    if fmt == "json":
        return bank_format.read_json(text, filename)
    if fmt == "csv":
        parsed, rows = bank_format.read_csv(text, filename)
        if not parsed.problems:
            existing = {
                spec.key: bank_format.vignette_document(spec)
                for spec in study_vignette_specs(study=study)
            }
            bank_format.csv_document(rows, parsed, existing)
        return parsed
    parsed = bank_format.ParsedBank(filename)
    parsed.problems.append(
        Problem(filename, "", "", "unknown file type: use a .yaml, .yml, .json or .csv file")
    )
    return parsed


def _store(
    *,
    study: Study,
    specs: list[VignetteSpec],
    parsed: bank_format.ParsedBank,
    report: ImportReport,
) -> None:
    stored = {v.key: v for v in Vignette.objects.select_for_update().filter(study=study)}
    for index, spec in enumerate(specs):
        vignette = stored.get(spec.key)
        if vignette is None:
            vignette = Vignette.objects.create(study=study, key=spec.key)
            _create_version(vignette=vignette, number=1, spec=spec, previous=None)
            report.actions[spec.key] = Action.CREATED
            continue
        report.actions[spec.key] = _update_vignette(study=study, vignette=vignette, spec=spec)
        recorded, problems = _record_outcomes(
            study=study, vignette=vignette, spec=spec, vignette_index=index
        )
        report.outcomes_recorded += recorded
        report.problems.extend(parsed.problem(problem) for problem in problems)


def _update_vignette(*, study: Study, vignette: Vignette, spec: VignetteSpec) -> Action:
    current = vignette.current_version()
    if version_spec(current).content() == spec.content():
        return Action.UNCHANGED
    in_use = current.assignments.exists()  # given to a participant (forecasts.Assignment)
    if study.is_draft and not in_use:
        try:
            _replace_version(version=current, spec=spec)
            return Action.REPLACED
        except ProtectedError:
            pass  # Something already points at its questions: keep it, add a version.
    _create_version(
        vignette=vignette, number=vignette.versions.next_number(), spec=spec, previous=current
    )
    return Action.NEW_VERSION


def _create_version(
    *, vignette: Vignette, number: int, spec: VignetteSpec, previous: VignetteVersion | None
) -> VignetteVersion:
    version = VignetteVersion.objects.create(
        vignette=vignette, number=number, **_version_fields(spec)
    )
    _create_stages(version=version, spec=spec, inherited=_outcomes_by_key(previous))
    return version


def _replace_version(*, version: VignetteVersion, spec: VignetteSpec) -> None:
    with transaction.atomic():
        inherited = _outcomes_by_key(version)
        # Links between questions are PROTECT: unhook them so the stages can go.
        version.questions.update(relates_to=None, earlier=None)
        version.stages.all().delete()
        for name, value in _version_fields(spec).items():
            setattr(version, name, value)
        version.save()
        _create_stages(version=version, spec=spec, inherited=inherited)


def _version_fields(spec: VignetteSpec) -> dict[str, Any]:
    return {
        "title": spec.title,
        "summary": spec.summary,
        "tags": spec.tags,
        "difficulty": spec.difficulty,
        "source": spec.source,
        "source_note": spec.source_note,
        "family": spec.family,
    }


def _create_stages(
    *, version: VignetteVersion, spec: VignetteSpec, inherited: dict[str, Question]
) -> None:
    created: dict[str, Question] = {}
    for position, stage_spec in enumerate(spec.stages, start=1):
        stage = Stage.objects.create(
            version=version, position=position, title=stage_spec.title, body=stage_spec.body
        )
        for q_position, question_spec in enumerate(stage_spec.questions, start=1):
            outcome = question_spec.outcome or _inherit(inherited, question_spec)
            created[question_spec.key] = Question.objects.create(
                version=version,
                stage=stage,
                position=q_position,
                **_question_fields(question_spec),
                **_outcome_fields(outcome),
            )
    _link_questions(spec=spec, created=created)


def _link_questions(*, spec: VignetteSpec, created: dict[str, Question]) -> None:
    linked = []
    for _, question_spec in spec.questions():
        question = created[question_spec.key]
        if question_spec.relates_to or question_spec.earlier:
            question.relates_to = created.get(question_spec.relates_to)
            question.earlier = created.get(question_spec.earlier)
            linked.append(question)
    Question.objects.bulk_update(linked, ["relates_to", "earlier"])


def _question_fields(spec: QuestionSpec) -> dict[str, Any]:
    fields = spec.content()
    del fields["relates_to"], fields["earlier"]
    fields["interval_confidence"] = spec.interval_confidence
    return fields


def _outcome_fields(outcome: OutcomeSpec | None) -> dict[str, Any]:
    outcome = outcome or OutcomeSpec()
    return {
        "outcome_binary": outcome.binary,
        "outcome_category": outcome.category,
        "outcome_numeric": outcome.numeric,
        "outcome_known_at": outcome.known_at,
        "outcome_source": outcome.source,
    }


def _outcomes_by_key(version: VignetteVersion | None) -> dict[str, Question]:
    if version is None:
        return {}
    return {q.key: q for q in version.questions.all() if q.has_outcome}


def _inherit(previous: dict[str, Question], spec: QuestionSpec) -> OutcomeSpec | None:
    """An outcome recorded on the previous version carries over to the same question."""
    question = previous.get(spec.key)
    if question is None or not _same_question(question, spec):
        return None
    return question_outcome(question)


def _same_question(question: Question, spec: QuestionSpec) -> bool:
    return question.kind == spec.kind and list(question.options) == spec.options


# --- Outcomes -------------------------------------------------------------------------


def _record_outcomes(
    *, study: Study, vignette: Vignette, spec: VignetteSpec, vignette_index: int
) -> tuple[int, list[Issue]]:
    recorded, problems = 0, []
    questions = Question.objects.filter(version__vignette=vignette).select_related("version")
    by_key: dict[str, list[Question]] = {}
    for question in questions:
        by_key.setdefault(question.key, []).append(question)
    for stage_index, stage in enumerate(spec.stages):
        for q_index, question_spec in enumerate(stage.questions):
            if question_spec.outcome is None:
                continue
            targets = [
                q for q in by_key.get(question_spec.key, []) if _same_question(q, question_spec)
            ]
            path = (
                "vignettes",
                vignette_index,
                "stages",
                stage_index,
                "questions",
                q_index,
                "outcome",
                "value",
            )
            count, conflict = _apply_outcome(
                study=study, targets=targets, outcome=question_spec.outcome
            )
            recorded += count
            if conflict:
                problems.append(Issue(path, conflict))
    return recorded, problems


def _apply_outcome(
    *, study: Study, targets: list[Question], outcome: OutcomeSpec
) -> tuple[int, str]:
    changed = []
    for question in targets:
        stored = question_outcome(question)
        if stored == outcome:
            continue
        if stored is not None and stored.value != outcome.value and not study.is_draft:
            return 0, (
                f"an outcome is already recorded for this question (version "
                f"{question.version.number}); the study has started, so change it through "
                "resolution, not by import"
            )
        for name, value in _outcome_fields(outcome).items():
            setattr(question, name, value)
        changed.append(question)
    Question.objects.bulk_update(changed, list(_outcome_fields(None)))
    return len(changed), ""


_OUTCOME_STATE = (
    "outcome_binary",
    "outcome_category",
    "outcome_numeric",
    "outcome_known_at",
    "outcome_source",
)


def _outcome_states(study: Study) -> dict[tuple[int, str], tuple[Any, ...]]:
    """(vignette id, question key) -> the outcome its newest version holds (one query)."""
    rows = (
        Question.objects.filter(version__vignette__study=study)
        .order_by("version__number", "pk")
        .values_list("version__vignette_id", "key", *_OUTCOME_STATE)
    )
    return {(row[0], row[1]): row[2:] for row in rows}


def _outcome_history(
    *, study: Study, before: dict[tuple[int, str], tuple[Any, ...]], filename: str, by: Any
) -> None:
    """Add to the outcome history every outcome this import recorded or changed (an outcome
    only copied into a new version is not a change)."""
    after = _outcome_states(study)
    changed = [
        slot
        for slot, state in after.items()
        if any(v is not None for v in state[:3]) and state != before.get(slot)
    ]
    if not changed:
        return
    newest = {
        (q.version.vignette_id, q.key): q
        for q in Question.objects.filter(version__vignette__study=study)
        .select_related("version__vignette")
        .order_by("version__number", "pk")
    }
    for slot in sorted(changed):
        had = before.get(slot)
        first = had is None or all(v is None for v in had[:3])
        outcome_history_add(
            question=newest[slot],
            kind=OutcomeRecord.Kind.RECORDED if first else OutcomeRecord.Kind.CORRECTED,
            by=by,
            reason="" if first else f"Changed by bank import ({filename})",
        )


def question_outcome(question: Question) -> OutcomeSpec | None:
    if not question.has_outcome:
        return None
    return OutcomeSpec(
        binary=question.outcome_binary,
        category=question.outcome_category,
        numeric=question.outcome_numeric,
        known_at=question.outcome_known_at,
        source=question.outcome_source,
    )


def _audit_import(*, study: Study, report: ImportReport, by: Any) -> None:
    audit_record(
        action="vignettes.bank_imported",
        actor=by,
        study_id=study.pk,
        data={
            "filename": report.filename,
            "format": report.fmt,
            "actions": {key: str(action) for key, action in report.actions.items()},
            "outcomes_recorded": report.outcomes_recorded,
        },
    )


# --- Reading stored content back as specs ------------------------------------------------


def version_spec(version: VignetteVersion) -> VignetteSpec:
    """The stored version in the bank's normalised form (what an export writes)."""
    spec = VignetteSpec(
        key=version.vignette.key,
        title=version.title,
        summary=version.summary,
        difficulty=version.difficulty,
        tags=list(version.tags),
        source=version.source,
        source_note=version.source_note,
        family=list(version.family),
    )
    questions = list(
        version.questions.select_related("relates_to", "earlier").order_by("position", "pk")
    )
    for stage in version.stages.order_by("position"):
        stage_spec = StageSpec(title=stage.title, body=stage.body)
        stage_spec.questions = [
            _question_spec(question) for question in questions if question.stage_id == stage.pk
        ]
        spec.stages.append(stage_spec)
    return spec


def _question_spec(question: Question) -> QuestionSpec:
    return QuestionSpec(
        key=question.key,
        kind=question.kind,
        text=question.text,
        help_text=question.help_text,
        required=question.required,
        options=list(question.options),
        numeric_format=question.numeric_format,
        interval_confidence=question.interval_confidence,
        unit=question.unit,
        confidence_scale=list(question.confidence_scale),
        relates_to=question.relates_to.key if question.relates_to else "",
        earlier=question.earlier.key if question.earlier else "",
        base_rate=question.base_rate,
        base_rate_note=question.base_rate_note,
        outcome=question_outcome(question),
    )


def study_vignette_specs(*, study: Study) -> list[VignetteSpec]:
    specs = []
    for vignette in Vignette.objects.filter(study=study).order_by("pk"):
        version = vignette.current_version()
        if version is not None:
            specs.append(version_spec(version))
    return specs


# --- Export ---------------------------------------------------------------------------


def bank_export(*, study: Study, fmt: str) -> str:
    """The study's current versions as a bank file ('yaml', 'json' or 'csv')."""
    specs = study_vignette_specs(study=study)
    if fmt == "csv":
        return bank_format.write_csv(specs)
    document = bank_format.bank_document(specs, title=study.title)
    if fmt == "yaml":
        return bank_format.write_yaml(document)
    if fmt == "json":
        return bank_format.write_json(document)
    raise ValueError(f"unknown bank format {fmt!r}: use yaml, json or csv")


__all__ = ["Action", "ImportReport", "bank_export", "bank_import", "path_label", "version_spec"]
