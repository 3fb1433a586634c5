"""The vignette bank format: what a valid bank says, checked field by field.

Validation works on plain Python data (what YAML, JSON or CSV parsed into) and
names each problem by its path in the document, e.g.
("vignettes", 3, "stages", 1, "questions", 0, "kind"). The format readers turn
a path into a line number, a JSON pointer or a CSV row and column.

The result of a clean validation is a list of `VignetteSpec`s (bank_specs.py):
normalised content with defaults filled in, compared against stored versions
to decide whether an import changes anything.

What each question kind may say — its extra fields, whether options are
required, what its outcome is — comes from the registry (kinds.py); the checks
here are per field and per outcome shape, so they apply to any registered kind.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass, replace
from typing import Any

from casecast.vignettes import kinds
from casecast.vignettes.bank_specs import (
    VIGNETTE_FIELDS,
    OutcomeSpec,
    QuestionSpec,
    StageSpec,
    VignetteSpec,
)
from casecast.vignettes.kinds import Outcome
from casecast.vignettes.models import DEFAULT_CONFIDENCE_SCALE, Question, VignetteVersion

Path = tuple[str | int, ...]

BANK_FORMAT = "casecast-bank/1"
_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")

TOP_FIELDS = {"format", "title", "description", "vignettes"}
STAGE_FIELDS = {"title", "body", "questions"}
FAMILY_FIELDS = {"name", "relationship", "age", "notes"}
OUTCOME_FIELDS = {"value", "known_at", "source"}
COMMON_QUESTION_FIELDS = {"key", "kind", "text", "help_text", "required", "outcome"}


def question_fields() -> set[str]:
    """Every field some registered kind of question may have."""
    return COMMON_QUESTION_FIELDS.union(*(kind.bank_fields for kind in kinds.registered()))


@dataclass(frozen=True)
class Issue:
    """One problem at one place in the document, before it is given a file location."""

    path: Path
    reason: str


@dataclass(frozen=True)
class Problem:
    """One problem as a researcher reads it: file, location, field and reason."""

    file: str
    location: str
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, {self.location}" if self.location else self.file
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


def path_label(path: Path) -> str:
    """("vignettes", 3, "stages", 1, "kind") → "vignettes[3].stages[1].kind"."""
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else part)
    return label


# --- Validation -----------------------------------------------------------------


def validate_bank(document: Any) -> tuple[list[VignetteSpec], list[Issue]]:
    """Check a whole parsed bank; return normalised vignettes and every problem found."""
    checker = _Checker()
    vignettes = checker.bank(document)
    return vignettes, checker.issues


@dataclass
class _QuestionRef:
    stage: int
    spec: QuestionSpec
    path: Path


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def problem(self, path: Path, reason: str) -> None:
        self.issues.append(Issue(path, reason))

    # Generic field checks ------------------------------------------------------

    def mapping(self, value: Any, path: Path, allowed: set[str], required: set[str]) -> bool:
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping of fields to values")
            return False
        for name in value:
            if name not in allowed:
                self.problem((*path, str(name)), _unknown_field_reason(str(name), allowed))
        for name in sorted(required - set(value)):
            self.problem((*path, name), "required field is missing")
        return True

    def text(
        self,
        data: dict[str, Any],
        name: str,
        path: Path,
        *,
        max_length: int,
        required: bool = False,
    ) -> str:
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem((*path, name), f"must be text, not {_type_name(value)}")
            return ""
        value = value.strip()
        if required and not value:
            self.problem((*path, name), "must not be empty")
        elif len(value) > max_length:
            self.problem((*path, name), f"must be at most {max_length} characters")
        return value

    def key(self, data: dict[str, Any], name: str, path: Path) -> str:
        value = self.text(data, name, path, max_length=60, required=name in data)
        if value and not _KEY_PATTERN.match(value):
            self.problem((*path, name), "must use only letters, digits, hyphens and underscores")
        return value

    def boolean(self, data: dict[str, Any], name: str, path: Path, default: bool) -> bool:
        value = data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem((*path, name), f"must be true or false, not {_type_name(value)}")
            return default
        return value

    def number(
        self,
        data: dict[str, Any],
        name: str,
        path: Path,
        low: float,
        high: float,
        *,
        whole: bool = False,
    ) -> float | None:
        value = data.get(name)
        if value is None:
            return None
        if not _is_number(value) or (whole and not float(value).is_integer()):
            kind = "a whole number" if whole else "a number"
            self.problem((*path, name), f"must be {kind}, not {_type_name(value)}")
            return None
        if not low <= value <= high:
            self.problem((*path, name), f"must be between {_fmt(low)} and {_fmt(high)}")
            return None
        return float(value)

    def string_list(
        self, data: dict[str, Any], name: str, path: Path, *, max_length: int
    ) -> list[str]:
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem((*path, name), f"must be a list of text, not {_type_name(value)}")
            return []
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem((*path, name, index), "must be non-empty text")
            elif len(item.strip()) > max_length:
                self.problem((*path, name, index), f"must be at most {max_length} characters")
            else:
                items.append(item.strip())
        return items

    def sequence(self, data: dict[str, Any], name: str, path: Path) -> list[Any]:
        value = data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem((*path, name), f"must be a list, not {_type_name(value)}")
            return []
        return value

    # The document, level by level --------------------------------------------------

    def bank(self, document: Any) -> list[VignetteSpec]:
        if not self.mapping(document, (), TOP_FIELDS, {"vignettes"}):
            return []
        if "format" in document and document["format"] != BANK_FORMAT:
            self.problem(("format",), f"must be {BANK_FORMAT!r} (or left out)")
        self.text(document, "title", (), max_length=200)
        self.text(document, "description", (), max_length=5000)
        items = self.sequence(document, "vignettes", ())
        if "vignettes" in document and not items and isinstance(document["vignettes"], list):
            self.problem(("vignettes",), "must list at least one vignette")
        vignettes: list[VignetteSpec] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            path: Path = ("vignettes", index)
            spec = self.vignette(item, path)
            if spec is None:
                continue
            if spec.key in seen:
                self.problem(
                    (*path, "key"), f"{spec.key!r} is already used by vignettes[{seen[spec.key]}]"
                )
            elif spec.key:
                seen[spec.key] = index
            vignettes.append(spec)
        return vignettes

    def vignette(self, data: Any, path: Path) -> VignetteSpec | None:
        if not self.mapping(data, path, VIGNETTE_FIELDS, {"key", "title", "stages"}):
            return None
        spec = VignetteSpec(
            key=self.key(data, "key", path),
            title=self.text(data, "title", path, max_length=200, required=True),
            summary=self.text(data, "summary", path, max_length=1000),
            difficulty=self.text(data, "difficulty", path, max_length=20),
            tags=self.string_list(data, "tags", path, max_length=60),
            source=self.source(data, path),
            source_note=self.text(data, "source_note", path, max_length=1000),
            family=self.family(data, path),
        )
        if spec.source == VignetteVersion.Source.ANONYMISED and not spec.source_note:
            self.problem(
                (*path, "source_note"),
                "an anonymised case must say which local authority it came from and under "
                "which agreement",
            )
        stages = self.sequence(data, "stages", path)
        if "stages" in data and not stages and isinstance(data["stages"], list):
            self.problem((*path, "stages"), "must list at least one stage")
        refs: dict[str, _QuestionRef] = {}
        for index, item in enumerate(stages):
            stage = self.stage(item, (*path, "stages", index), index, refs)
            if stage is not None:
                spec.stages.append(stage)
        for ref in refs.values():
            self.cross_references(ref, refs)
        return spec

    def source(self, data: dict[str, Any], path: Path) -> str:
        value = data.get("source", VignetteVersion.Source.FICTIONAL)
        if value not in VignetteVersion.Source.values:
            self.problem((*path, "source"), "must be 'fictional' or 'anonymised'")
            return VignetteVersion.Source.FICTIONAL
        return str(value)

    def family(self, data: dict[str, Any], path: Path) -> list[dict[str, Any]]:
        members = []
        for index, item in enumerate(self.sequence(data, "family", path)):
            row_path = (*path, "family", index)
            if not self.mapping(item, row_path, FAMILY_FIELDS, {"name", "relationship"}):
                continue
            member: dict[str, Any] = {
                "name": self.text(item, "name", row_path, max_length=100, required=True),
                "relationship": self.text(
                    item, "relationship", row_path, max_length=100, required=True
                ),
            }
            age = item.get("age")
            if age is not None and not (isinstance(age, str) or _is_whole(age)):
                self.problem((*row_path, "age"), "must be a whole number or text (e.g. '4 months')")
            elif age is not None:
                member["age"] = int(age) if _is_whole(age) else str(age).strip()
            notes = self.text(item, "notes", row_path, max_length=300)
            if notes:
                member["notes"] = notes
            members.append(member)
        return members

    def stage(
        self, data: Any, path: Path, index: int, refs: dict[str, _QuestionRef]
    ) -> StageSpec | None:
        if not self.mapping(data, path, STAGE_FIELDS, {"title", "body"}):
            return None
        stage = StageSpec(
            title=self.text(data, "title", path, max_length=200, required=True),
            body=self.text(data, "body", path, max_length=50_000, required=True),
        )
        for q_index, item in enumerate(self.sequence(data, "questions", path)):
            q_path = (*path, "questions", q_index)
            question = self.question(item, q_path)
            if question is None:
                continue
            if question.key in refs:
                self.problem(
                    (*q_path, "key"),
                    f"{question.key!r} is already used by {path_label(refs[question.key].path)} "
                    "(question keys must be unique within a vignette)",
                )
            elif question.key:
                refs[question.key] = _QuestionRef(index, question, q_path)
            stage.questions.append(question)
        return stage

    def question(self, data: Any, path: Path) -> QuestionSpec | None:
        allowed = question_fields()
        if not self.mapping(data, path, allowed, {"key", "kind", "text"}):
            return None
        kind = kinds.find(data.get("kind"))
        if "kind" in data and kind is None:
            self.problem((*path, "kind"), f"must be one of: {', '.join(kinds.values())}")
        spec = QuestionSpec(
            key=self.key(data, "key", path),
            kind=kind.value if kind else "",
            text=self.text(data, "text", path, max_length=400, required=True),
            help_text=self.text(data, "help_text", path, max_length=400),
            required=self.boolean(data, "required", path, default=True),
        )
        if kind is None:
            return spec
        for name in sorted(set(data) & allowed - COMMON_QUESTION_FIELDS):
            if name not in kind.bank_fields:
                self.problem((*path, name), _not_for_kind_reason(name, kind.value))
        self.kind_fields(data, path, spec, kind)
        spec.outcome = self.outcome(data, path, spec, kind)
        return spec

    def kind_fields(
        self, data: dict[str, Any], path: Path, spec: QuestionSpec, kind: kinds.QuestionKind
    ) -> None:
        """The fields the kind declares; each is checked the same way whatever the kind."""
        allowed = kind.bank_fields
        if kind.takes_options:
            spec.options = self.options(data, path, kind)
        if kind.takes_number_format:
            self.numeric_fields(data, path, spec)
        if kind.takes_confidence_scale:
            spec.confidence_scale = self.confidence_scale(data, path)
        if kind.needs_relates_to and kinds.RELATES_TO not in data:
            self.problem(
                (*path, kinds.RELATES_TO),
                f"required field is missing: a {kind.value} names the forecast question it "
                "relates to",
            )
        if kinds.RELATES_TO in allowed:
            spec.relates_to = self.key(data, kinds.RELATES_TO, path)
        if kinds.EARLIER in allowed:
            spec.earlier = self.key(data, kinds.EARLIER, path)
        if allowed >= kinds.BASE_RATE_FIELDS:
            spec.base_rate = self.number(data, "base_rate", path, 0, 1)
            spec.base_rate_note = self.text(data, "base_rate_note", path, max_length=300)

    def options(self, data: dict[str, Any], path: Path, kind: kinds.QuestionKind) -> list[str]:
        if kind.default_options and "options" not in data:
            return list(kind.default_options)
        if "options" not in data:
            self.problem(
                (*path, "options"),
                f"required field is missing: {kind.value} questions list at least 2 options",
            )
            return []
        options = self.string_list(data, "options", path, max_length=200)
        if isinstance(data["options"], list) and len(data["options"]) < 2:
            self.problem((*path, "options"), "must list at least 2 options")
        duplicates = sorted({option for option in options if options.count(option) > 1})
        if duplicates:
            self.problem((*path, "options"), f"options must differ; repeated: {duplicates[0]!r}")
        return options

    def numeric_fields(self, data: dict[str, Any], path: Path, spec: QuestionSpec) -> None:
        formats = Question.NumericFormat.values
        value = data.get("numeric_format")
        if value is None:
            self.problem(
                (*path, "numeric_format"),
                f"required field is missing: numeric questions are answered as "
                f"{' or '.join(formats)}",
            )
        elif value not in formats:
            self.problem((*path, "numeric_format"), f"must be one of: {', '.join(formats)}")
        else:
            spec.numeric_format = value
        confidence = self.number(data, "interval_confidence", path, 1, 99, whole=True)
        spec.interval_confidence = int(confidence) if confidence is not None else None
        if spec.numeric_format == "interval" and "interval_confidence" not in data:
            self.problem(
                (*path, "interval_confidence"),
                "required field is missing: an interval states its confidence, e.g. 90",
            )
        if spec.numeric_format == "quantiles" and "interval_confidence" in data:
            self.problem(
                (*path, "interval_confidence"),
                "only interval answers state a confidence; quantiles are the 5th, 50th and "
                "95th percentiles",
            )
        spec.unit = self.text(data, "unit", path, max_length=40)

    def confidence_scale(self, data: dict[str, Any], path: Path) -> list[str]:
        if "confidence_scale" not in data:
            return list(DEFAULT_CONFIDENCE_SCALE)
        labels = self.string_list(data, "confidence_scale", path, max_length=60)
        if isinstance(data["confidence_scale"], list) and len(data["confidence_scale"]) != 5:
            self.problem((*path, "confidence_scale"), "must list exactly 5 labels, lowest first")
        return labels

    def outcome(
        self, data: dict[str, Any], path: Path, spec: QuestionSpec, kind: kinds.QuestionKind
    ) -> OutcomeSpec | None:
        value = data.get("outcome")
        if value is None:
            return None
        path = (*path, "outcome")
        if kind.outcome is None:
            self.problem(path, f"{kind.value} questions have no outcome")
            return None
        if not self.mapping(value, path, OUTCOME_FIELDS, {"value"}):
            return None
        known_at = self.date(value, "known_at", path)
        source = self.text(value, "source", path, max_length=300)
        if "value" not in value:
            return None
        outcome = self.outcome_value(value["value"], (*path, "value"), spec, kind.outcome)
        return replace(outcome, known_at=known_at, source=source) if outcome else None

    def outcome_value(
        self, value: Any, path: Path, spec: QuestionSpec, shape: Outcome
    ) -> OutcomeSpec | None:
        """The value checked against the kind's outcome shape (the date and source aside)."""
        if shape == Outcome.YES_NO:
            if not isinstance(value, bool):
                self.problem(
                    path,
                    f"a {spec.kind} outcome must be true or false, not {_type_name(value)}",
                )
                return None
            return OutcomeSpec(binary=value)
        if shape == Outcome.NUMBER:
            if not _is_number(value):
                self.problem(
                    path, f"a {spec.kind} outcome must be a number, not {_type_name(value)}"
                )
                return None
            return OutcomeSpec(numeric=float(value))
        index = _category_index(value, spec.options)
        if index is None:
            self.problem(
                path,
                f"{value!r} is not one of the options; give an option's label or its "
                f"position counting from 0 (0 to {len(spec.options) - 1})",
            )
            return None
        return OutcomeSpec(category=index)

    def date(self, data: dict[str, Any], name: str, path: Path) -> dt.date | None:
        value = data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.problem((*path, name), f"must be a date written YYYY-MM-DD, not {value!r}")
            return None

    def cross_references(self, ref: _QuestionRef, refs: dict[str, _QuestionRef]) -> None:
        spec = ref.spec
        if spec.relates_to:
            self.relates_to(ref, refs.get(spec.relates_to))
        if spec.earlier:
            self.earlier(ref, refs.get(spec.earlier))

    def relates_to(self, ref: _QuestionRef, target: _QuestionRef | None) -> None:
        path = (*ref.path, "relates_to")
        name = ref.spec.relates_to
        if target is None:
            self.problem(path, f"no question with key {name!r} in this vignette")
        elif target.spec.kind not in kinds.forecast_values():
            self.problem(path, f"{name!r} is a {target.spec.kind} question, not a forecast")
        elif target.stage > ref.stage:
            self.problem(
                path,
                f"{name!r} is asked at a later stage; it must be at the same or an earlier stage",
            )

    def earlier(self, ref: _QuestionRef, target: _QuestionRef | None) -> None:
        path = (*ref.path, "earlier")
        name = ref.spec.earlier
        if target is None:
            self.problem(path, f"no question with key {name!r} in this vignette")
        elif target.stage >= ref.stage:
            self.problem(path, f"{name!r} must be asked at an earlier stage than this question")
        elif target.spec.kind != ref.spec.kind:
            self.problem(
                path,
                f"{name!r} is a {target.spec.kind} question; the same forecast asked "
                f"again must be {ref.spec.kind} too",
            )
        elif target.spec.options != ref.spec.options:
            self.problem(path, f"{name!r} has different options; asked again, they must match")


# --- Small helpers ----------------------------------------------------------------


def _unknown_field_reason(name: str, allowed: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(allowed), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown field{hint}; allowed here: {', '.join(sorted(allowed))}"


def _not_for_kind_reason(name: str, kind: str) -> str:
    takers = [k.value for k in kinds.registered() if name in k.bank_fields]
    return f"{kind} questions do not take {name!r}; only {', '.join(takers)} questions do"


def _category_index(value: Any, options: list[str]) -> int | None:
    if _is_whole(value) and 0 <= int(value) < len(options):
        return int(value)
    if isinstance(value, str) and value.strip() in options:
        return options.index(value.strip())
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: Any) -> bool:
    return _is_number(value) and float(value).is_integer()


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "nothing"
    return type(value).__name__
