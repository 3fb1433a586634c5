"""The whole study design as a versioned YAML file (`casecast_design: 1`).

`design_export(study=...)` writes it; `design_import(text=..., by=...)`
validates every part first, naming the path of each problem (for example
`arms[2].ratio`), and then creates a new draft study in one transaction. The
file never holds secrets (seed, pseudonym key) or enrolment codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml
from django.db import transaction
from django.utils.dateparse import parse_datetime

from casecast.accounts.models import User
from casecast.core.safe_load import DocumentRefused, yaml_load
from casecast.studies import services
from casecast.studies.analysis_plan import DEFAULTS as PLAN_DEFAULTS
from casecast.studies.analysis_plan import plan_problems, plan_values, version_plan
from casecast.studies.design import COUNCIL_FACTORS
from casecast.studies.models import BaselineQuestion, DesignVersion, Phase, Study
from casecast.studies.selectors import arms_ordered, design_current

FORMAT_VERSION = 1


def design_export(*, study: Study) -> str:
    version = design_current(study=study)
    consent = study.consent_versions.current()
    data = {
        "casecast_design": FORMAT_VERSION,
        "study": {
            "title": study.title,
            "public_description": study.public_description,
            "preregistration_url": study.preregistration_url,
            "allow_no_email": study.allow_no_email,
            "offers_network_linking": study.offers_network_linking,
            "outcome_release": study.outcome_release,
        },
        "randomisation": {
            "scheme": version.scheme,
            "unit": version.unit,
            "strata": list(version.strata),
            "block_multiples": list(version.block_multiples),
            "minimisation_probability": version.minimisation_probability,
        },
        "arms": [
            {
                "key": arm.key,
                "name": arm.name,
                "description": arm.description,
                "ratio": arm.ratio,
                "is_control": arm.is_control,
                "feedback_policies": list(arm.feedback_policies),
                "training_module": arm.training_module,
                "shows_base_rates": arm.shows_base_rates,
                "team_size": arm.team_size,
            }
            for arm in arms_ordered(study=study)
        ],
        "councils": [{"name": c.name, "region": c.region} for c in study.councils.all()],
        "phases": [
            {
                "name": p.name,
                "randomise_before": p.randomise_before,
                "ordering": p.ordering,
                "opens_at": p.opens_at.isoformat() if p.opens_at else None,
            }
            for p in study.phases.order_by("position")
        ],
        "baseline_questions": [
            {
                "key": q.key,
                "label": q.label,
                "help_text": q.help_text,
                "kind": q.kind,
                "choices": list(q.choices),
                "required": q.required,
            }
            for q in study.baseline_questions.all()
        ],
        "eligibility_questions": [
            {"text": q.text, "help_text": q.help_text, "eligible_answer": q.eligible_answer}
            for q in study.eligibility_questions.all()
        ],
        "consent": {"text": consent.text if consent else ""},
        "analysis_plan": plan_values(version_plan(version=version)),
    }
    header = f"# Casecast study design: {study.title}\n# Design version {version.number}\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


@dataclass(frozen=True)
class DesignProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class DesignFileError(Exception):
    def __init__(self, problems: list[DesignProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class _Checker:
    """Collects problems while reading the parsed YAML, so all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[DesignProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(DesignProblem(path, message))

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, "must be a mapping of names to values")
            return {}
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return []
        return value

    def text(
        self,
        data: dict[str, Any],
        name: str,
        path: str,
        *,
        required: bool = False,
        max_length: int = 10_000,
        choices: tuple[str, ...] | None = None,
    ) -> str:
        value = data.get(name, "")
        value = "" if value is None else value
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", "must be text")
            return ""
        if required and not value.strip():
            self.fail(f"{path}.{name}", "is required")
        if len(value) > max_length:
            self.fail(f"{path}.{name}", f"must be at most {max_length} characters")
        if choices is not None and value not in choices and (required or value):
            self.fail(f"{path}.{name}", f"must be one of: {', '.join(choices)}")
        return value

    def flag(self, data: dict[str, Any], name: str, path: str, default: bool = False) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{name}", "must be true or false")
            return default
        return value

    def whole(
        self, data: dict[str, Any], name: str, path: str, *, low: int, high: int, default: int
    ) -> int:
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"{path}.{name}", f"must be a whole number from {low} to {high}")
            return default
        return value

    def team_size(self, data: dict[str, Any], path: str) -> int | None:
        """Empty (an arm of individuals) or a team size from 2 to 12."""
        if data.get("team_size") is None:
            return None
        return self.whole(data, "team_size", path, low=2, high=12, default=2)

    def strings(self, data: dict[str, Any], name: str, path: str) -> list[str]:
        value = self.items(data.get(name), f"{path}.{name}")
        if not all(isinstance(item, str) and item for item in value):
            self.fail(f"{path}.{name}", "must be a list of text")
            return []
        return list(value)


def _check_unique(checker: _Checker, values: list[str], path: str, field: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value.lower() in seen:
            checker.fail(f"{path}[{index}].{field}", f"'{value}' is used more than once")
        seen.add(value.lower())


def _read_arms(c: _Checker, raw: Any) -> list[dict[str, Any]]:
    arms = []
    for index, item in enumerate(c.items(raw, "arms")):
        path = f"arms[{index}]"
        data = c.mapping(item, path)
        arm: dict[str, Any] = {
            "key": c.text(data, "key", path, required=True, max_length=40),
            "name": c.text(data, "name", path, required=True, max_length=120),
            "description": c.text(data, "description", path),
            "ratio": c.whole(data, "ratio", path, low=1, high=20, default=1),
            "is_control": c.flag(data, "is_control", path),
            "feedback_policies": c.strings(data, "feedback_policies", path),
            "training_module": c.text(
                data, "training_module", path, choices=services.TRAINING_MODULES
            ),
            "shows_base_rates": c.flag(data, "shows_base_rates", path),
            "team_size": c.team_size(data, path),
        }
        for policy in arm["feedback_policies"]:
            if policy not in services.FEEDBACK_POLICIES:
                c.fail(
                    f"{path}.feedback_policies",
                    f"'{policy}' is not one of: {', '.join(services.FEEDBACK_POLICIES)}",
                )
            elif arm["is_control"] and policy in services.NOT_FOR_CONTROL:
                c.fail(
                    f"{path}.feedback_policies",
                    f"the control arm gets no feedback, so it cannot have '{policy}'",
                )
        arms.append(arm)
    if len(arms) < 2:
        c.fail("arms", "a trial needs at least two arms")
    if sum(1 for arm in arms if arm["is_control"]) != 1:
        c.fail("arms", "exactly one arm must have is_control: true")
    _check_unique(c, [arm["key"] for arm in arms], "arms", "key")
    return arms


def _read_phases(c: _Checker, raw: Any) -> list[dict[str, Any]]:
    phases = []
    for index, item in enumerate(c.items(raw, "phases")):
        path = f"phases[{index}]"
        data = c.mapping(item, path)
        opens_raw = data.get("opens_at")
        opens_at: datetime | None = None
        if opens_raw not in (None, ""):
            opens_at = (
                opens_raw if isinstance(opens_raw, datetime) else parse_datetime(str(opens_raw))
            )
            if opens_at is None:
                c.fail(f"{path}.opens_at", "must be a date and time like 2026-03-31T09:00:00+00:00")
        phases.append(
            {
                "name": c.text(data, "name", path, required=True, max_length=120),
                "randomise_before": c.flag(data, "randomise_before", path),
                "ordering": c.text(data, "ordering", path, choices=tuple(Phase.Ordering.values))
                or Phase.Ordering.FIXED,
                "opens_at": opens_at,
            }
        )
    return phases


def _read_baseline(c: _Checker, raw: Any) -> list[dict[str, Any]]:
    questions = []
    for index, item in enumerate(c.items(raw, "baseline_questions")):
        path = f"baseline_questions[{index}]"
        data = c.mapping(item, path)
        question: dict[str, Any] = {
            "key": c.text(data, "key", path, required=True, max_length=40),
            "label": c.text(data, "label", path, required=True, max_length=300),
            "help_text": c.text(data, "help_text", path, max_length=300),
            "kind": c.text(
                data, "kind", path, required=True, choices=tuple(BaselineQuestion.Kind.values)
            ),
            "choices": c.strings(data, "choices", path),
            "required": c.flag(data, "required", path, default=True),
        }
        if question["kind"] == BaselineQuestion.Kind.CHOICE and len(question["choices"]) < 2:
            c.fail(f"{path}.choices", "a 'choice' question needs at least two answers")
        questions.append(question)
    _check_unique(c, [q["key"] for q in questions], "baseline_questions", "key")
    return questions


def _read_randomisation(c: _Checker, raw: Any, baseline: list[dict[str, Any]]) -> dict[str, Any]:
    data = c.mapping(raw, "randomisation")
    path = "randomisation"
    settings: dict[str, Any] = {
        "scheme": c.text(data, "scheme", path, choices=tuple(DesignVersion.Scheme.values))
        or DesignVersion.Scheme.BLOCKS,
        "unit": c.text(data, "unit", path, choices=tuple(DesignVersion.Unit.values))
        or DesignVersion.Unit.PARTICIPANT,
        "strata": c.strings(data, "strata", path),
        "block_multiples": data.get("block_multiples", [1, 2]),
        "minimisation_probability": data.get("minimisation_probability", 0.8),
    }
    multiples = settings["block_multiples"]
    if (
        not isinstance(multiples, list)
        or not multiples
        or not all(
            isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 10 for m in multiples
        )
    ):
        c.fail(f"{path}.block_multiples", "must be a list of whole numbers from 1 to 10")
    probability = settings["minimisation_probability"]
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not (0.5 <= probability <= 1)
    ):
        c.fail(f"{path}.minimisation_probability", "must be a number from 0.5 to 1")
    choice_keys = {q["key"] for q in baseline if q["kind"] == BaselineQuestion.Kind.CHOICE}
    for index, factor in enumerate(settings["strata"]):
        if factor not in COUNCIL_FACTORS and factor not in choice_keys:
            c.fail(
                f"{path}.strata[{index}]",
                f"'{factor}' is not council, region or the key of "
                "a baseline question of kind 'choice'",
            )
    if settings["scheme"] == DesignVersion.Scheme.MINIMISATION and not settings["strata"]:
        c.fail(f"{path}.strata", "minimisation needs at least one factor")
    return settings


def _read_analysis_plan(c: _Checker, raw: Any, baseline: list[dict[str, Any]]) -> dict[str, Any]:
    """The `analysis_plan` section: every field optional (the defaults fill the gaps)."""
    data = c.mapping(raw, "analysis_plan")
    keys = [
        q["key"]
        for q in baseline
        if q["kind"] in (BaselineQuestion.Kind.CHOICE, BaselineQuestion.Kind.NUMBER)
    ]
    for name, message in plan_problems(data, baseline_keys=keys).items():
        c.fail(f"analysis_plan.{name}", message)
    return {**PLAN_DEFAULTS, **{k: v for k, v in data.items() if k in PLAN_DEFAULTS}}


def _parse(text: str) -> dict[str, Any]:
    try:
        data = yaml_load(text)
    except DocumentRefused as refused:
        where = f"line {refused.line}" if refused.line else ""
        raise DesignFileError([DesignProblem(where, refused.reason)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise DesignFileError([DesignProblem(where, "the file is not valid YAML")]) from error
    if not isinstance(data, dict):
        raise DesignFileError([DesignProblem("", "the file must be a Casecast design (a mapping)")])
    if data.get("casecast_design") != FORMAT_VERSION:
        raise DesignFileError(
            [
                DesignProblem(
                    "casecast_design",
                    f"must be {FORMAT_VERSION} (this site reads design format {FORMAT_VERSION})",
                )
            ]
        )
    return data


@dataclass(frozen=True)
class _Design:
    study: dict[str, Any]
    randomisation: dict[str, Any]
    arms: list[dict[str, Any]]
    councils: list[dict[str, str]]
    phases: list[dict[str, Any]]
    baseline: list[dict[str, Any]]
    eligibility: list[dict[str, Any]]
    consent: str
    analysis_plan: dict[str, Any]


def design_validate(*, text: str) -> _Design:
    """Parse and check a design file. Raises DesignFileError listing every problem."""
    data = _parse(text)
    c = _Checker()
    study_data = c.mapping(data.get("study"), "study")
    study = {
        "title": c.text(study_data, "title", "study", required=True, max_length=200),
        "public_description": c.text(study_data, "public_description", "study"),
        "preregistration_url": c.text(study_data, "preregistration_url", "study", max_length=200),
        "allow_no_email": c.flag(study_data, "allow_no_email", "study"),
        "offers_network_linking": c.flag(study_data, "offers_network_linking", "study"),
        "outcome_release": c.text(
            study_data, "outcome_release", "study", choices=tuple(Study.OutcomeRelease.values)
        )
        or Study.OutcomeRelease.AFTER_PHASE.value,
    }
    baseline = _read_baseline(c, data.get("baseline_questions"))
    councils = []
    for index, item in enumerate(c.items(data.get("councils"), "councils")):
        entry = c.mapping(item, f"councils[{index}]")
        councils.append(
            {
                "name": c.text(entry, "name", f"councils[{index}]", required=True, max_length=120),
                "region": c.text(entry, "region", f"councils[{index}]", max_length=80),
            }
        )
    _check_unique(c, [council["name"] for council in councils], "councils", "name")
    eligibility = []
    for index, item in enumerate(
        c.items(data.get("eligibility_questions"), "eligibility_questions")
    ):
        path = f"eligibility_questions[{index}]"
        entry = c.mapping(item, path)
        eligibility.append(
            {
                "text": c.text(entry, "text", path, required=True, max_length=300),
                "help_text": c.text(entry, "help_text", path, max_length=300),
                "eligible_answer": c.flag(entry, "eligible_answer", path, default=True),
            }
        )
    design = _Design(
        study=study,
        randomisation=_read_randomisation(c, data.get("randomisation"), baseline),
        arms=_read_arms(c, data.get("arms")),
        councils=councils,
        phases=_read_phases(c, data.get("phases")),
        baseline=baseline,
        eligibility=eligibility,
        consent=c.text(c.mapping(data.get("consent"), "consent"), "text", "consent"),
        analysis_plan=_read_analysis_plan(c, data.get("analysis_plan"), baseline),
    )
    known = {
        "casecast_design",
        "study",
        "randomisation",
        "arms",
        "councils",
        "phases",
        "baseline_questions",
        "eligibility_questions",
        "consent",
        "analysis_plan",
    }
    for name in sorted(set(data) - known):
        c.fail(str(name), "is not part of a Casecast design file")
    if c.problems:
        raise DesignFileError(c.problems)
    return design


@transaction.atomic
def design_import(*, text: str, by: User | None) -> Study:
    """A new draft study from a design file: everything or nothing."""
    design = design_validate(text=text)
    study = services.study_create(title=design.study["title"], by=by, default_baseline=False)
    services.study_update(
        study=study,
        by=by,
        **{name: value for name, value in design.study.items() if name != "title"},
    )
    for question in design.baseline:
        services.baseline_question_save(study=study, by=by, **question)
    for arm in design.arms:
        services.arm_save(study=study, by=by, **arm)
    services.randomisation_save(study=study, by=by, **design.randomisation)
    for council in design.councils:
        services.council_save(study=study, by=by, name=council["name"], region=council["region"])
    for phase in design.phases:
        services.phase_save(study=study, by=by, **phase)
    for question in design.eligibility:
        services.eligibility_question_save(study=study, by=by, **question)
    if design.consent.strip():
        services.consent_save(study=study, text=design.consent, by=by)
    services.analysis_plan_save(study=study, by=by, **design.analysis_plan)
    # The services above saved their own copies of the row: return it as stored.
    return Study.objects.get(pk=study.pk)
