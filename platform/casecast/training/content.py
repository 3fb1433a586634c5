"""Training module content: parsing and checking the YAML a researcher edits.

Pure (no Django models): text in, a frozen `ModuleContent` or a `ContentError`
listing every problem with where it is ("steps[3].options: ...") out. The
checked content is stored as JSON on a `TrainingModuleVersion` row.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import yaml

from casecast.core.safe_load import DocumentRefused, yaml_load

CALIBRATION = "calibration"
DEBIASING = "debiasing"
MODULE_KEYS = (CALIBRATION, DEBIASING)
LESSON = "lesson"
CONFIDENCE = "confidence"
# Two-alternative questions: "How sure are you?" from a guess (50%) to certain (100%).
CONFIDENCE_LEVELS = (50, 60, 70, 80, 90, 100)
MIN_CALIBRATION_QUESTIONS = 20
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")


class ContentError(ValueError):
    """The YAML cannot be used; `problems` says where and why, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Check:
    """A multiple-choice check question with feedback explaining the right answer."""

    question: str
    options: list[str]
    correct: int  # 0-based index into options
    explanation: str


@dataclass(frozen=True)
class Step:
    key: str
    type: str  # LESSON or CONFIDENCE
    title: str = ""
    body: str = ""
    check: Check | None = None
    question: str = ""
    options: list[str] = field(default_factory=list)
    correct: int = 0
    explanation: str = ""


@dataclass(frozen=True)
class ModuleContent:
    key: str
    title: str
    intro: str
    steps: list[Step]
    notice: str = ""  # shown to participants on the module's first page
    summary: str = ""
    researcher_note: str = ""  # shown to researchers only (staff pages), never to participants

    @property
    def confidence_steps(self) -> list[Step]:
        return [step for step in self.steps if step.type == CONFIDENCE]

    @property
    def lesson_steps(self) -> list[Step]:
        return [step for step in self.steps if step.type == LESSON]

    @property
    def outline(self) -> str:
        """What the module holds, counted the way the step pages count it.

        "There are 25 steps: 1 page to read and 24 questions. Then you will see your results."
        """
        lessons, questions = self.lesson_steps, self.confidence_steps
        parts = []
        if lessons:
            checks = sum(1 for step in lessons if step.check is not None)
            pages = _count(len(lessons), "page") + " to read"
            if checks and checks == len(lessons) and len(lessons) > 1:
                pages += ", each with a question"
            elif checks:
                pages += f" ({checks} with a question)"
            parts.append(pages)
        if questions:
            parts.append(_count(len(questions), "question"))
        total = len(self.steps)
        steps = "There is 1 step" if total == 1 else f"There are {total} steps"
        return f"{steps}: {' and '.join(parts)}. Then you will see your results."

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun if n == 1 else noun + 's'}"


EXAMPLE_CONTENT = "Example content — replace before use."
# The bundled calibration module once carried this researchers' note as its
# `notice`, which participants see. Versions saved from it (and YAML downloaded
# from them) still do: read it as the researchers' note it always was.
_LEGACY_RESEARCHER_NOTICES = frozenset(
    {
        "The questions below are general knowledge with answers you can check in any "
        "encyclopaedia. They are a starting set: replace or extend them before use if your "
        "study needs its own."
    }
)


def _legacy_notice_moved(data: dict[str, Any]) -> dict[str, Any]:
    notice = " ".join(str(data.get("notice") or "").split())
    if notice in _LEGACY_RESEARCHER_NOTICES and not data.get("researcher_note"):
        return {**data, "notice": "", "researcher_note": f"{EXAMPLE_CONTENT} {notice}"}
    return data


def module_from_json(data: dict[str, Any]) -> ModuleContent:
    """Rebuild stored (already checked) content."""
    data = _legacy_notice_moved(data)
    steps = []
    for raw in data["steps"]:
        check = Check(**raw["check"]) if raw.get("check") else None
        steps.append(Step(**{**raw, "check": check}))
    return ModuleContent(**{**data, "steps": steps})


def bundled_yaml(*, key: str) -> str:
    """The module content shipped with Casecast (the first version of every study's module)."""
    folder = resources.files("casecast.training") / "demo_content"
    return (folder / f"{key}.yaml").read_text(encoding="utf-8")


def module_to_yaml(content: ModuleContent) -> str:
    """The editable YAML form of stored content (1-based `correct`, as researchers write it)."""
    data: dict[str, Any] = {"key": content.key, "title": content.title}
    if content.researcher_note:
        data["researcher_note"] = content.researcher_note
    if content.notice:
        data["notice"] = content.notice
    data["intro"] = content.intro
    if content.summary:
        data["summary"] = content.summary
    data["steps"] = [_step_to_yaml(step) for step in content.steps]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _step_to_yaml(step: Step) -> dict[str, Any]:
    if step.type == CONFIDENCE:
        out: dict[str, Any] = {
            "key": step.key,
            "type": CONFIDENCE,
            "question": step.question,
            "options": list(step.options),
            "correct": step.correct + 1,
        }
        if step.explanation:
            out["explanation"] = step.explanation
        return out
    out = {"key": step.key, "type": LESSON, "title": step.title, "body": step.body}
    if step.check is not None:
        out["check"] = {
            "question": step.check.question,
            "options": list(step.check.options),
            "correct": step.check.correct + 1,
            "explanation": step.check.explanation,
        }
    return out


# --- Parsing -----------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)

    def text(self, data: dict[str, Any], name: str, where: str, *, required: bool = True) -> str:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(f"{where}{name}", "is missing")
            return ""
        if not isinstance(value, str | int | float):
            self.add(f"{where}{name}", "must be text")
            return ""
        return str(value).strip()

    def options(self, data: dict[str, Any], where: str, *, exactly: int | None) -> list[str]:
        value = data.get("options")
        if not isinstance(value, list) or not all(isinstance(o, str | int | float) for o in value):
            self.add(f"{where}options", "must be a list of answers")
            return []
        options = [str(option).strip() for option in value]
        if exactly is not None and len(options) != exactly:
            self.add(f"{where}options", f"needs exactly {exactly} answers, not {len(options)}")
        elif not 2 <= len(options) <= 6:
            self.add(f"{where}options", "needs 2 to 6 answers")
        if any(not option for option in options):
            self.add(f"{where}options", "has an empty answer")
        return options

    def correct(self, data: dict[str, Any], where: str, count: int) -> int:
        value = data.get("correct")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max(count, 1):
            self.add(f"{where}correct", f"must be the number of the right answer, 1 to {count}")
            return 0
        return value - 1


def module_parse(text: str, *, key: str) -> ModuleContent:
    """Parse and check a module's YAML. Raises ContentError listing every problem."""
    try:
        data = yaml_load(text)
    except DocumentRefused as refused:
        where = f"line {refused.line}: " if refused.line else ""
        raise ContentError([f"{where}{refused.reason}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ContentError([f"{where + ': ' if where else ''}this is not valid YAML"]) from None
    if not isinstance(data, dict):
        raise ContentError(["the file must be a YAML mapping with title, intro and steps"])
    data = _legacy_notice_moved(data)
    problems = _Problems()
    if data.get("key", key) != key:
        problems.add("key", f"this is the '{key}' module, not '{data.get('key')}'")
    content = ModuleContent(
        key=key,
        title=problems.text(data, "title", ""),
        intro=problems.text(data, "intro", ""),
        notice=problems.text(data, "notice", "", required=False),
        researcher_note=problems.text(data, "researcher_note", "", required=False),
        summary=problems.text(data, "summary", "", required=False),
        steps=_steps(data.get("steps"), problems),
    )
    _module_rules(content, problems)
    if problems.items:
        raise ContentError(problems.items)
    return content


def _steps(raw: Any, problems: _Problems) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        problems.add("steps", "must be a list with at least one step")
        return []
    steps: list[Step] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"steps[{index + 1}]."
        if not isinstance(item, dict):
            problems.add(f"steps[{index + 1}]", "must be a mapping")
            continue
        step_key = str(item.get("key", "")).strip()
        if not _KEY.match(step_key):
            problems.add(f"{where}key", "use lower-case letters, digits and hyphens")
        elif step_key in seen:
            problems.add(f"{where}key", f"'{step_key}' is used by another step")
        seen.add(step_key)
        kind = item.get("type")
        if kind == LESSON:
            steps.append(_lesson(item, step_key, where, problems))
        elif kind == CONFIDENCE:
            steps.append(_confidence(item, step_key, where, problems))
        else:
            problems.add(f"{where}type", f"must be '{LESSON}' or '{CONFIDENCE}'")
    return steps


def _lesson(item: dict[str, Any], key: str, where: str, problems: _Problems) -> Step:
    check = None
    raw = item.get("check")
    if raw is not None:
        if not isinstance(raw, dict):
            problems.add(f"{where}check", "must be a mapping")
        else:
            cw = f"{where}check."
            options = problems.options(raw, cw, exactly=None)
            check = Check(
                question=problems.text(raw, "question", cw),
                options=options,
                correct=problems.correct(raw, cw, len(options)),
                explanation=problems.text(raw, "explanation", cw),
            )
    return Step(
        key=key,
        type=LESSON,
        title=problems.text(item, "title", where),
        body=problems.text(item, "body", where),
        check=check,
    )


def _confidence(item: dict[str, Any], key: str, where: str, problems: _Problems) -> Step:
    options = problems.options(item, where, exactly=2)
    return Step(
        key=key,
        type=CONFIDENCE,
        question=problems.text(item, "question", where),
        options=options,
        correct=problems.correct(item, where, len(options)),
        explanation=problems.text(item, "explanation", where, required=False),
    )


def _module_rules(content: ModuleContent, problems: _Problems) -> None:
    questions = len(content.confidence_steps)
    if content.key == CALIBRATION and questions < MIN_CALIBRATION_QUESTIONS:
        problems.add(
            "steps",
            f"calibration training needs at least {MIN_CALIBRATION_QUESTIONS} "
            f"confidence questions (found {questions})",
        )
    if content.key == DEBIASING and not any(s.check for s in content.steps):
        problems.add("steps", "debiasing training needs at least one lesson with a check question")
