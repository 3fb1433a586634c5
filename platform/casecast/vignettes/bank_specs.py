"""A vignette bank's normalised content: what a clean validation returns.

Defaults are filled in, so two specs compare equal exactly when an import
would change nothing; `bank.py` compares them against stored versions and
`bank_format.py` writes them back out as YAML, JSON or CSV.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from casecast.vignettes.models import VignetteVersion

VIGNETTE_FIELDS = {
    "key",
    "title",
    "summary",
    "difficulty",
    "tags",
    "source",
    "source_note",
    "family",
    "stages",
}


@dataclass(frozen=True)
class OutcomeSpec:
    binary: bool | None = None
    category: int | None = None
    numeric: float | None = None
    known_at: dt.date | None = None
    source: str = ""

    @property
    def value(self) -> bool | int | float | None:
        for value in (self.binary, self.category, self.numeric):
            if value is not None:
                return value
        return None


@dataclass
class QuestionSpec:
    key: str
    kind: str
    text: str
    help_text: str = ""
    required: bool = True
    options: list[str] = field(default_factory=list)
    numeric_format: str = ""
    interval_confidence: int | None = None
    unit: str = ""
    confidence_scale: list[str] = field(default_factory=list)
    relates_to: str = ""
    earlier: str = ""
    base_rate: float | None = None
    base_rate_note: str = ""
    outcome: OutcomeSpec | None = None

    def content(self) -> dict[str, Any]:
        """Everything a participant sees; the outcome is not content."""
        content = asdict(self)
        del content["outcome"]
        return content


@dataclass
class StageSpec:
    title: str
    body: str
    questions: list[QuestionSpec] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": self.body,
            "questions": [question.content() for question in self.questions],
        }


@dataclass
class VignetteSpec:
    key: str
    title: str
    summary: str = ""
    difficulty: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = VignetteVersion.Source.FICTIONAL
    source_note: str = ""
    family: list[dict[str, Any]] = field(default_factory=list)
    stages: list[StageSpec] = field(default_factory=list)

    def content(self) -> dict[str, Any]:
        content = {name: getattr(self, name) for name in VIGNETTE_FIELDS if name != "stages"}
        content["stages"] = [stage.content() for stage in self.stages]
        return content

    def questions(self) -> Iterator[tuple[int, QuestionSpec]]:
        for stage_index, stage in enumerate(self.stages):
            for question in stage.questions:
                yield stage_index, question
